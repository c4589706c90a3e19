"""Your CSV file, read off the GUI thread: what the settings form shows of it, and the data a new run starts from.

A file of 10⁷ cells takes many seconds to read; on the GUI thread that froze the window, at start-up too
for a remembered file. Here every read runs on a worker thread of its own (started on the first read, ended
like every other, :mod:`mlp_gui.gui.worker_threads`), says how far it got and can be cancelled. Answers are
kept by the file as it is now (path, modification time, size) and the settings that shape them, so a file
is read once per such settings: :meth:`CsvReads.description` (its shape and preview,
:func:`~mlp_gui.core.csv_data.describe`) and :meth:`CsvReads.prepared` (the weights and data a new run
starts from, :func:`~mlp_gui.core.csv_data.weights_and_data`). Each is None while not known yet (and then
asked for); ``finished`` says when to ask again. A newer question cancels an older read of its kind.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from mlp_gui.core.config import ConfigError, TrainConfig
from mlp_gui.core.csv_data import CsvDescription, ReadCancelledError, describe, weights_and_data
from mlp_gui.core.settings import BY_NAME
from mlp_gui.gui.worker_threads import StoppableWorker, end_worker_thread, start_worker_thread

log = logging.getLogger(__name__)

DESCRIPTIONS_KEPT = 16  # small: a few lines of text each
PREPARED_KEPT = 2  # a run's data can be large: the current settings' and the one before


class _Job:
    """One read asked of the worker: what (``describe`` or ``prepare``), for which key and settings."""

    def __init__(self, kind: str, key: tuple, config: TrainConfig) -> None:
        self.kind, self.key, self.config = kind, key, config
        self.name = Path(config.data).name
        self.cancel = threading.Event()
        self.by_person = False  # cancelled by a person (Cancel), not outdated by a newer question


class _ReadWorker(StoppableWorker):
    """Lives on the reading thread; :meth:`read` runs there, queued from the GUI thread."""

    done = Signal(object, object)  # _Job, its answer (CsvDescription, (layers, Dataset), ConfigError; None: cancelled)
    progressed = Signal(object, float)  # _Job, the share of the file read

    @Slot(object)
    def read(self, job: _Job) -> None:
        if job.cancel.is_set() or self.stopping:
            self.done.emit(job, None)
            return

        def progress(done: int, total: int) -> bool:
            self.progressed.emit(job, done / total if total else 0.0)
            return not (job.cancel.is_set() or self.stopping)

        try:
            answer: object = describe(job.config, progress) if job.kind == "describe" else weights_and_data(job.config, progress)
        except ConfigError as exc:
            answer = exc
        except ReadCancelledError:
            answer = None
        except MemoryError:
            answer = ConfigError(f"data {job.name}: not enough memory to read it; use a smaller file", "data")
        except Exception as exc:  # noqa: BLE001 - the form must hear of any failure, not lose the thread
            log.exception("reading %s failed", job.config.data)
            answer = ConfigError(f"data {job.name}: could not be read ({type(exc).__name__}: {exc})", "data")
        self.done.emit(job, answer)


class CsvReads(QObject):
    """The reads of CSV files for one settings form (and the session it feeds); every signal on the GUI thread.

    - ``progressed(name, share)``: the file being read, and how much of it is read (0 to 1).
    - ``finished()``: a read ended (answered, refused or cancelled): what was None may be known now.
    """

    progressed = Signal(str, float)
    finished = Signal()
    _read = Signal(object)  # _Job, queued to the worker

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._descriptions: OrderedDict[tuple, CsvDescription | ConfigError] = OrderedDict()
        self._prepared: OrderedDict[tuple, tuple | ConfigError] = OrderedDict()
        self._jobs: dict[tuple, _Job] = {}  # asked for and not ended
        self._cancelled: set[tuple] = set()  # keys whose answer is "cancelled": asked again only after forget_cancelled
        self._thread: QThread | None = None
        self._worker: _ReadWorker | None = None
        self._shut_down = False

    # ------------------------------------------------------------ questions

    @property
    def reading(self) -> str:
        """The name of the file being read ("" when nothing is)."""
        live = [job for job in self._jobs.values() if not job.cancel.is_set()]
        return live[-1].name if live else ""

    def description(self, config: TrainConfig) -> CsvDescription | ConfigError | None:
        """What ``config.data`` holds for its target and output settings; None while it is being read (asked for)."""
        try:
            key = _file_key(config.data) + (config.target, _classifies(config.output))
        except ConfigError as exc:
            return exc
        return self._answer("describe", key, config, self._descriptions)

    def prepared(self, config: TrainConfig, *, ask: bool = True) -> tuple | ConfigError | None:
        """``(layers, Dataset)`` a new run of ``config`` starts from; None while it is being read (asked for, unless
        ``ask`` is False)."""
        try:
            key = _file_key(config.data) + (_data_shaping(config),)
        except ConfigError as exc:
            return exc
        if not ask and key not in self._prepared:
            return None
        return self._answer("prepare", key, config, self._prepared)

    # ------------------------------------------------------------ commands

    def cancel(self) -> None:
        """Stop every read under way; their answer is "cancelled" until :meth:`forget_cancelled`."""
        for job in self._jobs.values():
            if not job.cancel.is_set():
                job.by_person = True
                job.cancel.set()
                self._keep(job, ConfigError(f"reading {job.name} was cancelled: press Return in the Data field to "
                                            "read it again", "data"))
                self._cancelled.add(job.key)
        self.finished.emit()

    def forget_cancelled(self) -> None:
        """Files whose reading was cancelled are read again when next asked about."""
        for key in self._cancelled:
            self._descriptions.pop(key, None)
            self._prepared.pop(key, None)
        self._cancelled.clear()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel every read and end the thread (window close, quit, exit); True if it ended within ``timeout_ms``."""
        self._shut_down = True
        for job in self._jobs.values():
            job.cancel.set()
        if self._thread is None:
            return True
        return end_worker_thread(self._thread, self._worker.request_stop, timeout_ms)

    # ------------------------------------------------------------ internals

    def _answer(self, kind: str, key: tuple, config: TrainConfig, kept: OrderedDict) -> object:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
        if self._shut_down or key in self._jobs:
            return None
        for job in self._jobs.values():  # a newer question of the kind: the older one's answer is not needed now
            if job.kind == kind:
                job.cancel.set()
        job = _Job(kind, key, config)
        self._jobs[key] = job
        self._start_thread()
        self._read.emit(job)
        return None

    def _start_thread(self) -> None:
        if self._thread is None:
            self._worker = _ReadWorker()
            self._thread = start_worker_thread(self, self._worker, "mlp-gui CSV reading")
            self._read.connect(self._worker.read)
            self._worker.done.connect(self._on_done)
            self._worker.progressed.connect(self._on_progress)

    def _keep(self, job: _Job, answer: object) -> None:
        kept, limit = (self._descriptions, DESCRIPTIONS_KEPT) if job.kind == "describe" else (self._prepared, PREPARED_KEPT)
        kept[job.key] = answer
        if isinstance(answer, CsvDescription) and answer.text_classes:  # words are classes whatever the output
            kept[job.key[:-1] + (not job.key[-1],)] = answer
        while len(kept) > limit:
            kept.popitem(last=False)

    @Slot(object, object)
    def _on_done(self, job: _Job, answer: object) -> None:
        if self._jobs.get(job.key) is job:
            del self._jobs[job.key]
        if answer is not None and not job.by_person:
            self._keep(job, answer)
        self.finished.emit()

    @Slot(object, float)
    def _on_progress(self, job: _Job, share: float) -> None:
        if not job.cancel.is_set():
            self.progressed.emit(job.name, share)


