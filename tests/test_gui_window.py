"""The real window, driven as a person would: fields, Ctrl+Return, buttons, and what it then shows."""

import html

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QScrollArea

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.gui import confirm
from mlp_gui.gui.session import RunState
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, set_settings, wait_state
from tests.hover_checks import hover_text
from tests.run_leftovers import listening

# the tests share one window, a fresh run put back after each; those that close it, or read a brand-new one, have their own
reused_window = window_reuse.reused_window


def answer_questions(monkeypatch, answer):
    """Answer every QMessageBox.question with ``answer``; the list of questions asked."""
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or answer)
    return asked


def heatmap_images(window):
    return [v.image.image.copy() for v in window.heatmaps.weights + window.heatmaps.gradients]


def test_defaults_are_the_notebooks(reused_window):
    assert reused_window.form.config() == TrainConfig()
    assert reused_window.session.loss == 1.0595073989866606
    assert reused_window.run_panel.start_button.isEnabled()
    assert not reused_window.run_panel.stop_button.isEnabled()  # nothing to stop yet
    assert "loss 1.05951" in reused_window.run_panel.figures_text()


def test_ctrl_return_trains_and_the_plot_shows_the_trainers_losses(reused_window, qtbot):
    cfg = configure(reused_window, qtbot, epochs=3000)
    before = heatmap_images(reused_window)
    with qtbot.waitSignal(reused_window.session.delivered, timeout=TIMEOUT_MS):
        press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    headless = Trainer.new(cfg)
    headless.step(3000)
    x, y = reused_window.plot.curve_data()
    np.testing.assert_array_equal(x, np.arange(3001))
    np.testing.assert_array_equal(y, headless.loss_history)
    reused_window.heatmaps.show_snapshot(reused_window.session.snapshot, now=True)
    after = heatmap_images(reused_window)
    assert len(after) == 6
    for old, new in zip(before, after):
        assert old.shape == new.shape and not np.array_equal(old, new, equal_nan=True)
    np.testing.assert_array_equal(reused_window.heatmaps.shown.params[0], headless.params[0])
    assert reused_window.run_panel.progress.format() == "3,000 / 3,000 epochs"


def test_deliveries_are_batched(reused_window, qtbot):
    configure(reused_window, qtbot, epochs=200_000)
    sizes = []
    with listening(reused_window.session.delivered, lambda d: sizes.append(d.losses.size)):
        press_start(reused_window, qtbot)
        qtbot.waitUntil(lambda: len(sizes) >= 5, timeout=TIMEOUT_MS)
        reused_window.session.stop()
        wait_state(reused_window, qtbot, RunState.STOPPED)
    assert max(sizes) > 100  # many epochs per delivery, not one signal per epoch


def test_pause_resume_stop_reset(reused_window, qtbot, monkeypatch):
    configure(reused_window, qtbot, epochs=5_000_000)
    press_start(reused_window, qtbot)
    qtbot.waitUntil(lambda: reused_window.session.epoch > 1000, timeout=TIMEOUT_MS)  # some deliveries have arrived
    press_start(reused_window, qtbot)  # Ctrl+Return again pauses
    wait_state(reused_window, qtbot, RunState.PAUSED)
    paused_at = reused_window.session.epoch
    assert reused_window.run_panel.start_button.text() == "Resume"
    assert reused_window.plot.envelope.count == paused_at + 1  # every loss reached the plot
    press_start(reused_window, qtbot)
    qtbot.waitUntil(lambda: reused_window.session.epoch > paused_at, timeout=TIMEOUT_MS)
    qtbot.mouseClick(reused_window.run_panel.stop_button, Qt.MouseButton.LeftButton)
    wait_state(reused_window, qtbot, RunState.STOPPED)
    assert reused_window.run_panel.start_button.text() == "Start new run"
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(reused_window.run_panel.reset_button, Qt.MouseButton.LeftButton)
    assert asked and "not saved" in asked[0][2]  # Reset of unsaved epochs asks first
    wait_state(reused_window, qtbot, RunState.READY)
    assert reused_window.session.epoch == 0 and reused_window.plot.envelope.count == 1


