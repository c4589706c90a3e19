"""Heatmaps of every layer's weights and their gradients, side by side, each with a colour bar.

Each matrix is drawn with its bias as a one-column strip to its right (after a
blank gap column), in a diverging colour map centred on zero. The scale is
symmetric and follows the data at every update (gradients shrink by orders of
magnitude during training) unless the scales are locked. Small matrices print
their values in the cells; hovering any cell tells its row, column and exact
value. Updates are applied at most ten times a second from the latest
snapshot, so the training thread keeps the GIL for training.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QTimer, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsItem

from mlp_gui.core.trainer import Snapshot

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

COLOUR_MAP = "CET-D1A"  # blue - white - red, perceptually uniform
MAX_TEXT_CELLS = 8  # print values in cells when a matrix has at most this many rows and columns
REFRESH_MS = 100


def format_cell(value: float) -> str:
    """A value short enough for a cell: 2 decimals, or 2 significant digits with a short exponent."""
    if not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if value == 0 or 0.01 <= abs(value) < 100:
        return f"{value:.2f}"
    mantissa, exponent = f"{value:.1e}".split("e")
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


def symmetric_limit(*arrays: np.ndarray) -> float:
    """A nice symmetric colour limit covering the largest finite magnitude in the arrays."""
    finite = [np.abs(a[np.isfinite(a)]) for a in arrays]
    peak = max((float(f.max()) for f in finite if f.size), default=0.0)
    return nice_ceiling(peak) if peak > 0 else 1e-12


def with_bias_strip(matrix: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``[matrix | NaN gap | bias]`` as one image (NaN draws as transparent)."""
    rows, cols = matrix.shape
    image = np.full((rows, cols + 2), np.nan)
    image[:, :cols] = matrix
    image[:, cols + 1] = bias
    return image


class HoverImage(pg.ImageItem):
    """An ImageItem that reports the cell under the mouse as text."""

    def __init__(self, describe: Callable[[int, int], str | None], on_hover: Callable[[str], None]) -> None:
        super().__init__()
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
    """Every cell's value as text, drawn in one paint call at a fixed pixel size.

    One item instead of a TextItem per cell: relaying out dozens of text
    items ten times a second cost the training thread a tenth of its speed.
    """

    DARK, LIGHT = QColor("#111111"), QColor("#ffffff")

    def __init__(self) -> None:
        super().__init__()
        self.font = QFont()
        self.font.setPointSizeF(7)
        self.cells: list[tuple[float, float, str, bool]] = []  # x, y, text, light text
        self.extent = QRectF()

    def set_cells(self, cells: list[tuple[float, float, str, bool]], extent: QRectF) -> None:
        self.prepareGeometryChange()
        self.cells, self.extent = cells, extent
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt naming
        return self.extent

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.cells:
            return
        to_device = painter.transform()
        painter.save()
        painter.setTransform(QTransform())
        painter.setFont(self.font)
        box = QRectF(-40, -10, 80, 20)
        for x, y, text, light in self.cells:
            centre = to_device.map(QPointF(x, y))
            painter.setPen(self.LIGHT if light else self.DARK)
            painter.drawText(box.translated(centre), Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class MatrixView:
    """One matrix with its bias strip: a plot with an image, cell labels and a colour bar."""

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, title: str, on_hover: Callable[[str], None]) -> None:
        self.title = title
        self.plot = layout.addPlot(row=row, col=col, title=title)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setAspectLocked(False)
        self.plot.getAxis("left").setLabel("unit")
        self.plot.getAxis("bottom").setLabel("input   |   bias")
        for name in ("left", "bottom"):
            self.plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.image = HoverImage(self._describe, on_hover)
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=pg.colormap.get(COLOUR_MAP), interactive=False, width=10)
        self.bar.setImageItem(self.image)
        layout.addItem(self.bar, row=row, col=col + 1)
        self.matrix = np.zeros((1, 1))
        self.bias = np.zeros(1)
        self.limit = 1.0
        self.labels = CellLabels()
        self.plot.addItem(self.labels)

    def _describe(self, row: int, col: int) -> str | None:
        rows, cols = self.matrix.shape
        if not 0 <= row < rows:
            return None
        name = self.title.split(" ")[0]
        if 0 <= col < cols:
            return f"{name}[{row}, {col}] = {self.matrix[row, col]!r}"
        if col == cols + 1:
            return f"bias of {name} [{row}] = {self.bias[row]!r}"
        return None

    def show(self, matrix: np.ndarray, bias: np.ndarray, limit: float | None) -> None:
        """Draw new values; ``limit`` fixes the colour scale, None chooses it from the data."""
        reshaped = matrix.shape != self.matrix.shape
        self.matrix, self.bias = matrix, bias
        self.limit = symmetric_limit(matrix, bias) if limit is None else limit
        image = with_bias_strip(matrix, bias)
        previous = self.bar.levels()
        self.image.setImage(image, levels=(-self.limit, self.limit), autoLevels=False)
        if tuple(previous) != (-self.limit, self.limit):
            self.bar.setLevels((-self.limit, self.limit))
        if reshaped:
            self.plot.setRange(xRange=(0, image.shape[1]), yRange=(0, image.shape[0]), padding=0.02)
        self._label_cells(image)

    def _label_cells(self, image: np.ndarray) -> None:
        rows, cols = image.shape
        if rows > MAX_TEXT_CELLS or cols - 2 > MAX_TEXT_CELLS:
            self.labels.set_cells([], QRectF())
            return
        strong = 0.6 * self.limit
        cells = [
            (c + 0.5, r + 0.5, format_cell(float(v)), bool(abs(v) > strong))
            for r in range(rows)
            for c in range(cols)
            if c != cols - 2
            for v in (image[r, c],)
        ]
        self.labels.set_cells(cells, QRectF(0, 0, cols, rows))


