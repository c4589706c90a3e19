"""The image plots the heatmaps and the Backprop tab share: a still plot of cells with their values printed,
its axes' ticks outside the cells, and a colour bar whose power of ten is written under it.

Pieces: :func:`image_plot` builds one (plot, :class:`HoverImage`, :class:`CellLabels`, :class:`FactorBar`);
:class:`OverhangingTitle` is a title that may be wider than its plot without widening it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem

from mlp_gui.core.color_scale import WIDEST_BAR_LABEL
from mlp_gui.gui import palette
from mlp_gui.gui.bare_plot import BareColorBar, BarePlot

TICK_FONT_PT = 8
BAR_TEXT_OFFSET = 3  # pixels between a colour bar and its tick labels (pyqtgraph's ticks there point inwards)
#: pixels of the row and column ticks; positive points them away from the plot, towards their labels, so no
#: tick touches a cell (pointing in, pyqtgraph's default, a row tick read as a minus before the first column's value)
TICK_LENGTH = 4


@cache
def bar_axis_width(points: int = TICK_FONT_PT) -> int:
    """Pixels a colour bar's axis needs for its widest label in this font (fonts differ between systems)."""
    font = QFont()
    font.setPointSize(points)
    return math.ceil(QFontMetricsF(font).horizontalAdvance(WIDEST_BAR_LABEL)) + BAR_TEXT_OFFSET + 1


STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10**9)
LABEL_GAP = 3  # pixels at least between two tick labels


def tick_font() -> QFont:
    font = QFont()
    font.setPointSize(TICK_FONT_PT)
    return font


def index_ticks(count: int, extra: list[tuple[float, str]] | None = None, *, cell_pixels: float = 0.0,
                label_pixels: float = 0.0) -> list[list[tuple[float, str]]]:
    """Ticks at the centres of ``count`` cells labelled 0, 1, 2 … up to 8 cells; else every 2nd, 5th, 10th …
    (at most 5 labels, which fit under a narrow heatmap). Given the cells' and a label's size in pixels, every
    cell labelled is far enough from the next for the labels not to touch (every 2nd, 5th … if need be)."""
    least = 1 if count <= 8 else next(s for s in STEPS[1:] if count / s <= 5)
    fits = (s for s in STEPS if s >= least and (cell_pixels <= 0 or s * cell_pixels >= label_pixels + LABEL_GAP))
    step = next(fits, STEPS[-1])
    major = [(i + 0.5, str(i)) for i in range(0, count, step)]
    return [major + (extra or [])]


def columns_label(layer: int) -> tuple[str, str]:
    """What a layer's columns are, long and short: the network's inputs x₀, x₁… for layer 1, else the units of the
    layer before (as the status bar and the weight panel say: "from unit 3 of layer 1")."""
    if layer <= 1:
        return "inputs x₀, x₁…  |  b", "inputs | b"
    return f"from layer {layer - 1} units  |  b", f"layer {layer - 1} units | b"


LABEL_MARGIN_PX = 10  # the bottom label keeps this from the colour bar's "×1e-5" printed at its right
AXIS_GAP_PX = 5  # blank pixels between the row axis's line and the first column: "2 -|9.3e-4" read as −9.3e-4


