"""Quitting mid-run: the run is paused while "Quit: the run is not saved" is up, so the epochs the question names
are the ones the answer loses or keeps; No lets the run go on, Yes closes with nothing trained behind the question."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mlp_gui.core.run_state import RunState
from mlp_gui.gui import confirm
from tests.gui_helpers import TIMEOUT_MS, configure, press_start


def running(window, qtbot, *, past: int = 50) -> None:
    configure(window, qtbot, epochs=100_000_000)
    press_start(window, qtbot)
    qtbot.waitUntil(lambda: window.session.state is RunState.RUNNING and window.session.epoch > past, timeout=TIMEOUT_MS)


def answering(monkeypatch, window, answer: bool) -> list[tuple[int, RunState, int]]:
    """The quit question answers ``answer``; for each time it was asked: the epochs it named, the run's state then and
    the run's epoch then."""
    asked: list[tuple[int, RunState, int]] = []

    def quit_unsaved(parent, epochs: int) -> bool:
        asked.append((epochs, window.session.state, window.session.epoch))
        return answer

    monkeypatch.setattr(confirm, "quit_unsaved", quit_unsaved)
    return asked


def test_ctrl_q_mid_run_pauses_while_asking_and_no_lets_it_go_on(window, qtbot, monkeypatch):
    running(window, qtbot)
    asked = answering(monkeypatch, window, False)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=TIMEOUT_MS)
    [(named, state, epoch)] = asked
    assert state is RunState.PAUSED and named == epoch  # nothing trains behind the question: its count stays right
    assert window.isVisible()
    qtbot.waitUntil(lambda: window.session.state is RunState.RUNNING and window.session.epoch > named,
                    timeout=TIMEOUT_MS)  # No: the run goes on as it was


def test_ctrl_q_mid_run_yes_closes_with_the_epochs_it_named(window, qtbot, monkeypatch):
    running(window, qtbot)
    asked = answering(monkeypatch, window, True)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT_MS)
    [(named, state, _)] = asked
    assert state is RunState.PAUSED and window.session.epoch == named


def test_closing_by_the_window_manager_mid_run_asks_the_same_way(window, qtbot, monkeypatch):
    """The ✕ (a spontaneous close event) asks as Ctrl+Q does, the run paused while it asks."""
    from PySide6.QtGui import QCloseEvent
    from PySide6.QtWidgets import QApplication

    running(window, qtbot)
    asked = answering(monkeypatch, window, False)
    QApplication.sendEvent(window.windowHandle(), QCloseEvent())  # as the window manager's ✕ arrives
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=TIMEOUT_MS)
    [(named, state, epoch)] = asked
    assert state is RunState.PAUSED and named == epoch and window.isVisible()
    qtbot.waitUntil(lambda: window.session.state is RunState.RUNNING, timeout=TIMEOUT_MS)


def test_a_paused_run_is_not_resumed_by_no(window, qtbot, monkeypatch):
    running(window, qtbot)
    press_start(window, qtbot)  # Pause
    qtbot.waitUntil(lambda: window.session.state is RunState.PAUSED, timeout=TIMEOUT_MS)
    asked = answering(monkeypatch, window, False)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 1 and window.session.state is RunState.PAUSED and window.isVisible()
