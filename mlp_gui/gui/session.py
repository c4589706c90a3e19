"""The window's model: one run at a time, its state, and the thread that trains it.

Views (plot, heatmaps, panels) subscribe to the signals here and never touch
the trainer while it runs; the session reads the trainer only when the worker
is idle (to save it, or to start a new run from it). Modelled on napari's
split between layer models and Qt views.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QObject, Signal, Slot

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.runfile import SavedRun, run_from_trainer
from mlp_gui.core.trainer import Trainer
from mlp_gui.gui.run_worker import Delivery, TrainingWorker
from mlp_gui.gui.worker_threads import end_worker_thread, start_worker_thread


class RunState(str, Enum):
    READY = "ready"  # initialised or loaded, not trained in this session yet
    RUNNING = "running"
    PAUSING = "pausing"  # pause asked, worker finishing its chunk
    PAUSED = "paused"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FINISHED = "finished"
    DIVERGED = "diverged"

    @property
    def busy(self) -> bool:
        return self in (RunState.RUNNING, RunState.PAUSING, RunState.STOPPING)


class TrainingSession(QObject):
    """Owns the current run and the training thread.

    Panels subscribe to these signals (all emitted on the GUI thread) and never touch the trainer
    while ``state.busy``:

    - ``run_reset(config, snapshot, x, y, history)``: a new, reset or opened run replaced the old one;
      ``history`` is a copy of its whole loss history (epoch 0 first).
    - ``delivered(Delivery)``: up to 15 times a second while training, the losses since the last
      delivery (``first_epoch``, ``losses``) and a ``snapshot``.
    - ``snapshot_ready(Snapshot)``: the newest parameters and gradients (copies), after every
      delivery and every reset — for panels that only show the current state.
    - ``state_changed(RunState)``; ``failed(message)`` if training raised.
    """

    #: a new run replaced the old one: config, snapshot, x, y, whole loss history
    run_reset = Signal(object, object, object, object, object)
    delivered = Signal(object)  # Delivery
    snapshot_ready = Signal(object)  # Snapshot
    state_changed = Signal(object)  # RunState
    failed = Signal(str)
    _train = Signal(object, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = TrainingWorker()
        self._thread = start_worker_thread(self, self._worker, "mlp-gui training")
        self._train.connect(self._worker.train_until)
        self._worker.delivered.connect(self._on_delivered)
        self._worker.halted.connect(self._on_halted)
        self._worker.failed.connect(self._on_failed)
        self.trainer: Trainer | None = None
        self.state = RunState.READY
        self.epochs_per_second = 0.0
        self._after_halt: list = []

    # ------------------------------------------------------------ queries

    @property
    def config(self) -> TrainConfig:
        return self.trainer.config if self.trainer else TrainConfig()

    @property
    def target_epoch(self) -> int:
        return self.config.epochs

    def can_train(self) -> bool:
        t = self.trainer
        return t is not None and not self.state.busy and t.diverged_at is None

    def saved_run(self) -> SavedRun | None:
        """The current run as a file would hold it; None while the worker is using the trainer."""
        if self.trainer is None or self.state.busy:
            return None
        return run_from_trainer(self.trainer)

    # ------------------------------------------------------------ commands

    def new_run(self, config: TrainConfig) -> None:
        """Start over from the seed with ``config`` (stops a run in progress first)."""
        self._when_idle(lambda: self._install(Trainer(config)))

    def open_run(self, run: SavedRun) -> None:
        """Replace the current run with a saved one, ready to continue."""
        self._when_idle(lambda: self._install(run.trainer(extra_epochs=0) if run.diverged_at is None else _frozen(run)))

    def start(self) -> None:
        """Train to the configured number of epochs (continues a paused or stopped run)."""
        if self.can_train() and self.trainer.epoch < self.target_epoch:
            self._go(self.target_epoch)

    def step(self, epochs: int) -> None:
        """Train exactly ``epochs`` more (for teaching), beyond the planned total if need be."""
        if self.can_train():
            if self.trainer.epoch + epochs > self.target_epoch:
                self.trainer.config = self.trainer.config.with_changes(epochs=self.trainer.epoch + epochs)
            self._go(self.trainer.epoch + epochs)

    def extend(self, epochs: int) -> None:
        """Plan ``epochs`` in total for the current run (e.g. the epochs field changed)."""
        if self.trainer is not None and not self.state.busy:
            self.trainer.config = self.trainer.config.with_changes(epochs=epochs)

    def set_stepsize(self, stepsize: float) -> None:
        """Continue the current run with another stepsize (the history is kept)."""
        if self.trainer is not None and not self.state.busy:
            self.trainer.config = self.trainer.config.with_changes(stepsize=stepsize)

    def pause_then(self, action) -> None:
        """Run ``action`` once the trainer is idle (pausing a running run first; the run can resume)."""
        if self.state.busy:
            self._after_halt.append(action)
            self.pause()
        else:
            action()

    def pause(self) -> None:
        if self.state is RunState.RUNNING:
            self._worker.request_pause()
            self._set_state(RunState.PAUSING)

    def stop(self) -> None:
        if self.state in (RunState.RUNNING, RunState.PAUSING):
            self._worker.request_stop()
            self._set_state(RunState.STOPPING)
        elif self.state is RunState.PAUSED:
            self._set_state(RunState.STOPPED)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop training and end the thread (at window close or exit); True if it ended in time."""
        return end_worker_thread(self._thread, self._worker.request_stop, timeout_ms)

    # ------------------------------------------------------------ internals

    def _go(self, target: int) -> None:
        self._set_state(RunState.RUNNING)
        self._worker.clear_requests()
        self._train.emit(self.trainer, target)

    def _install(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.epochs_per_second = 0.0
        snapshot = trainer.snapshot()
        self.run_reset.emit(trainer.config, snapshot, trainer.x, trainer.y, trainer.loss_history.copy())
        self.snapshot_ready.emit(snapshot)
        self._set_state(RunState.DIVERGED if trainer.diverged_at is not None else RunState.READY)

    def _when_idle(self, action) -> None:
        if self.state.busy:
            self._after_halt.append(action)
            self._worker.request_stop()
            self._set_state(RunState.STOPPING)
        else:
            action()

    def _set_state(self, state: RunState) -> None:
        if state is not self.state:
            self.state = state
            self.state_changed.emit(state)

    @Slot(object)
    def _on_delivered(self, delivery: Delivery) -> None:
        self.epochs_per_second = delivery.epochs_per_second
        self.delivered.emit(delivery)
        self.snapshot_ready.emit(delivery.snapshot)

    @Slot(str, object)
    def _on_halted(self, reason: str, delivery: Delivery) -> None:
        if delivery.losses.size:
            self._on_delivered(delivery)
        state = {
            "done": RunState.FINISHED if self.trainer.epoch >= self.target_epoch else RunState.PAUSED,
            "paused": RunState.PAUSED,
            "stopped": RunState.STOPPED,
            "diverged": RunState.DIVERGED,
        }[reason]
        self._set_state(state)
        pending, self._after_halt = self._after_halt, []
        for action in pending:
            action()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._set_state(RunState.STOPPED)
        self.failed.emit(message)


def _frozen(run: SavedRun) -> Trainer:
    """A diverged saved run, shown as it is; it cannot take more steps."""
    return Trainer(run.config, params=run.params, x=run.x, y=run.y, history=run.loss)
