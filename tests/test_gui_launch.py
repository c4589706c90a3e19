"""The window as the command line opens it: unattended runs, screenshots, exit codes, clean closing.

Each launch checks what it claims beyond the exit code: the screenshot is a drawn window, and the window's last
state (printed as it quits, tests/launch_checks.py, or read from it when launched in this process) is the run claimed.
A process of its own only where the process is the claim: the exit codes of real runs, quitting, signals, a memory cap;
the rest launch here (tests/launch_in_process.py).
"""

import signal
import subprocess
import sys

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer, run_from_trainer, save_run
from mlp_gui.launch import LaunchOptions
from tests import launch_in_process, window_reuse
from tests import lent_window as lending
from tests.gui_helpers import TIMEOUT_MS
from tests.launch_checks import REPORT_AT_QUIT, assert_window_screenshot, fresh_env, last_state, launch_reporting

launch_here = launch_in_process.launch_here  # the fixture: the window launched in this process
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


#: ``python -m mlp_gui ARGS`` (runpy runs it as -m does) where fcntl and resource are missing, as on Windows
WITHOUT_FCNTL = """
import runpy, sys
sys.modules["fcntl"] = None
sys.modules["resource"] = None
runpy.run_module("mlp_gui", run_name="__main__", alter_sys=True)
"""


def test_run_screenshot_and_exit_even_where_fcntl_and_resource_are_missing(tmp_path):
    """The command's exit code and screenshot, from a real process: one launch checks both claims, as the window runs
    where fcntl and resource cannot be imported (file locks and the memory cap are then optional)."""
    shot = tmp_path / "out.png"
    result = subprocess.run([sys.executable, "-c", WITHOUT_FCNTL, "--epochs", "2000", "--run", "--exit-when-done",
                             "--screenshot", str(shot)], capture_output=True, text=True, timeout=120, env=fresh_env())
    assert result.returncode == 0, f"the run did not exit 0 (without fcntl and resource):\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    assert "QThread" not in result.stderr, f"the training thread was not stopped before the process ended:\n{result.stderr}"
    assert_window_screenshot(shot)


def test_divergence_exits_non_zero_after_its_screenshot(tmp_path):
    """Stepsize 1000 blows up within a few epochs: the guard stops it, the screenshot still comes, the exit code is 1.
    A process of its own: no training thread may be left running as it ends (Qt would abort it)."""
    shot = tmp_path / "diverged.png"
    result = launch_reporting("--stepsize", "1000", "--epochs", "5000", "--run", "--exit-when-done", "--screenshot", str(shot))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "QThread" not in result.stderr
    state = last_state(result.stdout)
    assert state["guard_stopped"] == "True" and int(state["epoch"]) < 100, state  # stopped at once, not at 5,000
    assert_window_screenshot(shot)


