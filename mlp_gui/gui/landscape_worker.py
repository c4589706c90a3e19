"""The Landscape tab's computations, off the GUI thread: a slice or a line of a run, with progress and Cancel.

:class:`LandscapeJobs` hands a :class:`Job` (a copy of the run and what to compute) to a worker on a thread of its own
(started at the first job, ended like every other, :mod:`mlp_gui.gui.worker_threads`). The worker builds the
run's :class:`~mlp_gui.core.landscape.Trajectory` and computes on one BLAS thread (:mod:`mlp_gui.core.blas_threads`:
the training thread keeps the other core). Progress reaches the GUI at most every PROGRESS_S; a cancelled job
stops at the core's next progress call. Failures are logged with their traceback; the GUI gets one line.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import QObject, QThread, Signal, Slot

from mlp_gui.core.blas_threads import blas_threads
from mlp_gui.core.hessian import Progress
from mlp_gui.core.landscape import (
    CancelledError,
    LandscapeError,
    Line,
    Slice,
    Trajectory,
    compute_line,
    compute_slice,
)
from mlp_gui.core.runfile import SavedRun
from mlp_gui.gui.landscape_scale import SliceDrawing
from mlp_gui.gui.worker_threads import (
    StoppableWorker,
    end_thread_of_gone_owner,
    end_worker_thread,
    run_job,
    start_worker_thread,
)

PROGRESS_S = 0.05  # at most twenty progress reports a second


@dataclass(frozen=True)
class SliceAsk:
    """A slice: ``plane`` (pca, random, hessian), ``grid`` points per axis, ``span`` (None: the core's default)."""

    plane: str = "pca"
    grid: int = 41
    span: float | None = None
    seed: int = 0

    @property
    def what(self) -> str:
        return f"the {self.plane} slice"


@dataclass(frozen=True)
class LineAsk:
    """The line between the points kept at or before epochs ``a`` and ``b``, on ``grid`` points."""

    a: int
    b: int
    grid: int = 41

    @property
    def what(self) -> str:
        return f"the line from epoch {self.a:,} to {self.b:,}"


@dataclass(eq=False)
class Job:
    """One computation: the run it is of (a copy nobody else holds) and what to compute from it."""

    run: SavedRun
    ask: SliceAsk | LineAsk
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Result:
    """A finished job: the slice or line, the seconds it took and, for a slice, what the plot draws of it."""

    value: Slice | Line
    seconds: float
    drawing: SliceDrawing | None = None  # a slice's colours and contour lines


def compute(job: Job, progress: Progress) -> Result:
    """``job`` computed here and now (``progress(done, total)`` False cancels: CancelledError)."""
    began = time.perf_counter()
    trajectory = Trajectory.of_run(job.run)
    ask = job.ask
    with blas_threads(1):
        if isinstance(ask, LineAsk):
            value = compute_line(trajectory, ask.a, ask.b, grid=ask.grid, progress=progress)
        else:
            value = compute_slice(trajectory, ask.plane, grid=ask.grid, span=ask.span, seed=ask.seed, progress=progress)
    drawing = SliceDrawing.of(value) if isinstance(value, Slice) else None
    return Result(value, time.perf_counter() - began, drawing)


class _Worker(StoppableWorker):
    """Lives on the landscape thread; :meth:`run` runs there, queued from the GUI thread."""

    progressed = Signal(object, int, int)  # Job, done, total
    done = Signal(object, object)  # Job, Result
    failed = Signal(object, str)  # Job, one line (the traceback is logged)
    cancelled = Signal(object)  # Job


    @Slot(object)
    def run(self, job: Job) -> None:
        last = [0.0]

        def progress(done: int, total: int) -> bool:
            if job.cancel.is_set() or self.stopping:
                return False
            now = time.perf_counter()
            if now - last[0] >= PROGRESS_S or done >= total:
                last[0] = now
                self.progressed.emit(job, done, total)
            return True

        def computed() -> Result:
            if not progress(0, 1):
                raise CancelledError("cancelled before it began")
            return compute(job, progress)

        run_job(computed, what=job.ask.what, done=partial(self.done.emit, job), failed=partial(self.failed.emit, job),
                cancelled=partial(self.cancelled.emit, job), expected=(LandscapeError,),
                memory=f"not enough memory for {job.ask.what}: lower the grid")


class LandscapeJobs(QObject):
    """One job at a time on the landscape thread; a new one cancels the one under way. Signals on the GUI thread:

    - ``progressed(done, total)`` of the current job;
    - ``finished(Result)``, ``failed(line)``, ``cancelled()``: how the current job ended (older ones are not heard of).
    """

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    _run = Signal(object)  # Job, queued to the worker

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.current: Job | None = None
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._shut_down = False

    @property
    def busy(self) -> bool:
        return self.current is not None

    def start(self, run: SavedRun, ask: SliceAsk | LineAsk) -> bool:
        """Compute ``ask`` of ``run`` (cancelling the job under way); False once shut down."""
        if self._shut_down:
            return False
        if self.current is not None:
            self.current.cancel.set()
        self.current = Job(run, ask)
        self._start_thread()
        self._run.emit(self.current)
        return True

    def cancel(self) -> None:
        """Stop the current job; ``cancelled`` follows once the worker has stopped."""
        if self.current is not None:
            self.current.cancel.set()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel and end the thread (window close, quit, exit); True if it ended within ``timeout_ms``."""
        self._shut_down = True
        self.cancel()
        self.current = None
        if self._thread is None:
            return True
        return end_worker_thread(self._thread, self._worker.request_stop, timeout_ms)

    @property
    def thread_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def _start_thread(self) -> None:
        if self._thread is not None:
            return
        self._worker = _Worker()
        self._thread = start_worker_thread(self, self._worker, "mlp-gui landscape")
        self._run.connect(self._worker.run)
        self._worker.progressed.connect(self._on_progressed)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        # freed without shutdown (a view dropped mid-job): end the thread first, or Qt aborts on a running QThread
        self.destroyed.connect(partial(end_thread_of_gone_owner, self._thread, self._worker.request_stop))

    def _ended(self, job: Job) -> bool:
        """Whether ``job`` is the current one (then it is over); an older job's end is not reported."""
        if job is not self.current:
            return False
        self.current = None
        return True

    @Slot(object, int, int)
    def _on_progressed(self, job: Job, done: int, total: int) -> None:
        if job is self.current:
            self.progressed.emit(done, total)

    @Slot(object, object)
    def _on_done(self, job: Job, result: Result) -> None:
        if self._ended(job):
            self.finished.emit(result)

    @Slot(object, str)
    def _on_failed(self, job: Job, line: str) -> None:
        if self._ended(job):
            self.failed.emit(line)

    @Slot(object)
    def _on_cancelled(self, job: Job) -> None:
        if self._ended(job):
            self.cancelled.emit()
