"""The window's files: its Save takes the lock ``mlp-gui train`` holds (item 3), and a FIFO where the remembered
settings live never keeps it from starting (item 7)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.run_lock import ChangedOnDiskError, FileStamp, LockedError
from mlp_gui.gui import run_files
from tests import launch_in_process, window_reuse
from tests import lent_window as lending
from tests.cli_calls import exit_code
from tests.launch_in_process import refused_before_window

# the window's Save tests share one window, lent in turn (a fresh run put back after each, the window and its controls checked)
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

launch_here = launch_in_process.launch_here  # the fixture: the window launched in this process

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run():
    trainer = Trainer.new(TrainConfig())
    trainer.step(110)
    return run_from_trainer(trainer)


def test_the_windows_save_waits_for_no_one_and_names_who_holds_the_file(tmp_path, run):
    path = tmp_path / "r.npz"
    holder = subprocess.Popen([sys.executable, "-m", "mlp_gui", "train", "--epochs", "100000000", "--notebook", "--save",
                               str(path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        holder.stdout.readline()  # training: it holds the lock
        with pytest.raises(LockedError, match=rf"in use by pid {holder.pid} \(mlp-gui train, pid {holder.pid}\)"):
            run_files.write_run(path, run)
        assert not path.exists()
    finally:
        holder.terminate()
        holder.communicate(timeout=60)
    assert load_run(path).epochs != 110  # the CLI saved its own run, and the window's never replaced it
    stamp = FileStamp.of(path)
    assert run_files.write_run(path, run, unchanged_since=stamp) == f"Saved 110 epochs to {path}"
    with pytest.raises(ChangedOnDiskError):
        run_files.write_run(path, run, unchanged_since=stamp)  # saved since the stamp (by us, here)


FIFO_SETTINGS = textwrap.dedent(
    """
    import os, sys
    folder = os.path.join(sys.argv[1], "mlp-gui")
    os.makedirs(folder)
    os.mkfifo(os.path.join(folder, sys.argv[2]))
    from mlp_gui.gui import remembered
    values = remembered.load_values()
    remembered.save_config(remembered.config_of(values), 5)
    print(values["seed"], remembered.kept_runs_path().parent != folder)
    """
)


@pytest.mark.parametrize("fifo", ["mlp-gui.ini", "../mlp-gui.ini"])
def test_a_fifo_as_the_settings_file_does_not_hang_the_start(tmp_path, fifo):
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", FIFO_SETTINGS, str(tmp_path), fifo], capture_output=True, text=True,
                            timeout=30, cwd=ROOT, env=env)
    assert result.returncode == 0 and result.stdout.split() == ["12345", "True"], result.stderr
    assert "is a named pipe (FIFO), not a settings file: settings are not remembered" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# the window where fcntl and resource are missing: test_gui_launch.py's
# test_run_screenshot_and_exit_even_where_fcntl_and_resource_are_missing (one launch checks that and the screenshot)


def test_flags_contradicting_an_opened_run_are_refused_as_train_refuses_them(launch_here, tmp_path, run):
    path = tmp_path / "r.npz"
    run_files.write_run(path, run)
    done = launch_here.cli(str(path), "--activation", "relu", "--data", "xor", "--exit-when-done", loop=False)
    assert done.code == 2 and "--activation relu differs from the saved run's sigmoid" in done.err, done.err
    assert len(done.err.strip().splitlines()) == 1, done.err


def test_a_fifo_as_the_screenshot_is_refused_before_the_run(tmp_path, capsys, monkeypatch):
    fifo = tmp_path / "shot.png"
    os.mkfifo(fifo)
    code, _, err = refused_before_window(capsys, monkeypatch, "--screenshot", str(fifo), "--exit-when-done", "--epochs", "10")
    assert code == 2 and "--screenshot" in err and "FIFO" in err, err
    assert len(err.strip().splitlines()) == 1 and fifo.is_fifo()


@pytest.mark.parametrize(("name", "problem"), [("shots", "is a folder, not a file that can be replaced"),
                                               ("gone/shot.png", "does not exist")])
def test_a_screenshot_that_could_not_be_written_is_refused_before_the_run(tmp_path, capsys, monkeypatch, name, problem):
    """A folder (or a missing one) as --screenshot was found out only after the whole run, with exit 1."""
    (tmp_path / "shots").mkdir()
    code, _, err = refused_before_window(capsys, monkeypatch, "--screenshot", str(tmp_path / name), "--exit-when-done",
                                         "--epochs", "10")
    assert code == 2 and err.startswith(f"mlp-gui: error: --screenshot {tmp_path / name}: "), err
    assert problem in err and len(err.strip().splitlines()) == 1, err


# ---------------------------------------------------------------- the window's Save (item 3), through the window

#: holds a run file's lock as ``mlp-gui train`` does until its stdin closes
HOLD_LOCK = textwrap.dedent(
    """
    import sys
    from mlp_gui.core.run_lock import RunFileLock
    with RunFileLock(sys.argv[1], "mlp-gui train, pid holding it"):
        print("locked", flush=True)
        sys.stdin.read()
    """
)


def trained(window, qtbot, epochs: int) -> None:
    """Train ``epochs`` more with Step, as a student would, and wait until the window is idle."""
    from tests.gui_helpers import TIMEOUT_MS

    target = window.session.epoch + epochs
    window.step(epochs)
    qtbot.waitUntil(lambda: window.session.epoch == target and not window.session.state.busy, timeout=TIMEOUT_MS)


class Answers:
    """Answers File ▸ Save run's questions (in use, changed on disk) in turn, and keeps what they said."""

    def __init__(self, monkeypatch, *answers: str | None) -> None:
        from mlp_gui.gui import save_questions

        self.answers, self.asked = list(answers), []
        monkeypatch.setattr(save_questions, "in_use", lambda parent, text: self._answer("in use", text))
        monkeypatch.setattr(save_questions, "changed_on_disk", lambda parent, text: self._answer("changed", text))

    def _answer(self, kind: str, text: str) -> str | None:
        self.asked.append((kind, text))
        return self.answers.pop(0)