def test_bad_run_file_exits_2_with_a_message(launch_here, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a run")
    done = launch_here.cli(str(bad), "--run", "--exit-when-done", loop=False)  # refused before the event loop
    assert done.code == 2, done.err
    assert "bad.npz" in done.err and "not an .npz file" in done.err and "Traceback" not in done.err


CLOSE_MID_RUN = """
import sys
from PySide6.QtCore import QTimer, Qt
from PySide6.QtTest import QTest
from mlp_gui.core import TrainConfig
from mlp_gui.gui import confirm
from mlp_gui.gui.app import application
from mlp_gui.gui.window import MainWindow
asked = []
confirm.quit_unsaved = lambda parent, epochs: asked.append(epochs) or True  # "Quit anyway?" Yes
app = application()
w = MainWindow(TrainConfig(), epochs=50_000_000)
w.show()
QTimer.singleShot(100, w.start_or_pause)
def quit_when_running():
    if w.session.epoch > 1000:
        QTest.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    else:
        QTimer.singleShot(50, quit_when_running)
QTimer.singleShot(300, quit_when_running)
app.exec()
print("asked", len(asked))
print("epochs", w.session.epoch)
"""


#: no close, no quit: the script ends while the thread trains; only the at-exit handler can stop it in time
AT_EXIT = """
import sys
from PySide6.QtCore import QEventLoop, QTimer
from mlp_gui.core import TrainConfig
from mlp_gui.gui.app import application
from mlp_gui.gui.window import MainWindow
app = application()
w = MainWindow(TrainConfig(), epochs=50_000_000)
w.show()
w.start_or_pause()
loop = QEventLoop()
def check():
    if w.session.epoch > 1000:
        loop.quit()
    else:
        QTimer.singleShot(50, check)
QTimer.singleShot(50, check)
loop.exec()
print("epochs", w.session.epoch)
"""


@pytest.mark.parametrize("how", ["ctrl+q", "app.quit", "interpreter exit"])
def test_quitting_mid_run_is_clean(how):
    code = {
        "ctrl+q": CLOSE_MID_RUN,
        "app.quit": CLOSE_MID_RUN.replace(  # as soon as it is running, as Ctrl+Q above (not after a fixed 800 ms)
            "QTest.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)", "app.quit()"),
        "interpreter exit": AT_EXIT,
    }[how]
    env = fresh_env()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert "QThread: Destroyed" not in result.stderr and "Traceback" not in result.stderr
    assert int(result.stdout.split()[-1]) > 1000
    if how != "interpreter exit":  # Ctrl+Q asks first about the unsaved epochs; a program's quit does not
        assert f"asked {1 if how == 'ctrl+q' else 0}" in result.stdout


SIGNALLED = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from mlp_gui.core import TrainConfig
from mlp_gui.gui.app import application, run_window
from mlp_gui.launch import LaunchOptions

application()


def report_training():
    windows = [w for w in QApplication.topLevelWidgets() if hasattr(w, "session")]
    if windows and windows[0].session.epoch > 1000:
        print("training", flush=True)
    else:
        QTimer.singleShot(50, report_training)

QTimer.singleShot(50, report_training)
sys.exit(run_window(LaunchOptions(config=TrainConfig(), epochs=100_000_000, run=True)))
"""
SIGNALLED = REPORT_AT_QUIT + SIGNALLED


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_in_the_terminal_closes_the_window_cleanly(signum, code):
    proc = subprocess.Popen([sys.executable, "-c", SIGNALLED], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=fresh_env())
    try:
        assert proc.stdout.readline().strip() == "training"
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # a failing test leaves no training process behind
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "QThread: Destroyed" not in err
    state = last_state(out)  # the window was closed (as Ctrl+Q closes it) with the run stopped, not killed mid-way
    assert state["visible"] == "False" and state["state"] != "RUNNING" and int(state["epoch"]) > 1000, state


def test_flags_continue_an_opened_run_and_a_different_network_is_refused(launch_here, tmp_path):
    """``mlp-gui run.npz --epochs 200`` adds 200 epochs to the saved 300, bit for bit as one straight run of 500."""
    trainer = Trainer.new(TrainConfig())
    trainer.step(300)
    path = save_run(tmp_path / "run.npz", run_from_trainer(trainer))
    shot = tmp_path / "shot.png"
    done = launch_here.cli(str(path), "--epochs", "200", "--run", "--exit-when-done", "--screenshot", str(shot))
    assert done.code == 0, done.err
    straight = Trainer.new(TrainConfig())
    straight.step(500)
    session = done.window.session
    assert (session.state.name, session.epoch, session.loss) == ("FINISHED", 500, straight.loss), (
        session.state, session.epoch, session.loss)
    assert_window_screenshot(shot)
    refused = launch_here.cli(str(path), "--layers", "3,8,2", "--run", "--exit-when-done", loop=False)
    said = refused.said()
    assert refused.code == 2 and len(said) == 1, refused.err
    assert "--layers" in said[0] and "differs from the" in said[0]


def test_a_stepsize_given_with_an_opened_run_is_the_one_every_view_uses(lent_window, qtbot, tmp_path):
    """``mlp-gui run.npz --stepsize 0.5`` trains at 0.5: ΔW, the weight panel's next value and the update ratio use it too."""
    from mlp_gui.gui.app import Launcher

    trainer = Trainer.new(TrainConfig())
    trainer.step(300)
    path = save_run(tmp_path / "run.npz", run_from_trainer(trainer))
    lent_window.actions["show_updates"].setChecked(True)
    options = LaunchOptions(config=TrainConfig(stepsize=0.5), explicit=frozenset({"stepsize"}), run_file=path)
    assert Launcher(lent_window, options).open_file()  # the path the command line takes
    assert lent_window.session.config.stepsize == 0.5 and lent_window.form.edits["stepsize"].text() == "0.5"
    lent_window.heatmaps.flush()
    snap = lent_window.session.snapshot
    assert snap.epoch == 300 and len(lent_window.heatmaps.updates) == 3
    for view, grad in zip(lent_window.heatmaps.updates, snap.grads):
        np.testing.assert_array_equal(view.matrix, -0.5 * grad.W)
        np.testing.assert_array_equal(view.bias, -0.5 * grad.b)
    assert "−0.5·∂L/∂W" in lent_window.heatmaps.headers[2].text
    lent_window.heatmaps.cell_clicked.emit("W", 1, 2, 0)  # the weight panel explains W1[2, 0]
    panel = lent_window.weight_panel
    qtbot.waitUntil(lambda: panel.step is not None and panel.step.epoch == 300, timeout=TIMEOUT_MS)
    assert panel.step.stepsize == 0.5
    predicted = panel.step.next_value
    assert lent_window.flow.stepsize == 0.5  # the gradient flow's update ratio for the newest snapshot
    lent_window.step(1)
    qtbot.waitUntil(lambda: lent_window.session.epoch == 301 and not lent_window.session.state.busy, timeout=TIMEOUT_MS)
    assert lent_window.session.snapshot.layers[0].W[2, 0] == predicted  # what the panel said the step would give
    rows = lent_window.flow.rows()
    np.testing.assert_allclose(rows.update[-1], 0.5 * rows.grad[-1], rtol=1e-12)


#: the window's command line under a 2 GB address-space cap (as ``prlimit --as``); says whether Qt was ever imported
CAPPED_WINDOW = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
from mlp_gui.cli import main
code = main(sys.argv[1:])
print("qt imported" if "PySide6" in sys.modules else "no qt")
sys.exit(code)
"""


@pytest.mark.parametrize("epochs", ["1000000000000", "400000000"])
def test_a_window_run_too_large_for_memory_is_refused_before_qt(epochs):
    """``mlp-gui --epochs 1000000000000`` once tried to allocate 7.28 TiB; 4e8 epochs (6.4 GB) fits only without the cap."""
    pytest.importorskip("resource")
    result = subprocess.run([sys.executable, "-c", CAPPED_WINDOW, "--epochs", epochs, "--run"],
                            capture_output=True, text=True, timeout=60, env=fresh_env())
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mlp-gui: error: this run needs about ")
    assert result.stderr.rstrip().endswith("reduce epochs") and "Traceback" not in result.stderr
    assert result.stdout.strip() == "no qt"  # refused before the window (and its history) was made
