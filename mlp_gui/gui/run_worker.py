"""The training thread: runs a Trainer in chunks and hands batched results to the GUI.

The GUI thread never trains and never waits on this thread. It asks for a
pause or a stop by setting a flag (checked between chunks, which are sized to
about 10 ms of work so either takes effect well within 100 ms) and receives at
most 15 deliveries a second, each holding every loss since the last one and
copies of the current parameters and gradients.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from mlp_gui.core.trainer import Snapshot, Trainer

#: Seconds between deliveries to the GUI (15 a second: as often as the plot redraws, no more —
#: every delivery costs the GUI thread the GIL for a moment).
DELIVERY_INTERVAL = 1 / 15
#: Seconds of training per chunk between checks of the pause/stop flags.
CHUNK_SECONDS = 0.01


@dataclass(frozen=True)
class Delivery:
    """What the worker hands to the GUI: new losses (epochs first_epoch.. ) and a snapshot."""

    first_epoch: int
    losses: np.ndarray
    snapshot: Snapshot
    epochs_per_second: float


class TrainingWorker(QObject):
    """Lives in a QThread; ``train_until`` runs there, queued from the GUI thread."""

    delivered = Signal(object)  # Delivery
    #: why training stopped: "done", "paused", "stopped" or "diverged"; and the final Delivery
    halted = Signal(str, object)
    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.trainer: Trainer | None = None
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

    @Slot(object, int)
    def train_until(self, trainer: Trainer, target_epoch: int) -> None:
        """Train ``trainer`` up to ``target_epoch`` unless paused, stopped or diverged first."""
        self.trainer = trainer
        try:
            reason = self._loop(trainer, target_epoch)
        except Exception as exc:  # noqa: BLE001 - the GUI must hear of any failure, not lose the thread
            self.failed.emit(f"training failed: {type(exc).__name__}: {exc}")
            return
        self.halted.emit(reason, self._pending_delivery(trainer, self._since, self._rate()))

    def _loop(self, trainer: Trainer, target_epoch: int) -> str:
        chunk = 64
        self._since = trainer.epoch
        self._started, self._start_epoch = time.perf_counter(), trainer.epoch
        last_delivery = time.perf_counter()
        while trainer.epoch < target_epoch:
            if self._stop.is_set():
                return "stopped"
            if self._pause.is_set():
                return "paused"
            n = min(chunk, target_epoch - trainer.epoch)
            began = time.perf_counter()
            trainer.step(n)
            spent = time.perf_counter() - began
            if trainer.diverged_at is not None:
                return "diverged"
            chunk = _next_chunk(chunk, n, spent)
            if began + spent - last_delivery >= DELIVERY_INTERVAL:
                self.delivered.emit(self._pending_delivery(trainer, self._since, self._rate()))
                self._since = trainer.epoch
                last_delivery = time.perf_counter()
        return "done"

    def _rate(self) -> float:
        elapsed = time.perf_counter() - self._started
        return (self.trainer.epoch - self._start_epoch) / elapsed if elapsed > 0 else 0.0

    @staticmethod
    def _pending_delivery(trainer: Trainer, since: int, rate: float) -> Delivery:
        return Delivery(
            first_epoch=since + 1,
            losses=trainer.loss_history[since + 1 :].copy(),
            snapshot=trainer.snapshot(),
            epochs_per_second=rate,
        )


def _next_chunk(chunk: int, ran: int, seconds: float) -> int:
    """Grow or shrink the chunk so one takes about CHUNK_SECONDS."""
    if ran < chunk or seconds <= 0:
        return chunk
    ideal = int(ran * CHUNK_SECONDS / seconds)
    return max(1, min(ideal, 4 * chunk, 200_000))
