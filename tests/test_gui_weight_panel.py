"""One weight, explained (the window): a click opens the panel; it follows the run live and closes on Esc."""

import numpy as np
from PySide6.QtCore import Qt

from mlp_gui.core.one_weight import WeightRef
from mlp_gui.core.run_state import RunState
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, wait_state


def test_a_click_opens_the_panel_and_it_follows_the_run_live(window, qtbot):
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


def test_opened_while_idle_it_shows_the_whole_run_from_the_snapshots(window, qtbot):
    configure(window, qtbot, epochs=2000)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    window.heatmaps.cell_clicked.emit("b", 3, 1, 0)
    panel = window.weight_panel
    assert panel.ref == WeightRef(3, 1) and panel.epochs[0] == 0 and panel.epochs[-1] == 2000
    kept = window.session.snapshot_epochs()
    assert panel.epochs[: len(kept)].tolist() == kept and panel.epochs[-1] == 2000  # and the newest, if not kept
    assert "the bias of unit 1 of layer 3" in panel.text.text()


def test_escape_closes_and_a_new_network_without_that_weight_closes_it(window, qtbot):
    panel = window.weight_panel
    window.heatmaps.cell_clicked.emit("W", 2, 3, 3)
    assert panel.isVisible()
    qtbot.keyClick(panel, Qt.Key.Key_Escape)
    assert not panel.isVisible() and panel.ref is None
    window.heatmaps.cell_clicked.emit("W", 2, 3, 3)
    configure(window, qtbot, layers="3,2,2")
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=TIMEOUT_MS)


def test_a_new_stepsize_changes_the_predicted_value(window, qtbot):
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


def test_after_divergence_the_panel_says_what_the_next_step_did(window, qtbot):
    window.session.guard_enabled = False
    configure(window, qtbot, stepsize=1000, epochs=200)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.DIVERGED)
    window.heatmaps.cell_clicked.emit("W", 3, 0, 1)
    text = window.weight_panel.text.text()
    assert f"its loss became inf at epoch {window.session.diverged_at:,}" in text and "Step 1" not in text
