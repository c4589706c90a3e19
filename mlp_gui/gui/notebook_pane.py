"""The course notebook's printout for the current run, growing as the run passes the printed epochs.

With the defaults it reads exactly as the notebook: Question 1's loss, the
gradients in NumPy's print format, then ``Loss after N epochs`` at epochs 1, 2,
3 and every 10000th + 1, and the final line when the run finishes. The text
comes from :mod:`mlp_gui.core.notebook`, the same code as ``mlp-gui train
--notebook``; lines are appended, never re-rendered. The pane follows a
session by itself (:meth:`NotebookPane.bind`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QFontDatabase, QGuiApplication, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from mlp_gui.core import notebook
from mlp_gui.core.run_state import RunState
from mlp_gui.core.trainer import Snapshot

#: how this printout compares with the course's own (checked against the notebook's printed numbers)
AGREEMENT = (
    "The initial loss and gradients are the notebook's digit for digit. The notebook ran its training cell twice "
    "(its \"Loss Start\" is the loss after the first 100,000 epochs); its later losses agree with this app's to about "
    "1e-11 relative. Its own code, replayed here, gives this app's numbers exactly: the difference is NumPy's "
    "summation order on the course's machine."
)
#: for any other run: the same printout, with nothing of the notebook's to compare it with
OWN_RUN = (
    "The course notebook trained only its own 3-4-4-2 network on one random batch (seed 12345): this run is not that "
    "one, so these lines are in the notebook's format but there are no printed numbers of the notebook's to compare "
    "them with. Choose the notebook data with the default settings to see the notebook's own numbers."
)


class NotebookPane(QWidget):
    """A read-only monospace pane with a Copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setObjectName("notebookText")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the whole printout to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        caption = QLabel("What the course notebook's code prints for these settings (cells 10 and 13), as the run passes each "
                         "printed epoch.")
        caption.setWordWrap(True)
        self.agreement = QLabel(AGREEMENT)
        self.agreement.setWordWrap(True)
        self.agreement.setObjectName("notebookAgreement")
        top = QHBoxLayout()
        top.addWidget(caption, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.agreement)
        layout.addWidget(self.text)
        self.start_epoch = 0
        self.next_epoch = 1  # the epoch (within the segment) whose loss is awaited
        self.finished_at: int | None = None
        self.session = None

    def bind(self, session) -> None:
        """Follow ``session`` (a :class:`~mlp_gui.gui.session.TrainingSession`): each new run, the losses each delivery
        brings, and the run's end."""
        self.session = session
        session.run_reset.connect(self.on_run_reset)
        session.delivered.connect(self.on_delivered)
        session.state_changed.connect(self.on_state)

    def on_run_reset(self, reset) -> None:
        """A new, reset or opened run (a :class:`~mlp_gui.gui.session.RunReset`): printed from its epoch 0; the note
        says whether these are the notebook's own numbers."""
        self.agreement.setText(AGREEMENT if getattr(reset, "reproduces_notebook", False) else OWN_RUN)
        self.reset(reset.initial, reset.history, reset.snapshot)

    def on_delivered(self, delivery) -> None:
        self.add_losses(delivery.first_epoch, delivery.losses)

    def on_state(self, state: RunState) -> None:
        """The run reached its epochs: the loop's last print."""
        if state is RunState.FINISHED and self.session is not None:
            self.finish(self.session.epoch, self.session.loss)

    def reset(self, initial: Snapshot | None, history: np.ndarray, latest: Snapshot | None = None) -> None:
        """A new or opened run, printed as one training cell from epoch 0: the epoch-0 report, then every
        ``Loss after N epochs`` line the run has already passed.

        ``initial`` None (a file saved before runs kept their epoch-0 parameters): the report is of
        ``latest`` instead, and says so.
        """
        self.start_epoch = 0
        self.finished_at = None
        if initial is not None:
            text = notebook.initial_report(initial.loss, initial.flat_grads)
        else:
            text = (f"(This run file does not keep the parameters at epoch 0, so Questions 1 and 3 below are "
                    f"for epoch {latest.epoch:,}, where the file ends.)\n\n" + notebook.initial_report(latest.loss, latest.flat_grads))
        last = len(history) - 1
        text += notebook.training_header(history[0])
        text += "".join(notebook.loss_line(e, history[e]) for e in notebook.printed_epochs(1, last))
        self.next_epoch = last + 1
        self.text.setPlainText(text)

    def add_losses(self, first_epoch: int, losses: np.ndarray) -> None:
        """Losses of epochs ``first_epoch..`` (absolute); append the lines for printed epochs among them."""
        last = first_epoch + losses.size - 1
        lines = []
        for epoch in notebook.printed_epochs(max(self.next_epoch, first_epoch - self.start_epoch), last - self.start_epoch):
            lines.append(notebook.loss_line(epoch, losses[epoch + self.start_epoch - first_epoch]))
        self.next_epoch = max(self.next_epoch, last - self.start_epoch + 1)
        if lines:
            self._append("".join(lines))

    def finish(self, epoch: int, loss: float) -> None:
        """The loop's last print, once, when the run reaches its epochs."""
        if self.finished_at != epoch:
            self.finished_at = epoch
            self._append(notebook.loss_line(epoch - self.start_epoch, loss))

    def plain_text(self) -> str:
        return self.text.toPlainText()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.plain_text())

    def _append(self, text: str) -> None:
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
