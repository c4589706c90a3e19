"""Several runs of the same network shape trained together as one stacked NumPy computation.

A sweep over stepsizes or seeds ("what happens with stepsize 1 instead of
0.1?") trains runs whose arrays all have the same shapes. Stacking them along
a leading axis makes every NumPy call serve all runs at once, so for the small
networks this app is about a sweep of K runs costs little more than one run
instead of K. Each run's numbers are the same as its own :class:`Trainer`'s
(the per-run arithmetic and summation order are unchanged; a test checks it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlp_gui.core.config import ConfigError, TrainConfig, check_fits_in_memory
from mlp_gui.core.network import initialize, loss_and_grads


def can_stack(configs: Sequence[TrainConfig]) -> bool:
    """Whether these runs share layers and batch size (seed, stepsize and epochs may differ)."""
    return len({(c.layers, c.batch_size) for c in configs}) == 1


class StackedTrainer:
    """K runs of one shape; ``step(n)`` advances every run still going by up to ``n`` epochs."""

    def __init__(self, configs: Sequence[TrainConfig]) -> None:
        if not configs:
            raise ConfigError("a sweep needs at least one run")
        if not can_stack(configs):
            raise ConfigError("runs can be stacked only when layers and batch size are the same")
        for cfg in configs:
            cfg.validated()
        check_fits_in_memory(configs[0].with_changes(epochs=sum(c.epochs for c in configs)))
        self.configs = list(configs)
        starts = [initialize(cfg) for cfg in configs]
        n = len(starts[0][0])
        self.params = [np.stack([s[0][i] for s in starts]) for i in range(n)]
        self.x = np.stack([s[1] for s in starts])
        self.y = np.stack([s[2] for s in starts])
        first = [loss_and_grads(s[0], s[1], s[2]) for s in starts]
        self.grads = [np.stack([f[1][i] for f in first]) for i in range(n)]
        self._bias_cols = [b[:, :, None] for b in self.params[1::2]]
        stepsizes = np.array([c.stepsize for c in configs])
        self._stepsizes = [stepsizes.reshape((-1,) + (1,) * (p.ndim - 1)) for p in self.params]
        self.epoch = 0
        self.ends = [c.epochs for c in configs]  # a run stops at its epochs or where it diverges
        self.diverged_at: list[int | None] = [None] * len(configs)
        self._active = np.ones(len(configs), dtype=bool)
        self._history = np.full((len(configs), max(self.ends) + 1), np.nan)
        self._history[:, 0] = [f[0] for f in first]

    @property
    def done(self) -> bool:
        return all(self.epoch >= end for end in self.ends)

    def loss_history(self, k: int) -> np.ndarray:
        """Run ``k``'s losses so far (a view)."""
        return self._history[k, : min(self.epoch, self.ends[k]) + 1]

    def run_state(self, k: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """Copies of run ``k``'s parameters, inputs and targets (to save it or continue it alone)."""
        return [p[k].copy() for p in self.params], self.x[k].copy(), self.y[k].copy()

    def step(self, n: int) -> list[np.ndarray]:
        """Advance up to ``n`` epochs (no further than the longest run); each run's new losses."""
        before = self.epoch
        n = min(n, max(self.ends) - self.epoch)
        if n <= 0:
            return [np.empty(0) for _ in self.configs]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for _ in range(n):
                self._epoch()
        return [self._history[k, min(before, end) + 1 : min(self.epoch, end) + 1].copy() for k, end in enumerate(self.ends)]

    def _epoch(self) -> None:
        """One notebook epoch for every run, in the same arithmetic as ``Trainer._run``."""
        matmul, exp, add_reduce = np.matmul, np.exp, np.add.reduce
        weights, bias_cols = self.params[0::2], self._bias_cols
        for p, g, lr in zip(self.params, self.grads, self._stepsizes):
            p -= g * lr
        acts = [self.x]
        a = self.x
        last = len(weights) - 1
        for j in range(last):
            a = 1 / (1 + exp(-(matmul(weights[j], a) + bias_cols[j])))
            acts.append(a)
        err = matmul(weights[last], a) + bias_cols[last] - self.y
        m = self.y.shape[2]
        loss = (1.0 / m) * add_reduce(add_reduce(0.5 * err**2, axis=1), axis=1)
        self.epoch += 1
        self._record(loss)
        delta = err / m
        for j in range(last, -1, -1):
            self.grads[2 * j][...] = matmul(delta, acts[j].transpose(0, 2, 1))
            self.grads[2 * j + 1][...] = add_reduce(delta, axis=2)
            if j:
                a = acts[j]
                delta = matmul(weights[j].transpose(0, 2, 1), delta) * (a * (1 - a))

    def _record(self, loss: np.ndarray) -> None:
        """Store this epoch's losses; a run whose loss is no longer finite ends here."""
        self._history[:, self.epoch] = loss  # entries past a run's end are never read
        bad = self._active & ~np.isfinite(loss)
        if bad.any():
            for k in np.flatnonzero(bad):
                self.diverged_at[k] = self.ends[k] = self.epoch
            self._active &= ~bad
        if self.epoch in self.ends:
            self._active &= np.array([self.epoch < end for end in self.ends])
            for lr in self._stepsizes:  # a finished run's parameters stay as they ended
                lr[~self._active] = 0.0