def test_step_one_then_ten(reused_window, qtbot):
    qtbot.mouseClick(reused_window.run_panel.step1_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reused_window.session.epoch == 1 and not reused_window.session.state.busy, timeout=TIMEOUT_MS)
    qtbot.mouseClick(reused_window.run_panel.step10_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reused_window.session.epoch == 11 and not reused_window.session.state.busy, timeout=TIMEOUT_MS)
    headless = Trainer.new(TrainConfig())
    headless.step(11)
    np.testing.assert_array_equal(reused_window.plot.curve_data()[1], headless.loss_history)


@pytest.mark.parametrize(
    "field, text, reason",
    [
        ("layers", "3", "at least two sizes"),
        ("layers", "3,0,2", "size 2 is 0"),
        ("layers", "3,a,2", "not a whole number"),
        ("stepsize", "-1", "positive"),
        ("stepsize", "nan", "finite"),
        ("stepsize", "", "empty"),
        ("epochs", "-5", "at least 1"),
        ("epochs", "0", "at least 1"),
        ("batch_size", "0", "at least 1"),
        ("seed", "99999999999", "seed must be between"),
        ("layers", "100000,100000,100000", "needs about"),
    ],
)
def test_invalid_fields_disable_start_and_say_why(reused_window, qtbot, field, text, reason):
    reused_window.form.set_field(field, text)
    assert not reused_window.run_panel.start_button.isEnabled()
    assert not reused_window.run_panel.step1_button.isEnabled()
    assert reason in reused_window.form.edits[field].toolTip()
    assert reason in reused_window.form.summary.text()
    press_start(reused_window, qtbot)  # the shortcut does nothing either
    assert reused_window.session.state is RunState.READY
    reused_window.form.set_field(field, {"seed": "1", "layers": "3,4,4,2", "stepsize": "0.1", "epochs": "10", "batch_size": "5"}[field])
    assert reused_window.run_panel.start_button.isEnabled()


def test_any_text_in_any_field_never_raises(reused_window, qtbot):
    for edit in reused_window.form.edits.values():
        for text in ("", " ", "-", "1e400", "ü", "3,,4", "0x10", "∞", "1" * 40, "nan", "-0"):
            edit.setText(text)
            edit.editingFinished.emit()
    assert reused_window.isVisible()


def test_new_settings_apply_at_once_before_training(reused_window, qtbot):
    set_settings(reused_window, qtbot, layers="3,5,2")
    assert reused_window.session.config.layers == (3, 5, 2)
    assert len(reused_window.heatmaps.weights) == 2
    assert reused_window.heatmaps.weights[0].matrix.shape == (5, 3)


def test_changing_layers_while_paused_asks(reused_window, qtbot, monkeypatch):
    configure(reused_window, qtbot, epochs=10)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    set_settings(reused_window, qtbot, layers="3,8,2")
    assert asked and reused_window.session.config.layers == (3, 4, 4, 2)  # kept the run
    assert reused_window.form.edits["layers"].text() == "3,4,4,2"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    set_settings(reused_window, qtbot, layers="3,8,2")
    qtbot.waitUntil(lambda: reused_window.session.config.layers == (3, 8, 2), timeout=TIMEOUT_MS)
    assert reused_window.session.epoch == 0


def test_more_epochs_extend_the_finished_run(reused_window, qtbot):
    configure(reused_window, qtbot, epochs=100)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    set_settings(reused_window, qtbot, epochs=300)
    assert reused_window.run_panel.start_button.isEnabled()
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    assert reused_window.session.epoch == 300
    headless = Trainer.new(TrainConfig())
    headless.step(300)
    np.testing.assert_array_equal(reused_window.plot.curve_data()[1], headless.loss_history)


