"""Gradient check panel: backprop's gradients beside central finite differences, array by array.

A teacher presses *Check now* (or ticks auto-check, so it happens whenever a
run pauses or stops) and the panel shows, for W1, b1, ..., the relative error
between backprop and :func:`mlp_gui.core.gradcheck.gradient_check`'s finite
differences, coloured green / amber / red, and the checked entries of the
selected array side by side. The check runs on a pool thread of its own: the
notebook's net takes milliseconds, a 784-256-256-10 net about 1.5 s, and the
window keeps updating meanwhile. The panel only formats; the core computes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlp_gui.core.gradcheck import ArrayCheck, gradient_check
from mlp_gui.core.trainer import Snapshot, Trainer

GREEN_BELOW = 1e-6  # backprop is right (float64 rounding is ~1e-16 relative; 1e-6 is generous)
AMBER_BELOW = 1e-3  # suspicious: rounding near a minimum, or a small bug
#: gradients this small (reached near a minimum; ~1e-10 after 200,000 notebook epochs) sit within a few
#: decades of the finite differences' rounding noise (~1e-15), so their relative error rises
TINY_GRADIENT = 1e-8

#: background and text colours per rating (pale fills keep the black numbers readable)
COLOURS = {"green": ("#d8f0d9", "#1b5e20"), "amber": ("#ffe7b8", "#8a5300"), "red": ("#ffd5d5", "#b71c1c")}

EXPLANATION = (
    "Backprop finds every gradient in one backward pass. The check nudges one parameter at a time "
    "by ±h and measures how much the loss changes (central differences in extended precision). "
    "If backprop is right the two agree: relative error below 1e-6 is green, below 1e-3 amber, "
    "otherwise red."
)

READY_TEXT = "Press Check now to compare backprop with finite differences at the current parameters."


def rating(rel_error: float) -> str:
    """``'green'`` below 1e-6, ``'amber'`` below 1e-3, ``'red'`` otherwise (NaN is red)."""
    if rel_error < GREEN_BELOW:
        return "green"
    if rel_error < AMBER_BELOW:
        return "amber"
    return "red"


def largest_gradient(check: ArrayCheck) -> float:
    """The largest |backprop gradient| among the checked entries (0 for an empty array)."""
    return float(np.max(np.abs(check.backprop))) if check.backprop.size else 0.0


def tiny_arrays(results: Sequence[ArrayCheck]) -> list[ArrayCheck]:
    """Arrays that miss green while all their checked gradients are below :data:`TINY_GRADIENT`."""
    return [r for r in results if r.checked and rating(r.rel_error) != "green" and largest_gradient(r) < TINY_GRADIENT]


def entry_name(name: str, index: tuple[int, ...]) -> str:
    """``W1[2, 0]`` — an entry as NumPy indexing writes it."""
    return f"{name}[{', '.join(str(i) for i in index)}]"


def summary_text(results: Sequence[ArrayCheck], epoch: int | None, seconds: float) -> str:
    """One line: the verdict over all arrays, the epoch checked and how long it took."""
    worst = max(results, key=lambda r: (not np.isfinite(r.rel_error), r.rel_error))
    where = f"at epoch {epoch:,} " if epoch is not None else ""
    took = f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"
    if all(rating(r.rel_error) == "green" for r in results):
        verdict = f"backprop agrees with finite differences in all {len(results)} arrays (worst {worst.rel_error:.1e})."
    else:
        verdict = f"largest relative error {worst.rel_error:.1e}, in {worst.name}."
    return f"Checked {where}in {took}: {verdict}"


def tiny_note(results: Sequence[ArrayCheck]) -> str:
    """Why the relative error rises near a minimum, if that explains a non-green array; else ``''``."""
    tiny = tiny_arrays(results)
    if not tiny:
        return ""
    sizes = ", ".join(f"{r.name} up to {largest_gradient(r):.0e}" for r in tiny)
    noise = max(r.worst_abs_error for r in tiny)
    return (
        f"Near a minimum the gradients are tiny ({sizes}). Nudging a parameter then changes the loss by "
        f"hardly more than the loss's own rounding error, so the finite differences carry rounding noise "
        f"(about {noise:.0e} here) that is no longer small next to the gradient, and the relative error rises. "
        "That is a limit of the arithmetic, not a bug in backprop."
    )


class _Signals(QObject):
    done = Signal(int, object, float)  # request id, list[ArrayCheck], seconds
    failed = Signal(int, str)


class _CheckJob(QRunnable):
    """One gradient check on a pool thread; reports through a QObject living in the GUI thread."""

    def __init__(self, request: int, state: tuple, max_entries: int, signals: _Signals) -> None:
        super().__init__()
        self.request, self.state, self.max_entries, self.signals = request, state, max_entries, signals

    def run(self) -> None:
        params, x, y = self.state
        began = time.perf_counter()
        try:
            results = gradient_check(params, x, y, max_entries=self.max_entries)
            outcome = (self.signals.done, (self.request, results, time.perf_counter() - began))
        except Exception as exc:  # noqa: BLE001 - shown in the panel, never lost in a pool thread
            outcome = (self.signals.failed, (self.request, f"{type(exc).__name__}: {exc}"))
        try:
            outcome[0].emit(*outcome[1])
        except RuntimeError:  # the panel was deleted while the check ran
            pass


MARKS = {"green": "✓", "amber": "!", "red": "✗"}
SUMMARY_HEADERS = ["Array", "Shape", "Entries checked", "Relative error", "Worst entry", "Its abs. error"]
ENTRY_HEADERS = ["Entry", "Backprop", "Finite differences", "Abs. difference"]


class GradCheckPanel(QWidget):
    """*Check now*, an auto-check box, a summary row per array and the entries of the selected array.

    Feed it the run's data with :meth:`set_run` (x, y and the first snapshot),
    then :meth:`set_snapshot` as deliveries arrive (it keeps a reference, no
    copy); :meth:`check_now` checks the newest snapshot on a pool thread.
    """

    check_started = Signal()
    check_finished = Signal(object)  # list[ArrayCheck]
    check_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, max_entries: int = 64) -> None:
        super().__init__(parent)
        self.max_entries = max_entries
        self.results: list[ArrayCheck] = []
        self.results_epoch: int | None = None
        self._x = self._y = None
        self._params: list[np.ndarray] | None = None
        self._epoch: int | None = None
        self._request = 0
        self._busy = self._again = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._build()

    # ------------------------------------------------------------ construction

    def _build(self) -> None:
        self.check_button = QPushButton("Check now")
        self.check_button.setToolTip("Compare backprop's gradients with finite differences at the current parameters")
        self.check_button.clicked.connect(self.check_now)
        self.auto_check = QCheckBox("Check when a run pauses or stops")
        self.auto_check.setToolTip("Run the check automatically each time training pauses, stops or finishes")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy indicator: the core reports no progress
        self.progress.setFormat("checking…")
        self.progress.setTextVisible(True)
        self.progress.setFixedWidth(140)
        self.progress.hide()
        top = QHBoxLayout()
        top.addWidget(self.check_button)
        top.addWidget(self.auto_check)
        top.addStretch(1)
        top.addWidget(self.progress)
        self.status = _wrapping_label(READY_TEXT)
        self.status.setObjectName("gradcheckStatus")
        self.explanation = _wrapping_label(EXPLANATION, "color: #505050;")
        self.note = _wrapping_label("", "background: #fff4d6; border: 1px solid #e0c070; border-radius: 3px; padding: 4px;")
        self.note.hide()
        self.summary = _table(SUMMARY_HEADERS, numeric_columns=(3, 5))
        self.summary.setItemDelegate(_OutlineSelectionDelegate(self.summary))
        self.summary.itemSelectionChanged.connect(self._show_selected_entries)
        self.entries_title = QLabel("Entries")
        self.entries = _table(ENTRY_HEADERS, numeric_columns=(1, 2, 3))
        entries_box = QWidget()
        box = QVBoxLayout(entries_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.entries_title)
        box.addWidget(self.entries, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.summary)
        self.splitter.addWidget(entries_box)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.explanation)
        layout.addWidget(self.note)
        layout.addWidget(self.splitter, 1)
        self._laid_out = False
        self._elapsed = QTimer(self)
        self._elapsed.setInterval(100)
        self._elapsed.timeout.connect(self._tick)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        """Tables side by side when there is room, one above the other in a narrow dock."""
        wide = event.size().width() >= 1000
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if orientation != self.splitter.orientation() or not self._laid_out:
            self._laid_out = True
            self.splitter.setOrientation(orientation)
            size = event.size().width() if wide else event.size().height()
            self.splitter.setSizes([int(size * 0.56), int(size * 0.44)] if wide else [size // 2, size // 2])
        super().resizeEvent(event)

    # ------------------------------------------------------------ what to check

    def set_run(self, x: np.ndarray, y: np.ndarray, snapshot: Snapshot | None = None) -> None:
        """A new run: its inputs and targets (copied) and, optionally, its first snapshot."""
        self._x, self._y = np.array(x, copy=True), np.array(y, copy=True)
        self.clear()
        if snapshot is not None:
            self.set_snapshot(snapshot)

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """The newest parameters (kept by reference: a Snapshot's arrays are copies nobody changes)."""
        self._params, self._epoch = snapshot.params, snapshot.epoch
        self._show_staleness()

    def set_trainer(self, trainer: Trainer) -> None:
        """Check a trainer's current state (call only while its worker is idle; takes copies)."""
        self.set_run(trainer.x, trainer.y, trainer.snapshot())

    def set_state(self, params: Sequence[np.ndarray], x: np.ndarray, y: np.ndarray, epoch: int | None = None) -> None:
        """Any parameters, inputs and targets (all copied), e.g. from a saved run."""
        self.set_run(x, y)
        self._params, self._epoch = [np.array(p, copy=True) for p in params], epoch

    @property
    def has_state(self) -> bool:
        return self._params is not None and self._x is not None

    @property
    def busy(self) -> bool:
        return self._busy

    # ------------------------------------------------------------ checking

    @Slot()
    def check_now(self) -> bool:
        """Check the newest parameters on the panel's thread; False if there is nothing to check yet.

        Asked again while a check runs, it checks once more when that one ends.
        """
        if not self.has_state:
            self.status.setText("Nothing to check yet: start or open a run.")
            return False
        if self._busy:
            self._again = True
            return True
        self._request += 1
        self._busy, self._again = True, False
        self._checking_epoch = self._epoch
        self._started = time.perf_counter()
        self.check_button.setEnabled(False)
        self.progress.show()
        self._tick()
        self._elapsed.start()
        self.check_started.emit()
        state = (self._params, self._x, self._y)
        self._pool.start(_CheckJob(self._request, state, self.max_entries, self._signals))
        return True

    @Slot()
    def run_halted(self) -> None:
        """The run paused, stopped or finished: check now if auto-check is on."""
        if self.auto_check.isChecked():
            self.check_now()

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Block until the check thread is idle (for shutdown and tests); True if it is."""
        return self._pool.waitForDone(msecs)

    def _tick(self) -> None:
        seconds = time.perf_counter() - self._started
        self.status.setText(f"Checking {self._describe_epoch(self._checking_epoch)}… {seconds:.1f} s")

    @Slot(int, object, float)
    def _on_done(self, request: int, results: list, seconds: float) -> None:
        self._end_busy()
        if request == self._request:
            self.show_results(results, self._checking_epoch, seconds)
            self.check_finished.emit(results)
        if self._again:
            self.check_now()

    @Slot(int, str)
    def _on_failed(self, request: int, message: str) -> None:
        self._end_busy()
        self.status.setText(f"The check failed: {message}")
        self.check_failed.emit(message)

    def _end_busy(self) -> None:
        self._busy = False
        self._elapsed.stop()
        self.progress.hide()
        self.check_button.setEnabled(True)

    # ------------------------------------------------------------ showing results

    def show_results(self, results: Sequence[ArrayCheck], epoch: int | None = None, seconds: float = 0.0) -> None:
        """Fill the tables from a finished check (also usable directly, e.g. with saved results)."""
        self.results, self.results_epoch = list(results), epoch
        self.summary.setRowCount(len(self.results))
        for row, check in enumerate(self.results):
            self._fill_summary_row(row, check)
        note = tiny_note(self.results)
        status = summary_text(self.results, epoch, seconds) if self.results else READY_TEXT
        self.status.setText(status + (" Near a minimum that is rounding, not a bug: see below." if note else ""))
        self.note.setText(note)
        self.note.setVisible(bool(note))
        if self.results:
            self.summary.selectRow(_worst_row(self.results))
        self._show_staleness()

    def clear(self) -> None:
        """Forget the results (a new run)."""
        self.results, self.results_epoch = [], None
        self.summary.setRowCount(0)
        self.entries.setRowCount(0)
        self.entries_title.setText("Entries")
        self.note.hide()
        if not self._busy:
            self.status.setText(READY_TEXT)

    def _fill_summary_row(self, row: int, check: ArrayCheck) -> None:
        grade = rating(check.rel_error)
        fill, ink = COLOURS[grade]
        sampled = "" if check.checked == check.total else " (sampled)"
        cells = [
            (check.name, False),
            ("×".join(str(n) for n in check.shape) or "—", False),
            (f"{check.checked:,} of {check.total:,}{sampled}", False),
            (f"{MARKS[grade]} {check.rel_error:.1e}", True),
            (entry_name(check.name, check.worst_index), False),
            (f"{check.worst_abs_error:.1e}", True),
        ]
        tip = f"{check.name}: relative error {check.rel_error:.3e} — {grade} ({_grade_meaning(grade)})"
        for col, (text, numeric) in enumerate(cells):
            item = _item(text, numeric)
            item.setBackground(QBrush(QColor(fill)))
            item.setToolTip(tip)
            if col == 3:
                item.setForeground(QBrush(QColor(ink)))
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.summary.setItem(row, col, item)

    def _show_selected_entries(self) -> None:
        rows = self.summary.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.results):
            return
        check = self.results[rows[0].row()]
        how = "all" if check.checked == check.total else "a sample including the largest gradient"
        self.entries_title.setText(f"{check.name}: {check.checked:,} of {check.total:,} entries checked ({how})")
        self.entries.setRowCount(len(check.indices))
        bold = QFont(self.entries.font())
        bold.setBold(True)
        for row, (index, b, n) in enumerate(zip(check.indices, check.backprop, check.numeric)):
            cells = [(entry_name(check.name, index), False), (f"{b: .10e}", True), (f"{n: .10e}", True),
                     (f"{abs(b - n):.1e}", True)]
            for col, (text, numeric) in enumerate(cells):
                item = _item(text, numeric)
                if index == check.worst_index:
                    item.setFont(bold if not numeric else _bold_fixed())
                    item.setToolTip("The entry with the largest absolute difference in this array")
                self.entries.setItem(row, col, item)

    def _show_staleness(self) -> None:
        """Say so when the run has moved on since the results shown were computed."""
        if not self.results or self._busy or self.results_epoch is None or self._epoch is None:
            return
        text = self.status.text().split("  ⟶ ")[0]
        if self._epoch != self.results_epoch:
            text += f"  ⟶ the run is now at epoch {self._epoch:,}: press Check now to check again."
        if text != self.status.text():
            self.status.setText(text)

    @staticmethod
    def _describe_epoch(epoch: int | None) -> str:
        return f"the parameters at epoch {epoch:,}" if epoch is not None else "the parameters"


class _OutlineSelectionDelegate(QStyledItemDelegate):
    """Draws a selected row with its own (rating) colour and an outline, so selection never hides a colour."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        plain = QStyleOptionViewItem(option)
        plain.state &= ~QStyle.StateFlag.State_Selected
        plain.state &= ~QStyle.StateFlag.State_HasFocus
        super().paint(painter, plain, index)
        if selected:
            painter.save()
            painter.setPen(QPen(option.palette.color(QPalette.ColorRole.Highlight), 2))
            rect = option.rect.adjusted(0, 1, 0, -1)
            painter.drawLine(rect.topLeft(), rect.topRight())
            painter.drawLine(rect.bottomLeft(), rect.bottomRight())
            if index.column() == 0:
                painter.drawLine(rect.topLeft(), rect.bottomLeft())
            if index.column() == index.model().columnCount() - 1:
                painter.drawLine(rect.topRight(), rect.bottomRight())
            painter.restore()


def _grade_meaning(grade: str) -> str:
    return {
        "green": "below 1e-6: backprop is right",
        "amber": "below 1e-3: look closer (near a minimum this is rounding)",
        "red": "1e-3 or more: backprop and the loss disagree",
    }[grade]


def _worst_row(results: Sequence[ArrayCheck]) -> int:
    errors = [r.rel_error if np.isfinite(r.rel_error) else np.inf for r in results]
    return int(np.argmax(errors))


def _fixed_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def _bold_fixed() -> QFont:
    font = _fixed_font()
    font.setBold(True)
    return font


def _item(text: str, numeric: bool) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if numeric:
        item.setFont(_fixed_font())
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _wrapping_label(text: str, style: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if style:
        label.setStyleSheet(style)
    return label


def _table(headers: list[str], numeric_columns: Sequence[int] = ()) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    for col in range(len(headers)):
        right = Qt.AlignmentFlag.AlignRight if col in numeric_columns else Qt.AlignmentFlag.AlignLeft
        table.horizontalHeaderItem(col).setTextAlignment(right | Qt.AlignmentFlag.AlignVCenter)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    return table
