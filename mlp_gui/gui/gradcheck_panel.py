"""Gradient check panel: backprop's gradients beside central finite differences, array by array.

A teacher presses *Check now* (or ticks auto-check, so it happens whenever a
run pauses or stops) and the panel shows, for W1, b1, ..., the relative error
between backprop and :func:`mlp_gui.core.gradcheck.gradient_check`'s finite
differences, coloured green / amber / red by the core's :func:`rating`, and
the checked entries of the selected array side by side. The check runs on a
worker thread of its own (started and ended like every other worker thread,
see :mod:`mlp_gui.gui.worker_threads`): the notebook's net takes
milliseconds, a 784-256-256-10 net about 1.5 s, and the window keeps updating
meanwhile. The panel only formats; the core computes. It follows a session
by itself (:meth:`GradCheckPanel.bind`): each run, every delivery, each halt
(auto-check), and it checks when shown while the run is idle.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSplitter, QVBoxLayout, QWidget

from mlp_gui.core.gradcheck import ArrayCheck, gradient_check
from mlp_gui.core.model import Model
from mlp_gui.core.run_state import RunState
from mlp_gui.core.trainer import Snapshot
from mlp_gui.gui import palette
from mlp_gui.gui.gradcheck_tables import OutlineSelectionDelegate, fill_entries, fill_summary_row, read_only_table, wrapping_label
from mlp_gui.gui.gradcheck_texts import (
    ENTRY_HEADERS,
    ENTRY_TIPS,
    EXPLANATION,
    NOTHING_TO_CHECK,
    READY_TEXT,
    SHUT_DOWN_TEXT,
    SUMMARY_HEADERS,
    SUMMARY_TIPS,
    describe_epoch,
    failure_text,
    results_text,
    stale_text,
    tiny_note,
    worst_row,
)
from mlp_gui.gui.palette import NOTE_BORDER, NOTE_FILL, TEXT
from mlp_gui.gui.worker_threads import StoppableWorker, end_worker_thread, start_worker_thread
from mlp_gui.progress import count

log = logging.getLogger(__name__)

NOTE_STYLE = f"color: {TEXT}; background: {NOTE_FILL}; border: 1px solid {NOTE_BORDER}; border-radius: 3px; padding: 4px;"

# ---------------------------------------------------------------- the check thread


@dataclass(frozen=True)
class _CheckRequest:
    """One check: its id (newer requests outdate older ones), what to check and how."""

    id: int
    params: list[np.ndarray]
    x: np.ndarray
    y: np.ndarray
    epoch: int | None
    model: Model | None
    max_entries: int


class _CheckWorker(StoppableWorker):
    """Lives on the panel's check thread; :meth:`check` runs there, queued from the GUI thread.

    Results and failures go back by signal (queued to the GUI thread), each
    with the request's id so the panel can ignore an outdated one.
    """

    done = Signal(int, object, float)  # request id, list[ArrayCheck], seconds
    failed = Signal(int, str)  # request id, one line


    @Slot(object)
    def check(self, request: _CheckRequest) -> None:
        """Run one gradient check and report it."""
        if self.stopping:
            return
        began = time.perf_counter()
        try:
            results = gradient_check(request.params, request.x, request.y, model=request.model, max_entries=request.max_entries)
        except Exception as exc:  # noqa: BLE001 - the panel must hear of any failure, not lose the thread
            log.exception("gradient check of %s failed", describe_epoch(request.epoch))
            self.failed.emit(request.id, failure_text(exc))
            return
        self.done.emit(request.id, results, time.perf_counter() - began)


@dataclass(frozen=True)
class _Message:
    """A status line that replaces the results' summary until the next check or results (``error``: shown red)."""

    text: str
    error: bool = False


# ---------------------------------------------------------------- the panel


