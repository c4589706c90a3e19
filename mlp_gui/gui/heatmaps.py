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
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont

from mlp_gui.core.trainer import Snapshot

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)

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


def symmetric_limit(*arrays: np.ndarray) -> float:
    """The largest finite magnitude in the arrays (at least a tiny positive number)."""
    finite = [np.abs(a[np.isfinite(a)]) for a in arrays]
    peak = max((float(f.max()) for f in finite if f.size), default=0.0)
    return peak if peak > 0 else 1e-12


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
        self.image = HoverImage(self._describe, on_hover)
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=pg.colormap.get(COLOUR_MAP), interactive=False, width=10)
        self.bar.setImageItem(self.image)
        layout.addItem(self.bar, row=row, col=col + 1)
        self.matrix = np.zeros((1, 1))
        self.bias = np.zeros(1)
        self.limit = 1.0
        self._texts: list[pg.TextItem] = []

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
        self.image.setImage(image, levels=(-self.limit, self.limit), autoLevels=False)
        self.bar.setLevels((-self.limit, self.limit))
        if reshaped:
            self.plot.setRange(xRange=(0, image.shape[1]), yRange=(0, image.shape[0]), padding=0.02)
            self._make_texts(image.shape)
        self._update_texts(image)

    def _make_texts(self, shape: tuple[int, int]) -> None:
        for item in self._texts:
            self.plot.removeItem(item)
        self._texts = []
        rows, cols = shape
        if rows > MAX_TEXT_CELLS or cols - 2 > MAX_TEXT_CELLS:
            return
        font = QFont()
        font.setPointSizeF(7)
        for r in range(rows):
            for c in range(cols):
                if c == cols - 2:  # the gap column
                    continue
                item = pg.TextItem("", anchor=(0.5, 0.5), color="#111")
                item.setFont(font)
                item.setPos(c + 0.5, r + 0.5)
                self.plot.addItem(item)
                self._texts.append(item)

    def _update_texts(self, image: np.ndarray) -> None:
        if not self._texts:
            return
        cells = np.delete(image, image.shape[1] - 2, axis=1).ravel()
        for item, value in zip(self._texts, cells):
            item.setText(format_cell(float(value)))
            strong = np.isfinite(value) and abs(value) > 0.6 * self.limit
            item.setColor("w" if strong else "#111")


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
