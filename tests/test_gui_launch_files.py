"""The window opened from the command line with a run file or a screenshot path (issue 17 items 7, 10 and 17): flags
that contradict the run are refused as ``train --resume`` refuses them, epochs beyond memory are refused before
anything is allocated, the run's notes are printed, and a screenshot is only ever written to a regular file."""

from __future__ import annotations

import os

import pytest

from mlp_gui.core import TrainConfig, Trainer, run_from_trainer, save_run
from mlp_gui.launch import LaunchOptions
from tests import launch_in_process, window_reuse
from tests import lent_window as lending

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

launch_here = launch_in_process.launch_here  # the fixture: the window launched in this process

# Each launch runs in this process (tests/launch_in_process.py): none of these claims is about the process itself.


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    trainer = Trainer.new(TrainConfig())
    trainer.step(200)
    return save_run(tmp_path_factory.mktemp("runs") / "run.npz", run_from_trainer(trainer))


def test_flags_that_contradict_the_opened_run_are_refused_in_one_line(launch_here, run_file):
    done = launch_here.cli(str(run_file), "--activation", "relu", "--data", "xor", loop=False)  # before the event loop
    assert done.code == 2, done.err
    lines = done.said()
    assert len(lines) == 1, done.err
    assert lines[0].startswith(f"mlp-gui: error: {run_file}: --") and "differs from the saved run's" in lines[0]
    assert "only --stepsize and --epochs can change" in lines[0]


def test_epochs_beyond_memory_for_an_opened_run_are_refused_before_anything_is_allocated(launch_here, run_file):
    options = LaunchOptions(run_file=run_file, epochs=10**12, explicit=frozenset({"epochs"}), run=True, exit_when_done=True)
    done = launch_here.window(options, loop=False)  # a MemoryError here would fail the test
    assert done.code == 2, done.err
    lines = done.said()
    assert len(lines) == 1 and "reduce epochs" in lines[0] and "MemoryError" not in done.err, done.err


def test_an_opened_runs_notes_are_printed(lent_window, tmp_path, capsys):
    """A run an earlier version let train cross-entropy on the notebook's randn targets: it opens, and says so."""
    from mlp_gui.gui.app import Launcher

    trainer = Trainer.new(TrainConfig(output="sigmoid", loss="cross-entropy"))  # as the earlier versions' settings allowed
    trainer.step(50)
    path = save_run(tmp_path / "earlier.npz", run_from_trainer(trainer))
    assert Launcher(lent_window, LaunchOptions(run_file=path)).open_file()
    err = capsys.readouterr().err
    assert f"mlp-gui: {path}: made by an earlier version with loss cross-entropy on data notebook" in err
    assert lent_window.session.epoch == 50 and "earlier version" in lent_window.run_panel.note_text
    assert "loss" in lent_window.form.errors and not lent_window.run_panel.start_button.isEnabled()  # looked at, not continued


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_as_the_screenshot_is_refused_without_hanging(launch_here, tmp_path):
    fifo = tmp_path / "shot.png"
    os.mkfifo(fifo)
    done = launch_here.window(LaunchOptions(config=TrainConfig(), epochs=20, run=True, exit_when_done=True, screenshot=fifo))
    assert done.code == 1, done.err
    assert f"could not write screenshot {fifo}" in done.err and "named pipe" in done.err
    assert len(done.said()) == 1, done.err
    assert fifo.exists() and not fifo.is_file()  # left as it was


def test_a_screenshot_replaces_its_file_whole(launch_here, tmp_path):
    folder = tmp_path / "shots"  # of its own: tmp_path holds this process's settings too
    folder.mkdir()
    shot = folder / "shot.png"
    shot.write_bytes(b"old")
    done = launch_here.window(LaunchOptions(config=TrainConfig(), epochs=20, run=True, exit_when_done=True, screenshot=shot))
    assert done.code == 0, done.err
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and not [p for p in folder.iterdir() if p != shot]


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


def test_an_unattended_run_on_a_csv_that_will_not_do_says_why_and_exits_2(launch_here, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,label\n1,x,0\n2,3,1\n")
    done = launch_here.cli("--data", str(path), "--layers", "2,4,1", "--epochs", "30", "--run", "--exit-when-done")
    assert done.code == 2, done.err
    lines = done.said()
    assert len(lines) == 1 and "line 2, column 2 ('b')" in lines[0], done.err
