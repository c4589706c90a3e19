"""Where a loss curve blew up, and how high it went: what the loss plot leaves out of its view, and marks.

NumPy only. A curve *diverged* at its first loss that is not finite or more than ``factor`` times its starting
loss; the plot's view ignores it from where the climb to that point began (so one blown-up run takes no decades
from the others) and marks the part it clips with the highest finite loss of the climb. :class:`DivergenceWatch`
finds the same place in a curve that grows chunk by chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DIVERGENCE_FACTOR = 1e6  # a curve has diverged once its loss is a million times its starting loss (or not finite)


def divergence(y: np.ndarray, factor: float = DIVERGENCE_FACTOR) -> tuple[int, int] | None:
    """Where a curve diverged, as indices ``(climb, diverged)``; None if it did not.

    ``diverged`` is its first loss that is not finite or more than ``factor`` times its starting loss (the first
    positive finite one); ``climb`` is where the climb to it began: just after the last loss before it that was no
    higher than the start. The view ignores the curve from ``climb`` on, so a run that blows up takes no decade
    from the others. Relative to the start, not to the running minimum: a converged run that spikes from 1e-12
    to 1e-5 and recovers has not diverged, one a million times worse than an untrained network never comes back.
    """
    y = np.asarray(y, dtype=np.float64)
    good = np.flatnonzero(np.isfinite(y) & (y > 0))
    start = y[good[0]] if good.size else np.inf
    over = np.flatnonzero(~np.isfinite(y) | (y > factor * start))
    if not over.size:
        return None
    diverged = int(over[0])
    below = np.flatnonzero(y[:diverged] <= start)
    return (int(below[-1]) + 1 if below.size else diverged), diverged


class DivergenceWatch:
    """:func:`divergence` for a curve that grows chunk by chunk (the live run): each loss is looked at once, and
    :attr:`climb_at` and :attr:`diverged_at` (epochs, counted from the first loss) are what :func:`divergence`
    finds in the whole curve so far."""

    def __init__(self, factor: float = DIVERGENCE_FACTOR) -> None:
        self.factor = factor
        self.clear()

    def clear(self) -> None:
        """Forget everything (a new run)."""
        self.count = 0  # losses seen
        self.start: float | None = None  # the first positive finite loss
        self.last_below = -1  # the last epoch whose loss was no higher than the start
        self.climb_at: int | None = None
        self.diverged_at: int | None = None

    def extend(self, losses: np.ndarray) -> None:
        """Look at the losses of the next epochs."""
        losses = np.asarray(losses, dtype=np.float64)
        first = self.count
        self.count += losses.size
        if self.diverged_at is not None:
            return
        if self.start is None:
            good = np.flatnonzero(np.isfinite(losses) & (losses > 0))
            if good.size:
                self.start = float(losses[good[0]])
        start = self.start if self.start is not None else np.inf
        over = np.flatnonzero(~np.isfinite(losses) | (losses > self.factor * start))
        below = (losses[: over[0]] if over.size else losses) <= start
        if below.any():
            self.last_below = first + len(below) - 1 - int(np.argmax(below[::-1]))
        if over.size:
            self.diverged_at = first + int(over[0])
            self.climb_at = min(self.last_below + 1, self.diverged_at)


@dataclass(frozen=True)
class Peak:
    """The highest finite loss of a curve from its climb on, and the epoch it was reached at."""

    epoch: float
    loss: float


def blowup_peak(x: np.ndarray, y: np.ndarray, climb_at: float | None) -> Peak | None:
    """The highest finite positive loss at or after epoch ``climb_at`` (None: no climb, or nothing finite in it).

    ``x`` is increasing; NaN and inf are skipped (a log axis cannot show them; the divergence line marks them).
    """
    if climb_at is None or len(x) == 0:
        return None
    x, y = np.asarray(x), np.asarray(y, dtype=np.float64)
    start = int(np.searchsorted(x, climb_at, "left"))
    tail = y[start:]
    finite = np.where(np.isfinite(tail) & (tail > 0), tail, -np.inf)
    if not finite.size or finite.max() == -np.inf:
        return None
    i = int(np.argmax(finite))
    return Peak(float(x[start + i]), float(tail[i]))


def loss_range(y: np.ndarray) -> tuple[float, float] | None:
    """Lowest and highest finite positive loss of ``y`` (None: it has none)."""
    y = np.asarray(y, dtype=np.float64)
    good = y[np.isfinite(y) & (y > 0)]
    return (float(good.min()), float(good.max())) if good.size else None


def range_before(x: np.ndarray, y: np.ndarray, climb_at: float | None) -> tuple[float, float] | None:
    """:func:`loss_range` of the points before epoch ``climb_at`` (all of them when it is None): what the view
    must show of a curve that blew up. ``x`` is increasing."""
    return loss_range(y if climb_at is None else y[: np.searchsorted(x, climb_at, "left")])