def test_divergence_is_shown_not_crashed_on(reused_window, qtbot, monkeypatch):
    reused_window.session.guard_enabled = False  # let it run into NaN (the guard's own test is below); on again at the end
    configure(reused_window, qtbot, stepsize=1000, epochs=100_000)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.DIVERGED)
    epoch = reused_window.session.diverged_at
    assert epoch is not None
    assert reused_window.plot.divergence_line.isVisible() and reused_window.plot.divergence_line.value() == epoch
    assert f"Diverged at epoch {epoch}" in reused_window.run_panel.state_label.text()
    assert f"Diverged at epoch {epoch}" in reused_window.statusBar().currentMessage()
    assert reused_window.run_panel.start_button.text() == "Start new run"  # not Resume: a diverged run cannot go on
    assert "lower the stepsize" in reused_window.run_panel.start_button.toolTip()
    assert reused_window.run_panel.values["time left"].text() == "—"
    x, y = reused_window.plot.curve_data()
    assert np.all(np.isfinite(y)) and x[-1] < epoch  # inf is marked, not plotted
    reused_window.heatmaps.show_snapshot(reused_window.session.snapshot, now=True)  # NaN weights draw too
    answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(reused_window.run_panel.reset_button, Qt.MouseButton.LeftButton)
    wait_state(reused_window, qtbot, RunState.READY)
    assert not reused_window.plot.divergence_line.isVisible()
    reused_window.session.guard_enabled = True


def test_hover_reports_row_column_and_value(reused_window):
    view = reused_window.heatmaps.weights[1]
    text = hover_text(view, 2, 3)
    assert text == f"W2[2, 3] = {float(view.matrix[2, 3])!r}   (into unit 2 from unit 3 of layer 1)"
    assert hover_text(view, 1, 5) == f"b2[1] = {float(view.bias[1])!r}   (bias of unit 1)"
    gradient = float(reused_window.session.snapshot.grads[0].W[0, 1])
    assert hover_text(reused_window.heatmaps.gradients[0], 0, 1).startswith(f"∂L/∂W1[0, 1] = {gradient!r}")
    assert hover_text(view, 1, 4) == ""  # the gap column


def test_small_matrices_print_their_values(reused_window):
    cells = reused_window.heatmaps.weights[0].labels.cells
    assert len(cells) == 4 * 4  # 4x3 weights + 4 biases
    weight = reused_window.session.snapshot.params[0][0, 0]
    assert reused_window.heatmaps.weights[0].labels.cells[0][2] == f"{weight:.1e}".replace("e-0", "e-")


def test_large_network_draws_without_cell_text(reused_window, qtbot):
    set_settings(reused_window, qtbot, layers="784,256,256,10", batch_size=16)
    heatmaps = reused_window.heatmaps
    qtbot.waitUntil(lambda: heatmaps.shown is not None and heatmaps.shown.params[0].shape == (256, 784), timeout=TIMEOUT_MS)
    assert reused_window.heatmaps.weights[0].labels.cells == []
    assert reused_window.heatmaps.weights[0].image.image.shape == (256, 786)


def test_colour_scales_follow_the_data_unless_locked(reused_window, qtbot):
    grads = reused_window.heatmaps.gradients[0]
    first = grads.limit
    configure(reused_window, qtbot, epochs=20_000)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    reused_window.heatmaps.show_snapshot(reused_window.session.snapshot, now=True)
    assert grads.limit != first and grads.bar.levels() == (-grads.limit, grads.limit)
    reused_window.run_panel.lock_scales.setChecked(True)
    locked = grads.limit
    reused_window.session.step(1)
    qtbot.waitUntil(lambda: not reused_window.session.state.busy, timeout=TIMEOUT_MS)
    reused_window.heatmaps.show_snapshot(reused_window.session.snapshot, now=True)
    assert grads.limit == locked
    reused_window.heatmaps.show_snapshot(reused_window.session.view_snapshot(0), now=True)  # epoch 0: other gradients
    assert grads.limit == locked != first, "the locked scale followed epoch 0's gradients"


