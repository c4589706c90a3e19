"""Gradient flow over time: each layer's gradient norm, weight norm and update ratio, as curves on a log axis.

Vanishing and exploding gradients are a matter of *layers*: the first layers of a deep sigmoid net learn
a thousand times slower than the last. One curve per layer shows it. The points come from the snapshots
the session delivers (up to 15 a second), so the view costs training nothing; each curve keeps at most
:data:`MAX_POINTS` points, halving its resolution when full, so memory stays bounded however long the run.
The norms themselves come from :func:`mlp_gui.core.explain.layer_norms`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from mlp_gui.core.explain import layer_norms
from mlp_gui.core.trainer import Snapshot
from mlp_gui.gui import palette

MAX_POINTS = 4096
MEASURES = {
    "gradient": ("‖∂L/∂W_l‖", "how strongly the loss pulls on layer l"),
    "weight": ("‖W_l‖", "the size of layer l's weights"),
    "ratio": ("‖ΔW_l‖ / ‖W_l‖", "how much of layer l one step changes (about 1e-3 is healthy)"),
}


class GradientFlowView(QWidget):
    """A measure chooser above a log-scale plot with one curve per layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.measure = QComboBox()
        for key, (formula, meaning) in MEASURES.items():
            self.measure.addItem(f"{formula} — {meaning}", key)
        self.measure.currentIndexChanged.connect(self._redraw)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setLogMode(x=True, y=True)  # the early epochs, where the layers part ways, get room
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "epoch (log scale)", color=palette.TEXT)
        self.plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)  # the log axis already says the decade
        self.plot.addLegend(offset=(-10, 10), labelTextColor=palette.TEXT)
        top = QHBoxLayout()
        top.addWidget(QLabel("Per layer:"))
        top.addWidget(self.measure, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.epochs = np.empty(0, dtype=np.int64)
        self.values: dict[str, np.ndarray] = {}  # measure -> (points, layers)
        self.curves: list[pg.PlotDataItem] = []
        self.stepsize = 0.0
        self._stride, self._skipped = 1, 0

    def set_run(self, reset) -> None:
        """A new, reset or opened run: start the curves again from its current snapshot."""
        self.stepsize = reset.config.stepsize
        self.epochs = np.empty(0, dtype=np.int64)
        self.values = {key: np.empty((0, len(reset.snapshot.layers))) for key in MEASURES}
        self._stride, self._skipped = 1, 0
        self._build(len(reset.snapshot.layers))
        self.show_snapshot(reset.snapshot)

    def set_stepsize(self, stepsize: float) -> None:
        self.stepsize = stepsize

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Add one point per layer (every ``stride``-th snapshot once the curves are full)."""
        if not self.values or (self.epochs.size and snapshot.epoch <= self.epochs[-1]):
            return
        self._skipped += 1
        if self._skipped < self._stride:
            return
        self._skipped = 0
        point = self.measures(snapshot, self.stepsize)
        self.epochs = np.append(self.epochs, snapshot.epoch)
        for key, row in point.items():
            self.values[key] = np.vstack([self.values[key], row])
        if self.epochs.size > MAX_POINTS:  # halve the resolution: memory stays bounded
            self.epochs = self.epochs[::2]
            self.values = {k: v[::2] for k, v in self.values.items()}
            self._stride *= 2
        if self.isVisible():
            self._redraw()

    @staticmethod
    def measures(snapshot: Snapshot, stepsize: float) -> dict[str, np.ndarray]:
        """Each layer's gradient norm, weight norm and update ratio ``stepsize·‖g‖/‖W‖`` (W and b together)."""
        grads = np.array(layer_norms(snapshot.grads))
        weights = np.array(layer_norms(snapshot.layers))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = stepsize * grads / weights
        return {"gradient": grads, "weight": weights, "ratio": ratio}

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().showEvent(event)
        self._redraw()

    def _build(self, n_layers: int) -> None:
        item = self.plot.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        colours = palette.KEPT_RUNS
        self.curves = [item.plot([], [], pen=pg.mkPen(colours[i % len(colours)], width=1.5), name=f"layer {i + 1} (W{i + 1})")
                       for i in range(n_layers)]

    def _redraw(self) -> None:
        key = self.measure.currentData()
        if key not in self.values:
            return
        self.plot.setLabel("left", MEASURES[key][0], color=palette.TEXT)
        for i, curve in enumerate(self.curves):
            y = self.values[key][:, i] if self.values[key].size else np.empty(0)
            keep = np.isfinite(y) & (y > 0) & (self.epochs > 0)  # a log axis has no epoch 0
            curve.setData(self.epochs[keep], y[keep])
