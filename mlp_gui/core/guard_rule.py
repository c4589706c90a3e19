"""The divergence guard's rule: which epoch of a run's loss history went too far (see :mod:`mlp_gui.core.guard`).

A :class:`Rule` judges a guarded stretch of a run, from the epoch it starts at, chunk by chunk: each call
reads only the epochs since the last one (and one window of :data:`STAY_EPOCHS` before them), carrying
the running best across calls, so it stays cheap however long the run. Epoch ``k`` trips it when

- its loss is not finite; or
- it **rose**: the loss is more than ``factor`` times the best loss *before* ``k`` and above the loss the
  stretch started with (a falling run never trips, nor does one oscillating below its start); or
- it **stayed up**: for :data:`STAY_EPOCHS` epochs the loss has not come back down to where the stretch
  started, and in :data:`STAY_SHARE` of them it was above :data:`LEAP` times that start (so that far above
  its best, too): finite and under a million-fold, but blown up.

Losses below :data:`NOISE` times the run's first loss are float noise: the best and the start count as at
least that floor, so a rise among them (1e-31 to 1e-26) is no divergence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEFAULT_FACTOR = 1e6
STAY_EPOCHS = 500  # a loss never back at the stretch's start for this many epochs ...
STAY_SHARE = 0.9  # ... and in this share of them above ...
LEAP = 4.0  # ... this many times the start has blown up
NOISE = 1e-12  # losses below this share of the run's first loss are float noise
TINY = float(np.finfo(float).tiny)


@dataclass(frozen=True)
class Trip:
    """Where a run went too far."""

    kind: str  # "not finite", "rose" or "stayed"
    epoch: int  # where it went wrong: the loss rose too far, stopped being finite, or left the start for good
    stop: int  # the epoch the run should end at: ``epoch``, or where the stay was long enough ("stayed")


class Rule:
    """Judges one guarded stretch of a run's losses as they come, chunk by chunk."""

    def __init__(self, start_epoch: int, start: float, *, first_loss: float, factor: float = DEFAULT_FACTOR) -> None:
        """The stretch starts at ``start_epoch`` with loss ``start``; ``first_loss`` (the run's epoch-0 loss) sets
        the noise floor."""
        self.start_epoch, self.start, self.factor = start_epoch, start, factor
        scale = first_loss if math.isfinite(first_loss) and first_loss > 0 else start
        self.floor = max(NOISE * scale, TINY) if math.isfinite(scale) else TINY
        self.best = start if math.isfinite(start) else math.inf  # the best loss so far, the start's included
        self.base = max(start, self.floor) if math.isfinite(start) else math.inf  # "back at the start"
        self.line = LEAP * self.base  # "far above the start"
        self.checked = start_epoch  # the last epoch judged
        self._back = start_epoch  # the last epoch the loss was back at the start

    def judge(self, history: np.ndarray) -> Trip | None:
        """The first epoch after the last one judged (up to the end of ``history``, the run's whole loss history)
        that trips the rule, or None; without a trip, those epochs count as judged."""
        first, end = self.checked + 1, len(history) - 1
        new = history[first:]
        if end < first:
            return None
        top = float(new.max())
        if top <= self.base and math.isfinite(top):  # the usual chunk: finite and below the start, so nothing trips
            self.best = min(self.best, float(new.min()))
            self.checked, self._back = end, end
            return None
        with np.errstate(invalid="ignore", over="ignore"):
            before = np.fmin.accumulate(np.concatenate(([self.best], new[:-1])))  # the best before each epoch
            bad = ~np.isfinite(new) | ((new > self.factor * np.maximum(before, self.floor)) & (new > self.start))
        epochs = np.arange(first, end + 1)
        back, stays = self._stays(history, new, epochs)
        at_bad = int(np.argmax(bad)) if bad.any() else new.size
        at_stay = int(stays[0]) if stays.size else new.size
        if at_bad < new.size and at_bad <= at_stay:
            return Trip("rose" if math.isfinite(new[at_bad]) else "not finite", first + at_bad, first + at_bad)
        if at_stay < new.size:
            return Trip("stayed", int(back[at_stay]) + 1, first + at_stay)
        self.best = min(self.best, float(new.min()))
        self.checked, self._back = end, int(back[-1])
        return None

    def _stays(self, history: np.ndarray, new: np.ndarray, epochs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The last epoch back at the start as of each new epoch, and the indices into ``new`` where the loss has
        stayed up long enough (counted over one window reaching back before ``new``)."""
        low = max(int(epochs[0]) - STAY_EPOCHS, self.start_epoch + 1)
        with np.errstate(invalid="ignore"):
            back = np.maximum.accumulate(np.where(new > self.base, self._back, epochs))
            high = np.concatenate(([0], np.cumsum(history[low : int(epochs[-1]) + 1] > self.line)))
        ends = epochs - low + 1
        in_window = high[ends] - high[np.maximum(ends - STAY_EPOCHS, 0)]  # epochs above the line in the last window
        return back, np.flatnonzero((epochs - back >= STAY_EPOCHS) & (in_window >= STAY_SHARE * STAY_EPOCHS))
