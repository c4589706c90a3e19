"""The window's model of the run: a thin Qt adapter over the core's run state machine and a worker thread.

The session is the only owner of the trainer. Views ask the session (the
newest snapshot, the epoch, the state, the planned epochs) and follow its
signals; none of them reads the trainer. While the worker trains, what the
session says comes from the newest delivery; when it is idle, from the
trainer itself. Modelled on napari's split between layer models and Qt views.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from mlp_gui.core import notebook, setting_changes
from mlp_gui.core.config import ConfigError, TrainConfig
from mlp_gui.core.data import Dataset
from mlp_gui.core.explain import fingerprint
from mlp_gui.core.guard import Guard, GuardReport
from mlp_gui.core.model import copy_layers
from mlp_gui.core.network import loss_and_grads
from mlp_gui.core.norm_record import NormRows
from mlp_gui.core.one_weight import WeightHistory, WeightRef, weight_history
from mlp_gui.core.run_state import RunMachine, RunState
from mlp_gui.core.runfile import SavedRun, run_from_trainer
from mlp_gui.core.settings import DEFAULT_EPOCHS
from mlp_gui.core.sharpness_record import SharpnessRecord
from mlp_gui.core.trainer import Snapshot, Trainer
from mlp_gui.core.weight_edits import Edits, WeightEdit
from mlp_gui.gui.run_worker import Delivery, Halted, TrainingWorker
from mlp_gui.gui.worker_threads import end_worker_thread, start_worker_thread

__all__ = ["RunReset", "RunState", "TrainingSession"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunReset:
    """A new, reset or opened run replaced the old one: everything a view needs to start over."""

    config: TrainConfig
    planned_epochs: int
    snapshot: Snapshot
    x: np.ndarray
    y: np.ndarray
    history: np.ndarray  # a copy of the whole loss history, epoch 0 first
    initial: Snapshot | None = None  # the run at epoch 0 (None: a file from before epoch 0 was kept)
    data: Dataset | None = None  # the whole data set as the run uses it (training and test part, classes)
    metrics: dict | None = None  # per-epoch test loss and accuracies so far (copies), for data sets
    fingerprint: str = ""  # a hash of the settings and the epoch-0 parameters: the same run shows the same name
    reproduces_notebook: bool = False  # its epoch-0 report is the course notebook's printout, checked character for character
    norms: NormRows | None = None  # the per-layer norms the trainer recorded so far (copies)
    sharpness: SharpnessRecord | None = None  # λ_max at kept snapshots as an opened file cached it (None: none)
    weight_edits: Edits = ()  # the weights typed in so far (core/weight_edits.py), an edit just made last


class TrainingSession(QObject):
    """Owns the current run and the training thread; every signal is emitted on the GUI thread.

    - ``run_reset(RunReset)``: a new, reset or opened run replaced the old one.
    - ``delivered(Delivery)``: up to 15 times a second while training, the losses since the last
      delivery and a snapshot (copies).
    - ``snapshot_ready(Snapshot)``: the newest parameters and gradients, after every delivery and reset.
    - ``stepsize_changed(float)``: the stepsize the next step uses changed (a new, reset or opened run with
      another one, :meth:`set_stepsize`, going back with a new one); emitted before that run's ``run_reset``.
      Every view that shows ΔW or the next value follows it.
    - ``settings_changed(TrainConfig)``: the run goes on with other settings (:meth:`set_settings`: the optimizer's
      numbers, the penalty, the decay); the rule made from them comes with the snapshot re-delivered just before.
    - ``state_changed(RunState)``; ``plan_changed(int)``: the planned epochs; ``failed(message)`` if training raised.
    - ``viewing(int | None)``: the kept epoch every view shows (:meth:`show_viewing`); None, the run as it is now
      (also after every state change).

    A view follows what it needs with ``view.bind(session)``; nobody relays these to it.
    """

    run_reset = Signal(object)  # RunReset
    delivered = Signal(object)  # Delivery
    snapshot_ready = Signal(object)  # Snapshot
    state_changed = Signal(object)  # RunState
    plan_changed = Signal(int)
    stepsize_changed = Signal(float)
    settings_changed = Signal(object)  # TrainConfig: the run goes on with other settings (set_settings)
    failed = Signal(str)
    guarded = Signal(object)  # GuardReport: the divergence guard stopped the run
    viewing = Signal(object)  # int | None: the kept epoch the views show; None: the present
    _train = Signal(object, int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = TrainingWorker()
        self._thread = start_worker_thread(self, self._worker, "mlp-gui training")
        self._train.connect(self._worker.train_until)
        self._worker.delivered.connect(self._on_delivered)
        self._worker.halted.connect(self._on_halted)
        self._worker.failed.connect(self._on_failed)
        self._machine = RunMachine(self.state_changed.emit)
        self.state_changed.connect(self._back_to_present)
        self._trainer: Trainer | None = None
        self._latest: Snapshot | None = None
        self.planned_epochs = DEFAULT_EPOCHS
        self.epochs_per_second = 0.0
        self.guard_enabled = True
        self._guard: Guard | None = None  # watches the run while it trains (from the epoch it was last started at)
        self.guard_report: GuardReport | None = None  # why the guard last stopped the run; None once acted on
        self._announced_stepsize: float | None = None  # the stepsize stepsize_changed last said
        #: where a new run on a CSV file gets its weights and data, read off the GUI thread (the window's form reads
        #: them): ``(layers, Dataset)``, a ConfigError, or None while still being read. Unset: the trainer reads the file.
        self.csv_data: Callable[[TrainConfig], object] | None = None
        #: λ_max at the run's kept snapshots as far as computed (the Gradient flow tab's :meth:`set_sharpness`);
        #: saved with the run
        self.sharpness: SharpnessRecord | None = None

    # ------------------------------------------------------------ questions about the run

    @property
    def state(self) -> RunState:
        return self._machine.state

    @property
    def has_run(self) -> bool:
        return self._trainer is not None

    @property
    def config(self) -> TrainConfig:
        """The current run's settings (its stepsize is the one the next epoch uses)."""
        return self._trainer.config if self._trainer else TrainConfig()

    @property
    def stepsizes(self) -> tuple[tuple[int, float], ...]:
        """The run's stepsize history: (epoch, stepsize) rows, one per change (see core.stepsize_history)."""
        return self._trainer.stepsizes if self._trainer else ((0, self.config.stepsize),)

    @property
    def changes(self) -> setting_changes.Rows:
        """The run's other settings changed midway: rows of :mod:`mlp_gui.core.setting_changes` (empty: none)."""
        return self._trainer.changes if self._trainer else ()

    @property
    def stepsize(self) -> float:
        """The stepsize the next step uses: the one source for every view that shows ΔW or the next value."""
        return self.config.stepsize

    @property
    def guard_stopped(self) -> bool:
        """Whether the divergence guard stopped the run and nobody has acted on it yet (it is paused, not by a person)."""
        return self.guard_report is not None and self.state is RunState.PAUSED

    @property
    def snapshot(self) -> Snapshot | None:
        """The newest state known on this thread: the last delivery's while training, else the trainer's."""
        return self._latest

    @property
    def epoch(self) -> int:
        return self._latest.epoch if self._latest else 0

    @property
    def loss(self) -> float:
        return self._latest.loss if self._latest else float("nan")

    @property
    def diverged_at(self) -> int | None:
        return self._latest.diverged_at if self._latest else None

    @property
    def target_epoch(self) -> int:
        return self.planned_epochs

    def can_train(self) -> bool:
        return self._trainer is not None and not self.state.busy and self.diverged_at is None

    def can_continue(self, planned: int | None = None) -> bool:
        """Whether Start would train: epochs left before ``planned`` (default: the plan) and not diverged."""
        plan = self.planned_epochs if planned is None else planned
        return self.can_train() and self.epoch < plan

    def loss_history(self) -> np.ndarray | None:
        """A copy of every loss so far; None while the worker is using the trainer."""
        if self._trainer is None or self.state.busy:
            return None
        return self._trainer.loss_history.copy()

    def saved_run(self) -> SavedRun | None:
        """The current run as a file would hold it; None while the worker is using the trainer."""
        if self._trainer is None or self.state.busy:
            return None
        run = replace(run_from_trainer(self._trainer), planned_epochs=self.planned_epochs)  # opened again, the same plan
        if self.sharpness is None or run.snapshots is None:
            return run
        return replace(run, sharpness=self.sharpness.upto(run.epochs).at(run.snapshots.epochs))

    # ------------------------------------------------------------ commands

    def new_run(self, config: TrainConfig, planned_epochs: int | None = None) -> None:
        """Start over from the seed with ``config`` (stops a run in progress first)."""
        plan = self.planned_epochs if planned_epochs is None else planned_epochs
        self._when_idle(lambda: self._install_new(config, plan), stop=True)

    def open_run(self, run: SavedRun, planned_epochs: int | None = None) -> None:
        """Replace the current run with a saved one (a diverged one is shown as it is; it cannot train)."""
        plan = run.epochs if planned_epochs is None else max(planned_epochs, run.epochs)
        self._when_idle(lambda: self._install(run.frozen_trainer(max(plan - run.epochs, 0)), plan, sharpness=run.sharpness),
                        stop=True)

    def start(self) -> None:
        """Train to the planned epochs (continues a paused or finished run)."""
        if self.can_continue() and self._machine.start():
            self._go(self.planned_epochs)

    def step(self, epochs: int) -> None:
        """Train exactly ``epochs`` more (for teaching), beyond the planned total if need be."""
        if self.can_train() and epochs > 0 and self._machine.start(step=True):
            target = self.epoch + epochs
            if target > self.planned_epochs:
                self.set_plan(target)
            self._go(target)

    def set_sharpness(self, record: SharpnessRecord | None) -> None:
        """λ_max at the run's kept snapshots as computed so far (a run saved from now on keeps it)."""
        self.sharpness = record

    def set_plan(self, epochs: int) -> None:
        """Plan ``epochs`` in total for the current run (the epochs field changed)."""
        if epochs != self.planned_epochs:
            self.planned_epochs = epochs
            self.plan_changed.emit(epochs)

    def set_stepsize(self, stepsize: float) -> None:
        """Continue the current run with another stepsize (the history is kept); only while idle."""
        if self._trainer is not None and not self.state.busy:
            self._trainer.set_stepsize(stepsize)
            self._announce_stepsize()

    def set_settings(self, **changes: object) -> None:
        """Continue the current run with other settings (the stepsize, the optimizer's numbers, the penalty, the
        decay; the history is kept); only while idle. Views get the new rule with the snapshot re-delivered here."""
        if self._trainer is None or self.state.busy:
            return
        before = self._trainer.config
        try:
            self._trainer.set_settings(**changes)
        except ConfigError as exc:
            self.failed.emit(str(exc))
            return
        self._announce_stepsize()
        if self._trainer.config.with_changes(stepsize=before.stepsize) != before:  # more than the stepsize changed
            self._latest = self._trainer.snapshot()  # the rule made from the new settings, its state kept
            self.snapshot_ready.emit(self._latest)
            self.settings_changed.emit(self._trainer.config)

    def edit_parameter(self, *, ref: WeightRef, value: float) -> WeightEdit | None:
        """Set the weight or bias ``ref`` to ``value`` at the current epoch: the run branches there (the trainer's
        :meth:`~mlp_gui.core.trainer_edits.ParameterEdits.edit_weight`, on the live trainer and its data); only while
        idle (None otherwise). ValueError in one line for a parameter the network lacks, a value that is no finite
        number, or a diverged run. Views start over from the run reset that follows, which carries the edit."""
        trainer = self._trainer
        if trainer is None or self.state.busy:
            return None
        kept = list(trainer.snapshots.epochs)  # the snapshots λ_max may be known at (the edit replaces the last)
        edit = trainer.edit_weight(ref, value)
        self._guard, self.guard_report = None, None  # the guard watches the edited run afresh, as a new one
        if self.sharpness is not None:  # λ at the edit's epoch and after was the old parameters'
            self.sharpness = self.sharpness.upto(edit.epoch - 1).at(kept)
        self._install(trainer, max(self.planned_epochs, trainer.epoch))
        return edit

    def pause_then(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the trainer is idle (pausing a running run first; it can resume)."""
        self._when_idle(action, stop=False)

    def pause(self) -> None:
        if self._machine.pause():
            self._worker.request_pause()

    def stop(self) -> None:
        if self._machine.stop(trained=self.epoch > 0):  # an opened run with epochs ends as a paused one does
            self._worker.request_stop()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop training and end the thread (at window close or exit); True if it ended in time."""
        return end_worker_thread(self._thread, self._worker.request_stop, timeout_ms)

    # ------------------------------------------------------------ internals

    def _go(self, target: int) -> None:
        self._worker.clear_requests()
        stale = self._guard is None or self._guard.trainer is not self._trainer or self.guard_report is not None
        if self.guard_enabled and stale:  # a new run, or the person chose to go on after a guard stop
            self._guard, self.guard_report = Guard(self._trainer), None
        self._train.emit(self._trainer, target, self._guard if self.guard_enabled else None)

    def snapshot_epochs(self) -> list[int]:
        """The epochs the run kept snapshots at ([] while the worker trains: the list is changing then)."""
        return [] if self._trainer is None or self.state.busy else list(self._trainer.snapshots.epochs)

    def kept_parameters(self) -> tuple[list[int], np.ndarray] | None:
        """The kept snapshots' epochs and their flat parameters stacked, one row each (copies; None while training)."""
        t = self._trainer
        if t is None or self.state.busy:
            return None
        rows = np.stack(t.snapshots.rows) if t.snapshots.rows else np.empty((0, t.layout.size))
        return list(t.snapshots.epochs), rows

    def weight_history(self, ref: WeightRef) -> WeightHistory | None:
        """One parameter's value at every kept snapshot and its gradient at up to 200 (None while the worker trains)."""
        t = self._trainer
        if t is None or self.state.busy:
            return None
        return weight_history(t.config.model, t.layers, t.snapshots.epochs, t.snapshots.rows, t.x, t.y, ref)

    def view_snapshot(self, index: int) -> Snapshot | None:
        """Show snapshot ``index`` in every view (its gradients recomputed); only while idle."""
        if self._trainer is None or self.state.busy:
            return None
        snap = self._trainer.snapshot_at(index)
        self.snapshot_ready.emit(snap)
        return snap

    def show_viewing(self, epoch: int | None) -> None:
        """Say which kept epoch the views show (None: the run as it is now); views that mark it follow ``viewing``."""
        self.viewing.emit(epoch)

    @Slot(object)
    def _back_to_present(self, _state: RunState) -> None:
        self.viewing.emit(None)

    def continue_from(self, index: int) -> None:
        """Go back to snapshot ``index`` for good: the run continues from there (with the settings it has now)."""
        if self._trainer is None or self.state.busy:
            return
        self._trainer.back_to_snapshot(index)
        self._guard = None
        self._reinstall()

    def go_back(self, stepsize: float | None) -> None:
        """After the guard stopped the run: back to its last good epoch exactly, with ``stepsize`` (only while idle)."""
        guard, report = self._guard, self.guard_report
        if guard is None or report is None or self.state.busy:
            return
        guard.go_back(stepsize)
        self._reinstall()

    def _reinstall(self) -> None:
        """The trainer went back to an earlier epoch: show it as the run now is (history, snapshots, plan)."""
        self.guard_report = None
        self._install(self._trainer, max(self.planned_epochs, self._trainer.epoch + 1))

    def _announce_stepsize(self) -> None:
        if self.stepsize != self._announced_stepsize:
            self._announced_stepsize = self.stepsize
            self.stepsize_changed.emit(self.stepsize)

    def _when_idle(self, action: Callable[[], None], *, stop: bool) -> None:
        how = self._machine.when_idle(action, stop=stop)
        if how == "now":
            action()
        elif how == "pause":
            self._worker.request_pause()
        elif how == "stop":
            self._worker.request_stop()

    def _install_new(self, config: TrainConfig, plan: int) -> None:
        """A new run from the seed; if its data cannot be made (a CSV file that will not do), say so and keep the old run."""
        try:
            trainer = self._new_trainer(config.validated(), plan)
        except (ConfigError, ValueError) as exc:
            log.info("new run refused: %s", exc)
            self.failed.emit(str(exc))
            return
        except MemoryError:
            self.failed.emit("there is not enough memory for this run: reduce the layers, the batch size or the epochs")
            return
        self._install(trainer, plan)

    def _new_trainer(self, config: TrainConfig, plan: int) -> Trainer:
        """A new run from the seed; on a CSV file, from the weights and data :attr:`csv_data` read (the same numbers)."""
        if self.csv_data is None or not config.data.lower().endswith(".csv"):
            return Trainer.new(config, capacity=plan)
        found = self.csv_data(config)
        if found is None:
            raise ConfigError(f"data {Path(config.data).name} is still being read: the run is made once it has been", "data")
        if isinstance(found, ConfigError):
            raise found
        layers, data = found
        return Trainer.continued(config, layers=layers, data=data, capacity=plan)

    def _install(self, trainer: Trainer, planned_epochs: int, *, sharpness: SharpnessRecord | None = None) -> None:
        if trainer is not self._trainer:
            self._guard, self.guard_report = None, None
            self.sharpness = sharpness  # a new run has none; an opened one what its file cached
        elif self.guard_report is None and self._guard is not None:
            self._guard = Guard(trainer)  # gone back: watch again from the good epoch
        if trainer is self._trainer and self.sharpness is not None:
            self.sharpness = self.sharpness.upto(trainer.epoch)  # gone back: later values were of the old path
        self._trainer = trainer
        self._latest = trainer.snapshot()
        self.epochs_per_second = 0.0
        self.set_plan(planned_epochs)
        initial = _initial_snapshot(trainer)
        reproduces = (trainer.config == TrainConfig() and initial is not None  # the notebook's settings, and its printout
                      and notebook.reproduces_notebook(initial.loss, initial.flat_grads))
        self._announce_stepsize()
        self.run_reset.emit(RunReset(trainer.config, planned_epochs, self._latest, trainer.x.copy(), trainer.y.copy(),
                                     trainer.loss_history.copy(), initial, trainer.data,
                                     {k: v.copy() for k, v in trainer.metrics.items()},
                                     fingerprint(trainer.config, trainer.initial_layers), reproduces, trainer.norms.rows(),
                                     self.sharpness, trainer.weight_edits))
        self.snapshot_ready.emit(self._latest)
        self._machine.installed(trainer.diverged_at is not None)

    @Slot(object)
    def _on_delivered(self, delivery: Delivery) -> None:
        self._latest = delivery.snapshot
        self.epochs_per_second = delivery.epochs_per_second
        self.delivered.emit(delivery)
        self.snapshot_ready.emit(delivery.snapshot)

    @Slot(object)
    def _on_halted(self, halted: Halted) -> None:
        self._on_delivered(halted.delivery)
        if halted.reason == "guarded" and self._guard is not None:
            self.guard_report = self._guard.report
            self.guarded.emit(self.guard_report)
        for action in self._machine.halted(halted.reason, reached_plan=self.epoch >= self.planned_epochs):
            action()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._trainer is not None:
            self._latest = self._trainer.snapshot()
        dropped = self._machine.failed()
        if dropped:
            log.warning("training failed; %d queued action(s) (save, open or new run) were not carried out", len(dropped))
        self.failed.emit(message)


def _initial_snapshot(trainer: Trainer) -> Snapshot | None:
    """The run as it was at epoch 0: its first loss, and the gradients there recomputed by the kernel."""
    if trainer.initial_layers is None:
        return None
    if trainer.epoch == 0:
        return trainer.snapshot()
    _, grads = loss_and_grads(trainer.config.model, trainer.initial_layers, trainer.x, trainer.y)
    return Snapshot(0, float(trainer.loss_history[0]), copy_layers(trainer.initial_layers), grads, None)
