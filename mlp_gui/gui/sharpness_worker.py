"""λ_max at a run's kept snapshots, computed off the GUI thread (:func:`mlp_gui.core.sharpness_record.compute_record`).

:class:`SharpnessJobs` hands a copy of the run to a worker on a thread of its own (started at the first job, ended
like every other, :mod:`mlp_gui.gui.worker_threads`), which computes on one BLAS thread so that a training thread
keeps the other core. The GUI thread never waits for it: a newer job cancels the one under way, and each finished
one arrives as ``finished(SharpnessResult)``. Failures are logged with their traceback; the GUI gets one line.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import Signal, Slot

from mlp_gui.core.blas_threads import blas_threads
from mlp_gui.core.hessian import CancelledError
from mlp_gui.core.runfile import SavedRun
from mlp_gui.core.sharpness_record import Key, SharpnessRecord, TrainedCurvature, compute_record
from mlp_gui.gui.worker_threads import JobRunner, StoppableWorker, run_job


@dataclass(eq=False)
class SharpnessJob:
    """λ_max at ``run``'s kept snapshots (a copy nobody else holds), reusing ``known`` and ``trusted`` values."""

    run: SavedRun
    known: dict[Key, float]
    trusted: dict[int, float]
    cancel: threading.Event = field(default_factory=threading.Event)
    found: dict[Key, float] = field(default_factory=dict)  # filled as values are found (kept if cancelled)


@dataclass(frozen=True)
class SharpnessResult:
    """A finished job: the record, every value by key (for the next job), the run it is of, and the seconds taken."""

    record: SharpnessRecord
    known: dict[Key, float]
    run: SavedRun
    seconds: float


def compute(job: SharpnessJob, progress) -> SharpnessResult:
    """``job`` computed here and now (``progress(done, total)`` False cancels: CancelledError)."""
    began = time.perf_counter()
    run = job.run
    store = run.snapshots
    epochs, rows = (list(store.epochs), list(store.rows)) if store is not None else ([], [])
    with blas_threads(1):
        record, known = compute_record(TrainedCurvature.of_run(run.config, run.x, run.y), epochs, rows, known=job.known,
                                       trusted=job.trusted, progress=progress, into=job.found)
    return SharpnessResult(record, known, run, time.perf_counter() - began)


class _Worker(StoppableWorker):
    done = Signal(object, object)  # job, SharpnessResult
    failed = Signal(object, str)  # job, one line

    @Slot(object)
    def run(self, job: SharpnessJob) -> None:
        def progress(_done: int, _total: int) -> bool:
            return not (job.cancel.is_set() or self.stopping)

        def computed() -> SharpnessResult:
            if not progress(0, 1):
                raise CancelledError("cancelled before it began")
            return compute(job, progress)

        run_job(computed, what="λ_max", done=partial(self.done.emit, job), failed=partial(self.failed.emit, job))


class SharpnessJobs(JobRunner):
    """One job at a time on the sharpness thread; a new one cancels the one under way. ``finished(SharpnessResult)``
    and ``failed(line)`` on the GUI thread, for the current job only."""

    thread_name = "mlp-gui sharpness"
    worker_type = _Worker

    def start(self, run: SavedRun, *, known: dict[Key, float], trusted: dict[int, float]) -> bool:
        """Compute λ_max at ``run``'s snapshots (cancelling the job under way); False once shut down."""
        return self._submit(SharpnessJob(run, dict(known), dict(trusted)))

    def cancel(self) -> dict[Key, float]:
        """Stop the job under way (nothing is reported of it); the values it had found so far."""
        job, self.current = self.current, None
        if job is None:
            return {}
        job.cancel.set()
        return dict(job.found)
