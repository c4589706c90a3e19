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

A diverging run climbs to 1e300 before its loss becomes inf: the view ignores
every curve (live or kept) from where its climb to divergence began (see
:func:`divergence`; found chunk by chunk for the live run, once for a kept one),
so one blown-up run takes no decades from the others; the climb is drawn,
clipped at the top edge, where an arrow marks a kept run's divergence. The
legend sits below the plot in as many columns as fit, never over a curve. The
hover read-out is computed at most every HOVER_MS and only while the mouse
moves; smoothing (off by default) adds one vectorised pass over the drawn
points per redraw. The context menu is ours (Fit, Log scale, Smoothing, Show
legend, Export image…); pyqtgraph's menus are disabled.
"""

from __future__ import annotations

import html
import math
import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QMenu

from mlp_gui.core.decimate import LossEnvelope
from mlp_gui.gui import palette

LIVE_COLOUR = palette.LIVE_CURVE
DIVERGED_COLOUR = palette.ERROR
TEXT_COLOUR = palette.TEXT
MUTED_COLOUR = palette.MUTED
REDRAW_MS = 66  # the curve redraws at most 15 times a second; the envelope takes every loss at once
HOVER_MS = 50  # the hover read-out is recomputed at most 20 times a second, and only while the mouse moves
MIN_X_SPAN = 10  # epochs shown at least (so Step 1 draws a visible segment)
SPARE_DECADES = 1  # room left below the lowest loss, so the y axis moves every other decade at most
LEFT_AXIS_WIDTH = 64  # pixels: fits "10⁻¹⁰⁰" and the axis label
RIGHT_MARGIN = 22  # pixels right of the view, so the last epoch label ("100k") is not cut off
LOSS_NAMES = {"mse": "½·mean squared error", "cross-entropy": "cross-entropy"}  # as the left axis names them
MAX_POINTS = 16_384  # points drawn for the live curve at most (a few per pixel of a wide screen)
DIVERGENCE_FACTOR = 1e6  # a curve has diverged once its loss is a million times its starting loss (or not finite)
DECADE_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)  # label every 1st, 2nd, 5th... decade, as room allows
LABEL_SPACING_PX = 24  # labelled ticks of the loss axis at least this far apart
MINOR_TICK_PX = 40  # decades at least this tall get (unlabelled) ticks at 2..9
MINOR_LABEL_PX = 150  # decades at least this tall label 2·10ⁿ and 5·10ⁿ too; at least 400: every 2..9
SMOOTHING_CHOICES = (("Off", 0.0), ("0.6", 0.6), ("0.9", 0.9))
RAW_OPACITY = 0.25  # the unsmoothed curve behind a smoothed one
KEPT_OPACITY = 0.75
DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.DashDotDotLine)
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


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


def divergence(y: np.ndarray, factor: float = DIVERGENCE_FACTOR) -> tuple[int, int] | None:
    """Where a curve diverged, as indices ``(climb, diverged)``; None if it did not.

    ``diverged`` is its first loss that is not finite or more than ``factor`` times its starting loss (the first
    positive finite one); ``climb`` is where the climb to it began: just after the last loss before it that was no
    higher than the start. The view ignores the curve from ``climb`` on, so a run that blows up takes no decade
    from the others. Relative to the start, not to the running minimum: a converged run that spikes from 1e-12
    to 1e-5 and recovers has not diverged, one a million times worse than an untrained network never comes back.
    """
    y = np.asarray(y, dtype=np.float64)
    good = np.flatnonzero(np.isfinite(y) & (y > 0))
    start = y[good[0]] if good.size else np.inf
    over = np.flatnonzero(~np.isfinite(y) | (y > factor * start))
    if not over.size:
        return None
    diverged = int(over[0])
    below = np.flatnonzero(y[:diverged] <= start)
    return (int(below[-1]) + 1 if below.size else diverged), diverged


def smoothed(y: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: the debiased exponential moving average of log10(y), back in loss units.

    ``s[t] = weight * s[t-1] + (1 - weight) * log10(y[t])`` from ``s[-1] = 0``, divided by ``1 - weight**(t+1)``;
    computed as a prefix scan (log2(n) vector operations, no Python loop over points).
    """
    if weight <= 0 or len(y) == 0:
        return y
    acc = (1 - weight) * np.log10(y)
    shift = 1
    while shift < len(acc):
        acc[shift:] += weight**shift * acc[:-shift]  # the right side is evaluated first: the previous values
        shift *= 2
    return 10 ** (acc / -np.expm1(np.arange(1, len(acc) + 1) * math.log(weight)))


