"""The live loss curve: log-scale, appended chunk by chunk, bounded in points however long the run.

The curve shows a :class:`~mlp_gui.core.decimate.LossEnvelope` of the history
(every epoch while the run is short, min/max per bucket once it is long), so a
10-million-epoch run draws as fast as a short one and the GUI keeps no copy of
the full history. Values that a log axis cannot show (0, inf, NaN) are left
out of the curve; divergence is drawn as a red line at its epoch. Kept runs
(for comparison) are extra, faded curves added and removed by key.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from mlp_gui.core.decimate import LossEnvelope

LIVE_COLOUR = "#1f5fbf"
DIVERGED_COLOUR = "#c62828"


def plottable(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points a log axis can show (finite and positive)."""
    keep = np.isfinite(y) & (y > 0)
    return x[keep], y[keep]


class LossPlot(pg.PlotWidget):
    """Loss against epoch on a log axis, for the live run and any kept runs."""

    def __init__(self, parent=None, max_buckets: int = 1024) -> None:
        super().__init__(parent, background="w")
        self.envelope = LossEnvelope(max_buckets)
        item = self.getPlotItem()
        item.setLogMode(y=True)
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setLabel("left", "loss  (½·mean squared error, log scale)")
        item.setLabel("bottom", "epoch  (gradient-descent updates)")
        item.setTitle("Training loss")
        self.legend = item.addLegend(offset=(-10, 10), labelTextColor="#222")
        self.curve = item.plot([], [], pen=pg.mkPen(LIVE_COLOUR, width=2), name="current run")
        self.curve.setClipToView(True)
        self.divergence_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(DIVERGED_COLOUR, width=2, style=Qt.PenStyle.DashLine),
            label="diverged", labelOpts={"position": 0.9, "color": DIVERGED_COLOUR},
        )
        self.divergence_line.setVisible(False)
        item.addItem(self.divergence_line, ignoreBounds=True)
        self._extra: dict[object, pg.PlotDataItem] = {}

    # ------------------------------------------------------------ the live run

    def reset(self, history: np.ndarray) -> None:
        """Show a new run whose losses so far are ``history`` (epoch 0 first)."""
        self.envelope.clear()
        self.divergence_line.setVisible(False)
        self.append(history)

    def append(self, losses: np.ndarray) -> None:
        """Add the losses of the next epochs and redraw the curve."""
        if losses.size == 0:
            return
        first = self.envelope.count
        self.envelope.extend(losses)
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size:
            self.mark_divergence(first + int(bad[0]))
        x, y = plottable(*self.envelope.xy())
        self.curve.setData(x, y)

    def mark_divergence(self, epoch: int) -> None:
        self.divergence_line.setValue(epoch)
        self.divergence_line.label.setFormat(f"diverged at epoch {epoch}")
        self.divergence_line.setVisible(True)

    def curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        """What the live curve shows now (epochs, losses)."""
        x, y = self.curve.getData()
        return (np.empty(0), np.empty(0)) if x is None else (x, y)

    # ------------------------------------------------------------ kept runs

    def add_curve(self, key: object, x: np.ndarray, y: np.ndarray, label: str, colour: str) -> None:
        """Show a kept run as a faded curve with a legend entry."""
        self.remove_curve(key)
        x, y = plottable(np.asarray(x), np.asarray(y))
        pen = pg.mkPen(pg.mkColor(colour), width=1.5)
        curve = self.getPlotItem().plot(x, y, pen=pen, name=label)
        curve.setOpacity(0.75)
        curve.setZValue(-1)
        curve.setClipToView(True)
        self._extra[key] = curve

    def remove_curve(self, key: object) -> None:
        curve = self._extra.pop(key, None)
        if curve is not None:
            self.getPlotItem().removeItem(curve)

    def set_curve_visible(self, key: object, visible: bool) -> None:
        curve = self._extra.get(key)
        if curve is not None:
            curve.setVisible(visible)

    def extra_keys(self) -> list[object]:
        return list(self._extra)
