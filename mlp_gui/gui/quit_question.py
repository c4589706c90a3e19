"""Quitting with unsaved epochs: a training run is paused while the question is up, so the epochs it names are the
ones the answer keeps or loses; No lets the run go on."""

from __future__ import annotations

from collections.abc import Callable

from mlp_gui.core.run_state import RunState
from mlp_gui.gui import confirm


def ask_then_quit(window, *, close: Callable[[], None]) -> None:
    """Pause ``window``'s run if it is training, then ask (only if epochs would be lost): Yes (or nothing to lose)
    calls ``close``; No resumes a run this paused."""
    session = window.session
    was_running = session.state is RunState.RUNNING

    def ask() -> None:
        if not window.files.unsaved_epochs or confirm.quit_unsaved(window, session.epoch):
            close()
        elif was_running and session.state is RunState.PAUSED and not session.guard_stopped:
            session.start()  # as it was before Ctrl+Q: training

    session.pause_then(ask)