class GradCheckPanel(QWidget):
    """*Check now*, an auto-check box, a summary row per array and the entries of the selected array.

    :meth:`bind` it to a session, or feed it yourself: the run's data with :meth:`set_run` (x, y and the
    first snapshot), then :meth:`set_snapshot` as deliveries arrive (it keeps a reference, no copy);
    :meth:`check_now` checks the newest snapshot on the check thread. :meth:`shutdown` ends that thread
    (called at quit and exit by itself).
    """

    check_started = Signal()
    check_finished = Signal(object)  # list[ArrayCheck]
    check_failed = Signal(str)  # one line; the traceback is logged
    _check = Signal(object)  # _CheckRequest, queued to the worker

    def __init__(self, parent: QWidget | None = None, *, max_entries: int = 64) -> None:
        super().__init__(parent)
        self.max_entries = max_entries
        self.results: list[ArrayCheck] = []
        self.results_epoch: int | None = None
        self._seconds = 0.0  # how long the shown results took
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._params: list[np.ndarray] | None = None
        self._epoch: int | None = None
        self._model: Model | None = None
        self._latest_id = 0  # the newest request; results of any other are outdated and ignored
        self._in_flight: _CheckRequest | None = None
        self._started = 0.0
        self._again = False  # asked while busy: check once more when the current check ends
        self._message: _Message | None = None
        self._shut_down = False
        self.session = None
        self._build()
        self._start_thread()

    # ------------------------------------------------------------ construction

    def _build(self) -> None:
        self.status = wrapping_label(READY_TEXT)
        self.status.setObjectName("gradcheckStatus")
        self.explanation = wrapping_label(EXPLANATION)
        palette.style_secondary(self.explanation)  # quieter, readable on a light or dark desktop
        self.note = wrapping_label("", NOTE_STYLE)
        self.note.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_top())
        layout.addWidget(self.status)
        layout.addWidget(self.explanation)
        layout.addWidget(self.note)
        layout.addWidget(self._build_tables(), 1)
        self._laid_out = False
        self._elapsed = QTimer(self)
        self._elapsed.setInterval(100)
        self._elapsed.timeout.connect(self._render_status)

    def _build_top(self) -> QHBoxLayout:
        """The button, the auto-check box and the busy indicator."""
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
        return top

    def _build_tables(self) -> QSplitter:
        """The summary (one row per array) beside the entries of the selected array."""
        self.summary = read_only_table(SUMMARY_HEADERS, numeric_columns=(3, 5, 6))
        for col, tip in SUMMARY_TIPS.items():
            self.summary.horizontalHeaderItem(col).setToolTip(tip)
        self.summary.setItemDelegate(OutlineSelectionDelegate(self.summary))
        self.summary.itemSelectionChanged.connect(self._show_selected_entries)
        self.entries_title = QLabel("Entries")
        self.entries = read_only_table(ENTRY_HEADERS, numeric_columns=(1, 2, 3, 4))
        for col, tip in ENTRY_TIPS.items():
            self.entries.horizontalHeaderItem(col).setToolTip(tip)
        entries_box = QWidget()
        box = QVBoxLayout(entries_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.entries_title)
        box.addWidget(self.entries, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.summary)
        self.splitter.addWidget(entries_box)
        return self.splitter

    def _start_thread(self) -> None:
        """The worker on a thread of its own (the shared helper also ends it at quit and exit); signals both ways."""
        self._worker = _CheckWorker()
        self._thread = start_worker_thread(self, self._worker, "mlp-gui gradient check")
        self._check.connect(self._worker.check)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)

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

    # ------------------------------------------------------------ the session

    def bind(self, session) -> None:
        """Follow ``session`` (a :class:`~mlp_gui.gui.session.TrainingSession`): each new run (its model, data and
        snapshot), the snapshot of every delivery, and each halt (the state it halted in; checked if auto-check is on
        or the panel is shown)."""
        self.session = session
        session.run_reset.connect(self.on_run_reset)
        session.delivered.connect(self.on_delivered)
        session.state_changed.connect(self.on_state)

    def on_run_reset(self, reset) -> None:
        """A new, reset or opened run (a :class:`~mlp_gui.gui.session.RunReset`)."""
        self.set_model(reset.config.model)  # each activation and loss checked with its own formulas
        self.set_run(reset.x, reset.y, reset.snapshot)

    def on_delivered(self, delivery) -> None:
        self.set_snapshot(delivery.snapshot)

    def on_state(self, state: RunState) -> None:
        """The run paused, stopped or finished: take the state it halted in; check it if shown, else auto-check."""
        snapshot = self.session.snapshot if self.session is not None else None
        if state in (RunState.PAUSED, RunState.FINISHED, RunState.STOPPED) and snapshot is not None:
            self.set_snapshot(snapshot)
            if self.isVisible():
                self.check_now()
            else:
                self.run_halted()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        """Shown (its tab chosen) while the bound run is idle: check the parameters as they are."""
        super().showEvent(event)
        if self.session is not None and not event.spontaneous() and not self.session.state.busy:
            self.check_now()

    # ------------------------------------------------------------ what to check

    def set_run(self, x: np.ndarray, y: np.ndarray, snapshot: Snapshot | None = None) -> None:
        """A new run: its inputs and targets (copied) and, optionally, its first snapshot.

        A check of the previous run still running is outdated: its results will be ignored.
        """
        self._x, self._y = np.array(x, copy=True), np.array(y, copy=True)
        self._params, self._epoch = None, None
        self._latest_id += 1
        self._again = False
        self.clear()
        if snapshot is not None:
            self.set_snapshot(snapshot)

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """The newest parameters (kept by reference: a Snapshot's arrays are copies nobody changes)."""
        self._params, self._epoch = snapshot.params, snapshot.epoch
        self._render_status()

    def set_model(self, model: Model | None) -> None:
        """The network's activations, output and loss, so the check uses their formulas (None: the notebook's).

        Takes effect from the next check.
        """
        self._model = model

    @property
    def has_state(self) -> bool:
        """True once there are parameters, inputs and targets to check."""
        return self._params is not None and self._x is not None

    @property
    def busy(self) -> bool:
        """True while a check runs on the check thread."""
        return self._in_flight is not None

    # ------------------------------------------------------------ checking

    @Slot()
    def check_now(self) -> bool:
        """Check the newest parameters on the check thread; False if there is nothing to check (or it is shut down).

        Asked again while a check runs, it checks once more when that one ends.
        """
        if self._shut_down or not self.has_state:
            self._say(SHUT_DOWN_TEXT if self._shut_down else NOTHING_TO_CHECK)
            return False
        if self.busy:
            self._again = True
            return True
        self._latest_id += 1
        self._in_flight = self._request(self._latest_id)
        self._again, self._message = False, None
        self._started = time.perf_counter()
        self._show_busy(True)
        self.check_started.emit()
        self._check.emit(self._in_flight)
        return True

    def _request(self, request_id: int) -> _CheckRequest:
        """The newest parameters with the run's data and model, as request ``request_id``."""
        return _CheckRequest(request_id, self._params, self._x, self._y, self._epoch, self._model, self.max_entries)

    @Slot()
    def run_halted(self) -> None:
        """The run paused, stopped or finished: check now if auto-check is on."""
        if self.auto_check.isChecked():
            self.check_now()

    @property
    def thread_running(self) -> bool:
        """Whether the check thread runs (from construction until :meth:`shutdown`)."""
        return self._thread.isRunning()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """End the check thread (window close, quit, exit); True if it ended within ``timeout_ms``.

        A check already running cannot be interrupted: it is waited for, and its
        results are ignored. Later calls of :meth:`check_now` return False.
        """
        self._shut_down, self._again = True, False
        ended = end_worker_thread(self._thread, self._worker.request_stop, timeout_ms)
        if self._in_flight is not None:
            self._in_flight = None
            self._show_busy(False)
        return ended

    @Slot(int, object, float)
    def _on_done(self, request_id: int, results: list, seconds: float) -> None:
        """A check finished: show it unless outdated, then check again if asked meanwhile."""
        request = self._end_request(request_id)
        if request is not None:
            self.show_results(results, request.epoch, seconds)
            self.check_finished.emit(results)
        self._check_again_if_asked()

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        """A check raised (the worker logged the traceback): one red line unless outdated."""
        if self._end_request(request_id) is not None:
            self._say(f"The gradient check failed: {message} (details in the log).", error=True)
            self.check_failed.emit(message)
        self._check_again_if_asked()

    def _end_request(self, request_id: int) -> _CheckRequest | None:
        """The check ``request_id`` ended: leave the busy state; the request if still wanted, None if outdated."""
        request, self._in_flight = self._in_flight, None
        self._show_busy(False)
        if request is None or request.id != request_id or request_id != self._latest_id:
            log.debug("ignoring the results of outdated gradient check %d", request_id)
            return None
        return request

    def _check_again_if_asked(self) -> None:
        if self._again:
            self.check_now()

    def _show_busy(self, busy: bool) -> None:
        self.check_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        if busy:
            self._elapsed.start()
        else:
            self._elapsed.stop()
        self._render_status()

    # ------------------------------------------------------------ the status line

    def _say(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` in place of the results' summary until the next check or results."""
        self._message = _Message(text, error)
        self._render_status()

    def _status_line(self) -> _Message:
        """What the status says now, from the panel's state: checking, a message, or the results (and if stale)."""
        if self._in_flight is not None:
            seconds = time.perf_counter() - self._started
            return _Message(f"Checking {describe_epoch(self._in_flight.epoch)}… {seconds:.1f} s")
        if self._message is not None:
            return self._message
        stale = stale_text(self.results_epoch, self._epoch) if self.results else ""
        return _Message(results_text(self.results, self.results_epoch, self._seconds) + stale)

    def _render_status(self) -> None:
        """Put :meth:`_status_line` in the label (only what changed: the timer calls this ten times a second)."""
        line = self._status_line()
        style = f"color: {palette.error_text_color(self.status).name()};" if line.error else ""
        if self.status.text() != line.text:
            self.status.setText(line.text)
        if self.status.styleSheet() != style:
            self.status.setStyleSheet(style)

    # ------------------------------------------------------------ showing results

    def show_results(self, results: Sequence[ArrayCheck], epoch: int | None = None, seconds: float = 0.0) -> None:
        """Fill the tables from a finished check (also usable directly, e.g. with saved results)."""
        self.results, self.results_epoch, self._seconds = list(results), epoch, seconds
        self._message = None
        self.summary.setRowCount(len(self.results))
        for row, check in enumerate(self.results):
            fill_summary_row(self.summary, row, check)
        note = tiny_note(self.results)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        if self.results:
            self.summary.selectRow(worst_row(self.results))
        self._render_status()

    def clear(self) -> None:
        """Forget the results (a new run)."""
        self.results, self.results_epoch, self._seconds = [], None, 0.0
        self._message = None
        self.summary.setRowCount(0)
        self.entries.setRowCount(0)
        self.entries_title.setText("Entries")
        self.note.hide()
        self._render_status()

    def _show_selected_entries(self) -> None:
        """The checked entries of the selected array, its worst entry in bold."""
        rows = self.summary.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.results):
            return
        check = self.results[rows[0].row()]
        how = "all" if check.checked == check.total else "a sample including the largest gradient"
        self.entries_title.setText(f"{check.name}: {check.checked:,} of {count(check.total, 'entry', 'entries')} checked ({how})")
        fill_entries(self.entries, check)
