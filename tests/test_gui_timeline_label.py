"""The timeline's label says what applies in each state: while training, to pause first; paused, the epoch."""

from __future__ import annotations

from mlp_gui.gui.session import RunState
from mlp_gui.gui.timeline import Timeline
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, wait_state

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def test_the_label_says_pause_first_while_training_and_the_epoch_when_paused(lent_window, qtbot) -> None:
    configure(lent_window, qtbot, epochs=2_000_000)
    press_start(lent_window, qtbot)
    wait_state(lent_window, qtbot, RunState.RUNNING)
    label = lent_window.timeline.label
    qtbot.waitUntil(lambda: label.text() == "pause to go back", timeout=TIMEOUT_MS)
    assert not lent_window.timeline.slider.isEnabled()
    lent_window.session.pause()
    wait_state(lent_window, qtbot, RunState.PAUSED)
    qtbot.waitUntil(lambda: label.text().startswith("epoch "), timeout=TIMEOUT_MS)
    assert label.text() == f"epoch {lent_window.timeline.epochs[-1]:,}"


def test_with_nothing_kept_the_label_says_so(qtbot) -> None:
    timeline = Timeline()
    timeline.set_epochs([])
    assert timeline.label.text() == "no epochs kept yet"
