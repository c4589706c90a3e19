"""The live loss curve: log-scale, appended chunk by chunk, bounded in points however long the run.

The curve shows a :class:`~mlp_gui.core.decimate.LossEnvelope` of the history
(every epoch while the run is short, min/max per bucket once it is long), so a
10-million-epoch run draws as fast as a short one and the GUI keeps no copy of
the full history.

Painting a pyqtgraph view holds the GIL, which the training thread needs, so
the plot is frugal: the curve redraws at most every REDRAW_MS; the view moves
in coarse steps (x to the next 1, 2 or 5 times a power of ten, capped at the
planned epochs; y by whole decades with one to spare below the data) so the
axes and grid, cached as pixmaps, are regenerated a handful of times per run
rather than at every update; and the left axis has a fixed width so a longer
tick label never re-lays out the plot. Values a log axis cannot show (0, inf,
NaN) are left out of the curve; divergence is drawn as a red line at its
epoch. Kept runs (for comparison) are extra, faded curves added and removed by
key.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from mlp_gui.core.decimate import LossEnvelope
from mlp_gui.gui import palette

LIVE_COLOUR = palette.LIVE_CURVE
DIVERGED_COLOUR = palette.ERROR
TEXT_COLOUR = palette.TEXT
REDRAW_MS = 66  # the curve redraws at most 15 times a second; the envelope takes every loss at once
MIN_X_SPAN = 10  # epochs shown at least (so Step 1 draws a visible segment)
SPARE_DECADES = 1  # room left below the lowest loss, so the y axis moves every other decade at most
LEFT_AXIS_WIDTH = 64  # pixels: fits "10⁻¹⁰⁰" and the axis label
MAX_POINTS = 16_384  # points drawn for the live curve at most (a few per pixel of a wide screen)


def at_most(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """``x, y`` reduced to about ``max_points`` by keeping each group's lowest and highest point, in order.

    A guard for very long runs: the envelope keeps its buckets bounded but hands over the epochs of its
    newest, unfinished bucket raw (up to 65,535 of them after 100 million epochs).
    """
    if len(x) <= max_points:
        return x, y
    group = -(-2 * len(x) // max_points)
    whole = len(x) // group * group
    ys = y[:whole].reshape(-1, group)
    rows = np.arange(ys.shape[0])
    ranked = np.where(np.isfinite(ys), ys, np.inf)
    lo, hi = np.argmin(ranked, axis=1), np.argmax(np.where(np.isfinite(ys), ys, -np.inf), axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    picks = (rows[:, None] * group + np.stack([first, second], axis=1)).ravel()
    picks = np.concatenate([picks, np.arange(whole, len(x))])
    return x[picks], y[picks]


def plottable(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points a log axis can show (finite and positive)."""
    keep = np.isfinite(y) & (y > 0)
    return x[keep], y[keep]