class CellPlot(BarePlot):
    """A plot of cells (rows down) whose ticks number its rows and columns, as many as fit its size, the cells
    starting AXIS_GAP_PX right of the row axis.

    :meth:`set_cells` says how many; the ticks are chosen again whenever the plot is resized, so that no
    two labels touch, and the bottom axis's label is the longest of :meth:`set_bottom_label`'s texts that
    fits under the cells.
    """

    def __init__(self) -> None:
        super().__init__(title_item=OverhangingTitle(""))
        self.rows = self.cols = self.span = 0
        self.extra: list[tuple[float, str]] = []
        self.bottom_labels: tuple[str, ...] = ()
        self.bottom_style: dict = {}
        self._fitted: tuple | None = None
        self._label_widths: dict[str, float] = {}  # measured once per text: a plot is resized many times
        self.vb.sigResized.connect(self.fit_ticks)

    def set_cells(self, rows: int, cols: int, *, span: int | None = None, extra: list[tuple[float, str]] | None = None) -> None:
        """``rows`` by ``cols`` cells over ``span`` columns (a gap and a bias strip: more), ``extra`` column ticks."""
        self.rows, self.cols, self.span, self.extra = rows, cols, span or cols, list(extra or [])
        self._fit_range()
        self.fit_ticks()

    def _fit_range(self) -> None:
        """The cells from AXIS_GAP_PX pixels right of the row axis to the right edge, top to bottom."""
        width = self.vb.width()
        gap = self.span * AXIS_GAP_PX / (width - AXIS_GAP_PX) if width > 4 * AXIS_GAP_PX else 0.0
        self.vb.setRange(xRange=(-gap, self.span), yRange=(0, self.rows), padding=0)

    def set_bottom_label(self, *texts: str, **style) -> None:
        """The bottom axis's label: the first of ``texts`` (longest first) that fits the plot's width."""
        self.bottom_labels, self.bottom_style = texts, style
        self._fitted, self._label_widths = None, {}
        self.fit_ticks()

    def fit_ticks(self, *_) -> None:
        if self.span:
            self._fit_range()
        self.titleLabel.refit()  # its room includes the row axis's width, which the cells' rows may have changed
        width, height = self.vb.width(), self.vb.height()
        metrics = QFontMetricsF(tick_font())
        widest = metrics.horizontalAdvance(str(max(self.cols - 1, 0)))
        rows = index_ticks(self.rows, cell_pixels=height / max(self.rows, 1), label_pixels=0.8 * metrics.height())
        cols = index_ticks(self.cols, self.extra, cell_pixels=width / max(self.span, 1), label_pixels=widest)
        label = next((t for t in self.bottom_labels if self._label_width(t) <= width - 2 * LABEL_MARGIN_PX), "")
        fitted = (rows, cols, label)
        if fitted == self._fitted:
            return
        self._fitted = fitted
        self.getAxis("left").setTicks(rows)
        self.getAxis("bottom").setTicks(cols)
        if self.bottom_labels:
            axis = self.getAxis("bottom")
            axis.setLabel(label, **self.bottom_style)
            axis.resizeEvent()  # centred anew: pyqtgraph places an axis's label only when the axis is resized

    def _label_width(self, text: str) -> float:
        """The width the bottom axis draws ``text`` at: its label's own font and HTML (a QFontMetrics of the tick
        font measured the long label some 30 px short of what was drawn)."""
        if text not in self._label_widths:
            document = self.getAxis("bottom").label.document().clone()
            document.setTextWidth(-1)
            style = ";".join(f"{k}: {v}" for k, v in self.bottom_style.items())
            document.setHtml(f"<span style='{style}'>{html.escape(text)}</span>")
            self._label_widths[text] = document.idealWidth()
        return self._label_widths[text]