def save_as_answers(monkeypatch, path: Path) -> list[str]:
    """The save dialog answers ``path``; the names it was opened at."""
    from PySide6.QtWidgets import QFileDialog

    offered: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, title, start, filters: offered.append(start)
                        or (str(path), "Runs (*.npz)"))
    return offered


def test_save_refuses_a_file_another_process_holds_naming_its_pid(lent_window, qtbot, tmp_path, monkeypatch):
    window = lent_window
    path, other = tmp_path / "r.npz", tmp_path / "mine.npz"
    trained(window, qtbot, 3)
    window.save_run_to(path)
    before = path.read_bytes()
    trained(window, qtbot, 2)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        answers = Answers(monkeypatch, None, "save_as")  # Cancel, then Save As…
        window.save_run_to(path)
        ((kind, text),) = answers.asked
        assert kind == "in use" and f"in use by pid {holder.pid} (mlp-gui train, pid holding it)" in text
        assert f"pid {holder.pid}" in window.statusBar().currentMessage() and window.isWindowModified()
        assert path.read_bytes() == before  # untouched
        offered = save_as_answers(monkeypatch, other)
        window.save_run_to(path)
        assert [kind for kind, _ in answers.asked] == ["in use", "in use"]
        assert offered == [str(tmp_path / "r-copy.npz")]  # Save As… offers a name beside the file in use
    finally:
        holder.communicate(input="", timeout=30)
    assert path.read_bytes() == before
    assert load_run(other).epochs == 5 and window.run_path == other and not window.isWindowModified()
    assert window.windowTitle().startswith("mine.npz")


def changed_elsewhere(path: Path) -> bytes:
    """``mlp-gui train --resume`` continues the run in ``path`` and saves it (as another process would, called here: the
    window tells a change on disk by the file, not by who made it); its bytes."""
    from mlp_gui.cli import main

    assert exit_code(main, ["train", "--resume", str(path), "--epochs", "7", "--no-progress"]) == 0
    return path.read_bytes()


