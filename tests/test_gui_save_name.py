"""File ▸ Save run (Ctrl+S) after opening a run file proposes that file, in its folder, not ``run.npz``; saving to it
still goes through the lock and the changed-on-disk check."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from mlp_gui.core import TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.gui import save_questions
from mlp_gui.gui.app import Launcher
from mlp_gui.launch import LaunchOptions
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS

# the tests share one window, lent in turn (a fresh run put back after each, the window and its controls checked)
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def saved_run_file(path: Path, epochs: int) -> Path:
    trainer = Trainer.new(TrainConfig())
    trainer.step(epochs)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_run(path, run_from_trainer(trainer))
    return path


def stepped(window, qtbot, epochs: int) -> None:
    target = window.session.epoch + epochs
    window.step(epochs)
    qtbot.waitUntil(lambda: window.session.epoch == target and not window.session.state.busy, timeout=TIMEOUT_MS)


def save_dialog_accepts_what_it_offers(monkeypatch) -> list[str]:
    """The save dialog answers with the name it was opened at; the names it was opened at."""
    offered: list[str] = []

    def answer(parent, title, start, filters):
        offered.append(start)
        return start, "Runs (*.npz)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return offered


def press_ctrl_s(window, qtbot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def opened_by_menu(window, path: Path) -> None:
    assert window.open_run_from(path)


def opened_by_command_line(window, path: Path) -> None:
    assert Launcher(window, LaunchOptions(run_file=path)).open_file()


@pytest.mark.parametrize("open_it", [opened_by_menu, opened_by_command_line])
def test_save_proposes_the_opened_file_and_saves_back_to_it(lent_window, qtbot, tmp_path, monkeypatch, open_it):
    window = lent_window
    path = saved_run_file(tmp_path / "lessons" / "myrun.npz", 20)
    open_it(window, path)
    qtbot.waitUntil(lambda: window.session.epoch == 20, timeout=TIMEOUT_MS)
    stepped(window, qtbot, 3)
    offered = save_dialog_accepts_what_it_offers(monkeypatch)
    press_ctrl_s(window, qtbot)
    assert offered == [str(path)]  # its name, in its folder
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=TIMEOUT_MS)
    assert load_run(path).epochs == 23 and window.run_path == path
    assert window.windowTitle().startswith("myrun.npz")


def test_saving_back_to_the_opened_file_still_asks_when_it_changed_on_disk(lent_window, qtbot, tmp_path, monkeypatch):
    window = lent_window
    path = saved_run_file(tmp_path / "myrun.npz", 20)
    assert window.open_run_from(path)
    qtbot.waitUntil(lambda: window.session.epoch == 20, timeout=TIMEOUT_MS)
    stepped(window, qtbot, 2)
    saved_run_file(path, 40)  # another program saved to it since
    asked = []
    monkeypatch.setattr(save_questions, "changed_on_disk", lambda parent, text: asked.append(text))  # Cancel
    offered = save_dialog_accepts_what_it_offers(monkeypatch)
    press_ctrl_s(window, qtbot)
    assert offered == [str(path)]
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=TIMEOUT_MS)
    assert "myrun.npz was changed on disk" in asked[0]
    assert load_run(path).epochs == 40 and window.isWindowModified()  # the other program's run is still there


def test_a_new_run_is_proposed_as_run_npz_in_the_last_folder(lent_window, qtbot, tmp_path, monkeypatch):
    window = lent_window
    path = saved_run_file(tmp_path / "elsewhere" / "myrun.npz", 5)
    assert window.open_run_from(path)
    qtbot.waitUntil(lambda: window.session.epoch == 5, timeout=TIMEOUT_MS)
    window.reset()
    qtbot.waitUntil(lambda: window.session.epoch == 0, timeout=TIMEOUT_MS)
    stepped(window, qtbot, 2)
    offered: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, title, start, filters: offered.append(start)
                        or ("", ""))  # cancelled
    press_ctrl_s(window, qtbot)
    assert offered == [str(path.parent / "run.npz")]  # not the file's name: this run is not that file's