def nice_span(epochs: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``epochs`` (and at least MIN_X_SPAN)."""
    epochs = max(float(epochs), MIN_X_SPAN)
    decade = 10.0 ** math.floor(math.log10(epochs))
    return next(step * decade for step in (1.0, 2.0, 5.0, 10.0) if step * decade >= epochs)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value`` (the top of a linear loss axis)."""
    if not value > 0:
        return 1.0
    decade = 10.0 ** math.floor(math.log10(value))
    return next(step * decade for step in (1.0, 2.0, 5.0, 10.0) if step * decade >= value * (1 - 1e-12))


def format_epoch(value: float) -> str:
    """Epoch tick labels: ``900``, ``5000``, ``20k``, ``1.5M``."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def format_power(exponent: int, mantissa: int = 1) -> str:
    """Loss tick labels, one style for every decade: ``10⁰``, ``10⁻⁵``, ``10³⁰⁰``, ``2·10⁻⁵``."""
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    return power if mantissa == 1 else f"{mantissa}·{power}"


def format_loss(value: float) -> str:
    return f"{value:.4g}"


def decade_step(decade_px: float, min_px: float) -> int:
    """Every how many decades a line or label goes, so that they are at least ``min_px`` apart."""
    return next((step for step in DECADE_STEPS if step * decade_px >= min_px), DECADE_STEPS[-1])


class EpochAxis(pg.AxisItem):
    """A bottom axis that labels epochs compactly (20k, 1.5M) instead of 20000, 1500000."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph naming
        return [format_epoch(v * scale) for v in values]


class LossAxis(pg.AxisItem):
    """The left axis. On a log scale every label is a power of ten in one style (10⁰, 10⁻⁵), decades are labelled
    every 2nd, 5th, 10th... as room requires (hundreds of decades after a zoom-out), and the ticks at 2..9
    within a decade are labelled only when a decade is very tall (2·10⁻⁵, 5·10⁻⁵)."""

    def __init__(self, orientation: str = "left", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self._decade_px = 0.0

    def tickValues(self, min_val, max_val, size):  # noqa: N802 - pyqtgraph naming
        if not self.logMode:
            return super().tickValues(min_val, max_val, size)
        lo, hi = sorted((float(min_val), float(max_val)))
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo <= 0:
            return []
        self._decade_px = decade_px = size / (hi - lo)
        step = decade_step(decade_px, LABEL_SPACING_PX)
        levels = [(float(step), [float(d) for d in range(math.ceil(lo), math.floor(hi) + 1) if d % step == 0])]
        if decade_px >= MINOR_TICK_PX:
            minor = [d + math.log10(k) for d in range(math.floor(lo), math.ceil(hi)) for k in range(2, 10)]
            levels.append((None, [v for v in minor if lo <= v <= hi]))
        return levels

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph naming
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        labelled = (2, 3, 4, 5, 6, 7, 8, 9) if self._decade_px >= 400 else (2, 5) if self._decade_px >= MINOR_LABEL_PX else ()
        strings = []
        for v in values:
            exponent = math.floor(v + 1e-9)
            mantissa = round(10 ** (v - exponent))
            if mantissa in (1, 10):
                strings.append(format_power(exponent + (mantissa == 10)))
            else:
                strings.append(format_power(exponent, mantissa) if mantissa in labelled else "")
        return strings


class GridLines(pg.GraphicsObject):
    """Light grid lines: one per decade of loss (and 2..9 within a decade when there is room) and one per
    major epoch tick; on a linear loss axis, one per major loss tick.

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
        self.loss_axis = plot_item.getAxis("left")
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
        major, minor = [], []
        if self.loss_axis.logMode:
            decade_px = height_px / max(y1 - y0, 1e-9)
            every = decade_step(decade_px, self.MIN_MAJOR_SPACING_PX)
            for decade in range(math.floor(y0), math.ceil(y1) + 1):
                if y0 <= decade <= y1 and decade % every == 0:
                    major.append(QLineF(x0, decade, x1, decade))
                if decade_px >= self.MINOR_SPACING_PX:
                    minor += [QLineF(x0, y, x1, y) for y in decade + np.log10(np.arange(2, 10)) if y0 <= y <= y1]
        else:
            levels = self.loss_axis.tickValues(y0, y1, height_px)
            if levels:
                major += [QLineF(x0, y, x1, y) for y in levels[0][1] if y0 <= y <= y1]
        ticks = self.epoch_axis.tickValues(x0, x1, max(self.view_box.width(), 1.0))
        if ticks:
            major += [QLineF(x, y0, x, y1) for x in ticks[0][1] if x0 <= x <= x1]
        for colour, lines in ((self.MINOR, minor), (self.MAJOR, major)):
            pen = QPen(colour)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawLines(lines)


class LegendSample(pg.graphicsItems.LegendItem.ItemSample):
    """A legend entry's line: drawn like pyqtgraph's, but a click does not hide the curve behind the kept-runs
    list's back (its checkboxes do that)."""

    def mouseClickEvent(self, event):  # noqa: N802 - pyqtgraph naming
        event.ignore()


class Legend(pg.LegendItem):
    """The legend, laid out below the plot (so it never covers a curve) in as many columns as fit."""

    def __init__(self) -> None:
        super().__init__(labelTextColor=TEXT_COLOUR, sampleType=LegendSample, frame=False, horSpacing=4, verSpacing=-5)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, False)  # scales with an export
        self.setMinimumWidth(0)  # never holds the plot wider than its window: fit_columns() re-flows it instead

    def mouseDragEvent(self, ev):  # noqa: N802 - pyqtgraph naming: it stays in its place in the layout
        ev.ignore()

    def fit_columns(self, width: float) -> None:
        """As many columns as entries of the widest one's width fit into ``width`` pixels."""
        if not self.items:
            return
        entry = max(sample.preferredWidth() + label.preferredWidth() for sample, label in self.items) + 24
        self.setColumnCount(max(1, min(len(self.items), int(width // entry))))


@dataclass
class _Kept:
    """A kept run on the plot: its raw and smoothed curves and where (if anywhere) it diverged."""

    label: str
    colour: QColor
    raw: pg.PlotDataItem
    smooth: pg.PlotDataItem
    x: np.ndarray  # the plottable points
    y: np.ndarray
    climb_at: float | None  # the epoch from which the view ignores it (see divergence())
    diverged_at: float | None  # the epoch it diverged at, marked at the top edge
    reason: str
    arrow: pg.ArrowItem | None = None
    note: pg.TextItem | None = None

    def __post_init__(self) -> None:
        before = self.y if self.climb_at is None else self.y[: np.searchsorted(self.x, self.climb_at, "left")]
        self.loss_range = (float(before.min()), float(before.max())) if len(before) else None  # what the view must show

    @property
    def visible(self) -> bool:
        return self.raw.isVisible()


class LossPlot(pg.PlotWidget):
    """Loss against epoch on a log axis, for the live run and any kept runs.

    Signals for the window: ``hover_text(str)`` the read-out under the mouse ("" when it leaves), for the status
    bar; ``export_requested()`` when the context menu's "Export image…" is chosen.
    """

    hover_text = Signal(str)
    export_requested = Signal()

    def __init__(self, parent=None, max_buckets: int = 1024) -> None:
        super().__init__(parent, background="w", axisItems={"bottom": EpochAxis("bottom"), "left": LossAxis("left")})
        self._stale = False  # losses arrived while hidden: not drawn yet
        self.envelope = LossEnvelope(max_buckets)
        self.loss = "mse"  # the run's loss, which the left axis names
        item = self.getPlotItem()
        item.setMenuEnabled(False)  # pyqtgraph's own menus (plot item and view box): ours is self.menu
        item.setLogMode(y=True)
        self.grid = GridLines(item)
        item.addItem(self.grid, ignoreBounds=True)
        item.setLabel("left", self._left_label(True), color=TEXT_COLOUR)
        item.setLabel("bottom", "epoch  (gradient-descent updates)", color=TEXT_COLOUR)
        item.setTitle("Training loss", color=TEXT_COLOUR, size="11pt")
        item.layout.setColumnMinimumWidth(2, RIGHT_MARGIN)
        self.legend = Legend()
        item.legend = self.legend  # curves plotted with a name get an entry
        self._legend_shown = False
        self.set_legend_visible(True)
        self.curve = item.plot([], [], pen=pg.mkPen(LIVE_COLOUR, width=1), name="current run")
        self.curve.setClipToView(True)
        self.smooth_curve = self._twin(self.curve)
        self.divergence_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(DIVERGED_COLOUR, width=2, style=Qt.PenStyle.DashLine),
            label="diverged", labelOpts={"position": 0.9, "color": DIVERGED_COLOUR, "anchors": [(1, 0), (1, 0)]},
        )
        self.divergence_line.setVisible(False)
        item.addItem(self.divergence_line, ignoreBounds=True)
        self.stepsize_marks: list[pg.InfiniteLine] = []
        self.test_envelope = LossEnvelope(max_buckets)  # the test loss, when the data has a test set
        self.test_curve: pg.PlotDataItem | None = None  # made (with its legend entry) once there is a test loss
        self._kept: dict[object, _Kept] = {}  # by key, in the order added
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            axis.setTextPen(TEXT_COLOUR)
        item.getAxis("bottom").setStyle(hideOverlappingLabels=RIGHT_MARGIN)
        item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        item.getAxis("left").enableAutoSIPrefix(False)  # no "(x1e+27)" after the label once the loss explodes
        item.disableAutoRange()
        item.hideButtons()  # pyqtgraph's "A" (auto-range) would fight the follow logic; Fit (menu, Ctrl+F) does it
        view_box = item.getViewBox()
        view_box.sigRangeChangedManually.connect(self._stop_following)
        view_box.sigRangeChanged.connect(self._place_divergence_marks)
        view_box.sigResized.connect(self._layout_changed)
        self.following = True
        self.planned_epochs = 1
        self.log_scale = True
        self.smoothing = 0.0
        self._view: tuple[float, float, float] | None = None
        self._live_start: float | None = None  # the live run's first plottable loss
        self._live_below = -1  # the last epoch whose loss was no higher than the start
        self._live_climb_at: int | None = None  # where the live curve began the climb to its divergence (see divergence())
        self._live_diverged_at: int | None = None
        self._last_draw = 0.0
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.timeout.connect(self._draw)
        self._build_hover()
        self._build_menu()

    def _left_label(self, log: bool) -> str:
        return f"loss  ({LOSS_NAMES.get(self.loss, self.loss)}, {'log' if log else 'linear'} scale)"

    def set_loss(self, loss: str) -> None:
        """The run's loss (``mse``, ``cross-entropy``): the axis names it, whichever scale it is on."""
        self.loss = loss
        self.getPlotItem().setLabel("left", self._left_label(self.log_scale), color=TEXT_COLOUR)

    def _twin(self, raw: pg.PlotDataItem) -> pg.PlotDataItem:
        """The smoothed copy of ``raw`` (same pen, no legend entry), hidden while smoothing is off."""
        twin = self.getPlotItem().plot([], [], pen=raw.opts["pen"])
        twin.setClipToView(True)
        twin.setZValue(raw.zValue())
        twin.setVisible(False)
        return twin

    def _to_view(self, loss: float) -> float:
        return math.log10(loss) if self.log_scale else loss

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

    def set_log_scale(self, log: bool) -> None:
        """Loss on a log (default) or a linear axis; the view fits the data again."""
        log = bool(log)
        if log != self.log_scale:
            self.log_scale = log
            item = self.getPlotItem()
            item.setLogMode(y=log)
            item.setLabel("left", self._left_label(log), color=TEXT_COLOUR)
            self.hide_hover()
            self.fit()
        self.log_action.setChecked(log)

    def _stop_following(self, *_args) -> None:
        self.following = False

    def _bounds(self) -> tuple[float, float, float] | None:
        """Lowest and highest plottable loss before divergence and the last epoch, over the live curve and the
        visible kept runs (None when there is nothing to show)."""
        lows, highs, ends = [], [], []
        x, y = self.curve.xData, self.curve.yData
        if y is not None and len(y):
            ends.append(float(x[-1]))
            if self._live_climb_at is not None:
                y = y[: np.searchsorted(x, self._live_climb_at, "left")]
            if len(y):
                lows.append(float(y.min()))
                highs.append(float(y.max()))
        if self.test_curve is not None and self.test_curve.yData is not None and len(self.test_curve.yData):
            ty = self.test_curve.yData
            if self._live_climb_at is not None:
                ty = ty[: np.searchsorted(self.test_curve.xData, self._live_climb_at, "left")]
            if len(ty):
                lows.append(float(ty.min()))
                highs.append(float(ty.max()))
        for kept in self._kept.values():
            if kept.visible and len(kept.x):
                ends.append(float(kept.x[-1]))
                if kept.loss_range is not None:
                    lows.append(kept.loss_range[0])
                    highs.append(kept.loss_range[1])
        if not ends:
            return None
        if not lows:  # every curve diverged at once: show the starting decade
            lows, highs = [1.0], [1.0]
        return min(lows), max(highs), max(ends)

    def _follow(self) -> None:
        """Keep all curves in view, moving the axes as rarely as possible."""
        bounds = self._bounds() if self.following else None
        if bounds is None:
            return
        low, high, last_epoch = bounds
        x_end = self._x_end(last_epoch)
        if self.log_scale:
            low, high = math.log10(low), math.log10(high)
        if self._view is not None:
            lo, hi, shown_end = self._view
            if lo <= low and high <= hi and shown_end == x_end:
                return
        if self.log_scale:
            lo = math.floor(low) - SPARE_DECADES
            hi = max(math.ceil(high), lo + 1)
        else:
            lo, hi = 0.0, nice_ceiling(high)
        self._view = (lo, hi, x_end)
        self.getPlotItem().setRange(xRange=(0, x_end), yRange=(lo, hi), padding=0.02)

    def _x_end(self, last_epoch: float) -> float:
        """Where the x axis ends: a round number past the data, the plan once near it, beyond it if need be."""
        span = nice_span(1.1 * last_epoch)
        return min(span, float(self.planned_epochs)) if last_epoch <= self.planned_epochs else span

    def _layout_changed(self, *_args) -> None:
        self.legend.fit_columns(self.getPlotItem().getViewBox().width())

    # ------------------------------------------------------------ the live run

    def reset(self, history: np.ndarray, test_history: np.ndarray | None = None) -> None:
        """Show a new run whose losses so far are ``history`` (epoch 0 first), and its test losses if it has a test set."""
        self.envelope.clear()
        self.test_envelope.clear()
        if self.test_curve is not None:
            self.getPlotItem().removeItem(self.test_curve)
            self.test_curve = None
        if test_history is not None and np.isfinite(test_history).any():
            self.append_test(test_history)
        self.divergence_line.setVisible(False)
        for line in self.stepsize_marks:
            self.getPlotItem().removeItem(line)
        self.stepsize_marks.clear()
        self._live_start = None
        self._live_below = -1
        self._live_climb_at = self._live_diverged_at = None
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
        self._watch_divergence(first, losses)
        if not self.isVisible():  # another tab is in front: draw once it is shown (or the data is asked for)
            self._stale = True
            return
        if self._redraw.isActive():
            return
        wait_ms = REDRAW_MS - 1000 * (time.perf_counter() - self._last_draw)
        if wait_ms <= 0:
            self._draw()
        else:
            self._redraw.start(int(wait_ms) + 1)

    def append_test(self, losses: np.ndarray) -> None:
        """Add the test losses of the next epochs (drawn, dashed, with the training curve's next redraw)."""
        if losses.size == 0:
            return
        if self.test_curve is None:
            pen = pg.mkPen(palette.TEST_CURVE, width=1.5, style=Qt.PenStyle.DashLine)
            self.test_curve = self.getPlotItem().plot([], [], pen=pen, name="test loss")
            self.test_curve.setClipToView(True)
        self.test_envelope.extend(losses)

    def _watch_divergence(self, first: int, losses: np.ndarray) -> None:
        """Follow :func:`divergence` chunk by chunk: the view stops following the live run where it began to diverge."""
        if self._live_diverged_at is not None:
            return
        if self._live_start is None:
            good = np.flatnonzero(np.isfinite(losses) & (losses > 0))
            if good.size:
                self._live_start = float(losses[good[0]])
        start = self._live_start if self._live_start is not None else np.inf
        over = np.flatnonzero(~np.isfinite(losses) | (losses > DIVERGENCE_FACTOR * start))
        below = (losses[: over[0]] if over.size else losses) <= start
        if below.any():
            self._live_below = first + len(below) - 1 - int(np.argmax(below[::-1]))
        if over.size:
            self._live_diverged_at = first + int(over[0])
            self._live_climb_at = min(self._live_below + 1, self._live_diverged_at)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        """Catch up with the losses that arrived while the plot was hidden."""
        super().showEvent(event)
        if self._stale:
            self._draw()

    def _draw(self) -> None:
        """Redraw the live curve from the envelope."""
        self._stale = False
        self._last_draw = time.perf_counter()
        x, y = plottable(*self.envelope.xy())
        x, y = at_most(x, y, MAX_POINTS)
        self.curve.setData(x, y, skipFiniteCheck=True)
        if self.test_curve is not None:
            self.test_curve.setData(*at_most(*plottable(*self.test_envelope.xy()), MAX_POINTS), skipFiniteCheck=True)
        if self.smoothing > 0:
            self.smooth_curve.setData(x, smoothed(y, self.smoothing), skipFiniteCheck=True)
        self._follow()

    def mark_divergence(self, epoch: int) -> None:
        """The live run's divergence: a dashed red line labelled "diverged at epoch N"."""
        self.divergence_line.label.setFormat(f"diverged at epoch {epoch:,}")
        self.divergence_line.setValue(epoch)
        self.divergence_line.setVisible(True)
        self.divergence_line.label.valueChanged()  # a label takes its format only when its visible line moves

    def mark_viewed(self, epoch: int | None) -> None:
        """A grey line at the epoch the views show (going back in time); None removes it."""
        if not hasattr(self, "viewed_line"):
            self.viewed_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(palette.MUTED, width=1.5,
                                                                                       style=Qt.PenStyle.DotLine))
            self.getPlotItem().addItem(self.viewed_line, ignoreBounds=True)
        self.viewed_line.setVisible(epoch is not None)
        if epoch is not None:
            self.viewed_line.setValue(epoch)

    def mark_stepsize_change(self, epoch: int, stepsize: float) -> None:
        """A thin dotted line labelled "stepsize 0.5" where the run went on with another stepsize (reset clears it)."""
        line = pg.InfiniteLine(
            pos=epoch, angle=90, movable=False, pen=pg.mkPen(MUTED_COLOUR, width=1, style=Qt.PenStyle.DotLine),
            label=f"stepsize {stepsize:g}",
            labelOpts={"position": 0.97, "color": MUTED_COLOUR, "anchors": [(0, 0), (0, 0)]},
        )
        line.setZValue(-50)
        self.getPlotItem().addItem(line, ignoreBounds=True)
        self.stepsize_marks.append(line)

    def curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        """What the live curve shows now (epochs, losses), unsmoothed."""
        if self._redraw.isActive() or self._stale:
            self._redraw.stop()
            self._draw()
        x, y = self.curve.xData, self.curve.yData  # the data, not its log-transformed display copy
        return (np.empty(0), np.empty(0)) if x is None else (x, y)

    def shown_data(self, key: object = None) -> tuple[np.ndarray, np.ndarray]:
        """The points drawn in full colour for the live run (``key`` None) or a kept run: smoothed when smoothing is on."""
        if key is None:
            raw, smooth = self.curve_data(), (self.smooth_curve.xData, self.smooth_curve.yData)
        else:
            kept = self._kept[key]
            raw, smooth = (kept.x, kept.y), (kept.smooth.xData, kept.smooth.yData)
        return smooth if self.smoothing > 0 and smooth[0] is not None else raw

    # ------------------------------------------------------------ smoothing

    def _smoothing_chosen(self, action: QAction) -> None:
        self.set_smoothing(float(action.data()))

    def set_smoothing(self, weight: float) -> None:
        """Smooth every curve with TensorBoard's exponential moving average in log space (0: off, 0.6, 0.9...),
        the raw curve kept faintly behind."""
        weight = float(weight)
        if not 0 <= weight < 1:
            raise ValueError(f"smoothing weight must be at least 0 and below 1, not {weight}")
        self.smoothing = weight
        self._smooth(self.curve, self.smooth_curve, 1.0, *self.curve_data())
        for kept in self._kept.values():
            self._smooth(kept.raw, kept.smooth, KEPT_OPACITY, kept.x, kept.y)
        for action in self._smoothing_group.actions():
            action.setChecked(action.data() == weight)

    def _smooth(self, raw: pg.PlotDataItem, smooth: pg.PlotDataItem, opacity: float, x: np.ndarray, y: np.ndarray) -> None:
        """Show ``raw`` faintly behind its smoothed twin, or alone at ``opacity`` when smoothing is off."""
        on = self.smoothing > 0
        raw.setOpacity(opacity * RAW_OPACITY if on else opacity)
        smooth.setOpacity(opacity)
        smooth.setVisible(on and raw.isVisible())
        if on:
            smooth.setData(x, smoothed(np.asarray(y, dtype=np.float64), self.smoothing), skipFiniteCheck=True)
        else:
            smooth.setData([], [])

    # ------------------------------------------------------------ kept runs

    def add_curve(self, key: object, x: np.ndarray, y: np.ndarray, label: str, colour: str) -> None:
        """Show a kept run as a faded curve with a legend entry (replacing any curve with this key).

        A run shown under a label already on the plot gets " #2" (" #3"...); one whose colour or label is
        already taken gets a dash pattern of its own. A diverged run is ignored by the view past its divergence
        and marked by an arrow at the top edge.
        """
        self.remove_curve(key)
        x, y = np.asarray(x), np.asarray(y, dtype=np.float64)
        found = divergence(y)
        climb_at = diverged_at = None
        reason = ""
        if found is not None:
            climb_at, diverged_at = float(x[found[0]]), float(x[found[1]])
            value = y[found[1]]
            reason = f"its loss became {value}" if not np.isfinite(value) else f"its loss passed {DIVERGENCE_FACTOR:.0e} × its start"
        x, y = plottable(x, y)
        qcolour = pg.mkColor(colour)
        same = [k for k in self._kept.values() if k.label.split(" #")[0] == label]
        if same:
            label = f"{label} #{len(same) + 1}"
        taken = {k.raw.opts["pen"].style() for k in self._kept.values()
                 if k.colour.rgb() == qcolour.rgb() or k.label.split(" #")[0] == label.split(" #")[0]}
        dash = next((style for style in DASHES if style not in taken), DASHES[len(self._kept) % len(DASHES)])
        item = self.getPlotItem()
        raw = item.plot(x, y, pen=pg.mkPen(qcolour, width=1.5, style=dash), name=label)
        raw.setZValue(-1)
        raw.setClipToView(True)
        kept = _Kept(label, qcolour, raw, self._twin(raw), x, y, climb_at, diverged_at, reason)
        if diverged_at is not None:
            kept.arrow = pg.ArrowItem(angle=90, headLen=12, headWidth=10, tailLen=8, tailWidth=2, pen=None, brush=qcolour)
            kept.note = pg.TextItem(f" diverged at epoch {diverged_at:,.0f}", color=qcolour, anchor=(0, 0))
            tip = f"{label}: diverged at epoch {diverged_at:,.0f} ({reason}); the view ignores the curve past it"
            for mark in (kept.arrow, kept.note):
                mark.setToolTip(tip)
                mark.setZValue(10)
                item.addItem(mark, ignoreBounds=True)
        self._kept[key] = kept
        self._smooth(raw, kept.smooth, KEPT_OPACITY, x, y)
        self._view = None
        self._follow()
        self._place_divergence_marks()
        self._layout_changed()

    def remove_curve(self, key: object) -> None:
        """Take a kept run's curve (and its legend entry) off the plot; unknown keys are ignored."""
        kept = self._kept.pop(key, None)
        if kept is not None:
            item = self.getPlotItem()
            for thing in (kept.raw, kept.smooth, kept.arrow, kept.note):
                if thing is not None:
                    item.removeItem(thing)
            self._view = None
            self._follow()
            self._place_divergence_marks()
            self._layout_changed()

    def set_curve_visible(self, key: object, visible: bool) -> None:
        kept = self._kept.get(key)
        if kept is not None:
            kept.raw.setVisible(visible)
            kept.smooth.setVisible(visible and self.smoothing > 0)
            self._view = None
            self._follow()
            self._place_divergence_marks()

    def extra_keys(self) -> list[object]:
        return list(self._kept)

    @property
    def _extra(self) -> dict[object, pg.PlotDataItem]:
        """Each kept run's (raw) curve by key."""
        return {key: kept.raw for key, kept in self._kept.items()}

    def curve_divergence(self, key: object) -> float | None:
        """The epoch past which the view ignores a kept run (None: it did not diverge)."""
        return self._kept[key].diverged_at

    def _place_divergence_marks(self, *_args) -> None:
        """Arrows (and notes stacked below one another) at the top edge, at each diverged kept run's epoch."""
        top = self.getPlotItem().getViewBox().viewRange()[1][1]
        marked = sorted((k for k in self._kept.values() if k.arrow is not None), key=lambda k: k.diverged_at)
        row = 0
        for kept in marked:
            for mark in (kept.arrow, kept.note):
                mark.setVisible(kept.visible)
                mark.setPos(kept.diverged_at, top)
            if kept.visible:
                kept.note.setAnchor((0, -row - 0.15))
                row += 1

    # ------------------------------------------------------------ legend and menu

    def set_legend_visible(self, shown: bool) -> None:
        """The legend below the plot, or no legend (the plot gets its room)."""
        shown = bool(shown)
        if shown != self._legend_shown:
            layout = self.getPlotItem().layout
            if shown:
                layout.addItem(self.legend, 4, 1, alignment=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            else:
                layout.removeItem(self.legend)
            self.legend.setVisible(shown)
            self._legend_shown = shown
        if hasattr(self, "legend_action"):
            self.legend_action.setChecked(shown)

    @property
    def legend_visible(self) -> bool:
        return self._legend_shown

    def _build_menu(self) -> None:
        """Our context menu (pyqtgraph's is disabled): Fit, Log scale, Smoothing ▸, Show legend, Export image…"""
        self.menu = QMenu(self)
        self.menu.addAction("Fit", self.fit)
        self.log_action = self.menu.addAction("Log scale")
        self.log_action.setCheckable(True)
        self.log_action.setChecked(True)
        self.log_action.toggled.connect(self.set_log_scale)
        self.smoothing_menu = self.menu.addMenu("Smoothing")
        self._smoothing_group = QActionGroup(self.smoothing_menu)
        for text, weight in SMOOTHING_CHOICES:
            action = QAction(text, self._smoothing_group, checkable=True, checked=weight == 0.0)
            action.setData(weight)
            self.smoothing_menu.addAction(action)
        self._smoothing_group.triggered.connect(self._smoothing_chosen)  # a method: no cycle through the connection
        self.legend_action = self.menu.addAction("Show legend")
        self.legend_action.setCheckable(True)
        self.legend_action.setChecked(self._legend_shown)
        self.legend_action.toggled.connect(self.set_legend_visible)
        self.menu.addSeparator()
        self.menu.addAction("Export image…", self.export_requested.emit)
        self.scene().sigMouseClicked.connect(self._clicked)

    def _clicked(self, event) -> None:
        """A right click (not a right drag, which zooms) opens our menu."""
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()
            self.hide_hover()
            self.menu.popup(event.screenPos().toPoint())

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt naming: the keyboard's menu key
        if event.reason() == event.Reason.Keyboard:
            self.menu.popup(event.globalPos())
        event.accept()

    # ------------------------------------------------------------ hover read-out

    def _build_hover(self) -> None:
        item = self.getPlotItem()
        self.cursor_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(QColor(0, 0, 0, 90), width=1))
        self.cursor_dots = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1))
        self.readout = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 225), border=pg.mkPen(QColor(0, 0, 0, 60)))
        for thing in (self.cursor_line, self.cursor_dots, self.readout):
            thing.setVisible(False)
            thing.setZValue(20)
            item.addItem(thing, ignoreBounds=True)
        self._mouse_at: QPointF | None = None
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.timeout.connect(self._update_hover)
        self.scene().sigMouseMoved.connect(self._mouse_moved)

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        self._mouse_at = QPointF(scene_pos)
        if not self._hover_timer.isActive():
            self._hover_timer.start(HOVER_MS)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().leaveEvent(event)
        self._hover_timer.stop()
        self.hide_hover()

    def hide_hover(self) -> None:
        """Take the cursor line and read-out off the plot (the mouse left it, or the plot is being exported)."""
        if self.readout.isVisible():
            for thing in (self.cursor_line, self.cursor_dots, self.readout):
                thing.setVisible(False)
            self.hover_text.emit("")

    def _readout_rows(self, epoch: float) -> list[tuple[QColor, str, float | None, float]]:
        """Per visible run with a plotted point at or before ``epoch``: its colour, its line of the read-out, the
        loss drawn at that point (None past its divergence) and the point's epoch."""
        live_diverged = self.divergence_line.value() if self.divergence_line.isVisible() else None
        runs = [("current run", pg.mkColor(LIVE_COLOUR), self.curve.xData, self.curve.yData, self.smooth_curve.yData, live_diverged, False)]
        runs += [(k.label, k.colour, k.x, k.y, k.smooth.yData, k.diverged_at, True) for k in self._kept.values() if k.visible]
        rows = []
        for label, colour, x, y, smooth, diverged_at, kept in runs:
            if diverged_at is not None and epoch >= diverged_at:
                rows.append((colour, f"{label}: diverged at epoch {diverged_at:,.0f}", None, diverged_at))
                continue
            i = -1 if x is None else int(np.searchsorted(x, epoch, "right")) - 1
            if i < 0:
                continue
            text, drawn = format_loss(y[i]), float(y[i])
            if self.smoothing > 0 and smooth is not None and len(smooth) == len(y):
                text, drawn = f"{format_loss(smooth[i])} (raw {text})", float(smooth[i])
            if kept and i == len(x) - 1 and epoch - x[i] > 0.01 * max(x[i], 1):
                text += f" (ended at epoch {int(x[i]):,})"
            rows.append((colour, f"{label}: {text}", drawn, float(x[i])))
        return rows

    def readout_at(self, epoch: float) -> str:
        """The read-out for the mouse at ``epoch``: each visible run's loss at its plotted point at or before it,
        on one line (what ``hover_text`` sends)."""
        rows = self._readout_rows(epoch)
        head = f"epoch {max(epoch, 0):,.0f}"
        return " · ".join([head] + [text for _, text, _, _ in rows]) if rows else head

    def _update_hover(self) -> None:
        view_box = self.getPlotItem().getViewBox()
        pos = self._mouse_at
        if pos is None or not view_box.sceneBoundingRect().contains(pos):
            self.hide_hover()
            return
        at = view_box.mapSceneToView(pos)
        epoch = at.x()
        rows = self._readout_rows(epoch)
        self.cursor_line.setValue(epoch)
        dots = [(x, self._to_view(v), colour) for colour, _, v, x in rows if v is not None]
        self.cursor_dots.setData([d[0] for d in dots], [d[1] for d in dots], brush=[d[2] for d in dots])
        lines = [f"<b>epoch {max(epoch, 0):,.0f}</b>"]
        lines += [f'<span style="color:{colour.name()}">■</span> {html.escape(text)}' for colour, text, _, _ in rows]
        self.readout.setHtml(f'<div style="color:{TEXT_COLOUR}">' + "<br>".join(lines) + "</div>")
        (x0, x1), (y0, y1) = view_box.viewRange()
        right, low = at.x() > (x0 + x1) / 2, at.y() < (y0 + y1) / 2
        px, py = view_box.viewPixelSize()
        self.readout.setAnchor((1 if right else 0, 1 if low else 0))
        self.readout.setPos(at.x() + (-14 if right else 14) * px, at.y() + (14 if low else -14) * py)
        for thing in (self.cursor_line, self.cursor_dots, self.readout):
            thing.setVisible(True)
        self.hover_text.emit(self.readout_at(epoch))
