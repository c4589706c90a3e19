"""One run of plain gradient descent, advanced in chunks: the state both front ends show.

``loss[0]`` is the loss of the initial parameters; step ``k`` applies the
gradients computed at step ``k - 1``, then recomputes loss and gradients, so
``loss[k]`` is the loss after ``k`` updates. When the loss becomes inf or NaN
at epoch ``d`` the run stops there and keeps the parameters of epoch ``d - 1``,
its last finite one (replayed exactly from the start of the chunk), so a
diverged run can still be continued with a smaller stepsize; its history ends
with the non-finite loss, which is what happened. The arithmetic is
:class:`~mlp_gui.core.network.Kernel`'s; all this adds is the update
``p - stepsize * g`` on one flat buffer and the loss history. The driver
(:func:`mlp_gui.core.driver.drive`) calls :meth:`Trainer.step` for a few
milliseconds' worth of epochs at a time, so a pause, a stop or Ctrl+C always
lands between epochs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.model import Layer, Params, copy_layers, flat_layers, flatten, parameter_names
from mlp_gui.core.network import Kernel, bias_columns


class _FlatOrder:
    """``layers`` and ``grads`` also as flat lists ``[W1, b1, ...]``: the order files, printouts and the check use."""

    layers: Params
    grads: Params

    @property
    def names(self) -> list[str]:
        return parameter_names(len(self.layers))

    @property
    def params(self) -> list[np.ndarray]:
        return flatten(self.layers)

    @property
    def flat_grads(self) -> list[np.ndarray]:
        return flatten(self.grads)


@dataclass(frozen=True)
class Snapshot(_FlatOrder):
    """Copies of the trainer's state at one epoch, safe to hand to another thread."""

    epoch: int
    loss: float
    layers: Params
    grads: Params
    diverged_at: int | None
    diverged_loss: float | None = None  # the non-finite loss at ``diverged_at``


def initialize(config: TrainConfig) -> tuple[Params, np.ndarray, np.ndarray]:
    """Parameters, inputs ``x`` and targets ``y``, drawn as the notebook does.

    One legacy ``RandomState(seed)``: every ``W`` in layer order (biases are
    zeros and draw nothing), then ``x = rand(n_in, M)``, then
    ``y = randn(n_out, M)``. With the defaults this is exactly the notebook's
    ``initialize(3, 4, 2, 5)`` after ``np.random.seed(12345)``.
    """
    rng = np.random.RandomState(config.seed)
    layers = config.model.init_weights(rng)
    x = rng.rand(config.layers[0], config.batch_size)
    y = rng.randn(config.layers[-1], config.batch_size)
    return layers, x, y


