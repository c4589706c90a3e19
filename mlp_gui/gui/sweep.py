"""Sweep ▸ train one setting at several values and overlay the curves.

The core plans and trains the sweep (:mod:`mlp_gui.core.sweep`); this module
is the dialog that asks for it and the thread it runs on, with progress and
Cancel. Each finished run is handed back as a loss envelope ready to keep on
the plot.
"""

from __future__ import annotations

import html
import logging
import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from mlp_gui.core.config import ConfigError, TrainConfig
from mlp_gui.core.decimate import LossEnvelope
from mlp_gui.core.settings import BY_NAME
from mlp_gui.core.sweep import SweepResult, SweepRun, run_sweep, stackable, sweep_runs
from mlp_gui.gui import palette
from mlp_gui.gui.worker_threads import end_worker_thread, start_worker_thread
from mlp_gui.progress import count

log = logging.getLogger(__name__)

EXAMPLES = {
    "stepsize": "0.01, 0.1, 1", "seed": "1, 2, 3", "batch_size": "5, 20, 50", "layers": "3,4,2; 3,4,4,2; 3,8,8,2",
    "epochs": "1000, 10000", "activation": "sigmoid, tanh, relu", "init": "notebook, xavier, he",
    "data": "xor, circles, spiral, gaussians", "noise": "0, 0.1, 0.3", "samples": "100, 400",
    # issue 19: compare optimizers, their numbers, the penalty, the decay and the input features in one sweep
    "optimizer": "gd, momentum, adam", "momentum": "0.5, 0.9, 0.99", "rho": "0.9, 0.99", "beta1": "0.8, 0.9, 0.99",
    "beta2": "0.99, 0.999", "eps": "1e-8, 1e-4", "l1": "0, 0.001, 0.01", "l2": "0, 0.001, 0.01",
    "decay_every": "100, 1000", "decay_factor": "0.5, 0.9", "features": "x1,x2; x1,x2,x1sq,x2sq,x1x2",
}


@dataclass(frozen=True)
class KeptCurve:
    """A swept run ready for the plot: its settings and its loss envelope's points."""

    result: SweepResult
    epochs: np.ndarray
    losses: np.ndarray


class SweepDialog(QDialog):
    """Pick a setting and type its values; OK stays disabled (with the reason shown) while invalid."""

    def __init__(self, base: TrainConfig, epochs: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sweep a setting")
        self.base, self.base_epochs = base, epochs
        self.setting = QComboBox()
        for name in EXAMPLES:
            self.setting.addItem(BY_NAME[name].title, name)
        self.values = QLineEdit(EXAMPLES["stepsize"])
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
        self.runs: list[SweepRun] = []
        self._validate()

    def _setting_changed(self) -> None:
        self.values.setText(EXAMPLES[self.setting.currentData()])

    def _validate(self) -> None:
        try:
            self.runs = sweep_runs(self.base, self.base_epochs, self.setting.currentData(), self.values.text())
        except ConfigError as exc:
            self.runs = []
            self.message.setText(f"<span style='color:{palette.error_text_color(self.message).name()}'>⚠ {html.escape(str(exc))}</span>")
        else:
            together = "together, as one stacked computation" if stackable(self.runs) else "one after another"
            longest = max(r.epochs for r in self.runs)
            self.message.setText(f"{len(self.runs)} runs of up to {count(longest, 'epoch')}, trained {together}.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.runs))


class SweepWorker(QObject):
    progressed = Signal(float)  # fraction done
    finished = Signal(object)  # list[KeptCurve]
    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.cancel = threading.Event()

    @Slot(object)
    def run(self, runs: list[SweepRun]) -> None:
        try:
            results = run_sweep(runs, self.cancel.is_set, self.progressed.emit)
        except Exception as exc:  # noqa: BLE001 - reported to the window, never lost in the thread
            log.exception("the sweep failed")
            self.failed.emit(f"the sweep failed: {type(exc).__name__}: {exc}")
            return
        self.finished.emit([_curve(r) for r in results])


def _curve(result: SweepResult) -> KeptCurve:
    envelope = LossEnvelope()
    envelope.extend(result.losses)
    epochs, losses = envelope.xy()
    return KeptCurve(result, epochs, losses)


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

    def start(self, runs: list[SweepRun]) -> bool:
        if self.busy:
            return False
        self.busy = True
        self._worker.cancel.clear()
        self._run.emit(runs)
        return True

    def cancel(self) -> None:
        self._worker.cancel.set()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        return end_worker_thread(self._thread, self._worker.cancel.set, timeout_ms)

    def _done(self, curves: list) -> None:
        self.busy = False
        self.finished.emit(curves)

    def _fail(self, message: str) -> None:
        self.busy = False
        self.failed.emit(message)
