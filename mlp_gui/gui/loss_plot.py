"""The live loss curve: log-scale, appended chunk by chunk, bounded in points however long the run.

The curve shows a :class:`~mlp_gui.core.decimate.LossEnvelope` of the history
(every epoch while the run is short, min/max per bucket once it is long), so a
10-million-epoch run draws as fast as a short one and the GUI keeps no copy of
the full history.

Painting a pyqtgraph view holds the GIL, which the training thread needs, so
the plot is frugal: the curve redraws at most every REDRAW_MS; the view moves
in coarse steps (x to the next 1, 2 or 5 times a power of ten, capped at the
planned epochs; y by whole decades with one to spare below the data) so the
axes and grid (:mod:`~mlp_gui.gui.plot_axes`), cached as pixmaps, are regenerated
a handful of times per run rather than at every update; and the left axis has a
fixed width so a longer tick label never re-lays out the plot. Values a log axis
cannot show (0, inf, NaN) are left out of the curve; divergence is drawn as a red
line at its epoch, its label kept inside the view. Kept runs (for comparison) are
extra, faded, thinner curves under the live one, added and removed by key.

A diverging run climbs to 1e300 before its loss becomes inf: the view ignores
every curve (live or kept) from where its climb to divergence began (see
:func:`~mlp_gui.core.clipping.divergence`), so one blown-up run takes no decades
from the others; the climb is drawn, clipped at the top edge, where an arrow
marks it (with the highest loss for the live run); Fit shows the blow-ups in full.
The legend (:mod:`~mlp_gui.gui.plot_legend`) sits below the plot, never over a
curve and never taller than a quarter of it. Pen widths follow the screen's device
pixel ratio, so a curve is as bold on a 2x screen. The hover read-out is computed
at most every HOVER_MS and only while the mouse moves; smoothing (off by default)
adds one vectorised pass over the drawn points per redraw. The context menu is ours
(Fit, Show blow-ups, Log scale, Smoothing, Show legend, Export image…).
"""

from __future__ import annotations

import html
import math
import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QMenu

from mlp_gui.core.clipping import DIVERGENCE_FACTOR, blowup_peak, divergence, loss_range
from mlp_gui.core.decimate import LossEnvelope, at_most, plottable
from mlp_gui.gui import palette
from mlp_gui.gui.plot_axes import (
    EpochAxis,
    GridLines,
    LossAxis,
    epoch_axis_label,
    format_epoch,
    format_power,
    nice_ceiling,
    nice_span,
)
from mlp_gui.gui.plot_legend import MAX_SHARE, Legend
from mlp_gui.gui.plot_marks import BlowupMark, fit_beside, place_line_label

__all__ = ["LossPlot", "EpochAxis", "LossAxis", "at_most", "divergence", "format_epoch", "format_power", "nice_span",
           "smoothed", "LIVE_COLOUR", "MAX_POINTS"]  # the axes and helpers other modules take from here

LIVE_COLOUR = palette.LIVE_CURVE
DIVERGED_COLOUR = palette.ERROR
TEXT_COLOUR = palette.TEXT
MUTED_COLOUR = palette.MUTED
REDRAW_MS = 66  # the curve redraws at most 15 times a second; the envelope takes every loss at once
HOVER_MS = 50  # the hover read-out is recomputed at most 20 times a second, and only while the mouse moves
SPARE_DECADES = 1  # room left below the lowest loss, so the y axis moves every other decade at most
LEFT_AXIS_WIDTH = 64  # pixels: fits "10⁻¹⁰⁰" and the axis label
RIGHT_MARGIN = 22  # pixels right of the view, so the last epoch label ("100k") is not cut off
LOSS_NAMES = {"mse": "½·mean squared error", "cross-entropy": "cross-entropy"}  # as the left axis names them
MAX_POINTS = 16_384  # points drawn for the live curve at most (a few per pixel of a wide screen)
SMOOTHING_CHOICES = (("Off", 0.0), ("0.6", 0.6), ("0.9", 0.9))
RAW_OPACITY = 0.25  # the unsmoothed curve behind a smoothed one
KEPT_OPACITY = 0.6  # kept runs are faded...
LIVE_WIDTH, TEST_WIDTH, KEPT_WIDTH = 2.5, 1.5, 1.5  # ...and thinner than the live run (pixels at a device pixel ratio of 1)
LIVE_Z, TEST_Z, KEPT_Z = 5, 4, -1  # the live run is drawn over its test loss, both over every kept run
DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.DashDotDotLine)
BLOWUP_HINT = "Ctrl+F shows it"


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



