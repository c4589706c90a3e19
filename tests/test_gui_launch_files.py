"""The window opened from the command line with a run file or a screenshot path (issue 17 items 7, 10 and 17): flags
that contradict the run are refused as ``train --resume`` refuses them, epochs beyond memory are refused before
anything is allocated, the run's notes are printed, and a screenshot is only ever written to a regular file."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mlp_gui.core import TrainConfig, Trainer, run_from_trainer, save_run
from mlp_gui.launch import LaunchOptions
from tests.test_gui_launch import fresh_env, launch

RUN_WINDOW = """
import sys
from pathlib import Path
from mlp_gui.core import TrainConfig
from mlp_gui.gui.app import application, run_window
from mlp_gui.launch import LaunchOptions

application()
options = LaunchOptions({options})
sys.exit(run_window(options))
"""


def said(stderr: str) -> list[str]:
    """The lines mlp-gui printed (Qt's offscreen platform adds a warning of its own)."""
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("mlp-gui")]


def run_window_with(options: str, timeout: int = 90) -> subprocess.CompletedProcess:
    """``run_window`` in a child process (the window's own path, not the command line's checks), with a timeout."""
    return subprocess.run([sys.executable, "-c", RUN_WINDOW.format(options=options)], capture_output=True, text=True,
                          timeout=timeout, env=fresh_env())


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    trainer = Trainer.new(TrainConfig())
    trainer.step(200)
    return save_run(tmp_path_factory.mktemp("runs") / "run.npz", run_from_trainer(trainer))


def test_flags_that_contradict_the_opened_run_are_refused_in_one_line(run_file):
    done = launch(str(run_file), "--activation", "relu", "--data", "xor", timeout=90)
    assert done.returncode == 2, done.stderr
    lines = said(done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"mlp-gui: error: {run_file}: --") and "differs from the saved run's" in lines[0]
    assert "only --stepsize and --epochs can change" in lines[0]


def test_epochs_beyond_memory_for_an_opened_run_are_refused_before_anything_is_allocated(run_file):
    done = run_window_with(f"run_file=Path({str(run_file)!r}), epochs=10**12, explicit=frozenset({{'epochs'}}), "
                           "run=True, exit_when_done=True")
    assert done.returncode == 2, done.stderr
    lines = said(done.stderr)
    assert len(lines) == 1 and "reduce epochs" in lines[0] and "MemoryError" not in done.stderr, done.stderr


def test_an_opened_runs_notes_are_printed(window, tmp_path, capsys):
    """A run an earlier version let train cross-entropy on the notebook's randn targets: it opens, and says so."""
    from mlp_gui.gui.app import Launcher

    trainer = Trainer.new(TrainConfig(output="sigmoid", loss="cross-entropy"))  # as the earlier versions' settings allowed
    trainer.step(50)
    path = save_run(tmp_path / "earlier.npz", run_from_trainer(trainer))
    assert Launcher(window, LaunchOptions(run_file=path)).open_file()
    err = capsys.readouterr().err
    assert f"mlp-gui: {path}: made by an earlier version with loss cross-entropy on data notebook" in err
    assert window.session.epoch == 50 and "earlier version" in window.run_panel.note_text
    assert "loss" in window.form.errors and not window.run_panel.start_button.isEnabled()  # looked at, not continued


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_as_the_screenshot_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "shot.png"
    os.mkfifo(fifo)
    done = run_window_with(f"config=TrainConfig(), epochs=20, run=True, exit_when_done=True, screenshot=Path({str(fifo)!r})")
    assert done.returncode == 1, done.stderr
    assert f"could not write screenshot {fifo}" in done.stderr and "named pipe" in done.stderr
    assert len(said(done.stderr)) == 1, done.stderr
    assert fifo.exists() and not fifo.is_file()  # left as it was


def test_a_screenshot_replaces_its_file_whole(tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"old")
    done = run_window_with(f"config=TrainConfig(), epochs=20, run=True, exit_when_done=True, screenshot=Path({str(shot)!r})")
    assert done.returncode == 0, done.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and not [p for p in tmp_path.iterdir() if p != shot]


def test_an_unattended_run_on_a_csv_waits_for_the_file_then_trains(qtbot, isolated_settings, tmp_path):
    """The form reads the file off the GUI thread: --run starts once it has been read, not before (nor never)."""
    from mlp_gui.gui.app import Launcher
    from mlp_gui.gui.session import RunState
    from mlp_gui.gui.window import MainWindow
    from tests.gui_helpers import wait_state

    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "\n".join(f"{i % 7 / 7},{i % 5 / 5},{i % 2}" for i in range(60)) + "\n")
    config = TrainConfig(data=str(path), layers=(2, 4, 1), output="sigmoid", loss="cross-entropy")
    window = MainWindow(config, epochs=30)  # as a script's window gets its settings
    qtbot.addWidget(window)
    launcher = Launcher(window, LaunchOptions(config=config, epochs=30, run=True))
    window.show()
    launcher.begin()
    assert window.form.reading == "d.csv"  # begun before the file was read: it waits
    wait_state(window, qtbot, RunState.FINISHED)
    assert window.session.epoch == 30 and launcher.exit_code == 0
    window.close()


def test_an_unattended_run_on_a_csv_that_will_not_do_says_why_and_exits_2(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,label\n1,x,0\n2,3,1\n")
    done = launch("--data", str(path), "--layers", "2,4,1", "--epochs", "30", "--run", "--exit-when-done", timeout=90)
    assert done.returncode == 2, done.stderr
    lines = said(done.stderr)
    assert len(lines) == 1 and "line 2, column 2 ('b')" in lines[0], done.stderr
