"""One weight, explained (the window): a click opens the panel; it follows the run live and closes on Esc."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from mlp_gui.core.one_weight import WeightRef
from mlp_gui.core.run_state import RunState
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, wait_state

# the tests share one window, lent in turn: the run, the panel and the controls put back after each and checked; the
# one that needs its window active has its own (a window hidden and shown again offscreen is not made active)
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def test_a_click_opens_the_panel_and_it_follows_the_run_live(lent_window, qtbot):
    window = lent_window
    panel = window.weight_panel
    assert not panel.isVisible()
    configure(window, qtbot, epochs=3000)
    press_start(window, qtbot)
    qtbot.waitUntil(lambda: window.session.epoch > 0, timeout=TIMEOUT_MS)
    window.heatmaps.cell_clicked.emit("dW", 2, 1, 3)  # a gradient cell: the same weight, explained
    assert panel.isVisible() and panel.ref == WeightRef(2, 1, 3)
    wait_state(window, qtbot, RunState.FINISHED)
    qtbot.waitUntil(lambda: panel.step is not None and panel.step.epoch == 3000, timeout=TIMEOUT_MS)
    assert panel.epochs.size >= 2 and np.all(np.diff(panel.epochs) > 0)
    assert panel.epochs[0] == 0  # idle again: the curves reach back to epoch 0 through the kept snapshots
    assert panel.value_curve.xData[-1] == 3000
    text = panel.text.text()
    assert "W2[1, 3]" in text and "over 5 samples" in text and "a Step 1 gives exactly this" in text
    assert "hardest: sample" in text
    assert len(panel.bars.opts["height"]) == 5


def test_opened_while_idle_it_shows_the_whole_run_from_the_snapshots(lent_window, qtbot):
    window = lent_window
    configure(window, qtbot, epochs=2000)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    window.heatmaps.cell_clicked.emit("b", 3, 1, 0)
    panel = window.weight_panel
    assert panel.ref == WeightRef(3, 1) and panel.epochs[0] == 0 and panel.epochs[-1] == 2000
    kept = window.session.snapshot_epochs()
    assert panel.epochs[: len(kept)].tolist() == kept and panel.epochs[-1] == 2000  # and the newest, if not kept
    assert "the bias of unit 1 of layer 3" in panel.text.text()


def test_escape_closes_and_a_new_network_without_that_weight_closes_it(lent_window, qtbot):
    window = lent_window
    panel = window.weight_panel
    window.heatmaps.cell_clicked.emit("W", 2, 3, 3)
    assert panel.isVisible()
    qtbot.keyClick(panel, Qt.Key.Key_Escape)
    assert not panel.isVisible() and panel.ref is None
    window.heatmaps.cell_clicked.emit("W", 2, 3, 3)
    configure(window, qtbot, layers="3,2,2")
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=TIMEOUT_MS)


def test_a_new_stepsize_changes_the_predicted_value(lent_window, qtbot):
    window = lent_window
    window.heatmaps.cell_clicked.emit("W", 1, 0, 0)
    panel = window.weight_panel
    before = panel.step.next_value
    configure(window, qtbot, stepsize="0.5")  # at epoch 0 a new stepsize is a new run, the same initial weights
    qtbot.waitUntil(lambda: panel.step is not None and panel.step.stepsize == 0.5, timeout=TIMEOUT_MS)
    assert panel.step.next_value != before
    assert panel.step.next_value == panel.step.value - panel.step.gradient * 0.5


def test_pulls_say_which_way_and_who_pulls_hardest():
    from mlp_gui.gui.weight_panel import pulls

    assert pulls(np.array([0.1, -0.3, 0.05, 0.0])) == "2 samples push it down, 1 up; hardest: sample 1, 67% of all pulling"
    assert pulls(np.zeros(3)) == "0 samples push it down, 0 up; hardest: sample 0"


def test_after_divergence_the_panel_says_what_the_next_step_did(lent_window, qtbot):
    window = lent_window
    window.session.guard_enabled = False  # let it run into inf
    try:
        configure(window, qtbot, stepsize=1000, epochs=200)
        press_start(window, qtbot)
        wait_state(window, qtbot, RunState.DIVERGED)
        window.heatmaps.cell_clicked.emit("W", 3, 0, 1)
        text = window.weight_panel.text.text()
        assert f"its loss became inf at epoch {window.session.diverged_at:,}" in text and "Step 1" not in text
    finally:
        window.session.guard_enabled = True  # on again: the window is shared


def test_choosing_another_weight_shows_it_at_once_without_a_step(lent_window, qtbot):
    """Paused, a click on W1[0,0] then on W3[0,0] left W1[0,0] on show (the snapshot had not changed)."""
    window = lent_window
    panel = window.weight_panel
    configure(window, qtbot, epochs=2_000_000)  # long enough that the pause always lands before the end
    press_start(window, qtbot)
    qtbot.waitUntil(lambda: window.session.epoch > 0, timeout=TIMEOUT_MS)
    press_start(window, qtbot)  # pause
    wait_state(window, qtbot, RunState.PAUSED)
    window.heatmaps.cell_clicked.emit("W", 1, 0, 0)
    assert "W1[0, 0]" in panel.text.text()
    window.heatmaps.cell_clicked.emit("W", 3, 0, 0)
    value = float(window.session.snapshot.layers[2].W[0, 0])
    assert "<b>W3[0, 0]</b>" in panel.text.text() and f"value: <b>{value!r}</b>" in panel.text.text()
    assert panel.value_plot.titleLabel.text.startswith("W3[0, 0]")
    panel.close_panel()
    window.heatmaps.cell_clicked.emit("b", 2, 1, 0)  # closed, then another cell: that one, not the last one
    assert "<b>b2[1]</b>" in panel.text.text() and "W3[0, 0]" not in panel.text.text()


def test_escape_closes_the_panel_wherever_the_focus_is_in_the_window(window, qtbot):
    panel = window.weight_panel
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=TIMEOUT_MS)
    window.heatmaps.cell_clicked.emit("W", 2, 1, 1)
    assert panel.isVisible()
    window.plot.setFocus()
    qtbot.waitUntil(window.plot.hasFocus, timeout=TIMEOUT_MS)
    qtbot.keyClick(window.plot, Qt.Key.Key_Escape)
    assert not panel.isVisible() and panel.ref is None
    window.heatmaps.cell_clicked.emit("W", 2, 1, 1)
    edit = window.form.edits["stepsize"]
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Escape)  # from a settings field too
    assert not panel.isVisible()


def test_escape_in_a_dialog_stays_the_dialogs(lent_window, qtbot):
    """The panel's Esc belongs to the main window: a dialog open over it closes on Esc, the panel stays."""
    window = lent_window
    panel = window.weight_panel
    window.heatmaps.cell_clicked.emit("W", 2, 1, 1)
    dialog = QDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=TIMEOUT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and panel.isVisible()


