"""Kept runs and run files say which stepsize the run trained with, and a finished run's stepsize question
defaults to a new run (review A1)."""

from PySide6.QtWidgets import QMessageBox

from mlp_gui.core import load_run
from mlp_gui.core.run_state import RunState
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import configure, press_start, set_settings, wait_state

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def _answer_stepsize_question(monkeypatch, button_text: str) -> dict:
    """Answer the real "Stepsize changed" question with the button whose text starts with ``button_text``; what
    it showed (its text, its buttons, its default button) lands in the returned dict."""
    seen: dict = {}

    def answer(box: QMessageBox) -> int:
        assert box.objectName() == "stepsizeQuestion"
        seen.update(text=box.text(), default=box.defaultButton().text(), buttons=[b.text() for b in box.buttons()])
        next(b for b in box.buttons() if b.text().startswith(button_text)).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    return seen


def test_a_finished_run_keeps_and_saves_the_stepsize_it_trained_with(lent_window, qtbot, tmp_path, monkeypatch):
    configure(lent_window, qtbot, data="notebook", stepsize=0.1, epochs=2000)
    press_start(lent_window, qtbot)
    wait_state(lent_window, qtbot, RunState.FINISHED)
    seen = _answer_stepsize_question(monkeypatch, "Continue")
    set_settings(lent_window, qtbot, stepsize=2)  # Return in the field asks, as Start does
    qtbot.waitUntil(lambda: "default" in seen, timeout=10_000)
    assert seen["default"] == "Start a new run"
    assert "raise Epochs" in " ".join(seen["buttons"]) and "raise Epochs above 2,000" in seen["text"]
    assert "Raise Epochs above 2,000" in lent_window.statusBar().currentMessage()  # says why nothing happened
    assert lent_window.session.epoch == 2000 and lent_window.session.stepsize == 0.1
    kept = lent_window.explorer.keep_current_run()
    assert kept.label.startswith("stepsize=0.1") and "stepsize=2" not in kept.label
    lent_window.save_run_to(tmp_path / "run.npz")
    run = load_run(tmp_path / "run.npz")
    assert run.config.stepsize == 0.1 and run.stepsizes == ()


def test_a_run_continued_with_another_stepsize_records_when_it_changed(lent_window, qtbot, tmp_path, monkeypatch):
    configure(lent_window, qtbot, data="notebook", stepsize=0.1, epochs=1000)
    press_start(lent_window, qtbot)
    wait_state(lent_window, qtbot, RunState.FINISHED)
    set_settings(lent_window, qtbot, epochs=2000)
    seen = _answer_stepsize_question(monkeypatch, "Continue this run")
    set_settings(lent_window, qtbot, stepsize=0.3)
    qtbot.waitUntil(lambda: "default" in seen, timeout=10_000)
    assert seen["default"] == "Continue this run"  # epochs to go: going on is what the change is for
    press_start(lent_window, qtbot)
    wait_state(lent_window, qtbot, RunState.FINISHED)
    assert lent_window.session.epoch == 2000
    kept = lent_window.explorer.keep_current_run()
    assert kept.label.startswith("stepsize 0.1 → 0.3 at 1,000")
    lent_window.save_run_to(tmp_path / "run.npz")
    run = load_run(tmp_path / "run.npz")
    assert run.stepsizes == ((0, 0.1), (1000, 0.3)) and run.config.stepsize == 0.3
    back, at = run.from_epoch(900)
    assert back.config.stepsize == 0.1 and at <= 900
