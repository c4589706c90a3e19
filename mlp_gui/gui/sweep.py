"""Sweep ▸ train one setting at several values and overlay the curves.

Runs that share layers and batch size (a stepsize or seed sweep) train
together as one stacked NumPy computation (:class:`StackedTrainer`); others
train one after another. Either way it happens on the sweep's own thread,
with progress and Cancel, and each finished run is handed back as a loss
envelope ready to keep on the plot.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from mlp_gui.core.config import ConfigError, TrainConfig
from mlp_gui.core.decimate import LossEnvelope
from mlp_gui.core.stacked import StackedTrainer, can_stack
from mlp_gui.core.sweep import sweep_configs
from mlp_gui.core.trainer import Trainer
from mlp_gui.gui.worker_threads import end_worker_thread, start_worker_thread

CHOICES = {"stepsize": "0.01, 0.1, 1", "seed": "1, 2, 3", "batch_size": "5, 20, 50", "layers": "3,4,2; 3,4,4,2; 3,8,8,2", "epochs": "1000, 10000"}


class SweepDialog(QDialog):
    """Pick a setting and type its values; OK stays disabled (with the reason shown) while invalid."""

    def __init__(self, base: TrainConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sweep a setting")
        self.base = base
        self.setting = QComboBox()
        for name in CHOICES:
            self.setting.addItem(name.replace("_", " "), name)
        self.values = QLineEdit(CHOICES["stepsize"])
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Run sweep")
        form = QFormLayout(self)
        form.addRow(QLabel("Every other setting stays as in the window. Each run is kept on the loss plot."))
        form.addRow("Setting", self.setting)
        form.addRow("Values", self.values)
        form.addRow(self.message)
        form.addRow(self.buttons)
        self.setting.currentIndexChanged.connect(self._setting_changed)
        self.values.textChanged.connect(self._validate)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.configs: list[TrainConfig] = []
        self._validate()

    def _setting_changed(self) -> None:
        self.values.setText(CHOICES[self.setting.currentData()])

    def _validate(self) -> None:
        try:
            self.configs = sweep_configs(self.base, self.setting.currentData(), self.values.text())
        except ConfigError as exc:
            self.configs = []
            self.message.setText(f"<span style='color:#c62828'>⚠ {exc}</span>")
        else:
            together = "together, as one stacked computation" if can_stack(self.configs) else "one after another"
            self.message.setText(f"{len(self.configs)} runs of {self.base.epochs:,} epochs, trained {together}.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.configs))


class SweepWorker(QObject):
    progressed = Signal(float)  # fraction done
    finished = Signal(object)  # list of (config, epochs, losses, diverged_at) for the plot
    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.cancel = threading.Event()

    @Slot(object)
    def run(self, configs: list[TrainConfig]) -> None:
        try:
            results = self._stacked(configs) if can_stack(configs) else self._one_by_one(configs)
        except Exception as exc:  # noqa: BLE001 - reported to the window, never lost in the thread
            self.failed.emit(f"the sweep failed: {type(exc).__name__}: {exc}")
            return
        self.finished.emit(results)

    def _stacked(self, configs: list[TrainConfig]) -> list:
        trainer = StackedTrainer(configs)
        total = max(c.epochs for c in configs) or 1
        while not trainer.done and not self.cancel.is_set():
            trainer.step(1000)
            self.progressed.emit(trainer.epoch / total)
        return [_result(c, trainer.loss_history(k), trainer.diverged_at[k]) for k, c in enumerate(configs)]

    def _one_by_one(self, configs: list[TrainConfig]) -> list:
        results, total, done = [], sum(c.epochs for c in configs) or 1, 0
        for cfg in configs:
            trainer = Trainer(cfg)
            while trainer.epoch < cfg.epochs and trainer.diverged_at is None and not self.cancel.is_set():
                trainer.step(min(2000, cfg.epochs - trainer.epoch))
                self.progressed.emit((done + trainer.epoch) / total)
            done += cfg.epochs
            results.append(_result(cfg, trainer.loss_history, trainer.diverged_at))
        return results


def _result(config: TrainConfig, history: np.ndarray, diverged_at: int | None) -> tuple:
    envelope = LossEnvelope()
    envelope.extend(history)
    epochs, losses = envelope.xy()
    return config, epochs, losses, diverged_at


class SweepRunner(QObject):
    """Owns the sweep thread; one sweep at a time."""

    progressed = Signal(float)
    finished = Signal(object)
    failed = Signal(str)
    _run = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = SweepWorker()
        self._thread = start_worker_thread(self, self._worker, "mlp-gui sweep")
        self._run.connect(self._worker.run)
        self._worker.progressed.connect(self.progressed)
        self._worker.finished.connect(self._done)
        self._worker.failed.connect(self._fail)
        self.busy = False

    def start(self, configs: list[TrainConfig]) -> bool:
        if self.busy:
            return False
        self.busy = True
        self._worker.cancel.clear()
        self._run.emit(configs)
        return True

    def cancel(self) -> None:
        self._worker.cancel.set()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        return end_worker_thread(self._thread, self._worker.cancel.set, timeout_ms)

    def _done(self, results: list) -> None:
        self.busy = False
        self.finished.emit(results)

    def _fail(self, message: str) -> None:
        self.busy = False
        self.failed.emit(message)
