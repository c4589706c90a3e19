"""The loss plot: loss against epoch on a log axis for the live run, appended chunk by chunk and drawn from a
:class:`~mlp_gui.core.decimate.LossEnvelope` (a bounded number of points however long the run), and for the kept
runs, faded under it. Its parts are the ``plot_*`` modules beside it; where its view goes is
:mod:`~mlp_gui.core.view_range`, what counts as a blow-up :mod:`~mlp_gui.core.clipping`.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QPen

from mlp_gui.core.clipping import DivergenceWatch, blowup_peak, range_before
from mlp_gui.core.decimate import LossEnvelope, at_most, plottable
from mlp_gui.core.smoothing import smoothed
from mlp_gui.core.view_range import View, data_bounds, next_view
from mlp_gui.gui import palette
from mlp_gui.gui.plot_axes import EpochAxis, LossAxis, epoch_axis_label, loss_axis_label, set_up_axes, updates_per_epoch
from mlp_gui.gui.plot_curves import PlottedRuns, TwinCurve, scaled_pen
from mlp_gui.gui.plot_hover import HOVER_MS, HoverReadout, HoverRun, readout_text
from mlp_gui.gui.plot_legend import MAX_SHARE, Legend
from mlp_gui.gui.plot_marks import BlowupMark, EpochLines
from mlp_gui.gui.plot_menu import PlotMenu
from mlp_gui.gui.still_items import StillPlotWidget

LIVE_COLOUR = palette.LIVE_CURVE
DIVERGED_COLOUR = palette.ERROR
TEXT_COLOUR = palette.TEXT
MUTED_COLOUR = palette.MUTED
# Painting a pyqtgraph view holds the GIL, which the training thread needs: the curve redraws at most every
# REDRAW_MS (10 times a second: smooth to the eye, and a third less of the GIL than 15); the envelope takes every
# loss at once.
REDRAW_MS = 100
MAX_POINTS = 16_384  # points drawn for the live curve at most (a few per pixel of a wide screen)
LIVE_WIDTH, TEST_WIDTH = 2.5, 1.5  # pixels at a device pixel ratio of 1: bolder than a kept run
LIVE_Z, TEST_Z = 5, 4  # the live run is drawn over its test loss, both over every kept run
BLOWUP_HINT = "Ctrl+F shows it"


class LossPlot(StillPlotWidget):
    """Loss against epoch on a log axis, for the live run and any kept runs.

    Signals for the window: ``hover_text(str)`` the read-out under the mouse ("" when it leaves), for the status
    bar; ``export_requested()`` when the context menu's "Export image…" is chosen. ``redraw_ms`` and ``hover_ms``:
    how often at most the curve is redrawn and the hover read-out recomputed.
    """

    hover_text = Signal(str)
    export_requested = Signal()

    def __init__(self, parent=None, max_buckets: int = 1024, *, redraw_ms: int = REDRAW_MS,
                 hover_ms: int = HOVER_MS) -> None:
        super().__init__(parent, background="w", axisItems={"bottom": EpochAxis("bottom"), "left": LossAxis("left")})
        self.redraw_ms = redraw_ms
        self._stale = False  # losses arrived while hidden: not drawn yet
        self.envelope = LossEnvelope(max_buckets)
        self.test_envelope = LossEnvelope(max_buckets)  # the test loss, when the data has a test set
        self.watch = DivergenceWatch()  # where the live run began to climb to its divergence
        self.loss = "mse"  # the run's loss, which the left axis names
        item = self.getPlotItem()
        item.setLogMode(y=True)
        self.grid = set_up_axes(item, text_colour=TEXT_COLOUR)
        item.setLabel("left", loss_axis_label(self.loss, log=True), color=TEXT_COLOUR)
        item.setTitle("Training loss", color=TEXT_COLOUR, size="11pt")
        self.menu = PlotMenu(self)  # a right click's menu (a still plot has none of pyqtgraph's)
        self.legend = Legend()
        item.legend = self.legend  # curves plotted with a name get an entry
        self.set_legend_visible(True)
        self._dpr = 1.0  # the device pixel ratio the pens are scaled for (see _restyle)
        curve = item.plot([], [], pen=self._pen(LIVE_COLOUR, LIVE_WIDTH), name="current run")
        curve.setClipToView(True)
        curve.setZValue(LIVE_Z)
        self.live = TwinCurve(item, curve)
        self.curve, self.smooth_curve = curve, self.live.smooth
        self.lines = EpochLines(item, diverged_colour=DIVERGED_COLOUR, muted_colour=MUTED_COLOUR)
        self.divergence_line, self.viewed_line, self.stepsize_marks = (
            self.lines.divergence, self.lines.viewed, self.lines.stepsize_marks)
        self.blowup = BlowupMark(item, DIVERGED_COLOUR, hint=BLOWUP_HINT)  # the live run's climb above the view
        self.show_blowups = False  # Fit shows blown-up curves in full; following ignores them from their climb
        self.test_curve: pg.PlotDataItem | None = None  # made (with its legend entry) once there is a test loss
        self.extra_curves: list[pg.PlotDataItem] = []  # other curves the view fits too (the penalty: plot_penalty.py)
        self.kept_curves = PlottedRuns(item)
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
        self._view: View | None = None
        self._last_draw = 0.0
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.timeout.connect(self._draw)
        self.hover = HoverReadout(item, interval_ms=hover_ms, parent=self)
        self.hover.due.connect(self._show_hover)
        self.hover.text_changed.connect(self.hover_text)
        self._connect_menu()
        self._restyle()

    def set_loss(self, loss: str) -> None:
        """The run's loss (``mse``, ``cross-entropy``): the axis names it, whichever scale it is on."""
        self.loss = loss
        self.getPlotItem().setLabel("left", loss_axis_label(loss, log=self.log_scale), color=TEXT_COLOUR)

    def set_updates_per_epoch(self, updates: int) -> None:
        """How many gradient-descent updates one epoch of the run is (1: full batch): the epoch axis says so."""
        self.getPlotItem().setLabel("bottom", epoch_axis_label(int(updates)), color=TEXT_COLOUR)

    @property
    def epoch_axis_title(self) -> str:
        """The epoch axis's title as shown."""
        return self.getPlotItem().getAxis("bottom").labelText

    def _pen(self, colour: str | QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
        return scaled_pen(colour, width, self._dpr, style)

    def _restyle(self) -> None:
        """Every curve's pen for the screen's device pixel ratio (a cosmetic pen's width is in device pixels)."""
        self._dpr = max(1.0, float(self.devicePixelRatioF()))
        self.live.set_pen(self._pen(LIVE_COLOUR, LIVE_WIDTH))
        if self.test_curve is not None:
            self.test_curve.setPen(self._pen(palette.TEST_CURVE, TEST_WIDTH, Qt.PenStyle.DashLine))
        self.kept_curves.restyle(self._dpr)
        self.divergence_line.setPen(self._pen(DIVERGED_COLOUR, 2, Qt.PenStyle.DashLine))

    def event(self, event: QEvent) -> bool:
        """The window moved to a screen of another device pixel ratio: pens to match."""
        if event.type() == QEvent.Type.DevicePixelRatioChange:
            self._restyle()
        return super().event(event)

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
        return self.watch.climb_at is not None or any(k.climb_at is not None for k in self.kept_curves.visible())

    def _fit(self, show_blowups: bool) -> None:
        self.show_blowups = show_blowups
        self.menu.blowups_action.blockSignals(True)
        self.menu.blowups_action.setChecked(show_blowups)
        self.menu.blowups_action.blockSignals(False)
        self.following = True
        self._refit()

    def set_log_scale(self, log: bool) -> None:
        """Loss on a log (default) or a linear axis; the view fits the data again."""
        log = bool(log)
        if log != self.log_scale:
            self.log_scale = log
            item = self.getPlotItem()
            item.setLogMode(y=log)
            item.setLabel("left", loss_axis_label(self.loss, log=log), color=TEXT_COLOUR)
            self.hide_hover()
            self._fit(self.show_blowups)
        self.menu.log_action.setChecked(log)

    def _stop_following(self, *_args) -> None:
        self.following = False

    def _bounds(self) -> View | None:
        """Lowest and highest plottable loss and the last epoch, over the live curve (and its test loss) and the
        visible kept runs, each only up to where its climb to divergence began unless blow-ups are shown in full
        (None when there is nothing to show)."""
        ranges, ends = [], []
        cut = None if self.show_blowups else self.watch.climb_at
        for curve in (self.curve, self.test_curve, *self.extra_curves):
            if curve is None or curve.yData is None or not len(curve.yData):
                continue
            if curve is self.curve:
                ends.append(float(curve.xData[-1]))
            ranges.append(range_before(curve.xData, curve.yData, cut))
        for kept in self.kept_curves.visible():
            if len(kept.x):
                ends.append(float(kept.x[-1]))
                ranges.append(kept.full_range if self.show_blowups else kept.loss_range)
        return data_bounds(ranges, ends)

    def _follow(self) -> None:
        """Keep all curves in view, moving the axes in coarse steps: the axes and grid, cached as pixmaps, are
        regenerated a handful of times per run rather than at every update."""
        bounds = self._bounds() if self.following else None
        if bounds is None:
            return
        view = next_view(bounds, planned_epochs=self.planned_epochs, log_scale=self.log_scale, shown=self._view)
        if view is not None:
            self._view = view
            lo, hi, x_end = view
            self.getPlotItem().setRange(xRange=(0, x_end), yRange=(lo, hi), padding=0.02)

    def _refit(self) -> None:
        """Fit the view to the curves again and put the marks back in it."""
        self._view = None
        self._follow()
        self._place_marks()

    def _layout_changed(self, *_args) -> None:
        self.legend.fit(self.getPlotItem().getViewBox().width(), MAX_SHARE * self.height())
        self._place_marks()

    def _place_marks(self, *_args) -> None:
        """The marks that follow the view, stacked down from the top edge so none covers another: the live run's
        blow-up arrow (while the view clips it), the arrows and notes of diverged kept runs, then the divergence
        and stepsize lines' labels, each kept inside the view."""
        climb_at = self.watch.climb_at
        peak = None if climb_at is None or self.curve.xData is None else blowup_peak(self.curve.xData, self.curve.yData, climb_at)
        self.blowup.show(peak, self.log_scale)
        self.lines.place_labels(self.kept_curves.place_marks(self.blowup.height_px()))

    # ------------------------------------------------------------ the live run

    def bind(self, session) -> None:
        """Follow ``session``: each new run, the losses of each delivery, the planned epochs, the epoch viewed."""
        session.run_reset.connect(self._start_run)
        session.delivered.connect(self._add_delivered)
        session.plan_changed.connect(self.set_planned_epochs)
        session.viewing.connect(self.mark_viewed)

    def _start_run(self, reset) -> None:
        self.set_planned_epochs(reset.planned_epochs)
        self.reset(reset.history, (reset.metrics or {}).get("test_loss"))
        self.set_loss(reset.config.loss)
        self.set_updates_per_epoch(updates_per_epoch(reset.config, samples=reset.x.shape[1]))

    def _add_delivered(self, delivery) -> None:
        self.append(delivery.losses)
        if "test_loss" in delivery.metrics:
            self.append_test(delivery.metrics["test_loss"])

    def reset(self, history: np.ndarray, test_history: np.ndarray | None = None) -> None:
        """Show a new run whose losses so far are ``history`` (epoch 0 first), and its test losses if it has a test set."""
        self.envelope.clear()
        self.test_envelope.clear()
        if self.test_curve is not None:
            self.getPlotItem().removeItem(self.test_curve)
            self.test_curve = None
        if test_history is not None and np.isfinite(test_history).any():
            self.append_test(test_history)
        self.lines.clear()
        self.watch.clear()
        self.following = True
        self.show_blowups = False  # a new run is followed with its blow-up (if any) clipped and marked
        self.menu.blowups_action.setChecked(False)
        self._view = None
        self.append(history)
        self._redraw.stop()
        self._draw()

    def append(self, losses: np.ndarray) -> None:
        """Add the losses of the next epochs; the curve redraws now or as soon as ``redraw_ms`` has passed."""
        if losses.size == 0:
            return
        first = self.envelope.count
        self.envelope.extend(losses)
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size:
            self.mark_divergence(first + int(bad[0]))
        self.watch.extend(losses)
        if not self.isVisible():  # another tab is in front: draw once it is shown (or the data is asked for)
            self._stale = True
            return
        if self._redraw.isActive():
            return
        wait_ms = self.redraw_ms - 1000 * (time.perf_counter() - self._last_draw)
        if wait_ms <= 0:
            self._draw()
        else:
            self._redraw.start(int(wait_ms) + 1)

    @property
    def redraw_scheduled(self) -> bool:
        """Whether a redraw of the live curve is waiting for its turn (see ``redraw_ms``)."""
        return self._redraw.isActive()

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
        if self.watch.climb_at is not None or self.blowup.visible:
            self._place_marks()

    def mark_divergence(self, epoch: int, label: str | None = None) -> None:
        """The live run's divergence: a dashed red line labelled ``label`` ("diverged at epoch N"), inside the view."""
        self.lines.mark_divergence(epoch, label)
        self._place_marks()

    def mark_viewed(self, epoch: int | None) -> None:
        """A grey line at the epoch the views show (going back in time); None removes it."""
        self.lines.mark_viewed(epoch)

    def mark(self, epoch: int, text: str) -> pg.InfiniteLine:
        """A thin dotted line at ``epoch`` labelled ``text`` where the run went on changed: another stepsize, other
        settings, a weight typed in (a new run clears them all); the line, to :meth:`unmark` it."""
        line = self.lines.mark(epoch, text)
        self._place_marks()
        return line

    def unmark(self, line: pg.InfiniteLine) -> None:
        self.lines.unmark(line)

    def mark_stepsize_change(self, epoch: int, stepsize: float) -> pg.InfiniteLine:
        return self.mark(epoch, f"stepsize {stepsize:g}")

    def curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        """What the live curve shows now (epochs, losses), unsmoothed; a redraw still waiting is done first."""
        if self._redraw.isActive() or self._stale:
            self._redraw.stop()
            self._draw()
        x, y = self.curve.xData, self.curve.yData  # the data, not its log-transformed display copy
        return (np.empty(0), np.empty(0)) if x is None else (x, y)

    def shown_data(self, key: object = None) -> tuple[np.ndarray, np.ndarray]:
        """The points drawn in full colour for the live run (``key`` None) or a kept run: smoothed when smoothing is on."""
        if key is None:
            return self.live.shown(smoothing=self.smoothing) or self.curve_data()
        kept = self.kept_curves[key]
        return kept.curves.shown(smoothing=self.smoothing) or (kept.x, kept.y)

    # ------------------------------------------------------------ smoothing

    def _smoothing_chosen(self, action: QAction) -> None:
        self.set_smoothing(float(action.data()))

    def set_smoothing(self, weight: float) -> None:
        """Smooth every curve with TensorBoard's exponential moving average in log space (0: off, 0.6, 0.9...),
        the raw curve kept faintly behind; one vectorised pass over the drawn points per redraw."""
        weight = float(weight)
        if not 0 <= weight < 1:
            raise ValueError(f"smoothing weight must be at least 0 and below 1, not {weight}")
        self.smoothing = weight
        self.live.show_smoothed(*self.curve_data(), weight=weight, opacity=1.0)
        self.kept_curves.smooth(weight)
        self.menu.check_smoothing(weight)

    # ------------------------------------------------------------ kept runs

    def add_curve(self, key: object, x: np.ndarray, y: np.ndarray, label: str, colour: str) -> None:
        """Show a kept run as a faded curve with a legend entry (replacing any curve with this key).

        A run shown under a label already on the plot gets " #2" (" #3"...); one whose colour or label is
        already taken gets a dash pattern of its own. A diverged run is ignored by the view past its divergence
        and marked by an arrow at the top edge.
        """
        self.remove_curve(key)
        self.kept_curves.add(key, x, y, label, colour, smoothing=self.smoothing)
        self._refit()
        self._layout_changed()

    def remove_curve(self, key: object) -> None:
        """Take a kept run's curve (and its legend entry) off the plot; unknown keys are ignored."""
        if self.kept_curves.remove(key):
            self._refit()
            self._layout_changed()

    def set_curve_visible(self, key: object, visible: bool) -> None:
        if self.kept_curves.set_visible(key, visible, smoothing=self.smoothing):
            self._refit()

    def extra_keys(self) -> list[object]:
        return self.kept_curves.keys()

    def curve_divergence(self, key: object) -> float | None:
        """The epoch past which the view ignores a kept run (None: it did not diverge)."""
        return self.kept_curves[key].diverged_at

    # ------------------------------------------------------------ legend and menu

    def set_legend_visible(self, shown: bool) -> None:
        """The legend below the plot, or no legend (the plot gets its room)."""
        self.legend.place(self.getPlotItem().layout, bool(shown))
        self.menu.legend_action.setChecked(bool(shown))

    @property
    def legend_visible(self) -> bool:
        return self.legend.placed

    def _connect_menu(self) -> None:
        """Our context menu's actions to the plot's methods (no lambda: no cycle through a connection)."""
        self.menu.fit_action.triggered.connect(self.fit)
        self.menu.blowups_action.toggled.connect(self.set_show_blowups)
        self.menu.log_action.toggled.connect(self.set_log_scale)
        self.menu.smoothing_group.triggered.connect(self._smoothing_chosen)
        self.menu.legend_action.toggled.connect(self.set_legend_visible)
        self.menu.export_action.triggered.connect(self.export_requested)
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

    def _hover_runs(self) -> list[HoverRun]:
        """The live run and each visible kept run, as drawn, for the read-out."""
        smooth = self.smooth_curve.yData if self.smoothing > 0 else None
        live = HoverRun("current run", pg.mkColor(LIVE_COLOUR), self.curve.xData, self.curve.yData, smooth,
                        self.lines.diverged_at)
        return [live] + [kept.hover_run(smoothing=self.smoothing) for kept in self.kept_curves.visible()]

    def _show_hover(self) -> None:
        self.hover.show(self._hover_runs(), log_scale=self.log_scale)

    def readout_at(self, epoch: float) -> str:
        """The read-out for the mouse at ``epoch``: each visible run's loss at its plotted point at or before it,
        on one line (what ``hover_text`` sends); past the end of every curve it reads out their end."""
        return readout_text(self._hover_runs(), epoch)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().leaveEvent(event)
        self.hover.leave()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt naming: its tab left by keyboard, the mouse still on it
        super().hideEvent(event)
        if not self.closed:  # pyqtgraph's close() has already cleared the scene
            self.hover.leave()


    def hide_hover(self) -> None:
        """Take the cursor line and read-out off the plot (the mouse left it, or the plot is being exported)."""
        self.hover.hide()