class OverhangingTitle(pg.LabelItem):
    """A plot's title that takes its plot's width and may overhang it, centred, instead of widening it.

    pyqtgraph sizes a title to its text, so a longer title (``(×1e-5)``, an outlier note) widened its plot
    and squeezed the heatmaps of the other column until their cells were too narrow for their values.
    Given a ``wrapped`` form too (two lines), it shows that one while the one-line text is wider than its
    room: its own width, and over a plot as much again as the plot's left axis on each side (a narrow window).
    """

    wrapped: str | None = None
    one_line = ""
    _measured: tuple = (None, 0.0)  # (text and size, its one-line width)

    def setText(self, text: str, **args) -> None:  # noqa: N802 - pyqtgraph naming
        """As LabelItem's (``wrapped``: the two-line form), and two lines are centred on each other."""
        self.one_line, self.wrapped = text, args.pop("wrapped", None)
        for key, value in args.items():
            self.opts[key] = value
        self._show(self._fitting())

    def _show(self, text: str) -> None:
        if self.item.textWidth() >= 0:
            self.item.setTextWidth(-1)
        super().setText(text)
        if "<br>" in text:
            self.item.setTextWidth(self.item.document().idealWidth())  # what "align=center" centres within
            super().resizeEvent(None)

    def needed_height(self) -> float:
        """The height its taller form takes (pyqtgraph gives a title row 30 px, whatever its lines)."""
        heights = []
        for text in filter(None, (self.one_line, self.wrapped)):
            document = self.item.document().clone()
            document.setTextWidth(-1)
            document.setHtml(f"<span style='font-size:{self.opts.get('size', '9pt')}'>{text}</span>")
            heights.append(document.size().height())
        return max(heights, default=0.0)

    def _fitting(self) -> str:
        if self.wrapped is None or self.width() <= 0:
            return self.one_line
        plot = self.parentItem()
        axis = plot.getAxis("left") if "left" in getattr(plot, "axes", {}) else None
        overhang = axis.width() if axis is not None and axis.isVisible() else 0.0
        return self.one_line if self._one_line_width() <= self.width() + 2 * overhang else self.wrapped

    def _one_line_width(self) -> float:
        """The one-line form's width (measured once per text and size: a title is resized many times)."""
        key = (self.one_line, self.opts.get("size", "9pt"))
        if key != self._measured[0]:
            document = self.item.document().clone()
            document.setTextWidth(-1)
            document.setHtml(f"<span style='font-size:{key[1]}'>{key[0]}</span>")
            self._measured = (key, document.idealWidth())
        return self._measured[1]

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().resizeEvent(event)
        if event is not None:
            self.refit()

    def refit(self) -> None:
        """Show the form that fits the room it has now (its plot calls this when its axis's width changes it)."""
        if self.wrapped is not None:
            text = self._fitting()
            if text != self.text:
                self._show(text)

    def updateMin(self) -> None:  # noqa: N802 - pyqtgraph naming
        super().updateMin()
        self.setMinimumWidth(0)

    def sizeHint(self, hint, constraint):  # noqa: N802 - Qt naming
        size = super().sizeHint(hint, constraint)
        if hint in (Qt.SizeHint.MinimumSize, Qt.SizeHint.PreferredSize):
            size.setWidth(0)
        return size

    @classmethod
    def install(cls, plot: pg.PlotItem) -> None:
        """Put one in place of ``plot``'s title (PlotItem and ColorBarItem keep it in row 0, column 1)."""
        old = plot.titleLabel
        plot.layout.removeItem(old)
        if old.scene() is not None:
            old.scene().removeItem(old)
        plot.titleLabel = cls("", parent=plot)
        plot.layout.addItem(plot.titleLabel, 0, 1)


class HoverImage(pg.ImageItem):
    """An ImageItem that reports the cell under the mouse as text (status bar and tooltip), and left clicks.

    The read-out is live: while the mouse rests on a cell, every new image reports the cell's new value.
    """

    def __init__(self, describe: Callable[[int, int], str | None], on_hover: Callable[[str], None],
                 on_click: Callable[[QPointF], bool] | None = None) -> None:
        super().__init__(axisOrder="row-major")  # rows are units, as the matrices are written
        self._describe, self._on_hover, self._on_click = describe, on_hover, on_click
        self.hovered: tuple[int, int] | None = None  # (row, col) under the mouse
        self.setAcceptHoverEvents(True)

    def setImage(self, image=None, autoLevels=None, **kwargs) -> None:  # noqa: N802, N803 - pyqtgraph naming
        super().setImage(image, autoLevels, **kwargs)
        if image is not None:
            self.refresh_hover()

    def refresh_hover(self) -> None:
        """Say again what the cell under the mouse holds now (the values changed under it)."""
        if self.hovered is not None:
            self._report(*self.hovered)

    def _report(self, row: int, col: int) -> None:
        text = self._describe(row, col) or ""
        self.setToolTip(text)
        self._on_hover(text)

    def mouseClickEvent(self, event) -> None:  # noqa: N802 - pyqtgraph naming
        """A left click on a cell goes to ``on_click`` with its scene position (accepted if it was a cell)."""
        if event.button() == Qt.MouseButton.LeftButton and self._on_click is not None:
            if self._on_click(event.scenePos()):
                event.accept()
            return
        super().mouseClickEvent(event)

    def hoverEvent(self, event) -> None:  # noqa: N802 - Qt naming
        if event.isExit():
            self.hovered = None
            self._on_hover("")
            return
        pos = event.pos()
        self.hovered = (int(np.floor(pos.y())), int(np.floor(pos.x())))
        self._report(*self.hovered)


