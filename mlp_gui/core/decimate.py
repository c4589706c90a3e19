"""A bounded-size min/max envelope of a growing loss history, for plotting millions of epochs.

The window plots this instead of the raw history: the curve keeps every spike
and dip (each bucket contributes its minimum and its maximum) while the number
of points stays within ``4 * max_buckets + 4`` whatever the length of the run, and
adding a chunk costs time proportional to the chunk, not to the history. :func:`at_most` cuts any curve down
to a number of points the same way; :func:`plottable` keeps the points a log axis can show.
"""

from __future__ import annotations

import numpy as np


class LossEnvelope:
    """Min/max per bucket of consecutive epochs; buckets double in size as the history grows."""

    def __init__(self, max_buckets: int = 2048) -> None:
        if max_buckets < 2:
            raise ValueError("max_buckets must be at least 2")
        self.max_buckets = max_buckets
        self.clear()

    def clear(self) -> None:
        """Forget everything (a new run)."""
        self.bucket_size = 1
        self.count = 0  # epochs seen, including epoch 0
        cap = 2 * self.max_buckets + 2
        self._lo_x = np.empty(cap, dtype=np.int64)
        self._lo = np.empty(cap)
        self._hi_x = np.empty(cap, dtype=np.int64)
        self._hi = np.empty(cap)
        self._n = 0
        self._pending = np.empty(0)

    def extend(self, losses: np.ndarray) -> None:
        """Append the losses of the next epochs (epoch numbers continue from :attr:`count`)."""
        losses = np.asarray(losses, dtype=np.float64).ravel()
        if losses.size == 0:
            return
        first_epoch = self.count - self._pending.size
        values = np.concatenate([self._pending, losses]) if self._pending.size else losses
        self.count += losses.size
        while True:
            size = self.bucket_size
            full = values.size // size
            room = 2 * self.max_buckets - self._n
            take = min(full, room)
            if take:
                self._append_buckets(values[: take * size].reshape(take, size), first_epoch)
                values = values[take * size :]
                first_epoch += take * size
            if full <= room:
                break
            self._merge_pairs()
        self._pending = values.copy()

    def _append_buckets(self, blocks: np.ndarray, first_epoch: int) -> None:
        n = blocks.shape[0]
        starts = first_epoch + np.arange(n, dtype=np.int64) * blocks.shape[1]
        nan_high = np.where(np.isnan(blocks), np.inf, blocks)  # NaN (divergence) counts as the top
        lo_i, hi_i = np.argmin(nan_high, axis=1), np.argmax(nan_high, axis=1)
        rows = np.arange(n)
        sl = slice(self._n, self._n + n)
        self._lo_x[sl], self._lo[sl] = starts + lo_i, blocks[rows, lo_i]
        self._hi_x[sl], self._hi[sl] = starts + hi_i, blocks[rows, hi_i]
        self._n += n

    def _merge_pairs(self) -> None:
        """Halve the number of buckets by joining neighbours (an odd last bucket stays as it is)."""
        pairs = self._n // 2
        odd = self._n % 2
        for x, v, pick in ((self._lo_x, self._lo, np.argmin), (self._hi_x, self._hi, np.argmax)):
            xs = x[: 2 * pairs].reshape(pairs, 2)
            vs = v[: 2 * pairs].reshape(pairs, 2)
            j = pick(np.where(np.isnan(vs), np.inf, vs), axis=1)
            rows = np.arange(pairs)
            new_x, new_v = xs[rows, j].copy(), vs[rows, j].copy()
            if odd:
                x[pairs], v[pairs] = x[2 * pairs], v[2 * pairs]
            x[:pairs], v[:pairs] = new_x, new_v
        self._n = pairs + odd
        self.bucket_size *= 2

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Epochs and losses to draw, in epoch order (each bucket's min and max, then the raw tail)."""
        n = self._n
        lo_x, hi_x = self._lo_x[:n], self._hi_x[:n]
        lo, hi = self._lo[:n], self._hi[:n]
        first_is_lo = lo_x <= hi_x
        xs = np.empty(2 * n, dtype=np.int64)
        ys = np.empty(2 * n)
        xs[0::2] = np.where(first_is_lo, lo_x, hi_x)
        xs[1::2] = np.where(first_is_lo, hi_x, lo_x)
        ys[0::2] = np.where(first_is_lo, lo, hi)
        ys[1::2] = np.where(first_is_lo, hi, lo)
        if self.bucket_size == 1:  # min and max are the same point
            xs, ys = xs[0::2], ys[0::2]
        tail_x, tail_y = self._tail()
        return np.concatenate([xs, tail_x]), np.concatenate([ys, tail_y])

    def _tail(self) -> tuple[np.ndarray, np.ndarray]:
        """The unfinished bucket: its raw points while few, else its min and max (and its newest point)."""
        first = self.count - self._pending.size
        values = self._pending
        if values.size <= 4:
            return np.arange(first, self.count, dtype=np.int64), values
        nan_high = np.where(np.isnan(values), np.inf, values)
        keep = np.unique([int(np.argmin(nan_high)), int(np.argmax(nan_high)), values.size - 1])
        return first + keep.astype(np.int64), values[keep]


def at_most(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """``x, y`` reduced to about ``max_points`` by keeping each group's lowest and highest point, in order.

    A guard for very long runs: the envelope keeps its buckets bounded but hands over the epochs of its
    newest, unfinished bucket raw (up to 65,535 of them after 100 million epochs).
    """
    if len(x) <= max_points:
        return x, y
    group = -(-2 * len(x) // max_points)
    whole = len(x) // group * group
    ys = y[:whole].reshape(-1, group)
    rows = np.arange(ys.shape[0])
    ranked = np.where(np.isfinite(ys), ys, np.inf)
    lo, hi = np.argmin(ranked, axis=1), np.argmax(np.where(np.isfinite(ys), ys, -np.inf), axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    picks = (rows[:, None] * group + np.stack([first, second], axis=1)).ravel()
    picks = np.concatenate([picks, np.arange(whole, len(x))])
    return x[picks], y[picks]


def plottable(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points a log axis can show (finite and positive)."""
    keep = np.isfinite(y) & (y > 0)
    return x[keep], y[keep]