def test_shortcuts_are_in_the_tooltips(reused_window):
    panel = reused_window.run_panel
    for button, key in ((panel.start_button, "Ctrl+Return"), (panel.stop_button, "Ctrl+."), (panel.reset_button, "Ctrl+R"),
                        (panel.step1_button, "Ctrl+1"), (panel.step10_button, "Ctrl+2")):
        assert key in button.toolTip()
    assert reused_window.actions["quit"].shortcut().toString() == "Ctrl+Q"
    assert [s.toString() for s in reused_window.actions["start"].shortcuts()] == ["Ctrl+Return", "Ctrl+Enter"]
    assert [m.title() for m in reused_window.menus.values()] == ["&File", "&Edit", "&Run", "&View", "&Help"]


def test_help_lists_every_shortcut_that_works(reused_window):
    """The Help list is built from the action table, so it names every key that is bound, and only those."""
    from mlp_gui.gui.actions import shortcut_rows

    listed = " / ".join(keys for keys, _ in shortcut_rows())
    bound = {s.toString() for a in reused_window.actions.values() for s in a.shortcuts()}
    assert bound and all(key in listed for key in bound)
    for key in ("Ctrl+F", "Alt+1", "Alt+2", "Alt+3", "Ctrl+Enter", "Ctrl+O", "Ctrl+S"):
        assert key in listed


def test_changing_layers_while_paused_asks_and_yes_starts_over(reused_window, qtbot, monkeypatch):
    configure(reused_window, qtbot, epochs=5_000_000)
    press_start(reused_window, qtbot)
    qtbot.waitUntil(lambda: reused_window.session.epoch > 500, timeout=TIMEOUT_MS)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.PAUSED)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.Yes)
    set_settings(reused_window, qtbot, layers="3,6,2")
    assert asked
    qtbot.waitUntil(lambda: reused_window.session.config.layers == (3, 6, 2), timeout=TIMEOUT_MS)
    assert reused_window.session.epoch == 0 and reused_window.session.state is RunState.READY
    assert reused_window.plot.envelope.count == 1 and len(reused_window.heatmaps.weights) == 2


def test_panels_can_follow_snapshots(reused_window, qtbot):
    seen = []
    configure(reused_window, qtbot, epochs=2000)
    with listening(reused_window.session.snapshot_ready, lambda snap: seen.append(snap.epoch)):
        press_start(reused_window, qtbot)
        wait_state(reused_window, qtbot, RunState.FINISHED)
    assert seen and seen[-1] == 2000 and seen == sorted(seen)
    assert reused_window.heatmaps.shown.epoch == 2000  # the last state is drawn as soon as the run ends


def test_model_choices_from_the_form_train_the_same_as_headless(reused_window, qtbot):
    """Per-layer activations, softmax and cross-entropy, on data whose targets are probabilities, the guard on. (This
    test once ran on the notebook's randn targets with the guard off: cross-entropy trained them to a loss below 0;
    the settings refuse that now.)"""
    cfg = configure(reused_window, qtbot, data="gaussians", layers="2,6,6,2", activation="tanh,relu", output="softmax",
                    loss="cross-entropy", init="xavier", stepsize="0.3", epochs=300)
    assert cfg.model.activations == ("tanh", "relu") and cfg.model.output == "softmax" and reused_window.session.guard_enabled
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    headless = Trainer.new(cfg)
    headless.step(300)
    np.testing.assert_array_equal(reused_window.session.loss_history(), headless.loss_history)
    assert reused_window.session.guard_report is None and (headless.loss_history > 0).all()


def test_a_combination_that_does_not_go_together_marks_its_field(reused_window):
    reused_window.form.set_field("loss", "cross-entropy")  # with the identity output
    assert "loss" in reused_window.form.errors and "choose output sigmoid" in reused_window.form.edits["loss"].toolTip()
    assert not reused_window.run_panel.start_button.isEnabled()
    reused_window.form.set_field("output", "sigmoid")  # on the notebook's randn targets: not probabilities either
    reason = "loss cross-entropy needs targets that are probabilities, but data notebook's targets are any numbers"
    assert reason in reused_window.form.edits["loss"].toolTip() and reason in html.unescape(reused_window.form.summary.text())
    assert "border" in reused_window.form.edits["loss"].styleSheet() and not reused_window.run_panel.start_button.isEnabled()
    reused_window.form.set_field("data", "xor")  # classes: 0/1 targets
    assert reused_window.form.valid and reused_window.run_panel.start_button.isEnabled()


