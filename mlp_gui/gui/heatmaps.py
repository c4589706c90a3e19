"""Heatmaps of every layer's weights and their gradients, side by side, each with a colour bar.

One row per layer: the weight matrix with its bias as a one-column strip to
its right (after a blank gap column), then the same for the gradient. Colours
come from a diverging map centred on zero; each scale is symmetric and
follows the data at every update (gradients shrink by orders of magnitude)
unless the scales are locked, and snaps to 1, 1.5, 2, 3, 4, 5, 6 or 8 times a
power of ten so the colour bars' ticks rarely move. Small matrices print their
values in the cells; hovering any cell tells its row, column and exact value.

The panel redraws from the latest snapshot on a timer — ten times a second
at most, less often when a redraw costs more (large networks) — and skips
matrices whose colours and printed values have not changed, so the training
thread keeps the GIL for training.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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


def format_cell(value: float) -> str:
    """A value short enough for a cell: 2 decimals, or 2 significant digits with a short exponent."""
    if not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if value == 0 or 0.01 <= abs(value) < 100:
        return f"{value:.2f}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_scale(value: float) -> str:
    """A colour-bar tick: ``0``, ``0.5``, ``15``, ``4e-4`` — short enough for a narrow bar."""
    if value == 0:
        return "0"
    if 0.01 <= abs(value) < 1000:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


NICE_STEPS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 times a power of ten that is >= value.

    Colour scales snap to these so a colour bar's ticks change only when the
    data outgrows (or shrinks well inside) the scale, not at every update.
    """
    if not np.isfinite(value) or value <= 0:
        return 1e-12
    decade = 10.0 ** np.floor(np.log10(value))
    return float(next(step * decade for step in NICE_STEPS if step * decade >= value * (1 - 1e-12)))


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


def index_ticks(count: int, extra: list[tuple[float, str]] | None = None) -> list[list[tuple[float, str]]]:
    """Ticks at the centres of ``count`` cells labelled 0, 1, 2 … up to 8 cells; else every 2nd, 5th, 10th …
    (at most 5 labels, which fit under a narrow heatmap)."""
    step = 1 if count <= 8 else next(s for s in (2, 5, 10, 20, 50, 100, 200, 500, 1000, 10**9) if count / s <= 5)
    major = [(i + 0.5, str(i)) for i in range(0, count, step)]
    return [major + (extra or [])]


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
    """Every cell's value as text, drawn in one paint call, in the largest font that fits the cells.

    One item instead of a TextItem per cell: relaying out dozens of text
    items ten times a second cost the training thread a tenth of its speed.
    The font shrinks with the cells (down to MIN_POINTS); below that the
    values are left to the hover text.
    """

    DARK, LIGHT = QColor("#111111"), QColor("#ffffff")
    MAX_POINTS, MIN_POINTS = 8.0, 5.5

    def __init__(self) -> None:
        super().__init__()
        self.font = QFont()
        self.font.setPointSizeF(10.0)
        self.cells: list[tuple[float, float, str, bool]] = []  # x, y, text, light text
        self.extent = QRectF()
        self._widest = 1.0  # widest text's width in pixels at 10 pt

    def set_cells(self, cells: list[tuple[float, float, str, bool]], extent: QRectF) -> None:
        if cells == self.cells and extent == self.extent:
            return
        self.prepareGeometryChange()
        self.cells, self.extent = cells, extent
        metrics = QFontMetricsF(self.font)
        self._widest = max((metrics.horizontalAdvance(text) for _, _, text, _ in cells), default=1.0)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt naming
        return self.extent

    def fitting_points(self, cell_width_px: float, cell_height_px: float) -> float | None:
        """The font size that fits every value in a cell this big, or None if even the smallest does not."""
        points = min(self.MAX_POINTS, 10.0 * 0.92 * cell_width_px / self._widest, 0.45 * cell_height_px)
        return points if points >= self.MIN_POINTS else None

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.cells:
            return
        to_device = painter.transform()
        points = self.fitting_points(abs(to_device.m11()), abs(to_device.m22()))
        if points is None:
            return
        painter.save()
        painter.setTransform(QTransform())
        font = QFont(self.font)
        font.setPointSizeF(points)
        painter.setFont(font)
        box = QRectF(-60, -15, 120, 30)
        for x, y, text, light in self.cells:
            centre = to_device.map(QPointF(x, y))
            painter.setPen(self.LIGHT if light else self.DARK)
            painter.drawText(box.translated(centre), Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class MatrixView:
    """One matrix with its bias strip: a plot holding the image and cell labels, and its colour bar."""

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, name: str, bias_name: str, title: str,
                 on_hover: Callable[[str], None]) -> None:
        self.name, self.bias_name, self.title = name, bias_name, title
        self.plot = layout.addPlot(row=row, col=col)
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
        self.bar.axis.setWidth(40)
        self.bar.axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._set_bar_ticks(1.0)
        layout.addItem(self.bar, row=row, col=col + 1)
        self.matrix = np.zeros((0, 0))
        self.bias = np.zeros(0)
        self.limit = 1.0
        self._steps: np.ndarray | None = None

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

        Returns False (and redraws nothing) when no colour and no printed value would change.
        """
        reshaped = matrix.shape != self.matrix.shape
        self.matrix, self.bias = matrix, bias
        new_limit = follow_limit(self.limit, peak_magnitude(matrix, bias)) if limit is None else limit
        image = with_bias_strip(matrix, bias)
        steps = colour_steps(image, new_limit)
        texts = self._cell_texts(image, new_limit)
        if not reshaped and new_limit == self.limit and texts == self.labels.cells and np.array_equal(steps, self._steps):
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
        return True

    def _set_axes(self, rows: int, cols: int) -> None:
        self.plot.getAxis("left").setTicks(index_ticks(rows))
        self.plot.getAxis("bottom").setTicks(index_ticks(cols, [(cols + 1.5, "b")]))
        self.plot.setRange(xRange=(0, cols + 2), yRange=(0, rows), padding=0)

    def _set_bar_ticks(self, limit: float) -> None:
        major = [(v, format_scale(v)) for v in (-limit, 0.0, limit)]
        minor = [(v, format_scale(v)) for v in (-limit / 2, limit / 2)]
        self.bar.axis.setTicks([major, minor])

    @staticmethod
    def _cell_texts(image: np.ndarray, limit: float) -> list[tuple[float, float, str, bool]]:
        """(x, y, text, light) for every cell of a small image; [] for a large one."""
        rows, cols = image.shape
        if rows > MAX_TEXT_CELLS or cols - 2 > MAX_TEXT_CELLS:
            return []
        strong = 0.6 * limit
        return [
            (c + 0.5, r + 0.5, format_cell(v), abs(v) > strong)
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
