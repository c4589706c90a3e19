"""The one training loop every front end uses: advance a trainer in chunks until done, stopped or diverged.

The CLI (with a progress bar and Ctrl+C), the window's worker thread (with
pause and stop buttons) and sweeps all call :func:`drive`. Chunks are sized to
about :data:`CHUNK_SECONDS` of work, so ``should_stop`` is asked every few
milliseconds and a stop always lands *between* epochs: the trainer's epoch
counter, parameters and history then describe one consistent state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

#: seconds of training per chunk between checks of ``should_stop``
CHUNK_SECONDS = 0.01
FIRST_CHUNK = 64
MAX_CHUNK = 200_000


class Steppable(Protocol):
    """What the driver needs of a trainer (:class:`~mlp_gui.core.trainer.Trainer`, the stacked sweep)."""

    epoch: int

    def step(self, n: int) -> object: ...

    @property
    def diverged(self) -> bool: ...


class Checker(Protocol):
    """Something asked after every chunk whether the run must stop (a divergence guard); None means go on.

    ``should_stop`` is the driver's own: a check that takes long (the guard trying stepsizes) ends early when it turns true.
    """

    def check(self, should_stop: Callable[[], bool]) -> object | None: ...


class Halt(StrEnum):
    """Why :func:`drive` returned."""

    DONE = "done"  # reached the target epoch (or could advance no further)
    STOPPED = "stopped"  # should_stop() said so
    DIVERGED = "diverged"  # the loss became inf or NaN
    GUARDED = "guarded"  # the guard stopped it: the loss rose far above its best, or stayed far above its start (finite)


@dataclass(frozen=True)
class Progress:
    """Reported after every chunk: where the run is and how fast it goes."""

    epoch: int  # the trainer's epoch after this chunk
    done: int  # epochs run since drive() began
    seconds: float  # since drive() began
    target: int

    @property
    def epochs_per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


def drive(
    trainer: Steppable,
    until: int,
    should_stop: Callable[[], bool] = lambda: False,
    on_chunk: Callable[[Progress], None] | None = None,
    *,
    chunk_seconds: float = CHUNK_SECONDS,
    guard: Checker | None = None,
) -> Halt:
    """Step ``trainer`` to epoch ``until`` unless ``should_stop()`` turns true or the run diverges first.

    ``guard`` (see :mod:`mlp_gui.core.guard`) is asked after every chunk; its report stops the run.
    """
    chunk, start_epoch = FIRST_CHUNK, trainer.epoch
    began = time.perf_counter()
    while trainer.epoch < until:
        if trainer.diverged:
            return Halt.DIVERGED
        if should_stop():
            return Halt.STOPPED
        n = min(chunk, until - trainer.epoch)
        before, t0 = trainer.epoch, time.perf_counter()
        trainer.step(n)
        spent = time.perf_counter() - t0
        ran = trainer.epoch - before
        if on_chunk is not None:
            on_chunk(Progress(trainer.epoch, trainer.epoch - start_epoch, time.perf_counter() - began, until))
        if guard is not None and guard.check(should_stop) is not None:
            return Halt.DIVERGED if trainer.diverged else Halt.GUARDED
        if ran == 0:  # nothing left to run (every stacked run ended)
            break
        chunk = next_chunk(chunk, ran, spent, chunk_seconds)
    return Halt.DIVERGED if trainer.diverged else Halt.DONE


def next_chunk(chunk: int, ran: int, seconds: float, target_seconds: float = CHUNK_SECONDS) -> int:
    """Grow or shrink the chunk so one takes about ``target_seconds`` (at most 4x growth at a time)."""
    if ran < chunk or seconds <= 0:
        return chunk
    ideal = int(ran * target_seconds / seconds)
    return max(1, min(ideal, 4 * chunk, MAX_CHUNK))