def test_a_data_set_run_shows_its_test_loss_and_accuracy(reused_window, qtbot):
    cfg = configure(reused_window, qtbot, data="spiral", layers="2,8,8,2", activation="tanh", output="softmax", loss="cross-entropy",
                    batch_size="all", stepsize="0.3", epochs=200)
    assert cfg.data == "spiral"
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    headless = Trainer.new(cfg)
    headless.step(200)
    np.testing.assert_array_equal(reused_window.session.loss_history(), headless.loss_history)
    assert reused_window.plot.test_curve is not None and reused_window.plot.test_envelope.count == 201
    assert reused_window.run_panel.accuracy.isVisibleTo(reused_window) and "% (test " in reused_window.run_panel.accuracy.text()


def test_the_guard_stops_before_nan_and_going_back_trains_on(reused_window, qtbot):
    configure(reused_window, qtbot, stepsize=1000, epochs=3000)
    with qtbot.waitSignal(reused_window.session.guarded, timeout=TIMEOUT_MS) as blocker:
        press_start(reused_window, qtbot)
    report = blocker.args[0]
    wait_state(reused_window, qtbot, RunState.PAUSED)
    assert reused_window.session.diverged_at is None and np.isfinite(reused_window.session.loss_history()).all()
    assert report.layer in reused_window.run_panel.state_label.text() and reused_window.run_panel.offer.isVisibleTo(reused_window)
    qtbot.mouseClick(reused_window.run_panel.offer, Qt.MouseButton.LeftButton)
    wait_state(reused_window, qtbot, RunState.FINISHED, RunState.DIVERGED, RunState.PAUSED)
    qtbot.waitUntil(lambda: not reused_window.session.state.busy, timeout=TIMEOUT_MS)
    assert reused_window.session.state is RunState.FINISHED and reused_window.session.epoch == 3000
    assert reused_window.session.config.stepsize == float(f"{report.suggested_stepsize:.3g}")
    assert reused_window.form.edits["stepsize"].text() == f"{reused_window.session.config.stepsize:g}"


def test_a_run_the_guard_stopped_says_so_and_start_does_not_pretend_to_resume_it(reused_window, qtbot, monkeypatch):
    configure(reused_window, qtbot, stepsize=1000, epochs=3000)
    with qtbot.waitSignal(reused_window.session.guarded, timeout=TIMEOUT_MS):
        press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.PAUSED)
    button = reused_window.run_panel.start_button
    assert button.text() == "Continue…" and button.isEnabled() and "divergence guard" in button.toolTip()
    status = reused_window.statusBar().currentMessage()
    assert status.startswith("Stopped by the divergence guard") and "Paused" not in status
    assert reused_window.run_panel.values["time left"].text() == "—"
    asked = []
    monkeypatch.setattr(confirm, "after_guard", lambda parent, report, stepsize: asked.append(stepsize), raising=False)  # Cancel
    press_start(reused_window, qtbot)
    assert asked == [1000] and reused_window.session.state is RunState.PAUSED and reused_window.session.epoch < 3000
    monkeypatch.setattr(confirm, "after_guard", lambda *args: "back")
    press_start(reused_window, qtbot)
    qtbot.waitUntil(lambda: not reused_window.session.state.busy and reused_window.session.epoch == 3000, timeout=TIMEOUT_MS)
    assert reused_window.session.state is RunState.FINISHED and reused_window.session.config.stepsize < 1000
    assert reused_window.run_panel.start_button.text() == "Start"
    stepsize = reused_window.session.config.stepsize
    assert reused_window.heatmaps.stepsize == reused_window.flow.stepsize == stepsize  # the views follow it back


def test_ctrl_q_with_unsaved_epochs_asks_first(window, qtbot, monkeypatch):
    configure(window, qtbot, epochs=20)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    asked = []
    monkeypatch.setattr(confirm, "quit_unsaved", lambda parent, epochs: asked.append(epochs) or False, raising=False)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert asked == [20] and window.isVisible()  # No: the window stays, and the run with it
    monkeypatch.setattr(confirm, "quit_unsaved", lambda parent, epochs: True)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


