"""The gradient check: backprop's gradient beside central finite differences, for every array.

Runs :func:`mlp_gui.core.gradcheck.gradient_check` on a pool thread (a
784-256-256-10 net takes a second or two; the notebook's net milliseconds)
and shows per array the relative error and the worst entry, green below 1e-6,
amber below 1e-3, red above; selecting an array lists its checked entries.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlp_gui.core.gradcheck import PASS_THRESHOLD, ArrayCheck, gradient_check

GREEN, AMBER, RED = QColor("#c8e6c9"), QColor("#ffe0b2"), QColor("#ffcdd2")
TINY_GRADIENT = 1e-10

EXPLANATION = (
    "For each parameter p, the loss is evaluated at p + h and p − h (h = 1e-3 and 5e-4, combined to cancel "
    "the h² error, in extended precision) and the slope compared with backprop's gradient. "
    "Relative error = ‖backprop − numeric‖ / max(‖backprop‖, ‖numeric‖): below 1e-6 (green) backprop is right."
)


def colour_for(error: float) -> QColor:
    return GREEN if error < PASS_THRESHOLD else AMBER if error < 1e-3 else RED


class _CheckSignals(QObject):
    done = Signal(int, object)  # request id, list[ArrayCheck]
    failed = Signal(int, str)


class _CheckJob(QRunnable):
    def __init__(self, request: int, params, x, y, signals: _CheckSignals) -> None:
        super().__init__()
        self.request, self.params, self.x, self.y, self.signals = request, params, x, y, signals

    def run(self) -> None:
        try:
            self.signals.done.emit(self.request, gradient_check(self.params, self.x, self.y))
        except Exception as exc:  # noqa: BLE001 - reported in the pane, never lost in a pool thread
            self.signals.failed.emit(self.request, f"{type(exc).__name__}: {exc}")


class GradCheckPane(QWidget):
    """A 'Check now' button, a summary table (one row per array) and the entries of the selected array."""

    checked = Signal(object)  # list[ArrayCheck]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results: list[ArrayCheck] = []
        self._request = 0
        self._state = None  # (params, x, y) to check
        self.state_provider = None  # or a callable returning (params, x, y): the state at the time of the check
        self._signals = _CheckSignals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self.check_button = QPushButton("Check now")
        self.check_button.setToolTip("Compare backprop with finite differences at the current parameters")
        self.check_button.clicked.connect(self.check)
        self.status = QLabel("Pause or finish a run, then press Check now.")
        self.status.setWordWrap(True)
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        explanation.setStyleSheet("color: #555")
        self.summary = _table(["array", "shape", "entries checked", "relative error", "worst entry", "its abs. error"])
        self.summary.itemSelectionChanged.connect(self._show_entries)
        self.entries = _table(["entry", "backprop", "finite differences", "abs. difference"])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.summary)
        split.addWidget(self.entries)
        split.setSizes([560, 440])
        top = QHBoxLayout()
        top.addWidget(self.check_button)
        top.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(explanation)
        layout.addWidget(split, 1)

    def set_state(self, params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> None:
        """The parameters the next check uses (copies; the caller may go on training)."""
        self._state = ([p.copy() for p in params], x.copy(), y.copy())

    def check(self) -> None:
        """Start a check of the current parameters on a pool thread."""
        if self.state_provider is not None:
            state = self.state_provider()
            if state is not None:
                self.set_state(*state)
        if self._state is None:
            return
        self._request += 1
        self.check_button.setEnabled(False)
        self.status.setText("Checking…")
        QThreadPool.globalInstance().start(_CheckJob(self._request, *self._state, self._signals))

    def _on_done(self, request: int, results: list[ArrayCheck]) -> None:
        if request != self._request:
            return  # a newer check was asked for
        self.check_button.setEnabled(True)
        self.results = results
        self._fill_summary(results)
        worst = max(results, key=lambda r: r.rel_error)
        verdict = "all arrays agree" if worst.passed else f"largest relative error {worst.rel_error:.1e} in {worst.name}"
        note = ""
        if not worst.passed and float(np.max(np.abs(worst.backprop))) < TINY_GRADIENT:
            note = (" — its gradients are below 1e-10, near a minimum: no finite difference resolves them "
                    "against the loss's rounding, so a larger relative error there is expected, not a bug.")
        self.status.setText(f"Backprop vs finite differences: {verdict}.{note}")
        self.summary.selectRow(0)
        self.checked.emit(results)

    def _on_failed(self, request: int, message: str) -> None:
        self.check_button.setEnabled(True)
        self.status.setText(f"The check failed: {message}")

    def _fill_summary(self, results: list[ArrayCheck]) -> None:
        self.summary.setRowCount(len(results))
        for row, r in enumerate(results):
            shape = "×".join(str(n) for n in r.shape)
            cells = [r.name, shape, f"{r.checked} of {r.total}", f"{r.rel_error:.2e}",
                     str(list(r.worst_index)), f"{r.worst_abs_error:.2e}"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setBackground(colour_for(r.rel_error))
                self.summary.setItem(row, col, item)

    def _show_entries(self) -> None:
        rows = self.summary.selectionModel().selectedRows()
        if not rows or not self.results:
            return
        r = self.results[rows[0].row()]
        self.entries.setRowCount(len(r.indices))
        for row, (index, b, n) in enumerate(zip(r.indices, r.backprop, r.numeric)):
            for col, text in enumerate([f"{r.name}{list(index)}", f"{b:.10e}", f"{n:.10e}", f"{abs(b - n):.2e}"]):
                self.entries.setItem(row, col, QTableWidgetItem(text))


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table
