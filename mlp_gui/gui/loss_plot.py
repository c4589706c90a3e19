"""The live loss curve: log-scale, appended chunk by chunk, bounded in points however long the run.

The curve shows a :class:`~mlp_gui.core.decimate.LossEnvelope` of the history
(every epoch while the run is short, min/max per bucket once it is long), so a
10-million-epoch run draws as fast as a short one and the GUI keeps no copy of
the full history. The view spans the planned epochs and whole decades of loss
and changes only when the data leaves it, so the axes and grid (cached as
pixmaps) are not repainted at every update: that cut the cost of an update
from about 16 ms to 2 ms, time the training thread gets back. Values that a log axis cannot show (0, inf, NaN) are left
out of the curve; divergence is drawn as a red line at its epoch. Kept runs
(for comparison) are extra, faded curves added and removed by key.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGraphicsItem

from mlp_gui.core.decimate import LossEnvelope

LIVE_COLOUR = "#1f5fbf"
DIVERGED_COLOUR = "#c62828"
REDRAW_MS = 50  # the curve redraws at most 20 times a second; the envelope takes every loss at once


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
        self.curve = item.plot([], [], pen=pg.mkPen(LIVE_COLOUR, width=1), name="current run")
        self.curve.setClipToView(True)
        self.divergence_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(DIVERGED_COLOUR, width=2, style=Qt.PenStyle.DashLine),
            label="diverged", labelOpts={"position": 0.9, "color": DIVERGED_COLOUR},
        )
        self.divergence_line.setVisible(False)
        item.addItem(self.divergence_line, ignoreBounds=True)
        self._extra: dict[object, pg.PlotDataItem] = {}
        for name in ("left", "bottom"):
            item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        item.disableAutoRange()
        item.getViewBox().sigRangeChangedManually.connect(self._stop_following)
        self.following = True
        self.planned_epochs = 1
        self._view: tuple[float, float, float] | None = None
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(REDRAW_MS)
        self._redraw.timeout.connect(self._draw)

    # ------------------------------------------------------------ the view

    def set_planned_epochs(self, epochs: int) -> None:
        """The x axis spans at least this many epochs (the run's total)."""
        self.planned_epochs = max(int(epochs), 1)
        self._follow()

    def fit(self) -> None:
        """Show everything again and follow the data (after the person zoomed or panned)."""
        self.following = True
        self._view = None
        self._follow()

    def _stop_following(self, *_args) -> None:
        self.following = False

    def _follow(self) -> None:
        """Keep all curves in view, moving the axes as rarely as possible."""
        if not self.following:
            return
        curves = [self.curve] + [c for c in self._extra.values() if c.isVisible()]
        xs = [c.xData for c in curves if c.xData is not None and len(c.xData)]
        ys = [c.yData for c in curves if c.yData is not None and len(c.yData)]
        if not ys:
            return
        lo = math.floor(math.log10(min(float(y.min()) for y in ys)))
        hi = math.ceil(math.log10(max(float(y.max()) for y in ys)))
        hi = max(hi, lo + 1)
        x_end = max(self.planned_epochs, max(float(x[-1]) for x in xs))
        if self._view is not None and self._view[2] >= x_end and self._view[:2] == (lo, hi):
            return
        if x_end > self.planned_epochs:
            x_end *= 1.25  # ran past the plan (Step): leave room so the axis does not move every update
        self._view = (lo, hi, x_end)
        self.getPlotItem().setRange(xRange=(0, x_end), yRange=(lo, hi), padding=0.02)

    # ------------------------------------------------------------ the live run

    def reset(self, history: np.ndarray) -> None:
        """Show a new run whose losses so far are ``history`` (epoch 0 first)."""
        self.envelope.clear()
        self.divergence_line.setVisible(False)
        self.following = True
        self._view = None
        self.append(history)
        self._redraw.stop()
        self._draw()

    def append(self, losses: np.ndarray) -> None:
        """Add the losses of the next epochs and redraw the curve."""
        if losses.size == 0:
            return
        first = self.envelope.count
        self.envelope.extend(losses)
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size:
            self.mark_divergence(first + int(bad[0]))
        if not self._redraw.isActive():
            self._redraw.start()

    def _draw(self) -> None:
        """Redraw the live curve from the envelope (at most every REDRAW_MS, however often data arrives)."""
        x, y = plottable(*self.envelope.xy())
        self.curve.setData(x, y, skipFiniteCheck=True)
        self._follow()

    def mark_divergence(self, epoch: int) -> None:
        self.divergence_line.setValue(epoch)
        self.divergence_line.label.setFormat(f"diverged at epoch {epoch}")
        self.divergence_line.setVisible(True)

    def curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        """What the live curve shows now (epochs, losses)."""
        if self._redraw.isActive():
            self._redraw.stop()
            self._draw()
        x, y = self.curve.xData, self.curve.yData  # the data, not its log-transformed display copy
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
        self._view = None
        self._follow()

    def remove_curve(self, key: object) -> None:
        curve = self._extra.pop(key, None)
        if curve is not None:
            self.getPlotItem().removeItem(curve)
            self._view = None
            self._follow()

    def set_curve_visible(self, key: object, visible: bool) -> None:
        curve = self._extra.get(key)
        if curve is not None:
            curve.setVisible(visible)

    def extra_keys(self) -> list[object]:
        return list(self._extra)
