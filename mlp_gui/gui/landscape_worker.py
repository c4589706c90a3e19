"""The Landscape tab's computations, off the GUI thread: a slice or a line of a run, with progress and Cancel.

:class:`LandscapeJobs` hands a :class:`Job` (a copy of the run and what to compute) to a worker on a thread of its own
(started at the first job, ended like every other, :mod:`mlp_gui.gui.worker_threads`). The worker builds the
run's :class:`~mlp_gui.core.landscape.Trajectory` and computes the ask on one BLAS thread
(:func:`~mlp_gui.core.landscape_asks.compute_ask`: the training thread keeps the other core). Progress reaches the
GUI at most every PROGRESS_S; a cancelled job stops at the core's next progress call. Failures are logged with their
traceback; the GUI gets one line.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import Signal, Slot

from mlp_gui.core.hessian import Progress
from mlp_gui.core.landscape import CancelledError, LandscapeError, Line, Slice, Trajectory
from mlp_gui.core.landscape_asks import LineAsk, SliceAsk, compute_ask
from mlp_gui.core.runfile import SavedRun
from mlp_gui.gui.landscape_scale import SliceDrawing
from mlp_gui.gui.worker_threads import JobRunner, StoppableWorker, run_job

PROGRESS_S = 0.05  # at most twenty progress reports a second


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
    value = compute_ask(Trajectory.of_run(job.run), job.ask, progress=progress)
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


class LandscapeJobs(JobRunner):
    """One job at a time on the landscape thread; a new one cancels the one under way. Signals on the GUI thread:

    - ``progressed(done, total)`` of the current job;
    - ``finished(Result)``, ``failed(line)``, ``cancelled()``: how the current job ended (older ones are not heard of).
    """

    progressed = Signal(int, int)
    cancelled = Signal()  # finished and failed: JobRunner's
    thread_name = "mlp-gui landscape"
    worker_type = _Worker

    def start(self, run: SavedRun, ask: SliceAsk | LineAsk) -> bool:
        """Compute ``ask`` of ``run`` (cancelling the job under way); False once shut down."""
        return self._submit(Job(run, ask))

    def cancel(self) -> None:
        """Stop the current job; ``cancelled`` follows once the worker has stopped."""
        if self.current is not None:
            self.current.cancel.set()

    def _wire(self, worker: _Worker) -> None:
        worker.progressed.connect(self._on_progressed)
        worker.cancelled.connect(self._on_cancelled)

    @Slot(object, int, int)
    def _on_progressed(self, job: Job, done: int, total: int) -> None:
        if job is self.current:
            self.progressed.emit(done, total)

    @Slot(object)
    def _on_cancelled(self, job: Job) -> None:
        if self._ended(job):
            self.cancelled.emit()