class CellLabels(QGraphicsItem):
    """Every cell's value as text, drawn in one paint call, all in one font: the largest in which the widest value
    fits its cell with GAP_PX to spare, so neighbours never run together (``3.803.51``) and a row never mixes sizes.

    One item instead of a TextItem per cell: relaying out dozens of text
    items ten times a second cost the training thread a tenth of its speed.
    The font shrinks with the cells (down to MIN_POINTS); below that the
    values are left to the hover text. :attr:`drawn_points` is the size the
    last paint used (None: nothing drawn).
    """

    DARK, LIGHT = QColor("#111111"), QColor("#ffffff")
    MAX_POINTS, MIN_POINTS = 8.0, 5.5
    GAP_PX = 2.0  # between the widest value and its cell's edges, both sides together

    def __init__(self) -> None:
        super().__init__()
        self.font = QFont()
        self.font.setPointSizeF(10.0)
        self.cells: list[tuple[float, float, str, bool]] = []  # x, y, text, light text
        self.extent = QRectF()
        self.drawn_points: float | None = None
        self.drawn_rects: list[QRectF] = []  # each text's box as last painted, in the view's pixels
        self.drawn_lines = 0  # borders drawn between the cells at the last paint (0: no values printed)
        self._widest = 1.0  # the widest value's width in pixels at 10 pt
        self._widest_at: dict[float, float] = {}  # measured in each font size tried

    def set_cells(self, cells: list[tuple[float, float, str, bool]], extent: QRectF) -> None:
        if cells == self.cells and extent == self.extent:
            return
        self.prepareGeometryChange()
        self.cells, self.extent = cells, extent
        metrics = QFontMetricsF(self.font)
        self._widest = max((max(metrics.horizontalAdvance(text), 1.0) for _, _, text, _ in cells), default=1.0)
        self._widest_at = {}
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt naming
        return self.extent

    def fitting_points(self, cell_width_px: float, cell_height_px: float) -> float | None:
        """The font size (a quarter point) in which the widest value, measured in that font, fits a cell this big
        with GAP_PX to spare; None if even MIN_POINTS does not (small fonts are wider than 10 pt scaled down)."""
        room = cell_width_px - self.GAP_PX
        points = math.floor(4 * min(self.MAX_POINTS, 10.0 * room / self._widest, 0.45 * cell_height_px)) / 4
        while points >= self.MIN_POINTS:
            if self._widest_in(points) <= room:
                return points
            points -= 0.25
        return None

    def _widest_in(self, points: float) -> float:
        if points not in self._widest_at:
            font = QFont(self.font)
            font.setPointSizeF(points)
            metrics = QFontMetricsF(font)
            self._widest_at[points] = max((metrics.horizontalAdvance(text) for _, _, text, _ in self.cells), default=0.0)
        return self._widest_at[points]

    def paint(self, painter: QPainter, option, widget=None) -> None:
        to_device = painter.transform()
        cell_width, cell_height = abs(to_device.m11()), abs(to_device.m22())
        smallest = self.fitting_points(cell_width, cell_height) if self.cells else None
        self.drawn_points = smallest
        self.drawn_rects, self.drawn_lines = [], 0
        if smallest is None:
            return  # all or none: a matrix with blank cells among printed ones would read as missing values
        painter.save()
        self.drawn_lines = self._paint_cell_borders(painter)
        painter.setTransform(QTransform())
        painter.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # numbers read left to right in any UI: -0.04, not 0.04-
        font = QFont(self.font)
        font.setPointSizeF(smallest)
        painter.setFont(font)
        box = QRectF(-60, -15, 120, 30)
        for x, y, text, light in self.cells:
            centre = to_device.map(QPointF(x, y))
            painter.setPen(self.LIGHT if light else self.DARK)
            drawn = painter.drawText(box.translated(centre), Qt.AlignmentFlag.AlignCenter, text)
            self.drawn_rects.append(QRectF(drawn))
        painter.restore()


    def _paint_cell_borders(self, painter: QPainter) -> int:
        """Thin white lines between the cells whose values are printed: neighbours of one colour read as one number
        without them ('-3.98-4.00'). How many lines were drawn."""
        cols, rows = int(round(self.extent.width())), int(round(self.extent.height()))
        pen = QPen(self.LIGHT, 1.0)
        pen.setCosmetic(True)  # one pixel at any zoom
        painter.setPen(pen)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # crisp: a blended line would not part them
        lines = [QLineF(x, 0, x, rows) for x in range(1, cols)] + [QLineF(0, y, cols, y) for y in range(1, rows)]
        painter.drawLines(lines)
        return len(lines)


