"""The timeline: a usable slider however narrow the plot column, and a finished run's last epoch on it."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from mlp_gui.core.runfile import run_from_trainer
from mlp_gui.gui.session import RunState
from mlp_gui.gui.timeline import SLIDER_MIN_PX, Timeline
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, shown, wait_state

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def rect_in(widget: QWidget, ancestor: QWidget):
    return widget.geometry().translated(widget.parentWidget().mapTo(ancestor, widget.parentWidget().rect().topLeft()))


@pytest.mark.parametrize("width", [260, 330, 800])
def test_the_slider_keeps_a_usable_width_however_narrow_the_row(qtbot, width):
    column = QWidget()  # the plot column it sits in
    timeline = Timeline()
    QVBoxLayout(column).addWidget(timeline)
    shown(qtbot, column, width, 90)
    timeline.set_epochs(list(range(0, 100_001, 1000)))
    qtbot.waitUntil(lambda: timeline.slider.width() >= SLIDER_MIN_PX, timeout=2000)
    for widget in (timeline.slider, timeline.label, timeline.button):
        assert widget.isVisible() and timeline.rect().contains(rect_in(widget, timeline)), widget
    assert timeline.minimumSizeHint().width() <= 260  # fits the plot column of a 1024-wide window
    assert timeline.two_rows == (width < 500)  # the epoch and the button go under the slider only when they must


def test_at_1024_by_700_the_windows_slider_is_usable(lent_window, qtbot):
    lent_window.resize(1024, 700)
    qtbot.waitUntil(lambda: lent_window.width() == 1024, timeout=TIMEOUT_MS)
    slider = lent_window.timeline.slider
    qtbot.waitUntil(lambda: slider.width() >= SLIDER_MIN_PX, timeout=TIMEOUT_MS)
    assert lent_window.timeline.button.isVisible() and lent_window.timeline.label.isVisible()


def test_a_finished_100k_run_can_be_gone_back_to_at_its_last_epoch(lent_window, qtbot, notebook_trained):
    """The notebook's 100k run finishing in the window: its first 90,000 epochs come from the session's copy of it
    (opened at the snapshot of epoch 90,000), the last 10,000 are trained by the lent_window, where a snapshot is due only
    every ~1,000 epochs and its chunks are shorter, so the last epoch is off the schedule."""
    earlier, at = run_from_trainer(notebook_trained).from_epoch(90_000)
    assert at == 90_000
    lent_window.open_saved_run(earlier)
    configure(lent_window, qtbot, epochs=100_000)
    press_start(lent_window, qtbot)
    wait_state(lent_window, qtbot, RunState.FINISHED)
    assert lent_window.session.loss == notebook_trained.loss  # the notebook's numbers, bit for bit
    timeline = lent_window.timeline
    qtbot.waitUntil(lambda: bool(timeline.epochs) and timeline.epochs[-1] == 100_000, timeout=TIMEOUT_MS)
    assert timeline.epochs[0] == 0 and lent_window.session.epoch == 100_000
    assert timeline.slider.value() == timeline.slider.maximum() and timeline.label.text() == "epoch 100,000"
    timeline.slider.setValue(timeline.slider.maximum() - 1)  # back in time, and to the end again
    timeline.slider.setValue(timeline.slider.maximum())
    assert timeline.at_present and timeline.label.text() == "epoch 100,000"
    # a short chunk at the end (here Step 10) is off the snapshot schedule (every 1,000 epochs by now): still there
    qtbot.mouseClick(lent_window.run_panel.step10_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lent_window.session.epoch == 100_010 and not lent_window.session.state.busy, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: bool(timeline.epochs) and timeline.epochs[-1] == 100_010, timeout=TIMEOUT_MS)
    assert timeline.label.text() == "epoch 100,010"