class HeatmapPanel(pg.GraphicsLayoutWidget):
    """For every layer: weights and bias, then their gradients; refreshed from the latest snapshot."""

    def __init__(self, parent=None, on_hover: Callable[[str], None] | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self._on_hover = on_hover or (lambda text: None)
        self.weights: list[MatrixView] = []
        self.gradients: list[MatrixView] = []
        self.locked = False
        self._pending: Snapshot | None = None
        self.shown: Snapshot | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh)
        self._timer.start()

    def set_locked(self, locked: bool) -> None:
        """Keep the current colour scales (True) or follow the data (False)."""
        self.locked = locked
        if not locked and self.shown is not None:
            self._pending = self.shown

    def show_snapshot(self, snapshot: Snapshot, now: bool = False) -> None:
        """Queue a snapshot for the next refresh (or draw it at once)."""
        self._pending = snapshot
        if now:
            self._refresh()

    def _refresh(self) -> None:
        snap = self._pending
        if snap is None or (self.shown is not None and not self.isVisible()):
            return  # nothing new, or hidden: keep it for when the panel is shown again
        self._pending = None
        if self._layers_changed(snap):
            self._build(len(snap.params) // 2)
        for i, (w_view, g_view) in enumerate(zip(self.weights, self.gradients)):
            w_view.show(snap.params[2 * i], snap.params[2 * i + 1], w_view.limit if self.locked else None)
            g_view.show(snap.grads[2 * i], snap.grads[2 * i + 1], g_view.limit if self.locked else None)
        self.shown = snap

    def _layers_changed(self, snap: Snapshot) -> bool:
        return self.shown is None or [p.shape for p in snap.params] != [p.shape for p in self.shown.params]

    def _build(self, n_layers: int) -> None:
        self.ci.clear()
        self.weights, self.gradients = [], []
        for i in range(n_layers):
            self.weights.append(MatrixView(self.ci, i, 0, f"W{i + 1}  weights | b{i + 1}", self._on_hover))
            self.gradients.append(MatrixView(self.ci, i, 2, f"∂L/∂W{i + 1}  gradient | ∂L/∂b{i + 1}", self._on_hover))
