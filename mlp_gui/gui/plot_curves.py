"""Curves on the loss plot: a curve with its smoothed twin (:class:`TwinCurve`), pens as bold on any screen
(:func:`scaled_pen`), and the kept runs drawn faded under the live one (:class:`PlottedRuns`), each with the arrow
and note that mark where it diverged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from mlp_gui.core.clipping import DIVERGENCE_FACTOR, divergence, loss_range, range_before
from mlp_gui.core.decimate import plottable
from mlp_gui.core.smoothing import smoothed
from mlp_gui.gui.plot_hover import HoverRun
from mlp_gui.gui.plot_marks import fit_beside

RAW_OPACITY = 0.25  # the unsmoothed curve behind a smoothed one
KEPT_OPACITY = 0.6  # kept runs are faded...
KEPT_WIDTH = 1.5  # ...and thinner than the live run (pixels at a device pixel ratio of 1)
KEPT_Z = -1  # under the live run and its test loss
DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.DashDotDotLine)


def scaled_pen(colour: str | QColor, width: float, dpr: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """A cosmetic pen ``width`` pixels wide at a device pixel ratio of 1, as bold at ``dpr`` (its width is in
    device pixels)."""
    return pg.mkPen(colour, width=width * dpr, style=style)


class TwinCurve:
    """A curve and its smoothed twin (same pen, no legend entry); the twin is shown only while smoothing is on."""

    def __init__(self, plot_item: pg.PlotItem, raw: pg.PlotDataItem) -> None:
        self.raw = raw
        self.smooth = plot_item.plot([], [], pen=raw.opts["pen"])
        self.smooth.setClipToView(True)
        self.smooth.setZValue(raw.zValue())
        self.smooth.setVisible(False)

    def set_pen(self, pen: QPen) -> None:
        self.raw.setPen(pen)
        self.smooth.setPen(pen)

    def set_visible(self, visible: bool, *, smoothing: float) -> None:
        self.raw.setVisible(visible)
        self.smooth.setVisible(visible and smoothing > 0)

    def show_smoothed(self, x: np.ndarray, y: np.ndarray, *, weight: float, opacity: float) -> None:
        """The raw curve faintly behind the twin smoothed with ``weight``, or alone at ``opacity`` (weight 0)."""
        on = weight > 0
        self.raw.setOpacity(opacity * RAW_OPACITY if on else opacity)
        self.smooth.setOpacity(opacity)
        self.smooth.setVisible(on and self.raw.isVisible())
        if on:
            self.smooth.setData(x, smoothed(np.asarray(y, dtype=np.float64), weight), skipFiniteCheck=True)
        else:
            self.smooth.setData([], [])

    def shown(self, *, smoothing: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The smoothed points while smoothing is on and drawn (else None)."""
        x, y = self.smooth.xData, self.smooth.yData
        return (x, y) if smoothing > 0 and x is not None else None


@dataclass
class PlottedRun:
    """A kept run on the plot: its curves, its plotted points and where (if anywhere) it diverged."""

    label: str
    colour: QColor
    style: Qt.PenStyle
    curves: TwinCurve
    x: np.ndarray  # the plottable points
    y: np.ndarray
    climb_at: float | None  # the epoch from which the view ignores it (see divergence())
    diverged_at: float | None  # the epoch it diverged at, marked at the top edge
    reason: str
    arrow: pg.ArrowItem | None = None
    note: pg.TextItem | None = None
    loss_range: tuple[float, float] | None = field(init=False)  # what the view must show
    full_range: tuple[float, float] | None = field(init=False)  # what Fit shows, the blow-up included

    def __post_init__(self) -> None:
        self.loss_range = range_before(self.x, self.y, self.climb_at)
        self.full_range = loss_range(self.y)

    @property
    def raw(self) -> pg.PlotDataItem:
        return self.curves.raw

    @property
    def smooth(self) -> pg.PlotDataItem:
        return self.curves.smooth

    @property
    def visible(self) -> bool:
        return self.raw.isVisible()

    def hover_run(self, *, smoothing: float) -> HoverRun:
        return HoverRun(self.label, self.colour, self.x, self.y, self.smooth.yData if smoothing > 0 else None,
                        self.diverged_at, kept=True)


def _how_diverged(x: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None, str]:
    """Where the view starts to ignore a curve, where it diverged (epochs; None: it did not) and why it counts as
    diverged."""
    found = divergence(y)
    if found is None:
        return None, None, ""
    value = y[found[1]]
    reason = f"its loss became {value}" if not np.isfinite(value) else f"its loss passed {DIVERGENCE_FACTOR:.0e} × its start"
    return float(x[found[0]]), float(x[found[1]]), reason


