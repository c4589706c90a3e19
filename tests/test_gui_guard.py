"""The divergence guard in the window: a converging run trains to its last epoch, a blow-up is stopped with a line
that says what happened and offers a stepsize that was tried, and the loss plot marks the stop as the guard's (not as a
divergence: issue 16 §2; checked on the same runs, each training once)."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from mlp_gui.core import guard as guard_module
from mlp_gui.gui.session import RunState
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, wait_state

# the tests share one window, lent in turn (a fresh run put back after each, the window and its controls checked)
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


@pytest.fixture(autouse=True)
def patient_trials(monkeypatch):
    """The trials' time budget is for the window's sake; here, on a loaded machine, it would cut them short."""
    monkeypatch.setattr(guard_module, "TRIAL_SECONDS", 120.0)
    monkeypatch.setattr(guard_module, "CURVATURE_SECONDS", 120.0)


def shown_label(window) -> str:
    """The loss plot's divergence mark's label, on one line."""
    return window.plot.divergence_line.label.toPlainText().replace("\n", " ")


def test_a_run_falling_a_million_fold_trains_to_the_end(lent_window, qtbot):
    """1,1 at batch 1 and stepsize 0.3 falls from 0.11 to 1e-30: the guard used to stop it at epoch 0."""
    window = lent_window
    configure(window, qtbot, layers="1,1", batch_size="1", stepsize="0.3", epochs="2000")
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED, RunState.PAUSED, RunState.DIVERGED)
    assert window.session.state is RunState.FINISHED and window.session.epoch == 2000
    assert window.session.guard_report is None and "guard" not in window.run_panel.state_label.text()
    assert not window.plot.divergence_line.isVisible() and not window.run_panel.offer.isVisibleTo(window)
    losses = window.session.loss_history()
    assert len(losses) == 2001 and losses[-1] < 1e-20 * losses[0]


def test_a_blow_up_is_stopped_the_offered_stepsize_was_tried_and_the_plot_marks_the_guards_stop(lent_window, qtbot):
    window = lent_window
    configure(window, qtbot, stepsize="1000", epochs="3000")
    with qtbot.waitSignal(window.session.guarded, timeout=TIMEOUT_MS) as blocker:
        press_start(window, qtbot)
    report = blocker.args[0]
    wait_state(window, qtbot, RunState.PAUSED)
    text = window.run_panel.state_label.text()
    assert "rose to" in text and "times its best before it" in text
    assert f"a stepsize of {report.suggested_stepsize:g} trained 500 epochs from epoch {report.good_epoch}" in text
    assert window.run_panel.offer.isVisibleTo(window) and f"{report.suggested_stepsize:g}" in window.run_panel.offer.text()
    line = window.plot.divergence_line
    assert line.isVisible() and line.value() == report.epoch, "the loss plot marks where the guard stopped the blow-up"
    assert shown_label(window) == f"stopped by the guard at epoch {report.stopped_at:,}", "the mark says the guard stopped it"
    assert "diverged" not in shown_label(window), "the guard's stop is not labelled as a divergence"


def test_a_loss_that_leaps_up_and_stays_is_stopped_and_marked_where_it_leapt(lent_window, qtbot):
    """spiral at stepsize 200 leaps from its start to about 50 at once and swings up there: finite, but blown up."""
    window = lent_window
    configure(window, qtbot, data="spiral", layers="2,16,16,2", output="softmax", loss="cross-entropy",
              batch_size="all", stepsize="200", epochs="20000")
    with qtbot.waitSignal(window.session.guarded, timeout=TIMEOUT_MS) as blocker:
        press_start(window, qtbot)
    report = blocker.args[0]
    wait_state(window, qtbot, RunState.PAUSED)
    assert report.kind == "stayed" and window.session.epoch == report.stopped_at == 500
    leapt = (f"leapt from {report.start:.3g} at epoch 0 to {report.loss:.3g} at epoch {report.epoch} and stayed up for "
             f"500 epochs, at a median of {report.level:.3g}")
    assert leapt in window.run_panel.state_label.text() and report.loss > 10 * report.start
    assert np.isfinite(window.session.loss_history()).all()
    assert report.epoch < report.stopped_at, "the leap is before the stop"
    assert window.plot.divergence_line.value() == report.epoch, "the loss plot marks the stop where the loss leapt"
    assert shown_label(window) == f"loss leapt here; stopped by the guard at epoch {report.stopped_at:,}", \
        "the mark says where it leapt and where the guard stopped it"
    qtbot.mouseClick(window.run_panel.offer, Qt.MouseButton.LeftButton)  # back to epoch 0 with the tried stepsize
    qtbot.waitUntil(lambda: window.session.epoch > 600 or not window.session.state.busy, timeout=TIMEOUT_MS)
    assert window.session.guard_report is None and window.session.config.stepsize == report.suggested_stepsize
    window.session.stop()