class FactorBar(BareColorBar):
    """A colour bar that writes its power of ten (``×1e-5``, or ``log scale``) under itself, left-aligned.

    Above the bar, beside the plot's title, it was printed over a title wider than its plot (a narrow window);
    under the bar nothing else is drawn in its column. The row keeps its height when the factor is empty, so
    the bars of a column stay as long as each other.
    """

    def __init__(self, *, values: tuple[float, float], color_map: pg.ColorMap, width: int) -> None:
        super().__init__(values=values, color_map=color_map, width=width, title_item=OverhangingTitle(""))
        self.factor = OverhangingTitle("")
        self.factor.setAttr("justify", "left")
        line = math.ceil(QFontMetricsF(tick_font()).height())
        self.layout.setRowFixedHeight(3, line // 2 + 1)  # room for the lowest tick label, centred on the bar's end
        self.layout.addItem(self.factor, 4, 1, 1, 2)  # under the bar (row 2) and that room (its hidden bottom axis)
        self.layout.setRowFixedHeight(4, line + 2)
        self.set_factor("")

    @property
    def factor_text(self) -> str:
        return self.factor.text

    def set_factor(self, text: str) -> None:
        self.factor.setText(text, size=f"{TICK_FONT_PT}pt", color=palette.TEXT)


def image_plot(layout: pg.GraphicsLayout, row: int, col: int, describe: Callable[[int, int], str | None],
               on_hover: Callable[[str], None], on_click: Callable | None = None) -> tuple:
    """A still plot (rows down, no zoom, no menu) holding a hoverable image and its cell labels, and a colour bar
    beside it in the next column: ``(plot, image, labels, bar)``. The heatmaps and the Backprop tab share it."""
    plot = CellPlot()
    layout.addItem(plot, row=row, col=col)
    plot.vb.setMouseEnabled(x=False, y=False)
    plot.vb.invertY(True)
    plot.vb.setDefaultPadding(0.0)
    font = tick_font()
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setTickFont(font)
        axis.setStyle(tickLength=TICK_LENGTH)
        palette.style_axis(axis)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    image = HoverImage(describe, on_hover, on_click) if on_click else HoverImage(describe, on_hover)
    # an image before the colour bar links to it: levels set on an empty ImageItem are deferred and would
    # later overwrite the first real levels
    image.setImage(np.zeros((1, 1)), levels=(-1.0, 1.0), autoLevels=False)
    plot.addItem(image)
    labels = CellLabels()
    plot.addItem(labels)
    bar = FactorBar(values=(-1, 1), color_map=pg.colormap.get(palette.COLOUR_MAP), width=10)
    bar.setImageItem(image)
    bar.axis.setTickFont(font)
    palette.style_axis(bar.axis)
    bar.axis.setStyle(tickTextOffset=BAR_TEXT_OFFSET)
    bar.axis.setWidth(bar_axis_width())
    bar.axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    bar.setTitle("")  # an empty title row as tall as the plot's: the bar starts where the image does
    return plot, image, labels, bar