class PlottedRuns:
    """The kept runs on ``plot_item`` by key, in the order added."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.plot_item = plot_item
        self.runs: dict[object, PlottedRun] = {}
        self.dpr = 1.0  # the device pixel ratio the pens are scaled for

    def __getitem__(self, key: object) -> PlottedRun:
        return self.runs[key]

    def keys(self) -> list[object]:
        return list(self.runs)

    def visible(self) -> list[PlottedRun]:
        return [run for run in self.runs.values() if run.visible]

    def add(self, key: object, x: np.ndarray, y: np.ndarray, label: str, colour: str, *, smoothing: float) -> PlottedRun:
        """Draw a kept run (the caller has removed any run with this key).

        A label already on the plot gets " #2" (" #3"...); a run whose colour or label is taken gets a dash pattern
        of its own. A diverged run gets an arrow and a note at the top edge (placed by :meth:`place_marks`).
        """
        x, y = np.asarray(x), np.asarray(y, dtype=np.float64)
        climb_at, diverged_at, reason = _how_diverged(x, y)
        x, y = plottable(x, y)
        qcolour = pg.mkColor(colour)
        same = [k for k in self.runs.values() if k.label.split(" #")[0] == label]
        if same:
            label = f"{label} #{len(same) + 1}"
        taken = {k.style for k in self.runs.values()
                 if k.colour.rgb() == qcolour.rgb() or k.label.split(" #")[0] == label.split(" #")[0]}
        dash = next((style for style in DASHES if style not in taken), DASHES[len(self.runs) % len(DASHES)])
        raw = self.plot_item.plot(x, y, pen=scaled_pen(qcolour, KEPT_WIDTH, self.dpr, dash), name=label)
        raw.setZValue(KEPT_Z)
        raw.setClipToView(True)
        run = PlottedRun(label, qcolour, dash, TwinCurve(self.plot_item, raw), x, y, climb_at, diverged_at, reason)
        if diverged_at is not None:
            self._mark(run)
        self.runs[key] = run
        run.curves.show_smoothed(x, y, weight=smoothing, opacity=KEPT_OPACITY)
        return run

    def _mark(self, run: PlottedRun) -> None:
        run.arrow = pg.ArrowItem(angle=90, headLen=12, headWidth=10, tailLen=8, tailWidth=2, pen=None, brush=run.colour)
        run.note = pg.TextItem(f" diverged at epoch {run.diverged_at:,.0f}", color=run.colour, anchor=(0, 0))
        tip = (f"{run.label}: diverged at epoch {run.diverged_at:,.0f} ({run.reason}); the view ignores the curve "
               f"past it (Fit, Ctrl+F, shows it)")
        for mark in (run.arrow, run.note):
            mark.setToolTip(tip)
            mark.setZValue(10)
            self.plot_item.addItem(mark, ignoreBounds=True)

    def remove(self, key: object) -> bool:
        """Take a kept run's curves, legend entry and marks off the plot (False: no such run)."""
        run = self.runs.pop(key, None)
        if run is None:
            return False
        for thing in (run.raw, run.smooth, run.arrow, run.note):
            if thing is not None:
                self.plot_item.removeItem(thing)
        return True

    def set_visible(self, key: object, visible: bool, *, smoothing: float) -> bool:
        """Show or hide a kept run (False: no such run)."""
        run = self.runs.get(key)
        if run is not None:
            run.curves.set_visible(visible, smoothing=smoothing)
        return run is not None

    def restyle(self, dpr: float) -> None:
        """Every kept run's pen for the device pixel ratio ``dpr``."""
        self.dpr = dpr
        for run in self.runs.values():
            run.curves.set_pen(scaled_pen(run.colour, KEPT_WIDTH, dpr, run.style))

    def smooth(self, weight: float) -> None:
        for run in self.runs.values():
            run.curves.show_smoothed(run.x, run.y, weight=weight, opacity=KEPT_OPACITY)

    def place_marks(self, top_px: float) -> float:
        """Put the arrows and notes of the diverged kept runs at the top edge, the notes stacked down from
        ``top_px`` below it in the order of divergence; returns how far down the last one reaches (pixels)."""
        view_box = self.plot_item.getViewBox()
        (x0, x1), (_, top) = view_box.viewRange()
        width = max(view_box.width(), 1.0)
        px, py = (x1 - x0) / width, view_box.viewPixelSize()[1]
        below = top_px
        for run in sorted((k for k in self.runs.values() if k.arrow is not None), key=lambda k: k.diverged_at):
            for mark in (run.arrow, run.note):
                mark.setVisible(run.visible)
            run.arrow.setPos(run.diverged_at, top)
            if run.visible:
                x_px = (run.diverged_at - x0) / px if px > 0 else 0.0
                text, anchor = fit_beside(run.note, f"diverged at epoch {run.diverged_at:,.0f}", x_px, width)
                run.note.setText(text)
                run.note.setAnchor((anchor, 0.0))
                run.note.setPos(run.diverged_at + (6 if anchor == 0 else -6) * px, top - below * py)
                below += run.note.boundingRect().height() + 2
        return below
