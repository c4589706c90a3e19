"""Heatmaps of every layer's weights and their gradients, side by side, each with a colour bar.

One row per layer: the weight matrix with its bias as a one-column strip to
its right (after a blank gap column), then the same for the gradient. Colours
come from a diverging map centred on zero; each scale is symmetric and
follows the data at every update (gradients shrink by orders of magnitude)
unless the scales are locked, and snaps to 1, 1.5, 2, 3, 4, 5, 6 or 8 times a
power of ten so the colour bars' ticks rarely move. Small matrices print their
values in the cells; hovering any cell tells its row, column and exact value.

Numbers stay short whatever their magnitude, because pyqtgraph hides a tick
label wider than its axis and a cell's text shrinks to illegible:

* Colour bars label their ends, zero and halves. A scale from 0.01 up to 100
  reads in plain decimals (``-0.02`` … ``0.02``); any other shows its power of
  ten once above the bar (``×1e-5``) and mantissas at the ticks (``-1.5``,
  ``-0.75``, ``0``, ``0.75``, ``1.5``). No label is wider than ``-0.015``, and
  the bar's axis is sized from the font to hold that.
* Cells of a matrix on such a scale print mantissas to two decimals, with the
  power of ten once in the title (``∂L/∂W1 | ∂L/∂b1  (×1e-5)``), as MATLAB
  prints ``1.0e-05 *`` above a matrix. Five characters fit the cells of a 4x4
  matrix in a narrow panel, and a student compares ``3.53`` with ``0.42`` at
  a glance, where ``3.5e-6`` against ``4.2e-7`` makes them read exponents
  first; a value hundreds of times smaller than the scale reads ``0.00``, as
  its white colour does (the hover text has every value exactly). On a plain
  scale values keep their own form (``-0.30``, ``-6.4e-4``). Each value is
  drawn in the largest font (up to 8 pt) that fits its cell.
* An outlier, a largest |value| over a thousand times the median one (a
  diverged bias of ``-1e156``), leaves every other cell white: a second title
  line says ``scale set by b3[1] = -1.0e156``, and the cells print each value
  on its own (``-5.4e5`` … ``-1e156``), since a shared power of ten would round
  all the others to ``0.00``.

The panel redraws from the latest snapshot on a timer — ten times a second
at most, less often when a redraw costs more (large networks) — and skips
matrices whose colours and printed values have not changed, so the training
thread keeps the GIL for training.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QTransform
from PySide6.QtWidgets import QFrame, QGraphicsItem, QScrollArea, QWidget

from mlp_gui.core.trainer import Snapshot
from mlp_gui.gui import palette

COLOUR_MAP = palette.COLOUR_MAP  # blue - white - red, perceptually uniform, diverging around its centre
MAX_TEXT_CELLS = 8  # print values in cells when a matrix has at most this many rows and columns
REFRESH_MS = 100  # at most ten redraws a second
MAX_REFRESH_MS = 1000  # at least one a second, however large the network
TIME_BUDGET = 0.04  # share of wall time the heatmaps may take (a redraw costing 10 ms runs every 250 ms)
MIN_ROW_HEIGHT = 170  # pixels per layer before the panel scrolls (deep networks)
TICK_FONT_PT = 8
KEEP_ABOVE = 0.4  # a colour scale stays while the data fill at least this much of it
COLOUR_STEPS = 127.5  # a value's colour is one of 256 steps across the symmetric range
PLAIN_DECADES = range(-2, 2)  # scales from 0.01 up to (not including) 100 are written in plain decimals
OUTLIER_RATIO = 1e3  # the largest |value| above this many times the typical one "sets the scale" (and says so)
SAMPLE_SIZE = 4096  # values of a large matrix whose median stands for its typical magnitude
#: the widest colour-bar tick label drawn (the end of a 0.015 scale); the bar's axis is made to fit it
WIDEST_BAR_LABEL = "-0.015"
BAR_TEXT_OFFSET = 3  # pixels between a colour bar and its tick labels (pyqtgraph's ticks there point inwards)


def decade(value: float) -> int:
    """The power of ten of a positive value: ``decade(1.5e-5) == -5`` (robust to ``1.0000000000000002e-16``)."""
    return math.floor(math.log10(value) + 1e-9)


def scale_exponent(limit: float) -> int | None:
    """The power of ten a scale shows once, or None for a scale written in plain decimals (0.01 ≤ limit < 100)."""
    if not np.isfinite(limit) or limit <= 0:
        return None
    exponent = decade(limit)
    return None if exponent in PLAIN_DECADES else exponent


def format_exponent(exponent: int) -> str:
    """The shared factor, ``×1e-6``: the e-notation the hover text and the printouts use."""
    return f"×1e{exponent}"


def _scientific(value: float, digits: int) -> str:
    """``-1.5e-5`` (``digits`` after the point, no ``+`` or leading zero in the exponent)."""
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_cell(value: float, exponent: int | None = None) -> str:
    """A value short enough for a cell.

    Without ``exponent``: 2 decimals, or 2 significant digits with a short exponent (``-2.0e-3``), 1 beside a
    three-digit exponent (``-1e156``: a diverged value's second digit matters less than fitting its cell).
    With it: the mantissa ``value / 10**exponent`` to 2 decimals (``-3.55`` for -3.55e-6 with exponent -6),
    the power of ten being shown once in the matrix's title.
    """
    if not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if exponent is not None:
        return f"{value / 10.0**exponent:.2f}"
    if value == 0 or 0.01 <= abs(value) < 100:
        return f"{value:.2f}"
    text = _scientific(value, 1)
    return _scientific(value, 0) if len(text.rpartition("e")[2].lstrip("-")) > 2 else text


def format_scale(value: float, exponent: int | None = None) -> str:
    """A colour-bar tick: ``0``, ``0.5``, ``15``, ``0.0075``, ``4e-4`` — short enough for a narrow bar.

    With ``exponent``, the mantissa ``value / 10**exponent`` (``1.5`` for 1.5e-5 with exponent -5).
    """
    if value == 0:
        return "0"
    if exponent is not None:
        value /= 10.0**exponent
    if 0.001 <= abs(value) < 1000:
        return f"{value:.3g}"
    return _scientific(value, 1).replace(".0e", "e")


def format_short(value: float) -> str:
    """Two significant digits for a note: ``0.087``, ``-5.3``, ``120``, ``-1.0e156``."""
    if not np.isfinite(value):
        return format_cell(value)
    if 0.001 <= abs(value) < 1000:
        return np.format_float_positional(value, precision=2, unique=False, fractional=False, trim="-")
    return _scientific(value, 1)


def bar_ticks(limit: float) -> tuple[str, list[list[tuple[float, str]]]]:
    """The colour bar's title (``×1e-5`` or empty) and its ticks: labelled ends and zero, and halves.

    ``-0.02`` … ``0.02`` for a plain scale, ``-1.5`` … ``1.5`` under ``×1e-5`` for any other. No label
    is longer than WIDEST_BAR_LABEL, so pyqtgraph's axis (which hides a label that overflows it) draws
    them all; the halves of a 0.015 scale (``-0.0075`` would be longer) keep their ticks, not their text.
    """
    exponent = scale_exponent(limit)
    major = [(v, format_scale(v, exponent)) for v in (-limit, 0.0, limit)]
    halves = [(v, format_scale(v, exponent)) for v in (-limit / 2, limit / 2)]
    fits = len(halves[0][1]) <= len(WIDEST_BAR_LABEL)  # the negative half is the longer
    minor = [(v, text if fits else "") for v, text in halves]
    return ("" if exponent is None else format_exponent(exponent)), [major, minor]


NICE_STEPS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 times a power of ten that is >= value.

    Colour scales snap to these so a colour bar's ticks change only when the
    data outgrows (or shrinks well inside) the scale, not at every update.
    """
    if not np.isfinite(value) or value <= 0:
        return 1e-12
    base = 10.0 ** max(np.floor(np.log10(value)), -307.0)  # 1e-308 and below lose digits (1e-324 is 0)
    ceiling = next(step * base for step in NICE_STEPS if step * base >= value * (1 - 1e-12))
    return float(min(ceiling, sys.float_info.max))  # 2e308 would be inf


def peak_magnitude(*arrays: np.ndarray) -> float:
    """The largest finite absolute value in the arrays (0 if there is none)."""
    finite = [np.abs(a[np.isfinite(a)]) for a in arrays]
    return max((float(f.max()) for f in finite if f.size), default=0.0)


def symmetric_limit(*arrays: np.ndarray) -> float:
    """A nice symmetric colour limit covering the largest finite magnitude in the arrays."""
    peak = peak_magnitude(*arrays)
    return nice_ceiling(peak) if peak > 0 else 1e-12


def follow_limit(current: float, peak: float) -> float:
    """The colour limit for data peaking at ``peak``: ``current`` while the peak stays between KEEP_ABOVE of it
    and all of it, else a new nice limit just above the peak.

    The hysteresis keeps the colour bars still while gradients shrink (each change redraws a bar's
    axis); colours keep at least KEEP_ABOVE of their contrast.
    """
    if peak <= 0:
        return 1e-12
    if KEEP_ABOVE * current <= peak <= current:
        return current
    return nice_ceiling(peak)


def with_bias_strip(matrix: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``[matrix | NaN gap | bias]`` as one image (NaN draws as transparent)."""
    rows, cols = matrix.shape
    image = np.full((rows, cols + 2), np.nan)
    image[:, :cols] = matrix
    image[:, cols + 1] = bias
    return image


def colour_steps(image: np.ndarray, limit: float) -> np.ndarray:
    """Which of the colour map's steps each cell falls on (NaN and inf kept apart), to spot visible change."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        steps = np.rint(np.clip(image / limit, -1.0, 1.0) * COLOUR_STEPS)
    return np.where(np.isnan(image), 1000.0, steps)


def magnitudes(image: np.ndarray, sample: np.ndarray | None = None) -> tuple[float, int, float]:
    """The largest finite |value| of an image, its flat index, and the median of the non-zero finite ones.

    ``sample`` (flat indices) estimates the median from a few thousand values of a large image.
    """
    size = np.abs(image)
    size[~np.isfinite(size)] = 0.0  # the gap column, inf and NaN
    where = int(np.argmax(size))
    sampled = size.ravel() if sample is None else size.ravel()[sample]
    non_zero = sampled[sampled > 0]
    return float(size.flat[where]), where, float(np.median(non_zero)) if non_zero.size else 0.0


def index_ticks(count: int, extra: list[tuple[float, str]] | None = None) -> list[list[tuple[float, str]]]:
    """Ticks at the centres of ``count`` cells labelled 0, 1, 2 … up to 8 cells; else every 2nd, 5th, 10th …
    (at most 5 labels, which fit under a narrow heatmap)."""
    step = 1 if count <= 8 else next(s for s in (2, 5, 10, 20, 50, 100, 200, 500, 1000, 10**9) if count / s <= 5)
    major = [(i + 0.5, str(i)) for i in range(0, count, step)]
    return [major + (extra or [])]


@cache
def bar_axis_width(points: int = TICK_FONT_PT) -> int:
    """Pixels a colour bar's axis needs for its widest label in this font (fonts differ between systems)."""
    font = QFont()
    font.setPointSize(points)
    return math.ceil(QFontMetricsF(font).horizontalAdvance(WIDEST_BAR_LABEL)) + BAR_TEXT_OFFSET + 1


class OverhangingTitle(pg.LabelItem):
    """A plot's title that takes its plot's width and may overhang it, centred, instead of widening it.

    pyqtgraph sizes a title to its text, so a longer title (``(×1e-5)``, an outlier note) widened its plot
    and squeezed the heatmaps of the other column until their cells were too narrow for their values.
    """

    def setText(self, text: str, **args) -> None:  # noqa: N802 - pyqtgraph naming
        """As LabelItem's, and two lines (a title and its note) are centred on each other."""
        if self.item.textWidth() >= 0:
            self.item.setTextWidth(-1)
        super().setText(text, **args)
        if "<br>" in text:
            self.item.setTextWidth(self.item.document().idealWidth())  # what "align=center" centres within
            self.resizeEvent(None)

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
    """An ImageItem that reports the cell under the mouse as text (status bar and tooltip)."""

    def __init__(self, describe: Callable[[int, int], str | None], on_hover: Callable[[str], None]) -> None:
        super().__init__(axisOrder="row-major")  # rows are units, as the matrices are written
        self._describe, self._on_hover = describe, on_hover
        self.setAcceptHoverEvents(True)

    def hoverEvent(self, event) -> None:  # noqa: N802 - Qt naming
        if event.isExit():
            self._on_hover("")
            return
        pos = event.pos()
        text = self._describe(int(np.floor(pos.y())), int(np.floor(pos.x())))
        self.setToolTip(text or "")
        self._on_hover(text or "")


class CellLabels(QGraphicsItem):
    """Every cell's value as text, drawn in one paint call, each in the largest font that fits its cell.

    One item instead of a TextItem per cell: relaying out dozens of text
    items ten times a second cost the training thread a tenth of its speed.
    The font shrinks with the cells (down to MIN_POINTS); below that the
    values are left to the hover text. Each text gets its own size (up to
    MAX_POINTS), so one long ``-8.2e-3`` no longer shrinks a whole matrix of
    ``0.68``s. :attr:`drawn_points` is the smallest size the last paint used
    (None: nothing drawn).
    """

    DARK, LIGHT = QColor("#111111"), QColor("#ffffff")
    MAX_POINTS, MIN_POINTS = 8.0, 5.5

    def __init__(self) -> None:
        super().__init__()
        self.font = QFont()
        self.font.setPointSizeF(10.0)
        self.cells: list[tuple[float, float, str, bool]] = []  # x, y, text, light text
        self.extent = QRectF()
        self.drawn_points: float | None = None
        self._widths: list[float] = []  # each text's width in pixels at 10 pt
        self._widest = 1.0

    def set_cells(self, cells: list[tuple[float, float, str, bool]], extent: QRectF) -> None:
        if cells == self.cells and extent == self.extent:
            return
        self.prepareGeometryChange()
        self.cells, self.extent = cells, extent
        metrics = QFontMetricsF(self.font)
        self._widths = [max(metrics.horizontalAdvance(text), 1.0) for _, _, text, _ in cells]
        self._widest = max(self._widths, default=1.0)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt naming
        return self.extent

    def fitting_points(self, cell_width_px: float, cell_height_px: float, text_width: float | None = None) -> float | None:
        """The font size that fits the widest value (or one ``text_width`` wide at 10 pt) in a cell this big,
        or None if even the smallest does not."""
        points = min(self.MAX_POINTS, 10.0 * 0.92 * cell_width_px / (text_width or self._widest), 0.45 * cell_height_px)
        return points if points >= self.MIN_POINTS else None

    def paint(self, painter: QPainter, option, widget=None) -> None:
        to_device = painter.transform()
        cell_width, cell_height = abs(to_device.m11()), abs(to_device.m22())
        smallest = self.fitting_points(cell_width, cell_height) if self.cells else None
        self.drawn_points = smallest
        if smallest is None:
            return  # all or none: a matrix with blank cells among printed ones would read as missing values
        painter.save()
        painter.setTransform(QTransform())
        font = QFont(self.font)
        current = 0.0
        box = QRectF(-60, -15, 120, 30)
        for (x, y, text, light), width in zip(self.cells, self._widths):
            points = math.floor(4 * (self.fitting_points(cell_width, cell_height, width) or smallest)) / 4
            if points != current:
                current = points
                font.setPointSizeF(points)
                painter.setFont(font)
            centre = to_device.map(QPointF(x, y))
            painter.setPen(self.LIGHT if light else self.DARK)
            painter.drawText(box.translated(centre), Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class MatrixView:
    """One matrix with its bias strip: a plot holding the image and cell labels, and its colour bar.

    Besides the colours it keeps three short texts in step with the data: the colour bar's power of ten
    (:attr:`bar_title`, above the bar), the cells' one (:attr:`exponent`, ``(×1e-6)`` in the title) and
    the outlier note (:attr:`note`, ``scale set by b3[1] = -1.0e156``, a second title line).
    """

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, name: str, bias_name: str, title: str,
                 on_hover: Callable[[str], None]) -> None:
        self.name, self.bias_name, self.title = name, bias_name, title
        self.plot = layout.addPlot(row=row, col=col)
        OverhangingTitle.install(self.plot)
        self.title_text = title
        self.plot.setTitle(title, size="9pt", color=palette.TEXT)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setDefaultPadding(0.0)
        tick_font = QFont()
        tick_font.setPointSize(TICK_FONT_PT)
        for side, label in (("left", "unit"), ("bottom", "input  |  b = bias")):
            axis = self.plot.getAxis(side)
            axis.setLabel(label, **{"font-size": f"{TICK_FONT_PT}pt", "color": palette.MUTED})
            axis.setTickFont(tick_font)
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.image = HoverImage(self._describe, on_hover)
        # an image before the colour bar links to it: levels set on an empty ImageItem are deferred and would
        # later overwrite the first real levels
        self.image.setImage(np.zeros((1, 1)), levels=(-1.0, 1.0), autoLevels=False)
        self.plot.addItem(self.image)
        self.labels = CellLabels()
        self.plot.addItem(self.labels)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=pg.colormap.get(COLOUR_MAP), interactive=False, width=10)
        self.bar.setImageItem(self.image)
        self.bar.axis.setTickFont(tick_font)
        self.bar.axis.setStyle(tickTextOffset=BAR_TEXT_OFFSET)
        self.bar.axis.setWidth(bar_axis_width())
        self.bar.axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        OverhangingTitle.install(self.bar)
        self.bar_title = ""
        self._set_bar_title("")  # an empty title row still lines the bar up with the image
        self._set_bar_ticks(1.0)
        layout.addItem(self.bar, row=row, col=col + 1)
        self.matrix = np.zeros((0, 0))
        self.bias = np.zeros(0)
        self.limit = 1.0
        self.exponent: int | None = None
        self.note = ""
        self._steps: np.ndarray | None = None
        self._sample: np.ndarray | None = None

    def _describe(self, row: int, col: int) -> str | None:
        """The cell's name, exact value and meaning, e.g. ``W1[2, 0] = -8.14…  (into unit 2 from input 0)``."""
        rows, cols = self.matrix.shape
        if not 0 <= row < rows:
            return None
        if 0 <= col < cols:
            return f"{self.name}[{row}, {col}] = {float(self.matrix[row, col])!r}   (into unit {row} from input {col})"
        if col == cols + 1:
            return f"{self.bias_name}[{row}] = {float(self.bias[row])!r}   (bias of unit {row})"
        return None

    def show(self, matrix: np.ndarray, bias: np.ndarray, limit: float | None) -> bool:
        """Draw new values; ``limit`` fixes the colour scale, None chooses it from the data.

        Returns False (and redraws nothing) when no colour, printed value or title would change.
        """
        reshaped = matrix.shape != self.matrix.shape
        self.matrix, self.bias = matrix, bias
        image = with_bias_strip(matrix, bias)
        if reshaped:
            big = image.size > SAMPLE_SIZE
            self._sample = np.sort(np.random.default_rng(0).choice(image.size, SAMPLE_SIZE, replace=False)) if big else None
        peak, where, typical = magnitudes(image, self._sample)
        new_limit = follow_limit(self.limit, peak) if limit is None else limit
        note = self._outlier_note(image, peak, where, typical, locked=limit is not None)
        exponent = None if note or peak == 0 else scale_exponent(max(new_limit, peak))
        steps = colour_steps(image, new_limit)
        texts = self._cell_texts(image, new_limit, exponent)
        exponent = exponent if texts else None  # no printed values, nothing to scale
        unchanged = (not reshaped and new_limit == self.limit and texts == self.labels.cells
                     and (exponent, note) == (self.exponent, self.note) and np.array_equal(steps, self._steps))
        if unchanged:
            return False
        self._steps = steps
        if new_limit != self.limit or reshaped:
            self.limit = new_limit
            self.bar.setLevels((-new_limit, new_limit), update_items=False)
            self._set_bar_ticks(new_limit)
        self.image.setImage(image, levels=(-self.limit, self.limit), autoLevels=False)
        if reshaped:
            self._set_axes(*matrix.shape)
        rows, cols = image.shape
        self.labels.set_cells(texts, QRectF(0, 0, cols, rows) if texts else QRectF())
        self._set_title(exponent, note)
        return True

    def _outlier_note(self, image: np.ndarray, peak: float, where: int, typical: float, locked: bool = False) -> str:
        """``scale set by b3[1] = -1.0e156`` when the largest |value| is OUTLIER_RATIO times the typical one, else ''.

        Typical is the median of the non-zero magnitudes, not the second largest: two diverged biases
        (1e153 and 2e150) dwarf the weights (1e5) just as much as one does. A note stays until the ratio
        falls to a third of OUTLIER_RATIO, so it does not flicker while training. Under a locked scale the
        value did not set it: the note then says ``outlier: b3[1] = …``.
        """
        threshold = OUTLIER_RATIO / 3 if self.note else OUTLIER_RATIO
        if typical <= 0 or peak <= threshold * typical:
            return ""
        row, col = divmod(where, image.shape[1])
        name = f"{self.name}[{row}, {col}]" if col < image.shape[1] - 2 else f"{self.bias_name}[{row}]"
        return f"{'outlier:' if locked else 'scale set by'} {name} = {format_short(float(image[row, col]))}"

    def _set_title(self, exponent: int | None, note: str) -> None:
        if (exponent, note) == (self.exponent, self.note):
            return
        self.exponent, self.note = exponent, note
        text = self.title if exponent is None else f"{self.title}&nbsp; ({format_exponent(exponent)})"
        if note:
            text = f"<div align='center'>{text}<br><span style='font-size:{TICK_FONT_PT}pt; color:{palette.ERROR}'>{note}</span></div>"
        self.title_text = text
        self.plot.setTitle(text, size="9pt", color=palette.TEXT)

    def _set_axes(self, rows: int, cols: int) -> None:
        self.plot.getAxis("left").setTicks(index_ticks(rows))
        self.plot.getAxis("bottom").setTicks(index_ticks(cols, [(cols + 1.5, "b")]))
        self.plot.setRange(xRange=(0, cols + 2), yRange=(0, rows), padding=0)

    def _set_bar_ticks(self, limit: float) -> None:
        title, ticks = bar_ticks(limit)
        self.bar.axis.setTicks(ticks)
        if title != self.bar_title:
            self.bar_title = title
            self._set_bar_title(title)

    def _set_bar_title(self, title: str) -> None:
        self.bar.setTitle(title, size=f"{TICK_FONT_PT}pt", color=palette.TEXT, justify="left")  # above bar and labels

    @staticmethod
    def _cell_texts(image: np.ndarray, limit: float, exponent: int | None = None) -> list[tuple[float, float, str, bool]]:
        """(x, y, text, light) for every cell of a small image; [] for a large one."""
        rows, cols = image.shape
        if rows > MAX_TEXT_CELLS or cols - 2 > MAX_TEXT_CELLS:
            return []
        strong = 0.6 * limit
        return [
            (c + 0.5, r + 0.5, format_cell(v, exponent), abs(v) > strong)
            for r, values in enumerate(image.tolist())
            for c, v in enumerate(values)
            if c != cols - 2
        ]


class _TimedLayoutWidget(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that remembers the CPU time its last paint took (with the GIL held).

    CPU time of this thread, not wall time: while the training thread runs, a paint also waits for
    the GIL, and counting that wait would slow the refreshes down for no reason.
    """

    last_paint_seconds = 0.0

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt naming
        began = time.thread_time()
        super().paintEvent(event)
        self.last_paint_seconds = time.thread_time() - began


class HeatmapPanel(QScrollArea):
    """For every layer: weights and bias, then their gradients; refreshed from the latest snapshot.

    Scrolls vertically when the network has more layers than fit at a readable height.
    """

    def __init__(self, parent: QWidget | None = None, on_hover: Callable[[str], None] | None = None) -> None:
        super().__init__(parent)
        self.view = _TimedLayoutWidget()
        self.view.setBackground("w")
        self.view.ci.layout.setHorizontalSpacing(4)
        self.view.ci.layout.setVerticalSpacing(14)
        self.setWidget(self.view)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._on_hover = on_hover or (lambda text: None)
        self.weights: list[MatrixView] = []
        self.gradients: list[MatrixView] = []
        self.locked = False
        self._pending: Snapshot | None = None
        self.shown: Snapshot | None = None
        self.refresh_ms = REFRESH_MS
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._refresh)

    @property
    def ci(self) -> pg.GraphicsLayout:
        """The graphics layout holding the plots (as on a GraphicsLayoutWidget)."""
        return self.view.ci

    def set_locked(self, locked: bool) -> None:
        """Keep the current colour scales (True) or follow the data (False)."""
        self.locked = locked
        if not locked and self.shown is not None:
            self.show_snapshot(self.shown)

    def show_snapshot(self, snapshot: Snapshot, now: bool = False) -> None:
        """Draw ``snapshot`` at the next refresh (or at once); only the latest one waiting is drawn."""
        self._pending = snapshot
        if now:
            self._timer.stop()
            self._refresh()
        elif not self._timer.isActive():
            self._timer.start(self.refresh_ms)

    def flush(self) -> None:
        """Draw the snapshot waiting for the next refresh now (the run halted: show where it stopped)."""
        if self._pending is not None:
            self.show_snapshot(self._pending, now=True)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        """Catch up with what arrived while the panel was hidden (another tab)."""
        super().showEvent(event)
        if self._pending is not None and not self._timer.isActive():
            self._timer.start(0)

    def _refresh(self) -> None:
        snap = self._pending
        if snap is None or (self.shown is not None and not self.isVisible()):
            return  # nothing new, or hidden: keep it for when the panel is shown again
        began = time.thread_time()
        self._pending = None
        if self._layers_changed(snap):
            self._build(snap)
        for w_view, g_view, layer, grad in zip(self.weights, self.gradients, snap.layers, snap.grads):
            w_view.show(layer.W, layer.b, w_view.limit if self.locked else None)
            g_view.show(grad.W, grad.b, g_view.limit if self.locked else None)
        self.shown = snap
        self._pace(time.thread_time() - began + self.view.last_paint_seconds)

    def _pace(self, cost_seconds: float) -> None:
        """Refresh less often when a refresh costs more, so the heatmaps take at most TIME_BUDGET of the time."""
        wanted = 1000 * cost_seconds / TIME_BUDGET
        self.refresh_ms = int(min(max(wanted, REFRESH_MS), MAX_REFRESH_MS))

    def _layers_changed(self, snap: Snapshot) -> bool:
        return self.shown is None or [p.W.shape for p in snap.layers] != [p.W.shape for p in self.shown.layers]

    def _build(self, snap: Snapshot) -> None:
        self.ci.clear()
        self.weights, self.gradients = [], []
        header = {"size": "9pt", "color": palette.MUTED}
        self.ci.addLabel("weights and biases", row=0, col=0, colspan=2, **header)
        self.ci.addLabel("their gradients ∂L/∂·", row=0, col=2, colspan=2, **header)
        n_layers = len(snap.layers)
        for i, layer in enumerate(snap.layers):
            n = i + 1
            n_out, n_in = layer.W.shape
            self.weights.append(MatrixView(self.ci, n, 0, f"W{n}", f"b{n}", f"W{n} | b{n}   ({n_in}→{n_out})", self._on_hover))
            self.gradients.append(MatrixView(self.ci, n, 2, f"∂L/∂W{n}", f"∂L/∂b{n}", f"∂L/∂W{n} | ∂L/∂b{n}", self._on_hover))
        for col, stretch in enumerate((1, 0, 1, 0)):
            self.ci.layout.setColumnStretchFactor(col, stretch)
        self.view.setMinimumHeight(MIN_ROW_HEIGHT * n_layers if n_layers > 4 else 0)