class Trainer(_FlatOrder):
    """Owns one run: parameters, gradients, data and the loss history.

    Parameters and gradients each live in one flat buffer with per-layer
    ``(W, b)`` views, so an update is one vector operation whatever the depth.
    """

    def __init__(
        self,
        config: TrainConfig,
        *,
        layers: Params | None = None,
        x: np.ndarray | None = None,
        y: np.ndarray | None = None,
        history: np.ndarray | None = None,
        capacity: int = 0,
        initial: Params | None = None,
    ) -> None:
        """A new run from the seed, or (``layers``, ``x``, ``y``, ``history`` given) one continued from a file.

        ``capacity`` reserves room for that many epochs of history up front (the history grows as needed).
        ``initial``: the run's parameters at epoch 0, when continuing one whose file kept them.
        """
        self.config = config
        if layers is None or x is None or y is None:
            layers, x, y = initialize(config)
        self.kernel = Kernel(config.model)
        self.x = np.ascontiguousarray(x, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self._theta, self.layers = flat_layers(config.layers)
        self._grad, self.grads = flat_layers(config.layers)
        self._update = np.empty_like(self._theta)
        for view, value in zip(flatten(self.layers), flatten(layers)):
            view[...] = value
        fresh = history is None or len(history) <= 1
        self.initial_layers: Params | None = copy_layers(initial or self.layers) if (initial or fresh) else None
        loss0 = self._pass()
        if history is None or len(history) == 0:
            history = np.array([loss0])
        self._history = np.empty(max(capacity + 1, len(history)), dtype=np.float64)
        self._history[: len(history)] = history
        finite = bool(np.isfinite(history[-1]))
        self.epoch = len(history) - (1 if finite else 2)  # a diverged history ends with its non-finite loss
        self.diverged_at: int | None = None if finite else len(history) - 1

    # ------------------------------------------------------------ read-only views

    @property
    def loss_history(self) -> np.ndarray:
        """Every loss recorded: ``loss[0..epoch]``, then the non-finite one if the run diverged (a view)."""
        return self._history[: self.epoch + (2 if self.diverged else 1)]

    @property
    def loss(self) -> float:
        """The loss at the current parameters (after divergence: at the last finite epoch)."""
        return float(self._history[self.epoch])

    @property
    def diverged_loss(self) -> float | None:
        """The inf or NaN the loss became at :attr:`diverged_at`; None if it did not diverge."""
        return float(self._history[self.diverged_at]) if self.diverged_at is not None else None

    @property
    def stepsize(self) -> float:
        return self.config.stepsize

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def snapshot(self) -> Snapshot:
        """Copies of parameters and gradients now."""
        return Snapshot(self.epoch, self.loss, copy_layers(self.layers), copy_layers(self.grads), self.diverged_at,
                        self.diverged_loss)

    # ------------------------------------------------------------ changing the run

    def set_stepsize(self, stepsize: float) -> None:
        """Continue with another stepsize from the next epoch on (the history is kept)."""
        self.config = self.config.with_changes(stepsize=stepsize)

    # ------------------------------------------------------------ training

    def step(self, n: int = 1) -> np.ndarray:
        """Run up to ``n`` epochs and return their losses (a new array).

        Stops early at the first epoch whose loss is inf or NaN: that loss ends
        the returned array, :attr:`diverged_at` records its epoch, and the
        parameters are those of the epoch before. A diverged trainer takes no
        more steps.
        """
        if n <= 0 or self.diverged_at is not None:
            return np.empty(0)
        start = self.epoch
        self._reserve(start + n + 1)
        theta, grad = self._theta.copy(), self._grad.copy()  # the chunk's start, to replay to the last finite epoch
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            done = self._run(n)
            if done < n or self.diverged_at is not None:
                self._theta[...], self._grad[...] = theta, grad
                self._run(done - 1)  # bit-identical: the same epochs again, all finite
        self.epoch = start + done - (1 if self.diverged_at is not None else 0)
        return self._history[start + 1 : start + 1 + done].copy()

    def _reserve(self, size: int) -> None:
        if size > len(self._history):
            grown = np.empty(max(size, 2 * len(self._history)), dtype=np.float64)
            grown[: self.epoch + 1] = self._history[: self.epoch + 1]
            self._history = grown

    def _pass(self) -> float:
        """Loss and gradients at the current parameters (the kernel's forward and backward, in place)."""
        layers = bias_columns(self.layers)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            zs, acts = self.kernel.forward(layers, self.x)
            loss, delta = self.kernel.loss_and_delta(zs[-1], acts[-1], self.y)
            self.kernel.backward(layers, zs, acts, delta, self.grads)
        return float(loss)

    def _run(self, n: int) -> int:
        """The hot loop: ``n`` epochs of update, forward, loss, backward; how many ran before any divergence."""
        forward, loss_and_delta, backward = self.kernel.forward, self.kernel.loss_and_delta, self.kernel.backward
        multiply, subtract, isfinite = np.multiply, np.subtract, math.isfinite
        layers, grads = bias_columns(self.layers), self.grads
        theta, grad, update = self._theta, self._grad, self._update
        x, y, history, stepsize = self.x, self.y, self._history, self.config.stepsize
        k = self.epoch
        for i in range(1, n + 1):
            multiply(grad, stepsize, out=update)
            subtract(theta, update, out=theta)
            zs, acts = forward(layers, x)
            loss, delta = loss_and_delta(zs[-1], acts[-1], y)
            if not isfinite(loss):
                history[k + i] = loss
                self.diverged_at = k + i
                return i
            history[k + i] = loss
            backward(layers, zs, acts, delta, grads)
        return n


def layers_equal(a: Params, b: Params) -> bool:
    """Whether two parameter lists hold exactly the same numbers."""
    return len(a) == len(b) and all(np.array_equal(p, q) for la, lb in zip(a, b) for p, q in zip(la, lb))


__all__ = ["Layer", "Snapshot", "Trainer", "initialize", "layers_equal"]
