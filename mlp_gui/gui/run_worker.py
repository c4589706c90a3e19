"""The training thread: runs a Trainer in chunks and hands batched results to the GUI.

The GUI thread never trains and never waits on this thread. It asks for a
pause or a stop by setting a flag (checked between chunks, which are sized to
about 10 ms of work so either takes effect well within 100 ms) and receives at
most 15 deliveries a second, each holding every loss since the last one and
copies of the current parameters and gradients.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from mlp_gui.core.driver import Halt, Progress, drive
from mlp_gui.core.norm_record import NormRows
from mlp_gui.core.trainer import Snapshot, Trainer

log = logging.getLogger(__name__)

#: Seconds between deliveries to the GUI (15 a second: as often as the plot redraws, no more —
#: every delivery costs the GUI thread the GIL for a moment).
DELIVERY_INTERVAL = 1 / 15


@dataclass(frozen=True)
class Delivery:
    """What the worker hands to the GUI: new losses (epochs ``first_epoch``.. ), a snapshot, and the norms recorded since."""

    first_epoch: int
    losses: np.ndarray
    snapshot: Snapshot
    epochs_per_second: float
    metrics: dict = field(default_factory=dict)  # test_loss, accuracy, test_accuracy for the same epochs (data sets)
    norms: NormRows | None = None  # the gradient-flow rows recorded for those epochs


@dataclass(frozen=True)
class Halted:
    """The worker stopped training: why (``done``, ``paused``, ``stopped``, ``diverged``) and the final delivery."""

    reason: str
    delivery: Delivery


class TrainingWorker(QObject):
    """Lives in a QThread; ``train_until`` runs there, queued from the GUI thread."""

    delivered = Signal(object)  # Delivery
    halted = Signal(object)  # Halted
    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._pause = threading.Event()
        self._stop = threading.Event()

    def clear_requests(self) -> None:
        """Called from the GUI thread before it queues ``train_until`` (so a quick Pause is not lost)."""
        self._pause.clear()
        self._stop.clear()

    def request_pause(self) -> None:
        """Called from the GUI thread; takes effect after the current chunk."""
        self._pause.set()

    def request_stop(self) -> None:
        """Called from the GUI thread; takes effect after the current chunk."""
        self._stop.set()

    @Slot(object, int, object)
    def train_until(self, trainer: Trainer, target_epoch: int, guard: object = None) -> None:
        """Train ``trainer`` up to ``target_epoch`` unless paused, stopped, diverged or stopped by ``guard`` first."""
        throttle = _DeliveryThrottle(self, trainer)
        try:
            halt = drive(trainer, target_epoch, self._halt_requested, throttle.on_chunk, guard=guard)
        except Exception as exc:  # noqa: BLE001 - the GUI must hear of any failure, not lose the thread
            log.exception("training failed at epoch %s", trainer.epoch)
            self.failed.emit(f"training failed: {type(exc).__name__}: {exc}")
            return
        reason = halt.value
        if halt is Halt.STOPPED:
            reason = "stopped" if self._stop.is_set() else "paused"
        self.halted.emit(Halted(reason, throttle.delivery()))

    def _halt_requested(self) -> bool:
        return self._pause.is_set() or self._stop.is_set()


class _DeliveryThrottle:
    """Turns the driver's chunks into at most one delivery every DELIVERY_INTERVAL (copies, never views)."""

    def __init__(self, worker: TrainingWorker, trainer: Trainer) -> None:
        self.worker, self.trainer = worker, trainer
        self.since = trainer.epoch
        self.rate = 0.0
        self.last = time.perf_counter()

    def on_chunk(self, progress: Progress) -> None:
        self.rate = progress.epochs_per_second
        now = time.perf_counter()
        if now - self.last >= DELIVERY_INTERVAL:
            self.worker.delivered.emit(self.delivery())
            self.last = time.perf_counter()

    def delivery(self) -> Delivery:
        """Everything since the last delivery, copied so the GUI thread never shares an array with training."""
        trainer = self.trainer
        losses = trainer.loss_history[self.since + 1 :].copy()  # after divergence: ends with the non-finite loss
        metrics = {k: v[self.since + 1 :].copy() for k, v in trainer.metrics.items()}
        norms = trainer.norms.rows(after=self.since)
        delivery = Delivery(self.since + 1, losses, trainer.snapshot(), self.rate, metrics, norms)
        self.since += losses.size
        return delivery
