"""Predict, then see: a panel under the plots that asks one question about the coming Step 1, runs the step when the
student answers, then shows whether the answer was right, the numbers that decide it and a running score.

Non-modal, so the plots and heatmaps stay in view while the student thinks and while the step runs. The questions
are :mod:`mlp_gui.core.predict`'s, drawn from the session's newest snapshot and the run's data. Keyboard only:
1–4 or Alt+A–D answer, Tab moves between the choices and Enter presses the focused one, N (or Enter on *Next
question*) asks the next. ``asked_about`` says which cell the question is about, for a view to highlight.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlp_gui.core.predict import Question, Score, draw_question
from mlp_gui.gui import palette

LETTERS = "ABCD"
ASKING, STEPPING, ANSWERED, WAITING = "asking", "stepping", "answered", "waiting"


class PredictPanel(QFrame):
    """The question, its choices, then the verdict with its explanation, the score and *Next question*."""

    closed = Signal()
    asked_about = Signal(object)  # WeightRef | None: the cell the question is about (None: no cell)
    answered = Signal(bool)  # after the step: whether the answer was right

    def __init__(self, session=None, parent: QWidget | None = None, *, step: Callable[[int], None] | None = None) -> None:
        """``step(epochs)``: how a Step runs (the window's own Step, which applies the settings first); by default the
        session's."""
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("predictPanel")
        self.session = None
        self._step = step
        self.question: Question | None = None
        self.chosen: int | None = None
        self.phase = WAITING
        self.score = Score()
        self.x = self.y = None
        self.heading = QLabel("<b>Predict, then see</b>")
        self.question_label = QLabel()
        self.question_label.setWordWrap(True)
        self.question_label.setTextFormat(Qt.TextFormat.PlainText)
        self.question_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = [self._choice_button(i) for i in range(len(LETTERS))]
        self.keys_hint = QLabel("Keys: 1–4 or Alt+A–D (or Tab, Enter). Answering runs Step 1.")
        palette.style_secondary(self.keys_hint)
        self.verdict = QLabel()
        self.verdict.setObjectName("predictVerdict")
        self.verdict.setWordWrap(True)
        self.explanation = QPlainTextEdit()
        self.explanation.setReadOnly(True)
        self.explanation.setTabChangesFocus(True)
        self.explanation.setObjectName("predictExplanation")
        self.score_label = QLabel(self.score.text)
        self.score_label.setObjectName("predictScore")
        self.next_button = QPushButton("&Next question")
        self.next_button.setAutoDefault(True)  # Enter presses it when focused, outside a dialog too
        self.next_button.setToolTip("Ask about the step after this one (N)")
        self.next_button.clicked.connect(self.next_question)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Close the questions (Run ▸ Predict the next step opens them again)")
        close.setAutoRaise(True)
        close.clicked.connect(self.close_panel)
        self._lay_out(close)
        lines = self.fontMetrics().lineSpacing()
        self.question_label.setMinimumHeight(3 * lines)  # never squeezed to a line: the question is the point
        self.setMinimumHeight(7 * lines + 2 * self.buttons[0].sizeHint().height() + 24)
        for i in range(len(LETTERS)):
            self._shortcut(str(i + 1), lambda i=i: self.choose(i))
        self._shortcut("N", self._next_if_answered)
        self._show_phase()
        if session is not None:
            self.bind(session)

    def _choice_button(self, index: int) -> QPushButton:
        button = QPushButton()
        button.setAutoDefault(True)
        button.setObjectName(f"choice{LETTERS[index]}")
        button.setStyleSheet("text-align: left; padding: 4px 8px;")
        button.clicked.connect(lambda: self.choose(index))
        return button

    def _shortcut(self, key: str, slot: Callable[[], None]) -> None:
        shortcut = QShortcut(QKeySequence(key), self)
        # anywhere in the window (a lesson opens with the focus elsewhere); a text field still takes the digits typed
        # into it (it claims them before any shortcut), and a hidden panel's shortcuts are off
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)

    def _lay_out(self, close: QToolButton) -> None:
        left = QVBoxLayout()
        left.addWidget(self.heading)
        left.addWidget(self.question_label)
        grid = QGridLayout()  # two by two: four choices fit the third of the tab the panel opens in
        for i, button in enumerate(self.buttons):
            grid.addWidget(button, i // 2, i % 2)
        left.addLayout(grid)
        left.addWidget(self.keys_hint)
        left.addStretch(1)
        right = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.verdict, 1)
        top.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        right.addLayout(top)
        right.addWidget(self.explanation, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.score_label, 1)
        bottom.addWidget(self.next_button)
        right.addLayout(bottom)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)

    # ------------------------------------------------------------ what the window and the session tell it

    def bind(self, session) -> None:
        """Follow ``session``: a new run, every snapshot, the stepsize, and when a step has run."""
        self.session = session
        session.run_reset.connect(self._on_reset)
        session.snapshot_ready.connect(self._on_snapshot)
        session.state_changed.connect(self._on_state)
        session.stepsize_changed.connect(self._on_stepsize)

    def set_open(self, shown: bool) -> None:
        """Open (ask a question about the run as it is now) or close the panel."""
        if not shown:
            self.close_panel()
            return
        opening = not self.isVisible()
        self.setVisible(True)
        if opening or self.question is None:
            self.ask()
        if self.phase == ASKING:
            self.buttons[0].setFocus()

    def close_panel(self) -> None:
        self.setVisible(False)
        self.asked_about.emit(None)
        self.closed.emit()

    # ------------------------------------------------------------ questions and answers

    def ask(self) -> None:
        """A new question about the step after the session's newest snapshot (or a line saying why there is none)."""
        s = self.session
        self.question, self.chosen = None, None
        snap = s.snapshot if s is not None else None
        if snap is None or not s.has_run:
            return self._wait("Start a run to get a question.")
        if s.state.busy:
            return self._wait("Training… a question comes once the run pauses or finishes.")
        if s.diverged_at is not None:
            return self._wait("The run diverged: there is no next step to predict. Reset, or lower the stepsize.")
        if self.x is None:
            run = s.saved_run()
            self.x, self.y = (run.x, run.y) if run is not None else (None, None)
        if self.x is None:
            return self._wait("Start a run to get a question.")
        self.question = draw_question(s.config, snap, self.x, self.y)
        if self.question is None:
            return self._wait("No question has a clear answer at this epoch: press Step 1, then Next question.")
        self.phase = ASKING
        self._show_phase()
        self.asked_about.emit(self.question.ref)

    def choose(self, index: int) -> None:
        """The student's answer: choice ``index`` (0-based). The step runs; the verdict shows once it has."""
        q = self.question
        if self.phase != ASKING or q is None or not 0 <= index < len(q.choices):
            return
        self.chosen = index
        self.phase = STEPPING
        self._show_phase()
        (self._step or self.session.step)(1)
        if self.phase == STEPPING and not self.session.state.busy:  # it did not start (or has already ended)
            self._reveal()

    def next_question(self) -> None:
        self.ask()
        if self.phase == ASKING:
            self.buttons[0].setFocus()

    def _next_if_answered(self) -> None:
        if self.phase in (ANSWERED, WAITING):
            self.next_question()

    def _reveal(self, note: str = "") -> None:
        q, s = self.question, self.session
        stepped = s.epoch > q.epoch or s.diverged_at is not None
        right = q.is_right(self.chosen)
        if not note and not stepped:
            note = "The step did not run, so this answer is not scored."
        if not note:
            self.score.record(right)
        self.phase = ANSWERED
        ink = palette.RATINGS["green"][1] if right else palette.ERROR
        colour = palette.readable(ink, palette.background_color(self.verdict)).name()  # a dark desktop too
        said = html.escape(("✓ Right: " if right else "✗ Not this time. The answer: ") + q.right_choice)
        extra = f"<br>{html.escape(note)}" if note else ""
        self.verdict.setText(f"<b style='color:{colour}'>{said}</b>{extra}")
        self._show_phase()
        self.next_button.setFocus()
        if not note:
            self.answered.emit(right)

    def _wait(self, text: str) -> None:
        self.phase = WAITING
        self.heading.setText("<b>Predict, then see</b>")
        self.question_label.setText(text)
        self._show_phase()
        self.asked_about.emit(None)

    def _show_phase(self) -> None:
        q = self.question
        asking = self.phase == ASKING
        if q is not None:
            when = "the step to" if self.phase == ANSWERED else "before"
            self.heading.setText(f"<b>Predict, then see</b> — {when} epoch {q.epoch + 1:,}")
            self.question_label.setText(q.text)
        for i, button in enumerate(self.buttons):
            shown = q is not None and i < len(q.choices)
            button.setVisible(shown)
            button.setEnabled(asking)
            if shown:
                mark = ""
                if self.phase == ANSWERED:
                    mark = "✓ " if i == q.answer else ("✗ " if i == self.chosen else "")
                button.setText(f"&{LETTERS[i]}   {i + 1}.  {mark}{q.choices[i].replace('&', '&&')}")
                button.setToolTip(f"Press {i + 1} or Alt+{LETTERS[i]}")
        self.keys_hint.setVisible(asking)
        answered = self.phase == ANSWERED
        self.verdict.setVisible(answered or self.phase == STEPPING)
        if self.phase == STEPPING:
            self.verdict.setText("Step 1 is running…")
        self.explanation.setVisible(answered)
        self.explanation.setPlainText(q.explanation if answered and q is not None else "")
        self.score_label.setText(self.score.text)
        self.next_button.setVisible(answered or self.phase == WAITING)

    # ------------------------------------------------------------ the run changed

    def _on_reset(self, reset) -> None:
        self.x, self.y = np.asarray(reset.x), np.asarray(reset.y)
        if self.phase == STEPPING:
            self._reveal("The run was replaced before the step, so this answer is not scored.")
        elif self.isVisible() and self.phase != ANSWERED:
            self._ask_keeping_focus()

    def _on_snapshot(self, snapshot) -> None:
        if self.phase == ASKING and self.question is not None and snapshot.epoch != self.question.epoch:
            self._ask_keeping_focus()  # the run moved on (Start, Step, going back): the question would be stale

    def _on_state(self, state) -> None:
        if self.phase == STEPPING and not state.busy:
            self._reveal()
        elif self.phase == ASKING and state.busy:  # Start pressed: the question waits for the run to pause
            self.ask()
        elif self.phase == WAITING and self.isVisible() and not state.busy:
            self._ask_keeping_focus()

    def _on_stepsize(self, _stepsize: float) -> None:
        if self.phase == ASKING:
            self._ask_keeping_focus()  # the coming step is another one now

    def _ask_keeping_focus(self) -> None:
        had_focus = self.isAncestorOf(QApplication.focusWidget())
        self.ask()
        if had_focus and self.phase == ASKING:
            self.buttons[0].setFocus()