def nice_span(epochs: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``epochs`` (and at least MIN_X_SPAN)."""
    epochs = max(float(epochs), MIN_X_SPAN)
    decade = 10.0 ** math.floor(math.log10(epochs))
    return next(step * decade for step in (1.0, 2.0, 5.0, 10.0) if step * decade >= epochs)


def format_epoch(value: float) -> str:
    """Epoch tick labels: ``900``, ``5000``, ``20k``, ``1.5M``."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


class EpochAxis(pg.AxisItem):
    """A bottom axis that labels epochs compactly (20k, 1.5M) instead of 20000, 1500000."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph naming
        return [format_epoch(v * scale) for v in values]


class GridLines(pg.GraphicsObject):
    """Light grid lines: one per decade of loss (and 2..9 within a decade when there is room) and one per
    major epoch tick.

    pyqtgraph's own grid is drawn by the axes over the whole view; regenerating it when the range changes
    took 35 ms of GIL time, against well under a millisecond for these few cosmetic lines.
    """

    MAJOR, MINOR = QColor(0, 0, 0, 46), QColor(0, 0, 0, 18)
    MINOR_SPACING_PX = 60  # draw 2..9 within decades at least this tall
    MIN_MAJOR_SPACING_PX = 12  # after divergence hundreds of decades share the axis: every 2nd, 5th, 10th… then

    def __init__(self, plot_item: pg.PlotItem) -> None:
        super().__init__()
        self.view_box = plot_item.getViewBox()
        self.epoch_axis = plot_item.getAxis("bottom")
        self.setZValue(-100)
        self.view_box.sigRangeChanged.connect(self._range_changed)
        self.view_box.sigResized.connect(self._range_changed)

    def _range_changed(self, *_args) -> None:
        self.prepareGeometryChange()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt naming
        return self.view_box.viewRect()

    def paint(self, painter: QPainter, *_args) -> None:
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        height_px = max(self.view_box.height(), 1.0)
        decade_px = height_px / max(y1 - y0, 1e-9)
        major, minor = [], []
        every = next(step for step in (1, 2, 5, 10, 20, 50, 100, 1000) if step * decade_px >= self.MIN_MAJOR_SPACING_PX)
        for decade in range(math.floor(y0), math.ceil(y1) + 1):
            if y0 <= decade <= y1 and decade % every == 0:
                major.append(QLineF(x0, decade, x1, decade))
            if decade_px >= self.MINOR_SPACING_PX:
                minor += [QLineF(x0, y, x1, y) for y in decade + np.log10(np.arange(2, 10)) if y0 <= y <= y1]
        ticks = self.epoch_axis.tickValues(x0, x1, max(self.view_box.width(), 1.0))
        if ticks:
            major += [QLineF(x, y0, x, y1) for x in ticks[0][1] if x0 <= x <= x1]
        for colour, lines in ((self.MINOR, minor), (self.MAJOR, major)):
            pen = QPen(colour)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawLines(lines)


class LossPlot(pg.PlotWidget):
    """Loss against epoch on a log axis, for the live run and any kept runs."""

    def __init__(self, parent=None, max_buckets: int = 1024) -> None:
        super().__init__(parent, background="w", axisItems={"bottom": EpochAxis("bottom")})
        self.envelope = LossEnvelope(max_buckets)
        item = self.getPlotItem()
        item.setLogMode(y=True)
        self.grid = GridLines(item)
        item.addItem(self.grid, ignoreBounds=True)
        item.setLabel("left", "loss  (½·mean squared error, log scale)", color=TEXT_COLOUR)
        item.setLabel("bottom", "epoch  (gradient-descent updates)", color=TEXT_COLOUR)
        item.setTitle("Training loss", color=TEXT_COLOUR, size="11pt")
        self.legend = item.addLegend(offset=(10, -10), labelTextColor=TEXT_COLOUR)  # bottom left: curves fall to the right
        self.curve = item.plot([], [], pen=pg.mkPen(LIVE_COLOUR, width=1), name="current run")
        self.curve.setClipToView(True)
        self.divergence_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(DIVERGED_COLOUR, width=2, style=Qt.PenStyle.DashLine),
            label="diverged", labelOpts={"position": 0.9, "color": DIVERGED_COLOUR, "anchors": [(1, 0), (1, 0)]},
        )
        self.divergence_line.setVisible(False)
        item.addItem(self.divergence_line, ignoreBounds=True)
        self._extra: dict[object, pg.PlotDataItem] = {}
        self._extra_bounds: dict[object, tuple[float, float, float]] = {}  # min loss, max loss, last epoch
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            axis.setTextPen(TEXT_COLOUR)
        item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        item.getAxis("left").enableAutoSIPrefix(False)  # no "(x1e+27)" after the label once the loss explodes
        item.disableAutoRange()
        item.hideButtons()  # pyqtgraph's "A" (auto-range) would fight the follow logic; View ▸ Fit loss plot does it
        item.getViewBox().sigRangeChangedManually.connect(self._stop_following)
        self.following = True
        self.planned_epochs = 1
        self._view: tuple[float, float, float] | None = None
        self._last_draw = 0.0
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.timeout.connect(self._draw)

    # ------------------------------------------------------------ the view

    def set_planned_epochs(self, epochs: int) -> None:
        """The run's planned total: the x axis grows towards it (and past it only when the run does)."""
        epochs = max(int(epochs), 1)
        if epochs != self.planned_epochs:
            self.planned_epochs = epochs
            self._view = None
            self._follow()

    def fit(self) -> None:
        """Show everything again and follow the data (after the person zoomed or panned)."""
        self.following = True
        self._view = None
        self._follow()

    def _stop_following(self, *_args) -> None:
        self.following = False

    def _bounds(self) -> tuple[float, float, float] | None:
        """Lowest and highest plottable loss and the last epoch, over the live curve and the visible kept runs."""
        found = []
        x, y = self.curve.xData, self.curve.yData
        if y is not None and len(y):
            found.append((float(y.min()), float(y.max()), float(x[-1])))
        found += [b for key, b in self._extra_bounds.items() if self._extra[key].isVisible()]
        if not found:
            return None
        return min(b[0] for b in found), max(b[1] for b in found), max(b[2] for b in found)

    def _follow(self) -> None:
        """Keep all curves in view, moving the axes as rarely as possible."""
        bounds = self._bounds() if self.following else None
        if bounds is None:
            return
        low, high, last_epoch = bounds
        log_low, log_high = math.log10(low), math.log10(high)
        x_end = self._x_end(last_epoch)
        if self._view is not None:
            lo, hi, shown_end = self._view
            if lo <= log_low and log_high <= hi and shown_end == x_end:
                return
        lo = math.floor(log_low) - SPARE_DECADES
        hi = max(math.ceil(log_high), lo + 1)
        self._view = (lo, hi, x_end)
        self.getPlotItem().setRange(xRange=(0, x_end), yRange=(lo, hi), padding=0.02)

    def _x_end(self, last_epoch: float) -> float:
        """Where the x axis ends: a round number past the data, the plan once near it, beyond it if need be."""
        span = nice_span(1.1 * last_epoch)
        return min(span, float(self.planned_epochs)) if last_epoch <= self.planned_epochs else span

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
        """Add the losses of the next epochs; the curve redraws now or as soon as REDRAW_MS has passed."""
        if losses.size == 0:
            return
        first = self.envelope.count
        self.envelope.extend(losses)
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size:
            self.mark_divergence(first + int(bad[0]))
        if self._redraw.isActive():
            return
        wait_ms = REDRAW_MS - 1000 * (time.perf_counter() - self._last_draw)
        if wait_ms <= 0:
            self._draw()
        else:
            self._redraw.start(int(wait_ms) + 1)

    def _draw(self) -> None:
        """Redraw the live curve from the envelope."""
        self._last_draw = time.perf_counter()
        x, y = plottable(*self.envelope.xy())
        x, y = at_most(x, y, MAX_POINTS)
        self.curve.setData(x, y, skipFiniteCheck=True)
        self._follow()

    def mark_divergence(self, epoch: int) -> None:
        self.divergence_line.setValue(epoch)
        self.divergence_line.label.setFormat(f"diverged at epoch {epoch:,}")
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
        """Show a kept run as a faded curve with a legend entry (replacing any curve with this key)."""
        self.remove_curve(key)
        x, y = plottable(np.asarray(x), np.asarray(y))
        pen = pg.mkPen(pg.mkColor(colour), width=1.5)
        curve = self.getPlotItem().plot(x, y, pen=pen, name=label)
        curve.setOpacity(0.75)
        curve.setZValue(-1)
        curve.setClipToView(True)
        self._extra[key] = curve
        if len(y):
            self._extra_bounds[key] = (float(y.min()), float(y.max()), float(x[-1]))
        self._view = None
        self._follow()

    def remove_curve(self, key: object) -> None:
        """Take a kept run's curve (and its legend entry) off the plot; unknown keys are ignored."""
        curve = self._extra.pop(key, None)
        self._extra_bounds.pop(key, None)
        if curve is not None:
            self.getPlotItem().removeItem(curve)
            self._view = None
            self._follow()

    def set_curve_visible(self, key: object, visible: bool) -> None:
        curve = self._extra.get(key)
        if curve is not None:
            curve.setVisible(visible)
            self._view = None
            self._follow()

    def extra_keys(self) -> list[object]:
        return list(self._extra)
