"""The window's questions: a stray Enter never throws a run away; the continue question names every change."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mlp_gui.gui import confirm


def answer_with(qtbot, key: Qt.Key, seen: list) -> None:
    """Press ``key`` in the next modal question, noting its title and text."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        seen.append((box.windowTitle(), box.text()))
        qtbot.keyClick(box, key)

    QTimer.singleShot(0, press)


@pytest.mark.parametrize("ask", [
    lambda: confirm.new_run(None, 1234, {"layers"}),
    lambda: confirm.replace_run(None, 1234, "Reset"),
    lambda: confirm.quit_unsaved(None, 1234),
])
def test_enter_keeps_the_run(qtbot, monkeypatch, ask):
    monkeypatch.undo()  # the real dialogs
    seen: list = []
    answer_with(qtbot, Qt.Key.Key_Return, seen)
    assert ask() is False
    assert len(seen) == 1 and "1,234 epochs" in seen[0][1]


def test_the_continue_question_names_every_change_and_enter_continues(qtbot, monkeypatch):
    monkeypatch.undo()
    seen: list = []
    answer_with(qtbot, Qt.Key.Key_Return, seen)
    assert confirm.settings_changed(None, 300, {"stepsize": "0.05", "momentum": "0.8"}) is True
    assert seen[0][0] == "Settings changed"
    assert "with stepsize 0.05, momentum 0.8" in seen[0][1]


def test_the_stepsize_question_keeps_its_title_and_escape_cancels(qtbot, monkeypatch):
    monkeypatch.undo()
    seen: list = []
    answer_with(qtbot, Qt.Key.Key_Escape, seen)
    assert confirm.stepsize(None, 300, 0.5) is None
    assert seen[0][0] == "Stepsize changed" and "stepsize 0.5" in seen[0][1]
