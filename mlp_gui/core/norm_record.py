"""Gradient flow over time: each layer's gradient, weight and update norm, recorded by the trainer as it runs.

A row holds, for every layer l (its W and b together), ‖∂L/∂W_l‖, ‖W_l‖ and ‖ΔW_l‖, the size of the next
step the update rule takes (stepsize·‖∂L/∂W_l‖ for plain gradient descent), at one epoch. Rows are taken on
a fixed grid, not at every epoch: all of the first ``2 * POINTS_PER_OCTAVE`` epochs, then
``POINTS_PER_OCTAVE`` evenly spaced epochs between each power of two and the next (epoch ``e`` is on the
grid when it is a multiple of :func:`stride` ``(e)``). That is the loss's decimation turned to the log axis
the curves are drawn on: the early epochs, where layers part ways, are all there; a million-epoch run holds
about 3,300 rows and a billion-epoch one about 5,900, so memory stays within a few megabytes where one row
per epoch would cost three to twelve times the loss history. Checking the grid costs the hot loop one
integer comparison per epoch, and a row a few microseconds.

The grid depends only on the epoch, never on how long the run became, so the record is a pure function of
the run: going back to epoch K drops the rows after K, and continuing retraces the same rows bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.flat_layout import FlatLayout
from mlp_gui.core.network import quiet_float
from mlp_gui.core.update_rule import GradientDescent, State, UpdateRule

_PLAIN = GradientDescent()

#: rows per doubling of the epoch once the run is past ``2 * POINTS_PER_OCTAVE`` epochs
POINTS_PER_OCTAVE = 256


def stride(epoch: int) -> int:
    """The grid's spacing at ``epoch``: 1 up to ``2 * POINTS_PER_OCTAVE``, then doubling with every octave."""
    return max(1, (1 << (max(int(epoch), 1).bit_length() - 1)) // POINTS_PER_OCTAVE)


def on_grid(epoch: int) -> bool:
    """Whether the record keeps a row at ``epoch``."""
    return epoch % stride(epoch) == 0


def next_on_grid(epoch: int) -> int:
    """The first grid epoch after ``epoch`` (the next power of two is a multiple of every smaller stride)."""
    step = stride(epoch + 1)
    return -(-(epoch + 1) // step) * step


def grid_rows(epochs: int) -> int:
    """How many rows a run of ``epochs`` epochs holds (epoch 0 included): the bound readers check files against."""
    if epochs < 2 * POINTS_PER_OCTAVE:
        return int(epochs) + 1
    top = 1 << (int(epochs).bit_length() - 1)  # the last power of two reached
    octaves = top.bit_length() - 1 - (2 * POINTS_PER_OCTAVE).bit_length() + 1
    return 2 * POINTS_PER_OCTAVE + octaves * POINTS_PER_OCTAVE + (int(epochs) - top) // stride(top) + 1


def segment_norms(flat: np.ndarray, starts: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The Euclidean norm of each segment of ``flat`` beginning at ``starts`` (in a few vector operations).

    Every per-layer norm the app shows (the record, ``--json``, the guard) is computed here, so they agree to the bit.
    """
    with quiet_float():
        return np.sqrt(np.add.reduceat(flat * flat, starts), out=out)


@dataclass(frozen=True)
class NormRows:
    """Rows of a record (copies): ``epochs`` (rows,) and three (rows, layers) arrays of norms."""

    epochs: np.ndarray
    grad: np.ndarray  # ‖∂L/∂W_l‖: how strongly the loss pulls on layer l
    weight: np.ndarray  # ‖W_l‖
    update: np.ndarray  # ‖ΔW_l‖ (stepsize · ‖∂L/∂W_l‖ for gradient descent): how far the next step moves layer l

    @property
    def ratio(self) -> np.ndarray:
        """The update ratio ‖ΔW_l‖ / ‖W_l‖ (inf where a layer's weights are all zero)."""
        with quiet_float():
            return self.update / self.weight

    def __len__(self) -> int:
        return len(self.epochs)

    def upto(self, epoch: int) -> NormRows:
        """The rows at or before ``epoch`` (the run gone back there)."""
        keep = self.epochs <= epoch
        return NormRows(self.epochs[keep], self.grad[keep], self.weight[keep], self.update[keep])


class NormRecord:
    """A growing record of per-layer norms on the epoch grid; ``starts`` are each layer's offsets in the flat buffers."""

    def __init__(self, starts: Sequence[int], size: int) -> None:
        self.starts = np.asarray(starts, dtype=np.intp)
        self.bounds = list(zip(self.starts.tolist(), self.starts[1:].tolist() + [int(size)]))
        self._n = 0
        self._epochs = np.empty(64, dtype=np.int64)
        self._values = np.empty((64, 3, len(self.bounds)))  # grad, weight, update

    @classmethod
    def for_sizes(cls, sizes: Sequence[int]) -> NormRecord:
        """A record for a network of layer sizes ``sizes`` (each layer's W then b, as in the flat buffers)."""
        return cls.for_layout(FlatLayout.of(sizes))

    @classmethod
    def for_layout(cls, layout: FlatLayout) -> NormRecord:
        """A record for the layers of ``layout``."""
        return cls(layout.layer_starts, layout.size)

    @property
    def layers(self) -> int:
        return len(self.bounds)

    def __len__(self) -> int:
        return self._n

    @property
    def last_epoch(self) -> int:
        """The newest row's epoch (-1 when empty)."""
        return int(self._epochs[self._n - 1]) if self._n else -1

    def record(self, epoch: int, theta: np.ndarray, grad: np.ndarray, stepsize: float, *, rule: UpdateRule = _PLAIN,
               state: State | None = None, update_later: bool = False) -> None:
        """Add the row for ``epoch`` from the flat parameter and gradient buffers and the update ``rule``'s ``state``
        there (later rows are dropped first).

        Called from the trainer's hot loop, inside its ``quiet_float``: an overflowing norm is recorded as inf, silently.
        ``update_later``: the caller is about to take that very step and hands its ``u`` to :meth:`fill_update` (a rule
        with state then computes its step once, not twice); until then the row's update norms are NaN.
        """
        if self._n and self._epochs[self._n - 1] >= epoch:
            self.truncate(epoch - 1)
        if self._n == len(self._epochs):
            self._epochs = np.concatenate([self._epochs, np.empty_like(self._epochs)])
            self._values = np.concatenate([self._values, np.empty_like(self._values)])
        row = self._values[self._n]
        starts, reduceat = self.starts, np.add.reduceat
        np.sqrt(reduceat(grad * grad, starts), out=row[0])  # segment_norms, without its errstate: the caller's holds
        np.sqrt(reduceat(theta * theta, starts), out=row[1])
        if update_later:
            row[2] = np.nan
        else:
            rule.update_norms(theta, grad, {} if state is None else state, stepsize, starts=starts, grad_norms=row[0],
                              out=row[2])
        self._epochs[self._n] = epoch
        self._n += 1

    def fill_update(self, update: np.ndarray) -> None:
        """The newest row's update norms from the step the run took after it (``update``: that step's ``u``, with
        θ ← θ − u): the same numbers :meth:`record` computes from the rule, to the bit (‖−u‖ is ‖u‖)."""
        np.sqrt(np.add.reduceat(update * update, self.starts), out=self._values[self._n - 1, 2])

    def restep(self, epoch: int, theta: np.ndarray, grad: np.ndarray, stepsize: float, *, rule: UpdateRule = _PLAIN,
               state: State | None = None) -> None:
        """The stepsize changed before the step after ``epoch`` (where ``theta``, ``grad`` and ``state`` are): that
        row's update norm follows it."""
        if self._n and self._epochs[self._n - 1] == epoch:
            row = self._values[self._n - 1]
            rule.update_norms(theta, grad, {} if state is None else state, stepsize, starts=self.starts,
                              grad_norms=row[0], out=row[2])

    def truncate(self, epoch: int) -> None:
        """Forget the rows after ``epoch`` (the run went back there)."""
        self._n = int(np.searchsorted(self._epochs[: self._n], epoch, side="right"))

    def rows(self, after: int = -1) -> NormRows:
        """Copies of the rows whose epoch is after ``after`` (all by default)."""
        first = int(np.searchsorted(self._epochs[: self._n], after, side="right"))
        values = self._values[first : self._n]
        return NormRows(self._epochs[first : self._n].copy(), values[:, 0].copy(), values[:, 1].copy(), values[:, 2].copy())

    def extend(self, rows: NormRows) -> None:
        """Append rows recorded elsewhere (the window's copy follows the trainer's); rows not after the last are dropped."""
        keep = rows.epochs > self.last_epoch
        n = int(keep.sum())
        if not n:
            return
        need = self._n + n
        if need > len(self._epochs):
            size = max(need, 2 * len(self._epochs))
            self._epochs = np.concatenate([self._epochs[: self._n], np.empty(size - self._n, dtype=np.int64)])
            self._values = np.concatenate([self._values[: self._n], np.empty((size - self._n,) + self._values.shape[1:])])
        self._epochs[self._n : need] = rows.epochs[keep]
        for k, values in enumerate((rows.grad, rows.weight, rows.update)):
            self._values[self._n : need, k] = values[keep]
        self._n = need


def check_rows(rows: NormRows, layers: int, epochs: int, *, diverged: bool = False) -> str | None:
    """What is wrong with rows read from a file for a run of ``layers`` layers and ``epochs`` epochs (None: nothing).

    A norm may be inf (the squares of a huge finite vector overflow); NaN only in a run that diverged (its last
    gradient may be NaN while its loss was still finite).
    """
    n = len(rows.epochs)
    if any(a.shape != (n, layers) for a in (rows.grad, rows.weight, rows.update)):
        return f"the norm arrays must have one row per entry of 'norm_epochs' and {layers} columns"
    if n and (np.any(np.diff(rows.epochs) <= 0) or rows.epochs[0] < 0 or rows.epochs[-1] > epochs):
        return "'norm_epochs' are not increasing epochs of this run"
    if n > grid_rows(epochs):
        return f"{n} rows of norms is more than a run of {epochs} epochs records"
    if any(np.any(a < 0) for a in (rows.grad, rows.weight, rows.update)):
        return "a norm is negative"
    if not diverged and any(np.any(np.isnan(a)) for a in (rows.grad, rows.weight, rows.update)):
        return "a norm is NaN, but the run did not diverge"
    return None


__all__ = ["POINTS_PER_OCTAVE", "NormRecord", "NormRows", "check_rows", "grid_rows", "next_on_grid", "on_grid", "stride",
           "segment_norms"]
