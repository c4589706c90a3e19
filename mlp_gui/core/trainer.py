"""One run, advanced in chunks: the state both front ends show.

``loss[0]`` is the loss of the initial parameters; step ``k`` applies the
gradients computed at step ``k - 1`` with the run's update rule (the notebook's
plain gradient descent unless the run names another, see
:mod:`mlp_gui.core.update_rule`), then recomputes loss and gradients, so
``loss[k]`` is the loss after ``k`` updates. When the loss becomes inf or NaN
at epoch ``d`` the run stops there and keeps the parameters (and the rule's
state) of epoch ``d - 1``, its last finite one (replayed exactly from the start
of the chunk), so a diverged run can still be continued with a smaller
stepsize; its history ends with the non-finite loss, which is what happened.
The arithmetic is :class:`~mlp_gui.core.network.Kernel`'s and the rule's; all
this adds is one flat buffer each for parameters, gradients and the rule's
state, and the run's history. The driver (:func:`mlp_gui.core.driver.drive`)
calls :meth:`Trainer.step` for a few milliseconds' worth of epochs at a time,
so a pause, a stop or Ctrl+C always lands between epochs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from mlp_gui.core import setting_changes, stepsize_history, weight_edits
from mlp_gui.core.config import ConfigError, TrainConfig, test_share
from mlp_gui.core.data import GENERATED, Classes, Dataset, batches, make_dataset
from mlp_gui.core.flat_layout import Params, copy_layers
from mlp_gui.core.network import Kernel, bias_columns, quiet_float
from mlp_gui.core.norm_record import NormRecord, next_on_grid, on_grid
from mlp_gui.core.schedule import StepDecay
from mlp_gui.core.snapshots import SnapshotStore
from mlp_gui.core.trainer_edits import ParameterEdits
from mlp_gui.core.trainer_settings import SettingsChanges
from mlp_gui.core.trainer_state import FlatOrder, RunHistory, Snapshot, TrainerState
from mlp_gui.core.update_rule import State, UpdateRule, copy_state, restore_state, rule_for

if TYPE_CHECKING:
    from mlp_gui.core.runfile import SavedRun


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


class Trainer(FlatOrder, SettingsChanges, ParameterEdits):
    """Owns one run: parameters, gradients, the update rule and its state, data and the run's history.

    Parameters, gradients and each array of the rule's state are flat buffers in one order (``layout``), the first
    two with per-layer ``(W, b)`` views, so an update is a few vector operations whatever the depth.
    Make one with :meth:`new`, :meth:`resume` or :meth:`continued` (``Trainer(...)`` itself is refused).
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise TypeError("make a Trainer with Trainer.new(config), Trainer.resume(saved) or Trainer.continued(...)")

    @classmethod
    def new(cls, config: TrainConfig, *, capacity: int = 0, rule: UpdateRule | None = None) -> Trainer:
        """A new run from the seed. ``capacity`` reserves room for that many epochs of history up front (it grows
        as needed); ``rule``: the update rule, when not the one the settings name (:func:`rule_for`)."""
        layers, data = initialize_data(config)
        trainer = cls.__new__(cls)
        trainer._set_up(config, layers, data, rule=rule or rule_for(config), rule_state=None)
        trainer._set_up_history(None, initial=None, capacity=capacity)
        return trainer

    @classmethod
    def resume(cls, saved: SavedRun, *, extra_epochs: int = 0, frozen: bool = False) -> Trainer:
        """A trainer that continues ``saved`` (a run file's run), with room for ``extra_epochs`` more.

        A diverged run continues from its last finite epoch (the non-finite loss is dropped); ``frozen`` holds the
        run as it is, diverged or not (a diverged one takes no more steps).
        """
        history = saved.history(frozen=frozen)
        trainer = cls.continued(saved.config, layers=saved.layers, data=saved.dataset(), history=history,
                                initial=saved.initial, rule=saved.rule, rule_state=saved.rule_state,
                                capacity=len(history.loss) - 1 + extra_epochs)
        trainer.weight_edits = weight_edits.upto(saved.weight_edits, trainer.epoch)
        return trainer

    @classmethod
    def continued(cls, config: TrainConfig, *, layers: Params, data: Dataset, history: RunHistory | None = None,
                  rule: UpdateRule | None = None, rule_state: State | None = None, initial: Params | None = None,
                  capacity: int = 0) -> Trainer:
        """A run at parameters ``layers`` on ``data``: with what it recorded up to them (``history``; None: it
        starts at them), its update ``rule`` (default: the settings') and the rule's state there (None: fresh).

        ``initial``: the run's parameters at epoch 0, when they were kept.
        """
        trainer = cls.__new__(cls)
        trainer._set_up(config, layers, data, rule=rule or rule_for(config), rule_state=rule_state)
        trainer._set_up_history(history, initial=initial, capacity=capacity)
        return trainer

    def _set_up(self, config: TrainConfig, layers: Params, data: Dataset, *, rule: UpdateRule,
                rule_state: State | None) -> None:
        """The data, the buffers (parameters from ``layers``) and the rule with its state."""
        self.config, self.data, self.rule = config, data, rule
        self.decay = StepDecay.of(config)
        self.kernel = Kernel(config.model)
        self.x = np.ascontiguousarray(data.x, dtype=np.float64)
        self.y = np.ascontiguousarray(data.y, dtype=np.float64)
        self._train_classes = Classes(self.y) if data.classes else None  # for the accuracies
        self._test_classes = Classes(data.y_test) if data.classes else None
        n = self.x.shape[1]
        if n < 1:
            raise ConfigError("the data leaves no samples to train on: lower the test fraction or give more samples",
                              "test_fraction")
        self.full_batch = config.data == "notebook" or config.batch_size <= 0 or config.batch_size >= n
        self.layout = config.model.layout
        self._theta, self.layers = self.layout.zeros()
        self._grad, self.grads = self.layout.zeros()
        self._update = np.empty_like(self._theta)
        self.layout.pack(layers, out=self._theta)
        state = rule.new_state(self.layout.size) if rule_state is None else copy_state(rule_state)
        problem = rule.check_state(state, self.layout.size, values=False)  # an adaptive rule's state may overflow
        if problem:
            raise ValueError(problem)
        self.rule_state: State = state

    def _set_up_history(self, history: RunHistory | None, *, initial: Params | None, capacity: int) -> None:
        """Loss, metrics, snapshots and norms from ``history`` (or begun here), and the gradients now."""
        loss = None if history is None else history.loss
        fresh = loss is None or len(loss) <= 1
        self.initial_layers: Params | None = copy_layers(initial or self.layers) if (initial or fresh) else None
        with quiet_float():
            loss0 = self._pass()
            if loss is None or len(loss) == 0:
                loss = np.array([loss0])
            self._history = np.empty(max(capacity + 1, len(loss)), dtype=np.float64)
            self._history[: len(loss)] = loss
            self._metrics = self._start_metrics(len(self._history), len(loss), history.metrics if history else None)
        finite = bool(np.isfinite(loss[-1]))
        self.epoch = len(loss) - (1 if finite else 2)  # a diverged history ends with its non-finite loss
        self.diverged_at: int | None = None if finite else len(loss) - 1
        size = self.layout.size
        kept = history.snapshots if history is not None else None
        problem = kept.state_problem(self.rule, size) if kept is not None else None
        if problem:
            raise ValueError(problem)
        self.snapshots = kept if kept is not None else SnapshotStore.for_size(size, state_size=self.rule.state_size(size))
        self.snapshots.offer(self.epoch, self._theta, recent_every=1, state=self.rule_state)
        norms = history.norms if history is not None else None
        self.norms = norms if norms is not None else NormRecord.for_layout(self.layout)
        self.norms.truncate(self.epoch)
        rows = stepsize_history.upto(history.stepsizes, self.epoch) if history is not None and history.stepsizes else ()
        self.stepsizes: stepsize_history.Rows = stepsize_history.changed(
            rows, epoch=self.epoch if rows else 0, stepsize=self.config.stepsize)
        self.changes: setting_changes.Rows = self._changes_upto(history.changes if history is not None else (), self.epoch)
        self.weight_edits: weight_edits.Edits = ()  # weights typed in (resume: the file's)
        if self.norms.last_epoch < self.epoch and on_grid(self.epoch):
            with quiet_float():
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
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def snapshot(self) -> Snapshot:
        """Copies of parameters, gradients and the rule's state now."""
        return Snapshot(self.epoch, self.loss, copy_layers(self.layers), copy_layers(self.grads), self.diverged_at,
                        self.diverged_loss, rule=self.rule, rule_state=copy_state(self.rule_state), decay=self.decay)

    def initial_snapshot(self) -> Snapshot | None:
        """The run at epoch 0: its first loss, the gradients there (recomputed by the kernel) and the rule's fresh
        state; None when the run's file did not keep its start."""
        if self.initial_layers is None:
            return None
        if self.epoch == 0:
            return self.snapshot()
        layers = copy_layers(self.initial_layers)
        grads = self.kernel.trace(layers, self.x, self.y).grads
        return Snapshot(0, float(self.loss_history[0]), layers, grads, None, rule=self.rule,
                        rule_state=self.rule.new_state(self.layout.size), decay=self.decay)

    # ------------------------------------------------------------ changing the run

    def state(self) -> TrainerState:
        """Everything needed to come back to this epoch exactly (copies of the buffers and the rule's state)."""
        return TrainerState(self.epoch, self._theta.copy(), self._grad.copy(), self.config.stepsize,
                            copy_state(self.rule_state), self._continuable())

    def back_to_snapshot(self, index: int) -> None:
        """Go back to snapshot ``index``: its parameters and the rule's state, the gradients recomputed there (bit for
        bit), the history and snapshots up to its epoch. Continuing with the same settings retraces the run exactly."""
        store = self.snapshots
        epoch = store.epochs[index]
        if epoch > self.epoch + (1 if self.diverged else 0):
            raise ValueError(f"snapshot {index} (epoch {epoch}) is not in this run's past")
        self._theta[...] = store.rows[index]
        restore_state(self.rule_state, store.states[index])
        self._pass()  # the gradients there, as the run computed them
        self.epoch, self.diverged_at = epoch, None
        self.snapshots.truncate(epoch)
        self.norms.truncate(epoch)
        self.stepsizes = stepsize_history.changed(stepsize_history.upto(self.stepsizes, epoch), epoch=epoch,
                                                  stepsize=self.config.stepsize)
        self.changes = self._changes_upto(self.changes, epoch)
        self.weight_edits = weight_edits.upto(self.weight_edits, epoch)

    def snapshot_at(self, index: int) -> Snapshot:
        """Snapshot ``index`` as a full :class:`Snapshot` (its gradients recomputed by the kernel), for the views."""
        store = self.snapshots
        layers = self.layout.unpack(store.rows[index])
        traced = self.kernel.trace(layers, self.x, self.y)
        return Snapshot(store.epochs[index], float(traced.loss), layers, traced.grads, None, rule=self.rule,
                        rule_state=copy_state(store.states[index]), decay=self.decay)

    def rewind(self, state: TrainerState) -> None:
        """Go back to ``state`` (an earlier epoch of this run): its parameters, gradients, rule state, stepsize and
        settings; later epochs are dropped.

        Continuing from there with the same settings is bit-identical to the run's first time through.
        """
        if state.epoch > self.epoch or state.theta.shape != self._theta.shape:
            raise ValueError(f"epoch {state.epoch} is not an earlier state of this run")
        self._theta[...], self._grad[...] = state.theta, state.grad
        restore_state(self.rule_state, state.rule_state)
        self.epoch, self.diverged_at = state.epoch, None
        self.snapshots.truncate(state.epoch)
        self.norms.truncate(state.epoch)
        self.set_settings(stepsize=state.stepsize, **state.settings)
        self.weight_edits = weight_edits.upto(self.weight_edits, state.epoch)

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
        # the chunk's start, to replay to the last finite epoch
        theta, grad, state = self._theta.copy(), self._grad.copy(), copy_state(self.rule_state)
        run = self._run if self.full_batch and not self._metrics else self._run_epochs
        with quiet_float():
            done = run(n)
            if done < n or self.diverged_at is not None:
                self._theta[...], self._grad[...] = theta, grad
                restore_state(self.rule_state, state)
                self.norms.truncate(start)
                run(done - 1)  # bit-identical: the same epochs again, all finite
        self.epoch = start + done - (1 if self.diverged_at is not None else 0)
        self.snapshots.offer(self.epoch, self._theta, recent_every=max(1, self.epoch // 100), state=self.rule_state)
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
        with quiet_float():
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
        if self._train_classes is not None:
            into["accuracy"][epoch] = self._train_classes.accuracy(self._prediction)
        if self.data.has_test:
            zs, acts = self.kernel.forward(bias_columns(self.layers), self.data.x_test)
            into["test_loss"][epoch] = self.kernel.loss_and_delta(zs[-1], acts[-1], self.data.y_test)[0]
            if self._test_classes is not None:
                into["test_accuracy"][epoch] = self._test_classes.accuracy(acts[-1])

    def _run_epochs(self, n: int) -> int:
        """``n`` epochs over a data set: in mini-batches drawn from (seed, epoch), or full batch; then the measures."""
        k, stepsize_at = self.epoch, self.stepsize_at
        apply, theta, grad, state, update = self.rule.apply, self._theta, self._grad, self.rule_state, self._update
        for i in range(1, n + 1):
            stepsize = stepsize_at(k + i - 1)
            if self.full_batch:
                apply(theta, grad, state, stepsize, update)
            else:
                for idx in batches(self.x.shape[1], self.config.batch_size, self.config.seed, k + i):
                    self._pass(self.x[:, idx], self.y[:, idx])
                    apply(theta, grad, state, stepsize, update)
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

    def _record_norms(self, epoch: int, *, update_later: bool = False) -> None:
        """The gradient-flow row for ``epoch``: each layer's gradient, weight and update norm now (the update's from
        the next step, when ``update_later``)."""
        self.norms.record(epoch, self._theta, self._grad, self.stepsize_at(epoch), rule=self.rule, state=self.rule_state,
                          update_later=update_later)

    def _run(self, n: int) -> int:
        """The hot loop: ``n`` epochs of update, forward, loss, backward; how many ran before any divergence."""
        forward, loss_and_delta, backward = self.kernel.forward, self.kernel.loss_and_delta, self.kernel.backward
        apply, isfinite = self.rule.apply, math.isfinite
        layers, grads = bias_columns(self.layers), self.grads
        theta, grad, state, update = self._theta, self._grad, self.rule_state, self._update
        x, y, history, stepsize = self.x, self.y, self._history, self.config.stepsize
        k = self.epoch
        due = next_on_grid(k)  # the next epoch whose norms the record keeps
        decaying, stepsize_at = self.decay.active, self.stepsize_at
        # a rule with state computes a norm row's next step once: the row takes its norms from the step the loop takes
        later, pending = type(self.rule).update_norms is UpdateRule.update_norms, False
        for i in range(1, n + 1):
            if decaying:
                stepsize = stepsize_at(k + i - 1)
            apply(theta, grad, state, stepsize, update)
            if pending:
                self.norms.fill_update(update)
                pending = False
            zs, acts = forward(layers, x)
            loss, delta = loss_and_delta(zs[-1], acts[-1], y)
            if not isfinite(loss):
                history[k + i] = loss
                self.diverged_at = k + i
                return i
            history[k + i] = loss
            backward(layers, zs, acts, delta, grads)
            if k + i == due:
                pending = later and i < n  # the chunk's last row: the step is not taken here, the rule computes it
                self._record_norms(due, update_later=pending)
                due = next_on_grid(due)
        return n


__all__ = ["METRICS", "RunHistory", "Snapshot", "Trainer", "TrainerState", "initialize", "initialize_data"]


def _grown(array: np.ndarray, size: int, keep: int) -> np.ndarray:
    """``array`` in a buffer of at least ``size`` (doubling), its first ``keep`` values kept."""
    grown = np.empty(max(size, 2 * len(array)), dtype=array.dtype)
    grown[:keep] = array[:keep]
    return grown
