"""The status bar's hover read-out never outlives what it read: the mouse leaving a cell or the run being replaced
takes it away (a value no longer followed stayed on screen), and a message that took its place is left alone."""

from __future__ import annotations

from tests import window_reuse
from tests.gui_helpers import set_settings
from tests.hover_checks import Hover, hover_text

reused_window = window_reuse.reused_window


def status(window) -> str:
    return window.statusBar().currentMessage()


def test_the_read_out_goes_when_the_mouse_leaves_the_cell(reused_window):
    view = reused_window.heatmaps.weights[1]
    text = hover_text(view, 2, 3)
    assert text.startswith("W2[2, 3] = ") and status(reused_window) == text
    view.image.hoverEvent(Hover(0, 0, exit=True))
    assert status(reused_window) == ""


def test_a_message_that_replaced_the_read_out_stays_when_the_mouse_leaves(reused_window):
    view = reused_window.heatmaps.weights[1]
    hover_text(view, 2, 3)
    reused_window.statusBar().showMessage("Saved run.npz")
    view.image.hoverEvent(Hover(0, 0, exit=True))
    assert status(reused_window) == "Saved run.npz"
    reused_window.statusBar().clearMessage()


def test_a_new_run_shows_its_own_value_under_a_resting_mouse_and_never_the_old_runs(reused_window, qtbot):
    view = reused_window.heatmaps.weights[1]
    old = hover_text(view, 2, 3)
    set_settings(reused_window, qtbot, seed=7)  # a new run of the same shape: the cell under the mouse has a new value
    assert status(reused_window) != old
    new = float(reused_window.session.snapshot.layers[1].W[2, 3])
    assert status(reused_window).startswith(f"W2[2, 3] = {new!r}")


def test_a_new_network_takes_the_read_out_away(reused_window, qtbot):
    hover_text(reused_window.heatmaps.weights[1], 2, 3)
    set_settings(reused_window, qtbot, layers="3,5,2")  # W2 is gone: nothing is under the mouse any more
    assert "W2[2, 3]" not in status(reused_window)