def _file_key(path: str) -> tuple:
    """The file as it is now: a changed file (its time or size) is read again."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"data {path}: no such file", "data") from None
    except OSError as exc:
        raise ConfigError(f"data {path}: cannot be opened ({exc.strerror or exc})", "data") from None
    return path, st.st_mtime_ns, st.st_size


def _classifies(output: str) -> bool:
    """Whether whole-number targets are class labels (a sigmoid or softmax output) or values to fit."""
    return output in ("sigmoid", "softmax")


def _data_shaping(config: TrainConfig) -> TrainConfig:
    """The settings a run's start depends on, the others (stepsize, batch size) at their defaults: typing a
    stepsize does not read the file again."""
    return config.with_changes(stepsize=BY_NAME["stepsize"].default, batch_size=BY_NAME["batch_size"].default)


class ReadingRow(QWidget):
    """Shown while a CSV file is read (the form's summary names it): a bar of how much is read, and Cancel."""

    def __init__(self, reads: CsvReads, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setMinimumWidth(40)  # never wider than the column: a long file name is the summary's to wrap
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelRead")
        self.cancel_button.setToolTip("Stop reading the file (the form then says so; Return in the Data field reads it again)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(reads.cancel)
        reads.progressed.connect(self.show_progress)
        self.name = ""
        self.hide()

    def show_reading(self, name: str) -> None:
        """Reading ``name`` ("" hides the row)."""
        if name != self.name:
            self.name = name
            self.bar.setValue(0)
            self.bar.setToolTip(f"How much of {name} is read" if name else "")
        self.setVisible(bool(name))

    def show_progress(self, name: str, share: float) -> None:
        if name == self.name:
            self.bar.setValue(int(100 * min(max(share, 0.0), 1.0)))
