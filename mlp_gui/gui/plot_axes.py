"""The loss plot's axes and grid: epochs labelled compactly (20k, 1.5M), the loss in powers of ten in one style
(10⁰, 10⁻⁵) with as many labelled decades as room allows, light grid lines, and the epoch axis's title, which says
how many gradient-descent updates an epoch is (shorter in a narrow plot), and the loss axis's, which names the loss.
:func:`set_up_axes` gives a plot item all of them.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from mlp_gui.core.config import TrainConfig

DECADE_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)  # label every 1st, 2nd, 5th... decade, as room allows
LABEL_SPACING_PX = 24  # labelled ticks of the loss axis at least this far apart
MINOR_TICK_PX = 40  # decades at least this tall get (unlabelled) ticks at 2..9
MINOR_LABEL_PX = 150  # decades at least this tall label 2·10ⁿ and 5·10ⁿ too; at least 400: every 2..9
LEFT_AXIS_WIDTH = 64  # pixels: fits "10⁻¹⁰⁰" and the axis label; fixed, so a longer tick label never re-lays out
RIGHT_MARGIN = 22  # pixels right of the view, so the last epoch label ("100k") is not cut off
LOSS_NAMES = {"mse": "½·mean squared error", "cross-entropy": "cross-entropy"}  # as the loss axis names them
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


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


def decade_step(decade_px: float, min_px: float) -> int:
    """Every how many decades a line or label goes, so that they are at least ``min_px`` apart."""
    return next((step for step in DECADE_STEPS if step * decade_px >= min_px), DECADE_STEPS[-1])


def epoch_title_forms(title: str) -> tuple[str, ...]:
    """The epoch axis's title from the whole to the shortest (``epoch  (23 mini-batch updates each)``, ``epoch  (23
    updates each)``, ``epoch  (23 updates)``, ``epoch``), for a narrow plot."""
    shorter = title.replace(" mini-batch updates each)", " updates each)")
    forms = (title, shorter, shorter.replace(" updates each)", " updates)"), title.split("  (", 1)[0])
    return tuple(dict.fromkeys(form for form in forms if form))


class EpochAxis(pg.AxisItem):
    """A bottom axis that labels epochs compactly (20k, 1.5M) instead of 20000, 1500000, and whose title takes the
    first of :func:`epoch_title_forms` that fits its width (the whole title then in its tooltip)."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph naming
        return [format_epoch(v * scale) for v in values]

    @property
    def shown_title(self) -> str:
        """The title as drawn: the whole one, or a shorter form where the plot is too narrow for it."""
        forms = epoch_title_forms(self.labelText) if self.labelText else ("",)
        if self.width() <= 0:
            return forms[0]
        metrics = QFontMetricsF(self.label.font())
        fits = [metrics.horizontalAdvance(" ".join(form.split())) <= self.width() - 2 for form in forms]  # as drawn
        return next((form for form, fit in zip(forms, fits) if fit), forms[-1])

    def labelString(self) -> str:  # noqa: N802 - pyqtgraph naming
        shown = self.shown_title
        self.label.setToolTip(self.labelText if shown != self.labelText else "")
        return super().labelString().replace(f">{self.labelText} ", f">{shown} ", 1)

    def resizeEvent(self, ev=None) -> None:  # noqa: N802 - Qt naming
        if self.label is not None and self.labelText and self.label.toPlainText().split() != self.shown_title.split():
            self.label.setHtml(self.labelString())  # the title's form for the new width, then placed centred
        super().resizeEvent(ev)


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


def updates_per_epoch(config: TrainConfig, samples: int) -> int:
    """Gradient-descent updates in one epoch of a run on ``samples`` training samples: one for full batch (the
    notebook's batch, batch size ``all``, or a batch at least as large as the set), else one per mini-batch."""
    batch = config.batch_size
    if config.data == "notebook" or batch <= 0 or batch >= samples:
        return 1
    return -(-samples // batch)


def epoch_axis_label(updates: int) -> str:
    """The epoch axis's title: what one epoch is, in updates of the parameters."""
    if updates <= 1:
        return "epoch  (one update each)"
    return f"epoch  ({updates:,} mini-batch updates each)"


def loss_axis_label(loss: str, *, log: bool) -> str:
    """The loss axis's title: the run's loss by name, and the scale."""
    return f"loss  ({LOSS_NAMES.get(loss, loss)}, {'log' if log else 'linear'} scale)"


def set_up_axes(item: pg.PlotItem, *, text_colour: str) -> GridLines:
    """Give ``item`` (made with an :class:`EpochAxis` and a :class:`LossAxis`) the loss plot's axes, labelled in
    ``text_colour`` and cached as pixmaps (the view moves rarely), and its grid; returns the grid."""
    grid = GridLines(item)
    item.addItem(grid, ignoreBounds=True)
    item.layout.setColumnMinimumWidth(2, RIGHT_MARGIN)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        axis.setTextPen(text_colour)
    item.getAxis("bottom").setStyle(hideOverlappingLabels=RIGHT_MARGIN)
    item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
    item.getAxis("left").enableAutoSIPrefix(False)  # no "(x1e+27)" after the label once the loss explodes
    item.setLabel("bottom", epoch_axis_label(1), color=text_colour)
    return grid