def format_loss(value: float) -> str:
    return f"{value:.4g}"


@dataclass
class _Kept:
    """A kept run on the plot: its raw and smoothed curves and where (if anywhere) it diverged."""

    label: str
    colour: QColor
    style: Qt.PenStyle
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
        self.loss_range = loss_range(before)  # what the view must show
        self.full_range = loss_range(self.y)  # what Fit shows, the blow-up included

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
        item.setLabel("bottom", epoch_axis_label(1), color=TEXT_COLOUR)
        item.setTitle("Training loss", color=TEXT_COLOUR, size="11pt")
        item.layout.setColumnMinimumWidth(2, RIGHT_MARGIN)
        self.legend = Legend()
        item.legend = self.legend  # curves plotted with a name get an entry
        self._legend_shown = False
        self.set_legend_visible(True)
        self._dpr = 1.0  # the device pixel ratio the pens are scaled for (see _restyle)
        self.curve = item.plot([], [], pen=self._pen(LIVE_COLOUR, LIVE_WIDTH), name="current run")
        self.curve.setClipToView(True)
        self.curve.setZValue(LIVE_Z)
        self.smooth_curve = self._twin(self.curve)
        self.divergence_line = pg.InfiniteLine(
            angle=90, movable=False, pen=self._pen(DIVERGED_COLOUR, 2, Qt.PenStyle.DashLine),
            label="diverged", labelOpts={"position": 0.9, "color": DIVERGED_COLOUR, "anchors": [(0, 0), (0, 0)]},
        )
        self.divergence_line.setVisible(False)
        item.addItem(self.divergence_line, ignoreBounds=True)
        self.blowup = BlowupMark(item, DIVERGED_COLOUR, hint=BLOWUP_HINT)  # the live run's climb above the view
        self.show_blowups = False  # Fit shows blown-up curves in full; following ignores them from their climb
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
        view_box.sigRangeChanged.connect(self._place_marks)
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
        self._restyle()

    def _left_label(self, log: bool) -> str:
        return f"loss  ({LOSS_NAMES.get(self.loss, self.loss)}, {'log' if log else 'linear'} scale)"

    def set_loss(self, loss: str) -> None:
        """The run's loss (``mse``, ``cross-entropy``): the axis names it, whichever scale it is on."""
        self.loss = loss
        self.getPlotItem().setLabel("left", self._left_label(self.log_scale), color=TEXT_COLOUR)

    def set_updates_per_epoch(self, updates: int) -> None:
        """How many gradient-descent updates one epoch of the run is (1: full batch): the epoch axis says so."""
        self.getPlotItem().setLabel("bottom", epoch_axis_label(int(updates)), color=TEXT_COLOUR)

    @property
    def epoch_axis_title(self) -> str:
        """The epoch axis's title as shown."""
        return self.getPlotItem().getAxis("bottom").labelText

    def _pen(self, colour: str | QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
        """A cosmetic pen ``width`` pixels wide at a device pixel ratio of 1, as bold on a HiDPI screen."""
        return pg.mkPen(colour, width=width * self._dpr, style=style)

    def _restyle(self) -> None:
        """Every curve's pen for the screen's device pixel ratio (a cosmetic pen's width is in device pixels)."""
        self._dpr = max(1.0, float(self.devicePixelRatioF()))
        pen = self._pen(LIVE_COLOUR, LIVE_WIDTH)
        self.curve.setPen(pen)
        self.smooth_curve.setPen(pen)
        if self.test_curve is not None:
            self.test_curve.setPen(self._pen(palette.TEST_CURVE, TEST_WIDTH, Qt.PenStyle.DashLine))
        for kept in self._kept.values():
            pen = self._pen(kept.colour, KEPT_WIDTH, kept.style)
            kept.raw.setPen(pen)
            kept.smooth.setPen(pen)
        self.divergence_line.setPen(self._pen(DIVERGED_COLOUR, 2, Qt.PenStyle.DashLine))

    def event(self, event: QEvent) -> bool:
        """The window moved to a screen of another device pixel ratio: pens to match."""
        if event.type() == QEvent.Type.DevicePixelRatioChange:
            self._restyle()
        return super().event(event)

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
        """Show every curve again, a blown-up one in full, and follow the data (after the person zoomed or panned)."""
        self._fit(self.show_blowups or self.has_blowup)

    def set_show_blowups(self, shown: bool) -> None:
        """Fit blown-up curves in full (True), or only up to where their climb began, marked at the top edge
        (False, as a new run is followed)."""
        self._fit(bool(shown))

    @property
    def has_blowup(self) -> bool:
        """Whether a shown curve (live or kept) blew up."""
        return self._live_climb_at is not None or any(k.visible and k.climb_at is not None for k in self._kept.values())

    def _fit(self, show_blowups: bool) -> None:
        self.show_blowups = show_blowups
        self.blowups_action.blockSignals(True)
        self.blowups_action.setChecked(show_blowups)
        self.blowups_action.blockSignals(False)
        self.following = True
        self._view = None
        self._follow()
        self._place_marks()

    def set_log_scale(self, log: bool) -> None:
        """Loss on a log (default) or a linear axis; the view fits the data again."""
        log = bool(log)
        if log != self.log_scale:
            self.log_scale = log
            item = self.getPlotItem()
            item.setLogMode(y=log)
            item.setLabel("left", self._left_label(log), color=TEXT_COLOUR)
            self.hide_hover()
            self._fit(self.show_blowups)
        self.log_action.setChecked(log)

    def _stop_following(self, *_args) -> None:
        self.following = False

    def _bounds(self) -> tuple[float, float, float] | None:
        """Lowest and highest plottable loss and the last epoch, over the live curve (and its test loss) and the
        visible kept runs, each only up to where its climb to divergence began unless blow-ups are shown in full
        (None when there is nothing to show)."""
        ranges, ends = [], []
        cut = None if self.show_blowups else self._live_climb_at
        for curve in (self.curve, self.test_curve):
            if curve is None or curve.yData is None or not len(curve.yData):
                continue
            x, y = curve.xData, curve.yData
            if curve is self.curve:
                ends.append(float(x[-1]))
            ranges.append(loss_range(y if cut is None else y[: np.searchsorted(x, cut, "left")]))
        for kept in self._kept.values():
            if kept.visible and len(kept.x):
                ends.append(float(kept.x[-1]))
                ranges.append(kept.full_range if self.show_blowups else kept.loss_range)
        ranges = [r for r in ranges if r is not None]
        if not ends:
            return None
        if not ranges:  # every curve diverged at once: show the starting decade
            return 1.0, 1.0, max(ends)
        return min(r[0] for r in ranges), max(r[1] for r in ranges), max(ends)

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
        self.legend.fit(self.getPlotItem().getViewBox().width(), MAX_SHARE * self.height())
        self._place_marks()

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
        self.show_blowups = False  # a new run is followed with its blow-up (if any) clipped and marked
        self.blowups_action.setChecked(False)
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
            pen = self._pen(palette.TEST_CURVE, TEST_WIDTH, Qt.PenStyle.DashLine)
            self.test_curve = self.getPlotItem().plot([], [], pen=pen, name="test loss")
            self.test_curve.setClipToView(True)
            self.test_curve.setZValue(TEST_Z)
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
        if self._live_climb_at is not None or self.blowup.visible:
            self._place_marks()

    def mark_divergence(self, epoch: int) -> None:
        """The live run's divergence: a dashed red line labelled "diverged at epoch N", the label inside the view."""
        self.divergence_line.label.setFormat(f"diverged at epoch {epoch:,}")
        self.divergence_line.setValue(epoch)
        self.divergence_line.setVisible(True)
        self.divergence_line.label.valueChanged()  # a label takes its format only when its visible line moves
        self._place_marks()

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
        self._place_marks()

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
        raw = item.plot(x, y, pen=self._pen(qcolour, KEPT_WIDTH, dash), name=label)
        raw.setZValue(KEPT_Z)
        raw.setClipToView(True)
        kept = _Kept(label, qcolour, dash, raw, self._twin(raw), x, y, climb_at, diverged_at, reason)
        if diverged_at is not None:
            kept.arrow = pg.ArrowItem(angle=90, headLen=12, headWidth=10, tailLen=8, tailWidth=2, pen=None, brush=qcolour)
            kept.note = pg.TextItem(f" diverged at epoch {diverged_at:,.0f}", color=qcolour, anchor=(0, 0))
            tip = (f"{label}: diverged at epoch {diverged_at:,.0f} ({reason}); the view ignores the curve past it "
                   f"(Fit, Ctrl+F, shows it)")
            for mark in (kept.arrow, kept.note):
                mark.setToolTip(tip)
                mark.setZValue(10)
                item.addItem(mark, ignoreBounds=True)
        self._kept[key] = kept
        self._smooth(raw, kept.smooth, KEPT_OPACITY, x, y)
        self._view = None
        self._follow()
        self._place_marks()
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
            self._place_marks()
            self._layout_changed()

    def set_curve_visible(self, key: object, visible: bool) -> None:
        kept = self._kept.get(key)
        if kept is not None:
            kept.raw.setVisible(visible)
            kept.smooth.setVisible(visible and self.smoothing > 0)
            self._view = None
            self._follow()
            self._place_marks()

    def extra_keys(self) -> list[object]:
        return list(self._kept)

    @property
    def _extra(self) -> dict[object, pg.PlotDataItem]:
        """Each kept run's (raw) curve by key."""
        return {key: kept.raw for key, kept in self._kept.items()}

    def curve_divergence(self, key: object) -> float | None:
        """The epoch past which the view ignores a kept run (None: it did not diverge)."""
        return self._kept[key].diverged_at

    def _live_peak(self):
        """The highest loss of the live run's climb to divergence (None: it has not diverged)."""
        if self._live_climb_at is None or self.curve.xData is None:
            return None
        return blowup_peak(self.curve.xData, self.curve.yData, self._live_climb_at)

    def _place_marks(self, *_args) -> None:
        """The marks that follow the view, stacked down from the top edge so none covers another: the live run's
        blow-up arrow (while the view clips it), the arrows and notes of diverged kept runs, then the divergence
        and stepsize lines' labels, each kept inside the view."""
        self.blowup.show(self._live_peak(), self.log_scale)
        view_box = self.getPlotItem().getViewBox()
        (x0, x1), (_, top) = view_box.viewRange()
        width = max(view_box.width(), 1.0)
        px, py = (x1 - x0) / width, view_box.viewPixelSize()[1]
        below = self.blowup.height_px()
        for kept in sorted((k for k in self._kept.values() if k.arrow is not None), key=lambda k: k.diverged_at):
            for mark in (kept.arrow, kept.note):
                mark.setVisible(kept.visible)
            kept.arrow.setPos(kept.diverged_at, top)
            if kept.visible:
                x_px = (kept.diverged_at - x0) / px if px > 0 else 0.0
                text, anchor = fit_beside(kept.note, f"diverged at epoch {kept.diverged_at:,.0f}", x_px, width)
                kept.note.setText(text)
                kept.note.setAnchor((anchor, 0.0))
                kept.note.setPos(kept.diverged_at + (6 if anchor == 0 else -6) * px, top - below * py)
                below += kept.note.boundingRect().height() + 2
        lines = [(self.divergence_line, 0.9)] if self.divergence_line.isVisible() else []
        for line, at in lines + [(mark, 0.97) for mark in self.stepsize_marks]:
            place_line_label(line, line.label.format.replace("\n", " "), below_px=below, at=at)
            below += line.label.boundingRect().height() + 2

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
        """Our context menu (pyqtgraph's is disabled): Fit, Show blow-ups in full, Log scale, Smoothing ▸, Show legend,
        Export image…"""
        self.menu = QMenu(self)
        self.menu.addAction("Fit", self.fit)
        self.blowups_action = self.menu.addAction("Show blow-ups in full")
        self.blowups_action.setCheckable(True)
        self.blowups_action.setToolTip("Fit a run whose loss blew up in full (unticked: up to where its climb began, "
                                       "the rest marked at the top edge)")
        self.blowups_action.toggled.connect(self.set_show_blowups)
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

