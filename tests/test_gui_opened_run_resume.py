"""An opened run file (a plain run, or a lesson saved with File ▸ Save as lesson…) offers Resume, as the same run did
before it was saved: pressing it continues from the file's epochs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from mlp_gui.core import TrainConfig, Trainer, run_from_trainer, save_run
from mlp_gui.core.lesson import Lesson
from mlp_gui.core.run_state import RunState
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

LESSON = Lesson.checked("Watch it fall", "Press Resume and watch the loss.", hidden=["seed"], locked=["stepsize"],
                        questions=False)


def stepped(window, qtbot, epochs: int) -> None:
    target = window.session.epoch + epochs
    window.step(epochs)
    qtbot.waitUntil(lambda: window.session.epoch == target and not window.session.state.busy, timeout=TIMEOUT_MS)


def resumes_from(window, qtbot, epochs: int) -> None:
    """Start says Resume, and pressing it trains on from ``epochs`` (not from 0)."""
    assert window.run_panel.start_button.text() == "Resume" and window.run_panel.start_button.isEnabled()
    assert window.session.epoch == epochs
    qtbot.mouseClick(window.run_panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.epoch > epochs + 5, timeout=TIMEOUT_MS)
    assert window.run_panel.start_button.text() == "Pause"
    qtbot.mouseClick(window.run_panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.state is RunState.PAUSED, timeout=TIMEOUT_MS)
    assert len(window.session.loss_history()) > epochs + 5  # the file's epochs kept, the new ones after them


def test_a_lesson_saved_from_the_window_reopens_offering_resume(lent_window, qtbot, tmp_path):
    configure(lent_window, qtbot, epochs=100_000_000)
    stepped(lent_window, qtbot, 12)
    assert lent_window.run_panel.start_button.text() == "Resume"  # before saving
    path = tmp_path / "lesson.npz"
    lent_window.lessons.save_lesson_to(path, LESSON)
    qtbot.waitUntil(path.exists, timeout=TIMEOUT_MS)
    try:
        assert lent_window.open_run_from(path)
        qtbot.waitUntil(lambda: lent_window.lessons.mode.lesson is not None and not lent_window.session.state.busy,
                        timeout=TIMEOUT_MS)
        resumes_from(lent_window, qtbot, 12)
    finally:
        lent_window.actions["leave_lesson"].trigger()  # Run ▸ Leave lesson, as a person ends one (the lent window's)


@pytest.mark.parametrize("lesson", [None, LESSON], ids=["plain", "lesson"])
def test_an_opened_run_file_offers_resume(lent_window, qtbot, tmp_path, lesson):
    trainer = Trainer.new(TrainConfig())
    trainer.step(30)
    path = tmp_path / "run.npz"
    save_run(path, replace(run_from_trainer(trainer), lesson=lesson))
    configure(lent_window, qtbot, epochs=100_000_000)
    assert lent_window.run_panel.start_button.text() == "Start"  # a new run
    try:
        assert lent_window.open_run_from(path)
        qtbot.waitUntil(lambda: lent_window.session.epoch == 30, timeout=TIMEOUT_MS)
        resumes_from(lent_window, qtbot, 30)
    finally:
        if lesson is not None:
            lent_window.actions["leave_lesson"].trigger()  # Run ▸ Leave lesson, as a person ends one (the lent window's)




@pytest.mark.parametrize(("epoch", "line"), [(0, "Ready: press Start (Ctrl+Return)"),
                                             (1234, "Ready at epoch 1,234: press Resume (Ctrl+Return)")])
def test_the_ready_line_names_the_button_the_run_panel_shows(epoch, line):
    from types import SimpleNamespace

    from mlp_gui.gui.run_status import state_line

    assert state_line(RunState.READY, SimpleNamespace(epoch=epoch, guard_stopped=False, loss=0.5), "") == line
