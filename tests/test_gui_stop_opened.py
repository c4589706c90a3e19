"""Stop ends a run for good (Start then begins a new one): an opened run with epochs can be ended as a paused one can."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.runfile import run_from_trainer
from mlp_gui.gui.session import RunState
from tests.gui_helpers import TIMEOUT_MS, wait_state


def test_an_opened_run_with_epochs_can_be_stopped_as_a_paused_one(window, qtbot) -> None:
    trainer = Trainer.new(TrainConfig())
    trainer.step(300)
    window.open_saved_run(run_from_trainer(trainer))
    qtbot.waitUntil(lambda: window.session.epoch == 300, timeout=TIMEOUT_MS)
    panel = window.run_panel
    assert window.session.state is RunState.READY and panel.start_button.text() == "Resume"
    qtbot.waitUntil(panel.stop_button.isEnabled, timeout=TIMEOUT_MS)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    wait_state(window, qtbot, RunState.STOPPED)
    assert window.session.epoch == 300 and panel.start_button.text() == "Start new run"
    assert not panel.stop_button.isEnabled()


def test_a_new_run_has_nothing_to_stop(window, qtbot) -> None:
    assert window.session.epoch == 0 and not window.run_panel.stop_button.isEnabled()
    window.stop()  # Ctrl+. on a run with no epochs: nothing happens
    assert window.session.state is RunState.READY
