"""Plain gradient descent in chunks, as the notebook's training cell, fast enough to watch live.

``loss[0]`` is the loss of the initial parameters; step ``k`` applies the
gradients computed at step ``k - 1``, then recomputes loss and gradients, so
``loss[k]`` is the loss after ``k`` updates. A worker thread calls
:meth:`Trainer.step` for a few thousand epochs at a time and checks for pause
or stop in between; the CLI calls it in a loop. Both see the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.network import Arrays, initialize, loss_and_grads, parameter_names


@dataclass(frozen=True)
class Snapshot:
    """Copies of the trainer's state at one epoch, safe to hand to another thread."""

    epoch: int
    loss: float
    params: Arrays
    grads: Arrays
    diverged_at: int | None

    @property
    def names(self) -> list[str]:
        return parameter_names(len(self.params) // 2)


class Trainer:
    """Owns one run: parameters, gradients, data and the loss history.

    Parameters and gradients each live in one flat buffer with per-array views,
    so an update is one vector operation whatever the depth; the arithmetic per
    element is the notebook's (``p - g * stepsize``), so results agree bit for
    bit with :func:`mlp_gui.core.network.loss_and_grads`.
    """

    def __init__(
        self,
        config: TrainConfig,
        *,
        params: Arrays | None = None,
        x: np.ndarray | None = None,
        y: np.ndarray | None = None,
        history: np.ndarray | None = None,
    ) -> None:
        self.config = config
        if params is None or x is None or y is None:
            params, x, y = initialize(config)
        self.x = np.ascontiguousarray(x, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self._theta, self.params = _flat_views(config.layers)
        self._grad, self.grads = _flat_views(config.layers)
        self._update = np.empty_like(self._theta)
        for view, value in zip(self.params, params):
            view[...] = value
        self._bias_cols = [b[:, None] for b in self.params[1::2]]
        loss0, grads0 = loss_and_grads(self.params, self.x, self.y)
        for view, value in zip(self.grads, grads0):
            view[...] = value
        if history is None or len(history) == 0:
            history = np.array([loss0])
        self._history = np.empty(max(config.epochs + 1, len(history)), dtype=np.float64)
        self._history[: len(history)] = history
        self.epoch = len(history) - 1
        bad = np.flatnonzero(~np.isfinite(history))
        self.diverged_at: int | None = int(bad[0]) if bad.size else None

    # ------------------------------------------------------------ read-only views

    @property
    def loss_history(self) -> np.ndarray:
        """Losses ``loss[0..epoch]`` (a view; copy it before handing it to another thread)."""
        return self._history[: self.epoch + 1]

    @property
    def loss(self) -> float:
        """The loss at the current parameters."""
        return float(self._history[self.epoch])

    @property
    def names(self) -> list[str]:
        return parameter_names(len(self.params) // 2)

    def snapshot(self) -> Snapshot:
        """Copies of parameters and gradients now (two buffer copies, whatever the depth)."""
        theta, grad = self._theta.copy(), self._grad.copy()
        return Snapshot(
            epoch=self.epoch,
            loss=self.loss,
            params=_split_like(theta, self.params),
            grads=_split_like(grad, self.grads),
            diverged_at=self.diverged_at,
        )

    # ------------------------------------------------------------ training

    def step(self, n: int = 1) -> np.ndarray:
        """Run up to ``n`` epochs and return their losses (a new array).

        Stops early at the first epoch whose loss is inf or NaN and records it
        in :attr:`diverged_at`; a diverged trainer takes no more steps.
        """
        if n <= 0 or self.diverged_at is not None:
            return np.empty(0)
        start = self.epoch
        self._reserve(start + n + 1)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            done = self._run(n)
        self.epoch = start + done
        return self._history[start + 1 : start + 1 + done].copy()

    def _reserve(self, size: int) -> None:
        if size > len(self._history):
            grown = np.empty(max(size, 2 * len(self._history)), dtype=np.float64)
            grown[: self.epoch + 1] = self._history[: self.epoch + 1]
            self._history = grown

    def _run(self, n: int) -> int:
        """The hot loop: ``n`` notebook epochs; returns how many ran before any divergence."""
        dot, exp, add_reduce, multiply = np.dot, np.exp, np.add.reduce, np.multiply
        isfinite = math.isfinite
        weights, bias_cols = self.params[0::2], self._bias_cols
        grad_w, grad_b = self.grads[0::2], self.grads[1::2]
        theta, grad, update = self._theta, self._grad, self._update
        x, y, history = self.x, self.y, self._history
        stepsize, m = self.config.stepsize, y.shape[1]
        inv_m = 1.0 / m
        last = len(weights) - 1
        hidden = range(last)
        backward = range(last - 1, -1, -1)
        k = self.epoch
        for i in range(n):
            multiply(grad, stepsize, out=update)
            theta -= update
            acts = [x]
            a = x
            for j in hidden:
                a = 1 / (1 + exp(-(dot(weights[j], a) + bias_cols[j])))
                acts.append(a)
            err = dot(weights[last], a) + bias_cols[last] - y
            loss = inv_m * add_reduce(add_reduce(0.5 * err**2, axis=0))
            history[k + i + 1] = loss
            if not isfinite(loss):
                self.diverged_at = k + i + 1
                return i + 1
            delta = err / m
            dot(delta, a.T, out=grad_w[last])
            add_reduce(delta, axis=1, out=grad_b[last])
            for j in backward:
                a = acts[j + 1]
                delta = dot(weights[j + 1].T, delta) * (a * (1 - a))
                dot(delta, acts[j].T, out=grad_w[j])
                add_reduce(delta, axis=1, out=grad_b[j])
        return n


def _flat_views(layers: tuple[int, ...]) -> tuple[np.ndarray, Arrays]:
    """One zeroed float64 buffer and C-contiguous views ``[W1, b1, ...]`` into it."""
    shapes = []
    for n_in, n_out in zip(layers[:-1], layers[1:]):
        shapes += [(n_out, n_in), (n_out,)]
    flat = np.zeros(sum(math.prod(s) for s in shapes), dtype=np.float64)
    views, offset = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[offset : offset + size].reshape(shape))
        offset += size
    return flat, views


def _split_like(flat: np.ndarray, like: Arrays) -> Arrays:
    out, offset = [], 0
    for arr in like:
        out.append(flat[offset : offset + arr.size].reshape(arr.shape))
        offset += arr.size
    return out