def test_ctrl_q_with_nothing_to_lose_quits_without_a_question(window, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # a question would fail the test
    assert not window.isVisible()


def test_start_a_new_run_in_the_stepsize_question_starts_it(reused_window, qtbot, monkeypatch):
    configure(reused_window, qtbot, epochs=30)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    monkeypatch.setattr(confirm, "stepsize", lambda parent, epochs, value, **kw: False)  # "Start a new run"
    set_settings(reused_window, qtbot, stepsize="0.2")  # Return in the field asks
    qtbot.waitUntil(lambda: reused_window.session.config.stepsize == 0.2 and reused_window.session.epoch == 30
                    and reused_window.session.state is RunState.FINISHED, timeout=10_000)
    headless = Trainer.new(TrainConfig(stepsize=0.2))
    headless.step(30)
    np.testing.assert_array_equal(reused_window.session.loss_history(), headless.loss_history)  # a new run, from the seed


def left_column(window) -> QScrollArea:
    return next(area for area in window.findChildren(QScrollArea) if area.isAncestorOf(window.run_panel))


def in_view(scroll, widget) -> bool:
    """Whether ``widget`` lies wholly inside what the scroll area shows now."""
    top_left = widget.mapTo(scroll.viewport(), widget.rect().topLeft())
    bottom_right = widget.mapTo(scroll.viewport(), widget.rect().bottomRight())
    shown = scroll.viewport().rect()
    return widget.isVisibleTo(scroll) and shown.contains(top_left) and shown.contains(bottom_right)


def show_a_data_set_run_with_a_kept_one(window, qtbot) -> None:
    set_settings(window, qtbot, data="xor", epochs=20)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    window.keep_run()
    assert window.run_panel.accuracy.isVisibleTo(window) and len(window.explorer.kept.runs) == 1


def test_at_1280x800_the_left_column_shows_everything_without_scrolling(reused_window, qtbot):
    reused_window.resize(1280 - 8, 800 - 38)  # a 1280x800 screen, less the window's frame
    show_a_data_set_run_with_a_kept_one(reused_window, qtbot)
    left = left_column(reused_window)
    qtbot.waitUntil(lambda: left.viewport().height() > 600, timeout=TIMEOUT_MS)
    panel = reused_window.run_panel
    for widget in (panel.start_button, panel.step10_button, panel.accuracy, panel.values["loss"], reused_window.form.edits["data"],
                   reused_window.form.edits["stepsize"], reused_window.form.edits["epochs"], reused_window.explorer.kept_list):
        assert in_view(left, widget), widget
    assert left.verticalScrollBar().maximum() == 0


def test_at_1024x700_the_window_fits_and_start_and_the_figures_show(reused_window, qtbot):
    reused_window.resize(1024 - 8, 700 - 38)
    show_a_data_set_run_with_a_kept_one(reused_window, qtbot)
    minimum = reused_window.minimumSizeHint()
    assert minimum.width() <= 1024 - 8 and minimum.height() <= 700 - 38
    assert reused_window.width() == 1024 - 8 and reused_window.height() == 700 - 38
    left, panel = left_column(reused_window), reused_window.run_panel
    for widget in (panel.start_button, panel.accuracy, panel.values["loss"], reused_window.form.edits["data"]):
        assert in_view(left, widget), widget
    left.ensureWidgetVisible(reused_window.explorer.kept_list)  # the rest by scrolling the column
    assert reused_window.explorer.kept_list.visibleRegion().boundingRect().height() >= 40
    panel.show_progress(123_456_789, 1_000_000_000, 1.23456789e-05, 1_234_567.0)  # the longest figures
    panel.show_accuracy(1.0, 1.0)
    qtbot.waitUntil(lambda: left.widget().width() <= left.viewport().width(), timeout=TIMEOUT_MS)  # nothing cut on the right
    assert left.widget().minimumSizeHint().width() <= left.viewport().width()