def test_the_panels_text_is_readable_on_a_dark_desktop(lent_window, qtbot):
    """Its grey notes (who pulls hardest, what a Step 1 gives) nearly vanished on a dark palette's background."""
    window = lent_window
    from tests.contrast_checks import dark_desktop, low_contrast

    panel = window.weight_panel
    window.heatmaps.cell_clicked.emit("W", 1, 0, 0)
    with dark_desktop():
        assert "hardest: sample" in panel.text.text()
        assert low_contrast(panel.text) == []
        window.heatmaps.cell_clicked.emit("W", 2, 1, 1)
        assert low_contrast(panel.text) == []
    assert low_contrast(panel.text) == []  # and back on a light one


def test_one_epoch_so_far_reads_in_whole_epochs(lent_window, qtbot):
    """At epoch 0 the curves' axis ran from -400 to 400 "epoch (x0.001)": thousandths of an epoch."""
    window = lent_window
    panel = window.weight_panel
    window.heatmaps.cell_clicked.emit("W", 1, 0, 0)
    painted_before = panel.view.paint_seconds  # the window is shared: wait for a paint of this click, not an earlier one
    axis = panel.grad_plot.getAxis("bottom")

    def whole_epochs() -> bool:
        low, high = panel.grad_plot.viewRange()[0]
        return low >= -0.1 and high >= 1 and axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()

    qtbot.waitUntil(lambda: panel.grad_plot.vb.width() > 0)
    qtbot.waitUntil(whole_epochs, timeout=3000)
    qtbot.waitUntil(lambda: panel.view.paint_seconds > painted_before, timeout=3000)  # painted, and still so
    assert whole_epochs()