def test_save_never_silently_replaces_a_file_changed_on_disk_since_it_was_opened(lent_window, qtbot, tmp_path, monkeypatch):
    window = lent_window
    path = tmp_path / "r.npz"
    trainer = Trainer.new(TrainConfig())
    trainer.step(10)
    save_run(path, run_from_trainer(trainer))
    assert window.open_run_from(path)
    qtbot.waitUntil(lambda: window.run_path == path and window.session.epoch == 10)
    trained(window, qtbot, 4)
    theirs = changed_elsewhere(path)  # 17 epochs, saved while the window had the file open
    answers = Answers(monkeypatch, None)  # Cancel
    window.save_run_to(path)
    ((kind, text),) = answers.asked
    assert kind == "changed" and "r.npz was changed on disk since this window opened it" in text
    assert "changed on disk" in window.statusBar().currentMessage()
    assert path.read_bytes() == theirs and window.isWindowModified()
    answers.answers.append("replace")
    window.save_run_to(path)
    assert load_run(path).epochs == 14 and not window.isWindowModified()
    trained(window, qtbot, 1)
    window.save_run_to(path)  # its own save is no change on disk: no question
    assert load_run(path).epochs == 15 and len(answers.asked) == 2
    theirs = changed_elsewhere(path)
    answers.answers.append(None)
    trained(window, qtbot, 1)
    window.save_run_to(path)
    assert "since this window saved it" in answers.asked[-1][1] and path.read_bytes() == theirs


def test_save_as_from_the_changed_on_disk_question_keeps_both(lent_window, qtbot, tmp_path, monkeypatch):
    window = lent_window
    path, other = tmp_path / "r.npz", tmp_path / "copy.npz"
    trained(window, qtbot, 3)
    window.save_run_to(path)
    trained(window, qtbot, 3)
    theirs = changed_elsewhere(path)
    answers = Answers(monkeypatch, "save_as")
    save_as_answers(monkeypatch, other)
    window.save_run_to(path)
    assert [kind for kind, _ in answers.asked] == ["changed"]
    assert path.read_bytes() == theirs and load_run(other).epochs == 6 and window.run_path == other
    assert str(other) in window.statusBar().currentMessage()


def test_a_file_gone_since_it_was_opened_is_saved_again_without_a_question(lent_window, qtbot, tmp_path, monkeypatch):
    window = lent_window
    path = tmp_path / "r.npz"
    trained(window, qtbot, 3)
    window.save_run_to(path)
    path.unlink()
    answers = Answers(monkeypatch)
    window.save_run_to(path)
    assert load_run(path).epochs == 3 and answers.asked == []


def test_what_opening_left_out_is_said_in_the_status_bar(lent_window, qtbot, tmp_path):
    """A file with more snapshots than a run of its size keeps opens with what fits, and the status bar says so."""
    window = lent_window
    path = tmp_path / "many.npz"
    trainer = Trainer.new(TrainConfig(layers=(1, 4096, 1), data="sine"))  # 12,289 parameters: the budget holds 682
    trainer.step(1)
    save_run(path, run_from_trainer(trainer))
    with np.load(path) as data:
        arrays = dict(data)
    rows, size = 690, arrays["snapshot_params"].shape[1]  # as files resumed before the budget held on resume are
    arrays |= {"loss": np.linspace(1.0, 0.5, 2 * rows + 1), "snapshot_epochs": np.arange(0, 2 * rows, 2),
               # row i all i; written from a view (np.save streams it): the 66 MB never held twice
               "snapshot_params": np.broadcast_to(np.arange(rows, dtype=float)[:, None], (rows, size))}
    arrays |= {name: np.resize(arrays[name], 2 * rows + 1) for name in ("test_loss", "accuracy", "test_accuracy")}
    np.savez(path, **arrays)
    assert window.open_run_from(path), window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.run_path == path)
    message = window.statusBar().currentMessage()
    assert message.startswith("Opened 1,380 epochs from many.npz; kept 682 of the file's 690 snapshots"), message


@pytest.mark.parametrize(("ask", "click", "answer"), [("changed_on_disk", "Replace", "replace"),
                                                      ("changed_on_disk", "Save As…", "save_as"),
                                                      ("changed_on_disk", "Cancel", None),
                                                      ("in_use", "Save As…", "save_as"), ("in_use", "Cancel", None)])
def test_the_questions_buttons(qtbot, monkeypatch, ask, click, answer):
    """In use: Save As… or Cancel; changed on disk: Save As…, Replace or Cancel (the real box, its button clicked)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

    from mlp_gui.gui import save_questions

    monkeypatch.setattr(QMessageBox, "exec", lambda box: QDialog.exec(box))  # answered below, by a click
    seen = []

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        buttons = {button.text().replace("&", ""): button for button in box.buttons()}
        seen.append((box.text(), sorted(buttons)))
        buttons[click].click()

    QTimer.singleShot(0, press)
    assert getattr(save_questions, ask)(None, "the question") == answer
    offered = ["Cancel", "Replace", "Save As…"] if ask == "changed_on_disk" else ["Cancel", "Save As…"]
    assert seen == [("the question", offered)]
