"""What a walkthrough at 1280x800 found, each checked as a student would meet it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mlp_gui.core import TrainConfig, load_run
from mlp_gui.core.run_state import RunState
from mlp_gui.gui import confirm
from mlp_gui.gui.file_actions import IMAGE_FILTERS, with_filter_suffix
from mlp_gui.progress import ProgressBar, count
from tests import notebook_data as nb
from tests import window_reuse
from tests.conftest import offscreen_platform
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, set_settings, wait_read, wait_state

# the tests share one window, a fresh run put back after each; those that need a brand-new one make their own
reused_window = window_reuse.reused_window

FITS = """
import json
from mlp_gui.gui.app import application
from mlp_gui.gui.window import MainWindow
app = application()
w = MainWindow()
w.show()
app.processEvents()
screen = w.screen().availableGeometry()
frame = w.frameGeometry()
print(json.dumps({"screen": [screen.width(), screen.height()], "window": [frame.width(), frame.height()]}))
w.close()
"""


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768), (1920, 1080)])
def test_the_window_fits_the_screen(tmp_path, size):
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": offscreen_platform(*size), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", FITS], capture_output=True, text=True, env=env, timeout=60)
    shown = json.loads(result.stdout.splitlines()[-1])
    assert shown["window"][0] <= shown["screen"][0] and shown["window"][1] <= shown["screen"][1]
    assert size[0] < 1300 or shown["window"][0] >= 1280  # a large screen gets the full 1280x800


def test_the_notebook_printout_of_an_opened_run_starts_at_epoch_0(reused_window, qtbot, tmp_path, monkeypatch):
    configure(reused_window, qtbot, epochs=20_005)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    reused_window.save_run_to(tmp_path / "run.npz")
    reused_window.session.new_run(TrainConfig(), 100)  # a fresh run replaces it
    assert reused_window.open_run_from(tmp_path / "run.npz")
    text = reused_window.view("notebook").plain_text()
    assert text.startswith(nb.INITIAL_REPORT)  # Question 1 is the epoch-0 loss, 1.0595073989866606
    epochs = [int(line.split()[2]) for line in text.splitlines() if line.startswith("Loss after")]
    assert epochs == [1, 2, 3, 10001, 20001]
    assert f"Loss Start: {nb.INITIAL_LOSS} " in text


def test_focus_leaving_a_field_asks_nothing_and_enter_asks_once(reused_window, qtbot, monkeypatch):
    configure(reused_window, qtbot, epochs=100)
    reused_window.session.step(11)
    qtbot.waitUntil(lambda: reused_window.session.epoch == 11 and not reused_window.session.state.busy, timeout=TIMEOUT_MS)
    edit = reused_window.form.edits["layers"]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "3,16,16,2")
    qtbot.keyClick(edit, Qt.Key.Key_Tab)  # focus leaves: no question (the autouse fixture fails on any)
    asked = []
    monkeypatch.setattr(confirm, "new_run", lambda *a: asked.append(a) or False)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert len(asked) == 1
    assert edit.text() == "3,4,4,2" and reused_window.session.config.layers == (3, 4, 4, 2)  # the form shows the run
    assert reused_window.heatmaps.shown.layers[1].W.shape == (4, 4)
    reused_window.step(1)
    qtbot.waitUntil(lambda: reused_window.session.epoch == 12 and not reused_window.session.state.busy, timeout=TIMEOUT_MS)
    assert reused_window.session.config.layers == (3, 4, 4, 2)


def test_the_stepsize_question_can_be_cancelled_with_escape(reused_window, qtbot, monkeypatch):
    monkeypatch.undo()  # the real dialog this time
    configure(reused_window, qtbot, epochs=50)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    seen = []

    def press_escape():
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, press_escape)
            return
        seen.append(box.windowTitle())
        qtbot.keyClick(box, Qt.Key.Key_Escape)

    QTimer.singleShot(20, press_escape)
    set_settings(reused_window, qtbot, stepsize=0.5)
    assert seen == ["Stepsize changed"]
    assert reused_window.form.edits["stepsize"].text() == "0.1" and reused_window.session.config.stepsize == 0.1
    assert reused_window.session.epoch == 50


@pytest.mark.parametrize("field, text", [("batch_size", "100000000"), ("epochs", "100000000000")])
def test_a_memory_error_marks_the_field_that_drives_it(reused_window, field, text):
    reused_window.form.set_field(field, text)
    assert field in reused_window.form.errors and "layers" not in reused_window.form.errors
    assert "needs about" in reused_window.form.edits[field].toolTip()
    assert f"reduce {field.replace('_', ' ')}" in reused_window.form.errors[field]
    assert not reused_window.run_panel.start_button.isEnabled()


def test_after_a_step_speed_and_time_left_are_not_stale(reused_window, qtbot):
    reused_window.step(10)
    qtbot.waitUntil(lambda: reused_window.session.epoch == 10 and not reused_window.session.state.busy, timeout=TIMEOUT_MS)
    assert reused_window.run_panel.values["speed"].text() == "—" and reused_window.run_panel.values["time left"].text() == "—"


def test_the_title_names_the_file_and_marks_unsaved_epochs(reused_window, qtbot, tmp_path):
    assert not reused_window.isWindowModified()
    configure(reused_window, qtbot, epochs=30)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    assert reused_window.isWindowModified()
    reused_window.save_run_to(tmp_path / "mine.npz")
    assert reused_window.windowTitle().startswith("mine.npz") and not reused_window.isWindowModified()
    reused_window.step(1)
    qtbot.waitUntil(lambda: not reused_window.session.state.busy and reused_window.isWindowModified(), timeout=TIMEOUT_MS)


def test_exports_get_the_chosen_filters_extension():
    assert with_filter_suffix(Path("/tmp/plot"), "PNG image (*.png)", IMAGE_FILTERS) == Path("/tmp/plot.png")
    assert with_filter_suffix(Path("/tmp/plot"), "SVG drawing (*.svg)", IMAGE_FILTERS) == Path("/tmp/plot.svg")
    assert with_filter_suffix(Path("/tmp/plot.svg"), "PNG image (*.png)", IMAGE_FILTERS) == Path("/tmp/plot.svg")
    assert with_filter_suffix(Path("/tmp/loss"), "CSV (*.csv)") == Path("/tmp/loss.csv")
    assert with_filter_suffix(Path("/tmp/run.v2"), "Runs (*.npz)") == Path("/tmp/run.v2.npz")


def test_the_csv_export_through_the_dialog_adds_csv(reused_window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "losses"), "CSV (*.csv)"))
    reused_window.export_csv_dialog()
    qtbot.waitUntil(lambda: (tmp_path / "losses.csv").exists(), timeout=TIMEOUT_MS)


def test_plural_and_bar_width():
    assert count(1, "epoch") == "1 epoch" and count(2000, "epoch") == "2,000 epochs"
    for columns in (40, 80, 120):
        line = ProgressBar(200_000, columns=columns).line(12_345, 0.00123)
        assert len(line) <= columns - 1


def test_the_cli_prints_a_summary_when_piped(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mlp_gui", "train", "--epochs", "1000"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mlp-gui train: 1,000 epochs in ")
    assert f"loss {nb.INITIAL_LOSS!r} -> " in lines[0] and result.stderr == ""  # no progress bar when not a terminal


def test_help_says_what_the_window_starts_from():
    result = subprocess.run([sys.executable, "-m", "mlp_gui", "--help"], capture_output=True, text=True, timeout=60)
    assert "--resume" not in result.stdout and "used last" in result.stdout


def test_a_bad_file_on_the_command_line_does_not_poison_the_exit_code(qtbot, isolated_settings, tmp_path, monkeypatch):
    from mlp_gui.gui.app import Launcher
    from mlp_gui.gui.window import MainWindow
    from mlp_gui.launch import LaunchOptions

    bad = tmp_path / "bad.npz"
    bad.write_text("not a run")
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)  # a person read the message
    win = MainWindow()
    qtbot.addWidget(win)
    launcher = Launcher(win, LaunchOptions(run_file=bad))
    assert not launcher.open_file()
    assert launcher.exit_code == 0
    win.close()


def test_saved_run_holds_its_epoch_0_parameters(reused_window, qtbot, tmp_path):
    configure(reused_window, qtbot, epochs=40)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    reused_window.save_run_to(tmp_path / "r.npz")
    run = load_run(tmp_path / "r.npz")
    from mlp_gui.core import initialize

    layers, _, _ = initialize(TrainConfig())
    assert run.initial is not None and all((a == b).all() for a, b in zip(run.initial[0], layers[0]))


def test_continuing_with_a_new_stepsize_is_marked_on_the_plot(reused_window, qtbot, monkeypatch):
    configure(reused_window, qtbot, epochs=100)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    monkeypatch.setattr(confirm, "stepsize", lambda *a, **k: True)  # "Continue this run"
    set_settings(reused_window, qtbot, epochs=200, stepsize=0.5)  # a finished run continues once it has epochs to go
    assert reused_window.session.config.stepsize == 0.5 and reused_window.session.epoch == 100
    assert len(reused_window.plot.stepsize_marks) == 1


def test_the_plots_hover_and_export_reach_the_window(reused_window, qtbot, monkeypatch):
    reused_window.plot.hover_text.emit("epoch 7 · current run: 0.5")
    assert reused_window.statusBar().currentMessage() == "epoch 7 · current run: 0.5"
    asked = []
    monkeypatch.setattr(reused_window.files, "export_plot_dialog", lambda: asked.append(1))
    reused_window.plot.export_requested.emit()
    assert asked == [1]


def test_choosing_a_data_set_fits_the_layer_sizes_and_says_so(reused_window, qtbot):
    reused_window.form.set_field("data", "spiral")
    assert reused_window.form.edits["layers"].text() == "2,4,4,2"
    assert "Layer sizes set to 2,4,4,2 to fit spiral" in reused_window.form.note.text()  # under the form, as the proposals
    assert reused_window.form.valid and reused_window.session.config.data == "spiral"  # applied at once: nothing trained yet
    reused_window.form.set_field("data", "sine")
    assert reused_window.form.edits["layers"].text() == "1,4,4,1"


def test_a_csv_that_will_not_do_is_one_line_and_the_run_stays(reused_window, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,x,0\n2,3,1\n")
    before = reused_window.session.config
    reused_window.form.set_field("data", str(bad))
    wait_read(reused_window.form, qtbot)  # read off the GUI thread
    assert "line 2, column 2 ('b')" in reused_window.form.errors["data"] and not reused_window.run_panel.start_button.isEnabled()
    assert "line 2, column 2" in reused_window.form.summary.text()  # said under the form before anyone presses Start
    reused_window.start_or_pause()
    assert reused_window.session.config == before and reused_window.session.state is RunState.READY


def test_the_run_shows_its_fingerprint_and_the_notebook_badge(reused_window, qtbot, tmp_path):
    text = reused_window.run_panel.identity.text()
    assert text.startswith("run ") and "course notebook's numbers" in text
    fingerprint = text.split()[1]
    configure(reused_window, qtbot, epochs=20)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    reused_window.save_run_to(tmp_path / "r.npz")
    reused_window.session.new_run(TrainConfig(seed=2), 20)
    assert "course notebook" not in reused_window.run_panel.identity.text() and fingerprint not in reused_window.run_panel.identity.text()
    reused_window.open_run_from(tmp_path / "r.npz")
    assert reused_window.run_panel.identity.text().split()[1] == fingerprint  # stable across save and open


def test_one_weight_explained_predicts_the_next_step_exactly(reused_window, qtbot):
    reused_window.heatmaps.cell_clicked.emit("W", 1, 2, 0)
    panel = reused_window.weight_panel
    assert panel.isVisible() and panel.step.ref.name == "W1[2, 0]"
    predicted = float(panel.text.text().split("<b>")[-1].split("</b>")[0])  # the panel's printed next value, the last in bold
    assert predicted == panel.step.next_value
    reused_window.step(1)
    qtbot.waitUntil(lambda: reused_window.session.epoch == 1 and not reused_window.session.state.busy, timeout=TIMEOUT_MS)
    assert reused_window.session.snapshot.layers[0].W[2, 0] == predicted
    qtbot.waitUntil(lambda: panel.step.epoch == 1, timeout=TIMEOUT_MS)
    assert panel.step.value == predicted  # and the panel moved on with the run


def test_the_view_menu_shows_updates_scale_modes_and_the_backprop_tab(reused_window, qtbot):
    reused_window.actions["show_updates"].setChecked(True)
    reused_window.heatmaps.flush()
    qtbot.waitUntil(lambda: len(reused_window.heatmaps.updates) == 3, timeout=TIMEOUT_MS)
    reused_window.actions["scale_shared"].trigger()
    assert reused_window.heatmaps.scale_mode == "shared"
    reused_window.actions["tab_backprop"].trigger()
    assert reused_window.tabs.currentWidget() is reused_window.backprop
    qtbot.waitUntil(lambda: reused_window.backprop.step is not None, timeout=TIMEOUT_MS)
    assert reused_window.backprop.step.loss == reused_window.session.loss


def test_the_decision_surface_tab_follows_a_spiral_run(reused_window, qtbot):
    configure(reused_window, qtbot, data="spiral", activation="tanh", output="softmax", loss="cross-entropy", batch_size="all",
              stepsize="0.3", epochs=100)
    reused_window.actions["tab_surface"].trigger()
    assert reused_window.tabs.currentWidget() is reused_window.surface_splitter
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    for view in (reused_window.decision, reused_window.diagram):  # each paces its own redraws: wait for both
        qtbot.waitUntil(lambda v=view: v.shown is not None and v.shown.epoch == 100, timeout=TIMEOUT_MS)
    assert reused_window.decision.kind == "plane"  # 2 classes over the input plane


def test_reset_keeps_the_same_initialisation_and_says_so(reused_window, qtbot, monkeypatch):
    first = reused_window.session.snapshot.layers[0].W.copy()
    configure(reused_window, qtbot, epochs=30)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    monkeypatch.setattr(confirm, "replace_run", lambda *a: True)
    reused_window.reset()
    assert (first == reused_window.session.snapshot.layers[0].W).all() and reused_window.session.epoch == 0
    assert "the same initial weights" in reused_window.statusBar().currentMessage()
    set_settings(reused_window, qtbot, seed=7)
    assert not (first == reused_window.session.snapshot.layers[0].W).all()


def test_a_csv_is_previewed_before_training(reused_window, qtbot, tmp_path):
    path = tmp_path / "pets.csv"
    path.write_text("animal,a,b\n" + "\n".join(f"{'cat' if i % 2 else 'dog'},{i % 7},{i % 5}" for i in range(40)) + "\n")
    reused_window.form.set_field("output", "softmax")
    reused_window.form.set_field("loss", "cross-entropy")
    reused_window.form.set_field("target", "animal")
    reused_window.form.set_field("layers", "2,4,2")
    reused_window.form.set_field("data", str(path))
    wait_read(reused_window.form, qtbot)
    assert reused_window.form.valid, reused_window.form.errors
    assert "pets.csv: 40 rows" in reused_window.form.summary.text() and "animal (target)" in reused_window.form.summary.text()
    assert "cat 20" in reused_window.form.summary.toolTip() and "first rows" in reused_window.form.summary.toolTip()
    reused_window.form.set_field("target", "colour")
    wait_read(reused_window.form, qtbot)
    assert "no column 'colour'" in reused_window.form.errors.get("target", "")


def test_going_back_in_time_and_continuing_from_there(reused_window, qtbot):
    configure(reused_window, qtbot, epochs=6000)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    timeline = reused_window.timeline
    assert timeline.epochs[0] == 0 and timeline.epochs[-1] > 5000 and timeline.slider.isEnabled()  # the newest kept: a chunk or two back
    index = max(i for i, e in enumerate(timeline.epochs) if e <= 3000)
    epoch = timeline.epochs[index]
    timeline.slider.setValue(index)
    assert reused_window.heatmaps.shown.epoch == epoch and reused_window.plot.viewed_line.isVisible()
    straight = __import__("mlp_gui.core", fromlist=["Trainer"]).Trainer.new(TrainConfig())
    straight.step(6000)
    assert reused_window.heatmaps.shown.loss == straight.loss_history[epoch]
    qtbot.mouseClick(timeline.button, Qt.MouseButton.LeftButton)
    assert reused_window.session.epoch == epoch and len(reused_window.plot.extra_keys()) == 1  # the run as it was is kept
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    import numpy as np

    np.testing.assert_array_equal(reused_window.session.loss_history(), straight.loss_history)  # retraced bit for bit


def test_the_badge_needs_the_notebooks_settings_not_just_its_first_printout(reused_window, qtbot):
    set_settings(reused_window, qtbot, stepsize=1)  # same initial loss and gradients, but not the notebook's run
    assert "course notebook" not in reused_window.run_panel.identity.text()
