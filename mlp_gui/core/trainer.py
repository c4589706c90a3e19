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

from mlp_gui.core.config import ConfigError, TrainConfig, test_share
from mlp_gui.core.data import GENERATED, Dataset, accuracy, batches, make_dataset
from mlp_gui.core.model import Layer, Params, copy_layers, flat_layers, flatten, parameter_names, unflatten
from mlp_gui.core.network import Kernel, bias_columns
from mlp_gui.core.norm_record import NormRecord, next_on_grid, on_grid
from mlp_gui.core.snapshots import SnapshotStore


@dataclass(frozen=True)
class TrainerState:
    """A trainer at one epoch, exactly: its parameter and gradient buffers and its stepsize."""

    epoch: int
    theta: np.ndarray
    grad: np.ndarray
    stepsize: float


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
    layers, data = initialize_data(config)
    return layers, data.x, data.y


def initialize_data(config: TrainConfig) -> tuple[Params, Dataset]:
    """Parameters and the data set, all drawn from one ``RandomState(seed)``: the weights first, then the data."""
    rng = np.random.RandomState(config.seed)
    layers = config.model.init_weights(rng)
    if config.data == "notebook":
        x = rng.rand(config.layers[0], config.batch_size)
        y = rng.randn(config.layers[-1], config.batch_size)
        empty = np.empty((x.shape[0], 0)), np.empty((y.shape[0], 0))
        return layers, Dataset(x, y, *empty, description=f"the notebook's random batch of {config.batch_size}")
    if config.data in GENERATED:
        return layers, make_dataset(config.data, config.layers, config.samples, config.noise, test_share(config), rng)
    from mlp_gui.core.csv_data import load_csv  # only runs on CSV data read it

    return layers, load_csv(config, rng)


