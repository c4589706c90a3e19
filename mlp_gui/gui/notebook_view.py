"""Notebook view: what the course notebook prints for the current settings, growing as the run trains.

Students compare the window with the notebook they know, so this pane shows
its printout character for character (the text comes from
:mod:`mlp_gui.core.notebook`, the same code as ``mlp-gui train --notebook``):
Question 1's loss, the six gradients in NumPy's print format, the training
cell's header, then a ``Loss after N epochs`` line whenever a batch of losses
passes a printed epoch (1, 2, 3, 10001, ...), and the cell's final line when
the run finishes. Lines are appended at the end of the document, never
re-rendered, so a long run costs nothing per batch.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from mlp_gui.core import notebook
from mlp_gui.core.trainer import Snapshot

CAPTION = "What the course notebook prints for these settings: its report, then the training cell as the run goes."
EMPTY_TEXT = "Start a run to see the notebook's printout."


class NotebookView(QWidget):
    """A read-only monospace printout with a Copy button; fed by :meth:`start_run` and :meth:`add_losses`."""

    copied = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start_epoch = 0  # the run's epoch when the training cell started (0 for a new run)
        self._next_epoch = 1  # the first epoch (counted in the cell) whose line is still to come
        self._finished_at: int | None = None
        self._chunks: list[str] = []
        self._build()

    def _build(self) -> None:
        self.text_edit = QPlainTextEdit()
        self.text_edit.setObjectName("notebookText")
        self.text_edit.setReadOnly(True)
        self.text_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text_edit.setPlaceholderText(EMPTY_TEXT)
        self.text_edit.setUndoRedoEnabled(False)  # appends are not edits; keeps memory flat
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the whole printout to the clipboard")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(1500)
        self._copied_timer.timeout.connect(lambda: self.copy_button.setText("Copy"))
        self.copy_button.setEnabled(False)
        caption = QLabel(CAPTION)
        caption.setWordWrap(True)
        caption.setStyleSheet("color: #505050;")
        top = QHBoxLayout()
        top.addWidget(caption, 1)
        top.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.text_edit, 1)

    # ------------------------------------------------------------ feeding it

    @Slot()
    def reset(self) -> None:
        """Clear the printout (a new run is about to start)."""
        self.start_epoch, self._next_epoch, self._finished_at = 0, 1, None
        self._chunks = []
        self.text_edit.clear()
        self.copy_button.setEnabled(False)

    def start_run(self, snapshot: Snapshot) -> None:
        """A new (or opened) run: the report for its current state and the training cell's header.

        ``Loss after N epochs`` then counts epochs from ``snapshot.epoch``, as the
        notebook's training cell counts from wherever the parameters stand.
        """
        self.reset()
        self.start_epoch = snapshot.epoch
        self._append(notebook.initial_report(snapshot.loss, snapshot.grads) + notebook.training_header(snapshot.loss))

    @Slot(int, object)
    def add_losses(self, first_epoch: int, losses: np.ndarray) -> None:
        """Losses of the run's epochs ``first_epoch, first_epoch + 1, ...``: append the printed ones."""
        losses = np.asarray(losses).ravel()
        if not self._chunks or losses.size == 0:
            return
        first = first_epoch - self.start_epoch
        last = first + losses.size - 1
        lines = [notebook.loss_line(e, losses[e - first]) for e in notebook.printed_epochs(max(first, self._next_epoch), last)]
        self._next_epoch = max(self._next_epoch, last + 1)
        if lines:
            self._append("".join(lines))

    @Slot(int, float)
    def finish(self, epoch: int, loss: float) -> None:
        """The run reached its planned epochs (``epoch``, counted in the run): the cell's last line, once."""
        cell_epoch = epoch - self.start_epoch
        if self._chunks and self._finished_at != cell_epoch:
            self._finished_at = cell_epoch
            self._append(notebook.loss_line(cell_epoch, loss))

    # ------------------------------------------------------------ reading it

    def text(self) -> str:
        """The printout exactly as the notebook prints it (trailing spaces and blank lines included)."""
        return "".join(self._chunks)

    @Slot()
    def copy_to_clipboard(self) -> None:
        """Copy the whole printout; the button says so for a moment."""
        QGuiApplication.clipboard().setText(self.text())
        self.copy_button.setText("Copied")
        self._copied_timer.start()
        self.copied.emit()

    def _append(self, text: str) -> None:
        """Add text at the end; follow it only if the reader was already at the bottom."""
        self._chunks.append(text)
        self.copy_button.setEnabled(True)
        bar = self.text_edit.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self.text_edit.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        if at_bottom:
            bar.setValue(bar.maximum())
