"""Stop ends a run for good (Start then begins a new one): an opened run with epochs can be ended as a paused one can."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.runfile import run_from_trainer
from mlp_gui.gui.session import RunState
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, wait_state

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def test_an_opened_run_with_epochs_can_be_stopped_as_a_paused_one(lent_window, qtbot) -> None:
    trainer = Trainer.new(TrainConfig())
    trainer.step(300)
    lent_window.open_saved_run(run_from_trainer(trainer))
    qtbot.waitUntil(lambda: lent_window.session.epoch == 300, timeout=TIMEOUT_MS)
    panel = lent_window.run_panel
    assert lent_window.session.state is RunState.READY and panel.start_button.text() == "Resume"
    qtbot.waitUntil(panel.stop_button.isEnabled, timeout=TIMEOUT_MS)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    wait_state(lent_window, qtbot, RunState.STOPPED)
    assert lent_window.session.epoch == 300 and panel.start_button.text() == "Start new run"
    assert not panel.stop_button.isEnabled()


def test_a_new_run_has_nothing_to_stop(lent_window, qtbot) -> None:
    assert lent_window.session.epoch == 0 and not lent_window.run_panel.stop_button.isEnabled()
    lent_window.stop()  # Ctrl+. on a run with no epochs: nothing happens
    assert lent_window.session.state is RunState.READY
