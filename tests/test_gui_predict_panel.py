"""Predict, then see (issue 21 §4), driven from the keyboard with a real training session: a question, an answer,
the step it runs, the verdict with its numbers and the score; stale questions are never scored."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from mlp_gui.core import TrainConfig
from mlp_gui.core.predict import draw_question
from mlp_gui.core.run_state import RunState
from mlp_gui.gui.predict_panel import PredictPanel
from mlp_gui.gui.session import TrainingSession
from tests.gui_helpers import TIMEOUT_MS


@pytest.fixture
def session(qtbot):
    s = TrainingSession()
    yield s
    s.shutdown()


def opened(qtbot, session, config=None, **kwargs) -> PredictPanel:
    panel = PredictPanel(session, **kwargs)
    qtbot.addWidget(panel)
    panel.resize(900, 320)
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS):
        session.new_run(config or TrainConfig(), 100)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel, timeout=TIMEOUT_MS)
    panel.set_open(True)
    return panel


def shown_text(label) -> str:
    """What a rich-text label shows, as plain text."""
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def visible_choices(panel):
    return [b for b in panel.buttons if b.isVisible()]


def test_answering_with_a_digit_runs_the_step_and_shows_the_verdict_and_the_score(qtbot, session):
    panel = opened(qtbot, session)
    q = panel.question
    assert q is not None and q.epoch == 0 and panel.question_label.text() == q.text
    assert "before epoch 1" in panel.heading.text()
    assert len(visible_choices(panel)) == len(q.choices) and QApplication.focusWidget() is panel.buttons[0]
    assert not panel.explanation.isVisible()  # no answer before the step
    with qtbot.waitSignal(panel.answered, timeout=TIMEOUT_MS) as answered:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1 + q.answer)
    assert answered.args == [True] and session.epoch == 1
    assert shown_text(panel.verdict) == "✓ Right: " + q.right_choice  # "< 0)" and all: shown, not read as markup
    assert panel.explanation.toPlainText() == q.explanation and panel.explanation.isVisible()
    assert panel.score_label.text() == "1 of 1 right · streak 1 (best 1)"
    assert panel.buttons[q.answer].text().startswith(f"&{'ABCD'[q.answer]}   {q.answer + 1}.  ✓ ")
    assert not any(b.isEnabled() for b in visible_choices(panel))
    assert QApplication.focusWidget() is panel.next_button
    qtbot.keyClick(panel.next_button, Qt.Key.Key_Return)  # Enter on Next question
    assert panel.question.epoch == 1 and "before epoch 2" in panel.heading.text()
    wrong = (panel.question.answer + 1) % len(panel.question.choices)
    with qtbot.waitSignal(panel.answered, timeout=TIMEOUT_MS) as answered:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A + wrong, Qt.KeyboardModifier.AltModifier)
    assert answered.args == [False] and session.epoch == 2
    assert shown_text(panel.verdict) == "✗ Not this time. The answer: " + panel.question.right_choice
    assert panel.score_label.text() == "1 of 2 right · streak 0 (best 1)"
    assert panel.buttons[wrong].text().split(".  ", 1)[1].startswith("✗ ")


def test_tab_and_enter_answer_and_n_asks_the_next_question(qtbot, session):
    panel = opened(qtbot, session)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.buttons[1]
    with qtbot.waitSignal(panel.answered, timeout=TIMEOUT_MS) as answered:
        qtbot.keyClick(panel.buttons[1], Qt.Key.Key_Return)
    assert answered.args == [panel.question.answer == 1]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N)
    assert panel.question.epoch == 1 and QApplication.focusWidget() is panel.buttons[0]


def test_the_cell_a_question_is_about_is_announced_and_cleared_on_close(qtbot, session):
    seen = []
    panel = PredictPanel(session)
    qtbot.addWidget(panel)
    panel.asked_about.connect(seen.append)
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS):
        session.new_run(TrainConfig(), 100)
    for _ in range(12):  # over a few epochs every kind comes up; each question announces its own cell (or None)
        panel.set_open(True)
        assert seen[-1] == panel.question.ref
        with qtbot.waitSignal(session.state_changed, timeout=TIMEOUT_MS, check_params_cb=lambda s: not s.busy):
            session.step(1)
    assert any(ref is not None for ref in seen) and None in seen
    with qtbot.waitSignal(panel.closed, timeout=TIMEOUT_MS):
        panel.close_panel()
    assert seen[-1] is None and not panel.isVisible()


def test_a_question_the_run_moves_past_is_replaced_and_never_scored(qtbot, session):
    panel = opened(qtbot, session)
    with qtbot.waitSignal(session.state_changed, timeout=TIMEOUT_MS, check_params_cb=lambda s: not s.busy):
        session.step(7)  # Step 10 or Start pressed elsewhere while the question waits
    qtbot.waitUntil(lambda: panel.question is not None and panel.question.epoch == 7, timeout=TIMEOUT_MS)
    assert panel.score.asked == 0 and "before epoch 8" in panel.heading.text()
    before = panel.question
    assert before.kind == "sign" and "0.1 × (" in before.explanation  # this run's question at epoch 7
    session.set_stepsize(0.5)  # the coming step is another one: a new question about it
    run = session.saved_run()
    assert panel.question == draw_question(session.config, session.snapshot, run.x, run.y) != before
    assert "0.5 × (" in panel.question.explanation and panel.score.asked == 0


def test_a_step_that_does_not_run_is_not_scored(qtbot, session):
    calls = []
    panel = opened(qtbot, session, step=calls.append)  # the window's Step, here refusing (say, settings invalid)
    with qtbot.assertNotEmitted(panel.answered):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_2)
    assert calls == [1] and session.epoch == 0 and panel.score.asked == 0
    assert shown_text(panel.verdict).endswith("\nThe step did not run, so this answer is not scored.")


def test_no_question_while_training_or_after_divergence(qtbot, session):
    panel = opened(qtbot, session, config=TrainConfig(stepsize=1000.0))
    session.guard_enabled = False
    session.set_plan(5000)
    session.start()
    assert panel.question is None and "Training…" in panel.question_label.text()
    assert not visible_choices(panel)
    qtbot.waitUntil(lambda: session.state is RunState.DIVERGED, timeout=TIMEOUT_MS)
    assert panel.question is None and "The run diverged" in panel.question_label.text()
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS):
        session.new_run(TrainConfig(), 100)
    assert panel.question is not None and panel.question.epoch == 0 and visible_choices(panel)


def test_a_panel_made_after_the_run_began_reads_the_run_from_the_session(qtbot, session):
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS):
        session.new_run(TrainConfig(data="xor", layers=(2, 3, 1), batch_size=8, samples=40), 100)
    panel = PredictPanel(session)
    qtbot.addWidget(panel)
    panel.set_open(True)
    assert panel.question is not None and panel.question.epoch == 0 and panel.heading.text().endswith("before epoch 1")