#: per-epoch measures besides the training loss, recorded when the data has a test set or classes
METRICS = ("test_loss", "accuracy", "test_accuracy")


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
        data: Dataset | None = None,
        metrics: dict[str, np.ndarray] | None = None,
        snapshots: SnapshotStore | None = None,
        norms: NormRecord | None = None,
    ) -> None:
        """A new run from the seed, or (``layers``, ``x``, ``y``, ``history`` given) one continued from a file.

        ``capacity`` reserves room for that many epochs of history up front (the history grows as needed).
        ``initial``: the run's parameters at epoch 0, when continuing one whose file kept them.
        ``data`` (instead of ``x``, ``y``): the whole data set with its test part; ``metrics``: their histories.
        ``snapshots`` and ``norms``: what the file kept of them (a run from before them starts both afresh here).
        """
        self.config = config
        if layers is None or (x is None and data is None):
            layers, data = initialize_data(config)
        if data is None:
            data = Dataset(x, y, np.empty((len(x), 0)), np.empty((len(y), 0)))
        self.data = data
        self.kernel = Kernel(config.model)
        self.x = np.ascontiguousarray(data.x, dtype=np.float64)
        self.y = np.ascontiguousarray(data.y, dtype=np.float64)
        n = self.x.shape[1]
        if n < 1:
            raise ConfigError("the data leaves no samples to train on: lower the test fraction or give more samples",
                              "test_fraction")
        self.full_batch = config.data == "notebook" or config.batch_size <= 0 or config.batch_size >= n
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
        self._metrics = self._start_metrics(len(self._history), len(history), metrics)
        finite = bool(np.isfinite(history[-1]))
        self.epoch = len(history) - (1 if finite else 2)  # a diverged history ends with its non-finite loss
        self.diverged_at: int | None = None if finite else len(history) - 1
        self.snapshots = snapshots if snapshots is not None else SnapshotStore.for_size(self._theta.size)
        self.snapshots.offer(self.epoch, self._theta, recent_every=1)
        self.norms = norms if norms is not None else NormRecord.for_sizes(config.layers)
        self.norms.truncate(self.epoch)
        if self.norms.last_epoch < self.epoch and on_grid(self.epoch):
            with np.errstate(over="ignore", invalid="ignore"):
                self._record_norms(self.epoch)

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

    def state(self) -> TrainerState:
        """Everything needed to come back to this epoch exactly (copies of the two buffers)."""
        return TrainerState(self.epoch, self._theta.copy(), self._grad.copy(), self.config.stepsize)

    def back_to_snapshot(self, index: int) -> None:
        """Go back to snapshot ``index``: its parameters, the gradients recomputed there (bit for bit), the history
        and snapshots up to its epoch. Continuing with the same settings retraces the run exactly."""
        epoch, row = self.snapshots.epochs[index], self.snapshots.rows[index]
        if epoch > self.epoch + (1 if self.diverged else 0):
            raise ValueError(f"snapshot {index} (epoch {epoch}) is not in this run's past")
        self._theta[...] = row
        self._pass()  # the gradients there, as the run computed them
        self.epoch, self.diverged_at = epoch, None
        self.snapshots.truncate(epoch)
        self.norms.truncate(epoch)

    def snapshot_at(self, index: int) -> Snapshot:
        """Snapshot ``index`` as a full :class:`Snapshot` (its gradients recomputed by the kernel), for the views."""
        epoch, row = self.snapshots.epochs[index], self.snapshots.rows[index]
        layers = copy_layers(unflatten(self.layers, row))
        loss, grads = self.kernel.loss_and_grads(layers, self.x, self.y)
        return Snapshot(epoch, float(loss), layers, grads, None)

    def rewind(self, state: TrainerState) -> None:
        """Go back to ``state`` (an earlier epoch of this run): its parameters, gradients and stepsize; later epochs are dropped.

        Continuing from there with the same settings is bit-identical to the run's first time through.
        """
        if state.epoch > self.epoch or state.theta.shape != self._theta.shape:
            raise ValueError(f"epoch {state.epoch} is not an earlier state of this run")
        self._theta[...], self._grad[...] = state.theta, state.grad
        self.epoch, self.diverged_at = state.epoch, None
        self.snapshots.truncate(state.epoch)
        self.norms.truncate(state.epoch)
        self.set_stepsize(state.stepsize)

    def set_stepsize(self, stepsize: float) -> None:
        """Continue with another stepsize from the next epoch on (the history is kept)."""
        self.config = self.config.with_changes(stepsize=stepsize)
        self.norms.restep(self.epoch, stepsize)

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
        run = self._run if self.full_batch and not self._metrics else self._run_epochs
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            done = run(n)
            if done < n or self.diverged_at is not None:
                self._theta[...], self._grad[...] = theta, grad
                self.norms.truncate(start)
                run(done - 1)  # bit-identical: the same epochs again, all finite
        self.epoch = start + done - (1 if self.diverged_at is not None else 0)
        self.snapshots.offer(self.epoch, self._theta, recent_every=max(1, self.epoch // 100))
        return self._history[start + 1 : start + 1 + done].copy()

    def _reserve(self, size: int) -> None:
        if size > len(self._history):
            self._history = _grown(self._history, size, self.epoch + 1)
            self._metrics = {k: _grown(v, size, self.epoch + 1) for k, v in self._metrics.items()}

    def _pass(self, x: np.ndarray | None = None, y: np.ndarray | None = None, backward: bool = True) -> float:
        """Loss and (unless ``backward`` is False) gradients at the current parameters on ``x, y`` (default: the
        training set), in place."""
        x, y = (self.x, self.y) if x is None else (x, y)
        layers = bias_columns(self.layers)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            zs, acts = self.kernel.forward(layers, x)
            loss, delta = self.kernel.loss_and_delta(zs[-1], acts[-1], y)
            if backward:
                self.kernel.backward(layers, zs, acts, delta, self.grads)
        self._prediction = acts[-1]
        return float(loss)

    # ------------------------------------------------------------ data sets: mini-batches, test loss, accuracy

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        """Per-epoch test loss and accuracies, as long as the loss history (NaN where they do not apply); views."""
        return {k: v[: len(self.loss_history)] for k, v in self._metrics.items()}

    def _start_metrics(self, size: int, filled: int, given: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
        if not (self.data.has_test or self.data.classes):
            return {}
        out = {k: np.full(size, np.nan) for k in METRICS}
        for k, v in (given or {}).items():
            out[k][: min(filled, len(v))] = v[:filled]
        if not given:
            self._record_metrics(out, 0)
        return out

    def _record_metrics(self, into: dict[str, np.ndarray], epoch: int) -> None:
        """Test loss (and accuracies for classes) at the current parameters, for ``epoch``."""
        if self.data.classes:
            into["accuracy"][epoch] = accuracy(self._prediction, self.y)
        if self.data.has_test:
            zs, acts = self.kernel.forward(bias_columns(self.layers), self.data.x_test)
            into["test_loss"][epoch] = self.kernel.loss_and_delta(zs[-1], acts[-1], self.data.y_test)[0]
            if self.data.classes:
                into["test_accuracy"][epoch] = accuracy(acts[-1], self.data.y_test)

    def _run_epochs(self, n: int) -> int:
        """``n`` epochs over a data set: in mini-batches drawn from (seed, epoch), or full batch; then the measures."""
        k, stepsize = self.epoch, self.config.stepsize
        for i in range(1, n + 1):
            if self.full_batch:
                self._theta -= self._grad * stepsize
            else:
                for idx in batches(self.x.shape[1], self.config.batch_size, self.config.seed, k + i):
                    self._pass(self.x[:, idx], self.y[:, idx])
                    self._theta -= self._grad * stepsize
            # the training loss after the epoch; its full-batch gradient only where something reads it: the next full-batch
            # step, a norm row, or the chunk's end (snapshots, views, the guard); mini-batches overwrite it otherwise
            loss = self._pass(backward=self.full_batch or i == n or on_grid(k + i))
            self._history[k + i] = loss
            if not math.isfinite(loss):
                self.diverged_at = k + i
                return i
            self._record_metrics(self._metrics, k + i)
            if on_grid(k + i):
                self._record_norms(k + i)
        return n

    def _record_norms(self, epoch: int) -> None:
        """The gradient-flow row for ``epoch``: each layer's gradient, weight and update norm now."""
        self.norms.record(epoch, self._theta, self._grad, self.config.stepsize)

    def _run(self, n: int) -> int:
        """The hot loop: ``n`` epochs of update, forward, loss, backward; how many ran before any divergence."""
        forward, loss_and_delta, backward = self.kernel.forward, self.kernel.loss_and_delta, self.kernel.backward
        multiply, subtract, isfinite = np.multiply, np.subtract, math.isfinite
        layers, grads = bias_columns(self.layers), self.grads
        theta, grad, update = self._theta, self._grad, self._update
        x, y, history, stepsize = self.x, self.y, self._history, self.config.stepsize
        k = self.epoch
        due = next_on_grid(k)  # the next epoch whose norms the record keeps
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
            if k + i == due:
                self._record_norms(due)
                due = next_on_grid(due)
        return n


__all__ = ["Layer", "Snapshot", "Trainer", "initialize"]


def _grown(array: np.ndarray, size: int, keep: int) -> np.ndarray:
    """``array`` in a buffer of at least ``size`` (doubling), its first ``keep`` values kept."""
    grown = np.empty(max(size, 2 * len(array)), dtype=array.dtype)
    grown[:keep] = array[:keep]
    return grown
