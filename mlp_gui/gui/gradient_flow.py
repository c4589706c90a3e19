"""Gradient flow over time: each layer's gradient norm, weight norm and update ratio, as curves on log axes.

Vanishing and exploding gradients are a matter of *layers*: the first layers of a deep sigmoid net learn
a thousand times slower than the last. One curve per layer shows it. The points are the trainer's own
record (:mod:`mlp_gui.core.norm_record`: every early epoch, then 256 per doubling of the epoch), which
arrives with the run (reset, open) and with every delivery, so the curves cost training nothing more and
stay bounded however long the run; a :class:`Pacer` redraws them at most five times a second, only while
shown. The newest epoch, usually between two grid rows, ends each curve with the norms of the newest
snapshot; the epoch the timeline shows is marked. Below, the sharpness λ_max at each kept snapshot against
the stepsize's stability limit 2/η (:mod:`mlp_gui.gui.sharpness_plot`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from mlp_gui.core.explain import layer_norms
from mlp_gui.core.norm_record import NormRecord, NormRows
from mlp_gui.core.trainer import Snapshot
from mlp_gui.gui import palette
from mlp_gui.gui.built_when_shown import Built, BuiltWhenShown
from mlp_gui.gui.pacing import REFRESH_MS, Paced, Pacer, TimedPlotWidget
from mlp_gui.gui.plot_axes import LossAxis
from mlp_gui.gui.sharpness_plot import SharpnessPlot

#: each measure's formula as plain text (the chooser: Wₗ), as the axis's rich text (W<sub>l</sub>), and its meaning
MEASURES = {
    "gradient": ("‖∂L/∂Wₗ‖", "‖∂L/∂W<sub>l</sub>‖", "how strongly the loss pulls on layer l"),
    "weight": ("‖Wₗ‖", "‖W<sub>l</sub>‖", "the size of layer l's weights"),
    "ratio": ("‖ΔWₗ‖ / ‖Wₗ‖", "‖ΔW<sub>l</sub>‖ / ‖W<sub>l</sub>‖", "how much of layer l one step changes (about 1e-3 is healthy)"),
}


class GradientFlowView(BuiltWhenShown, Paced, QWidget):
    """A measure chooser above a log-scale plot with one curve per layer (``refresh_ms``: the least time between
    two redraws). Its plots are made when it is first shown; hidden, it keeps the run's rows and draws them then."""

    view = Built()  # the plot widget, its plot item, the timeline's mark and the curves (see built_when_shown)
    plot = Built()
    viewed = Built()
    curves = Built()

    def __init__(self, parent: QWidget | None = None, *, refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.measure = QComboBox()
        for key, (formula, _, meaning) in MEASURES.items():
            self.measure.addItem(f"{formula} — {meaning}", key)
        self.measure.currentIndexChanged.connect(self._redraw)
        top = QHBoxLayout()
        top.addWidget(QLabel("Per layer:"))
        top.addWidget(self.measure, 1)
        self.sharpness = SharpnessPlot()
        self.split = QSplitter(Qt.Orientation.Vertical)  # the plot goes above the sharpness when built
        self.split.addWidget(self.sharpness)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.split, 1)
        self.record = NormRecord([], 0)
        self.latest: NormRows | None = None  # the newest snapshot's norms: the end of every curve
        self.viewed_epoch: int | None = None  # the epoch the timeline shows (None: the run as it is now)
        self.stepsize = 0.0
        self._pacer = Pacer(self, self._draw, self, min_interval_ms=refresh_ms)  # it times the plot's paints (below)

    def _build_plots(self) -> None:
        powers = {side: LossAxis(side) for side in ("left", "bottom")}  # 10⁰, 10⁻⁵: one style for every decade
        self.view = TimedPlotWidget(background="w", axisItems=powers)
        self.plot = self.view.getPlotItem()
        self.plot.setLogMode(x=True, y=True)  # the early epochs, where the layers part ways, get room
        for axis in powers.values():
            palette.style_axis(axis)
        self.plot.setLabel("bottom", "epoch (log scale)", color=palette.TEXT)
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # the log axis already says the decade
        self.plot.addLegend(offset=(-10, 10), labelTextColor=palette.TEXT)
        self.viewed = pg.InfiniteLine(angle=90, pen=pg.mkPen(palette.TEXT, width=1, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.plot.addItem(self.viewed, ignoreBounds=True)
        self.split.insertWidget(0, self.view)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.sharpness.build_plots()  # shown with this view, never by itself
        self.curves = []
        self._build(self.record.layers)
        self.mark_viewed(self.viewed_epoch)
        self._redraw()  # the rows that arrived while hidden (the newest snapshot's follow when the pacer catches up)

    @property
    def paint_seconds(self) -> float:
        """CPU time of all the plot's paints so far (none before it is built): what its pacer counts redraws by."""
        return self.view.paint_seconds if self.plots_built else 0.0

    def bind(self, session) -> None:
        """Follow ``session``: each new run, the norms each delivery recorded, the stepsize, every snapshot, the epoch
        viewed; the sharpness plot follows it too."""
        session.run_reset.connect(self.set_run)
        session.delivered.connect(self.add_delivery)
        session.stepsize_changed.connect(self.set_stepsize)
        session.snapshot_ready.connect(self.show_snapshot)
        session.viewing.connect(self.mark_viewed)
        self.sharpness.bind(session)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """End the sharpness plot's worker thread (window close, quit, exit); True if it ended in time."""
        return self.sharpness.shutdown(timeout_ms)

    def add_delivery(self, delivery) -> None:
        """A delivery's rows; if its snapshot is earlier than the record's end, the run went back there first (the
        divergence guard replays its last chunk up to the epoch it tripped at) and the later rows are dropped."""
        if delivery.snapshot.epoch < self.record.last_epoch:
            self.record.truncate(delivery.snapshot.epoch)
            self.latest = None
        if delivery.norms is not None:
            self.add_rows(delivery.norms)

    def set_run(self, reset) -> None:
        """A new, reset or opened run: the curves of its recorded norms so far."""
        self.stepsize = reset.config.stepsize
        self.record = NormRecord.for_sizes(reset.config.layers)
        if reset.norms is not None:
            self.record.extend(reset.norms)
        self._build(self.record.layers)
        self.mark_viewed(None)
        self.latest = None
        self._pacer.forget()
        self._pacer.request(reset.snapshot, now=True)

    def set_stepsize(self, stepsize: float) -> None:
        self.stepsize = stepsize

    def add_rows(self, rows: NormRows) -> None:
        """Rows the trainer recorded since the last delivery (drawn with the next snapshot)."""
        self.record.extend(rows)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """The newest state: its norms end the curves. Redrawn by the pacer: at most five times a second (fewer if
        redraws cost more than their share of the GUI thread), and only while the tab is shown."""
        self._pacer.request(snapshot)

    def _draw(self, snapshot: Snapshot) -> None:
        if snapshot.epoch > self.record.last_epoch:
            self.latest = self.measures(snapshot, self.stepsize)
        self._redraw()

    def mark_viewed(self, epoch: int | None) -> None:
        """Mark the epoch the timeline shows (None: the run as it is now)."""
        self.viewed_epoch = epoch
        if not self.plots_built:
            return
        self.viewed.setVisible(epoch is not None and epoch > 0)
        if epoch:
            self.viewed.setValue(np.log10(epoch))

    def rows(self) -> NormRows:
        """Everything the curves show: the record's rows, then the newest snapshot's if it is later."""
        rows = self.record.rows()
        latest = self.latest
        if latest is None or latest.epochs[0] <= self.record.last_epoch:
            return rows
        return NormRows(*(np.concatenate([a, b]) for a, b in zip((rows.epochs, rows.grad, rows.weight, rows.update),
                                                                  (latest.epochs, latest.grad, latest.weight, latest.update))))

    @staticmethod
    def measures(snapshot: Snapshot, stepsize: float) -> NormRows:
        """One row for ``snapshot``: each layer's gradient, weight and update norm (W and b together; the update the
        snapshot's rule makes next, |stepsize|·‖g‖ for gradient descent)."""
        grads = np.array([layer_norms(snapshot.grads)])
        weights = np.array([layer_norms(snapshot.layers)])
        return NormRows(np.array([snapshot.epoch]), grads, weights, np.array([snapshot.update_norms(stepsize)]))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().showEvent(event)
        self._pacer.catch_up()

    def _build(self, n_layers: int) -> None:
        if not self.plots_built:
            return
        item = self.plot
        for curve in self.curves:
            item.removeItem(curve)
        colours = palette.KEPT_RUNS
        self.curves = [item.plot([], [], pen=pg.mkPen(colours[i % len(colours)], width=1.5), name=f"layer {i + 1} (W{i + 1})")
                       for i in range(n_layers)]

    def _redraw(self) -> None:
        if not self.plots_built:
            return  # drawn when built
        key = self.measure.currentData()
        if self.plot.getAxis("left").labelText != MEASURES[key][1]:  # a new label re-lays the plot out: only on a change
            self.plot.setLabel("left", MEASURES[key][1], color=palette.TEXT)
        rows = self.rows()
        values = {"gradient": rows.grad, "weight": rows.weight, "ratio": rows.ratio}[key]
        for i, curve in enumerate(self.curves):
            y = values[:, i]
            keep = np.isfinite(y) & (y > 0) & (rows.epochs > 0)  # a log axis has no epoch 0
            curve.setData(rows.epochs[keep], y[keep])
