"""The Landscape tab's two plots: the loss over a slice with the run's path on it, and the loss along a line.

:class:`SlicePlot` draws the slice as an image in log colours (a colour bar of losses beside it, contour lines at
its ticks), the path of the kept snapshots over it (white on a dark halo, one dot per snapshot), a live run's
newer points dashed, the start as a square and the position shown as an orange disc. :class:`LinePlot` draws
``log10`` of the loss against t with the two ends marked. Both say what lies under the mouse (``hover_text``).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal

from mlp_gui.core.landscape import Line, Slice
from mlp_gui.gui import palette
from mlp_gui.gui.landscape_scale import SliceDrawing, colour_range, log_image, scale_ticks
from mlp_gui.gui.still_items import StillColorBar, StillPlotWidget

COLOUR_MAP = "viridis"  # sequential, perceptually uniform, readable without colour vision
PATH, HALO = "#ffffff", "#000000"
SHOWN = "#ff8c1a"  # the position the window shows: orange on every colour of the map
CONTOUR = (255, 255, 255, 110)
NEAR_END = 0.1  # an end's label goes below it when the curve within this much t of it is all higher
LEGEND_BAND_PX = 44  # the band above the slice the legend sits in (its height and a little; fitted when shown)
LEGEND_FILL, LEGEND_TEXT = "#2b2b2be6", "#ffffff"


def _axis_text(plot: pg.PlotItem, **labels: str) -> None:
    for side, text in labels.items():
        plot.setLabel(side, text, color=palette.TEXT)
        plot.getAxis(side).setTextPen(palette.TEXT)
        plot.getAxis(side).enableAutoSIPrefix(False)


def _still(plot: pg.PlotItem) -> None:
    plot.hideButtons()
    plot.setMouseEnabled(x=False, y=False)


def nearest(values: np.ndarray, value: float) -> int | None:
    """The index of the grid value nearest ``value``, None if it is beyond the grid's outer half-cells."""
    if len(values) == 0:
        return None
    step = values[1] - values[0] if len(values) > 1 else 1.0
    index = int(np.rint((value - values[0]) / step))
    return index if 0 <= index < len(values) else None


def loss_text(loss: float) -> str:
    return f"{loss:.6g}" if np.isfinite(loss) else ("not finite" if np.isnan(loss) else f"{loss}")


class SlicePlot(StillPlotWidget):
    """The slice, its colour bar, contours, path and markers; ``hover_text`` says (α, β, loss) under the mouse."""

    hover_text = Signal(str)

    def __init__(self) -> None:
        super().__init__(background="w")
        plot = self.getPlotItem()
        _still(plot)
        _axis_text(plot, bottom="α (along d1)", left="β (along d2)")
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        self.bar = StillColorBar(values=(0.0, 1.0), colorMap=pg.colormap.get(COLOUR_MAP), width=12)
        self.bar.setImageItem(self.image, insert_in=plot)
        self.bar.axis.enableAutoSIPrefix(False)  # its ticks are the losses themselves: no "(x0.001)" beside them
        self.bar.axis.setLabel("loss (log colours)", color=palette.TEXT)
        self.bar.axis.setTextPen(palette.TEXT)
        self.bar.axis.setPen(palette.TEXT)
        plot.setAspectLocked(True)  # pca directions are orthonormal: the path's turns and the valleys keep their shape
        self.contours: list[pg.PlotDataItem] = []
        # dark, so the path's white samples show; its own light text (plots draw on white whatever the desktop)
        self.legend = plot.addLegend(offset=(6, 6), brush=pg.mkBrush(LEGEND_FILL), labelTextColor=LEGEND_TEXT, colCount=4)
        self.legend.setParentItem(plot)  # in a band of its own above the view, not over the slice's colours
        self.legend.anchor(itemPos=(0.5, 0.0), parentPos=(0.5, 0.0), offset=(0, 2))
        plot.layout.setRowFixedHeight(0, LEGEND_BAND_PX)
        self.path_halo = pg.PlotDataItem(pen=pg.mkPen(HALO, width=4), connect="finite")
        self.path = pg.PlotDataItem(pen=pg.mkPen(PATH, width=2), symbol="o", symbolSize=5, symbolBrush=PATH,
                                    symbolPen=pg.mkPen(HALO, width=1), connect="finite", name="kept snapshots")
        self.live = pg.PlotDataItem(pen=pg.mkPen(PATH, width=2, style=Qt.PenStyle.DashLine), connect="finite",
                                    name="since (live)")
        self.start = pg.ScatterPlotItem(symbol="s", size=11, brush=pg.mkBrush(PATH), pen=pg.mkPen(HALO, width=1.5), name="start")
        self.shown = pg.ScatterPlotItem(symbol="o", size=14, brush=pg.mkBrush(SHOWN), pen=pg.mkPen(HALO, width=1.5),
                                        name="shown epoch")
        for z, item in enumerate((self.path_halo, self.path, self.live, self.start, self.shown)):
            item.setZValue(10 + z)  # the halo under the path, the markers on top
            plot.addItem(item)
        self.slice: Slice | None = None
        self.drawing: SliceDrawing | None = None
        self.hover_at: tuple[int, int] | None = None  # (row, column) of the grid point under the mouse
        plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.clear_slice()

    # ------------------------------------------------------------ what is drawn

    @property
    def loss(self) -> np.ndarray | None:
        """The losses the image shows (rows β, columns α), None before a slice."""
        return None if self.slice is None else self.slice.loss

    def clear_slice(self) -> None:
        """Nothing to show (a new run)."""
        self.slice, self.drawing, self.hover_at = None, None, None
        self.image.clear()
        self._set_contours([])
        for item in (self.path_halo, self.path, self.live):
            item.setData([], [])
        self.start.setData([], [])
        self.shown.setData([], [])
        self.bar.bar.setVisible(False)  # no colours to explain yet (the bar keeps its room: nothing moves later)
        self.bar.axis.setTicks([[], []])
        self.legend.setVisible(False)
        self.hover_text.emit("")

    def show_slice(self, s: Slice, drawing: SliceDrawing | None = None) -> None:
        """Draw slice ``s`` (``drawing``: its colours and contours, prepared off the GUI thread) and its path."""
        drawing = drawing or SliceDrawing.of(s)
        self.slice, self.drawing = s, drawing
        self.image.setImage(drawing.image, levels=(drawing.lo, drawing.hi), autoLevels=False)
        self.image.setRect(_cells(s.alphas, s.betas))
        self.bar.setLevels((drawing.lo, drawing.hi))
        self.bar.bar.setVisible(True)
        self.legend.setVisible(True)
        height = self.legend.boundingRect().height()
        if height > 0:
            self.getPlotItem().layout.setRowFixedHeight(0, max(LEGEND_BAND_PX, math.ceil(height) + 4))
        self.bar.axis.setTicks([drawing.ticks, []])
        self._set_contours(drawing.contours)
        self.path_halo.setData(s.path[:, 0], s.path[:, 1])
        self.path.setData(s.path[:, 0], s.path[:, 1])
        self.live.setData([], [])
        self.start.setData([s.path[0, 0]], [s.path[0, 1]])
        self.getPlotItem().setRange(xRange=(s.alphas[0], s.alphas[-1]), yRange=(s.betas[0], s.betas[-1]), padding=0.02)

    def _set_contours(self, contours: list) -> None:
        plot = self.getPlotItem()
        for item in self.contours:
            plot.removeItem(item)
        self.contours = [pg.PlotDataItem(xs, ys, pen=pg.mkPen(CONTOUR, width=1), connect="finite") for _, xs, ys in contours]
        for item in self.contours:
            item.setZValue(5)
            plot.addItem(item)

    def set_live(self, points: np.ndarray) -> None:
        """The live run's newer positions (``(n, 2)``), joined to the path's end."""
        self.live.setData(points[:, 0], points[:, 1])

    def set_shown(self, point: np.ndarray | None) -> None:
        """Mark the position the window shows (None: no mark)."""
        self.shown.setData([] if point is None else [point[0]], [] if point is None else [point[1]])

    @property
    def shown_point(self) -> tuple[float, float] | None:
        """Where the orange disc is (None: not drawn)."""
        points = _points(self.shown)
        return (float(points[0, 0]), float(points[0, 1])) if len(points) else None

    @property
    def path_points(self) -> np.ndarray:
        """The kept snapshots' points as drawn, ``(k, 2)``."""
        return _points(self.path)

    @property
    def live_points(self) -> np.ndarray:
        """The live run's points as drawn (the path's end first), ``(n, 2)``."""
        return _points(self.live)

    # ------------------------------------------------------------ the read-out

    def readout(self, row: int, col: int) -> str:
        s = self.slice
        if s is None:
            return ""
        return f"α = {s.alphas[col]:.4g}, β = {s.betas[row]:.4g}: loss {loss_text(float(s.loss[row, col]))}"

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        s = self.slice
        if s is None:
            return
        at = self.getPlotItem().vb.mapSceneToView(scene_pos)
        col, row = nearest(s.alphas, at.x()), nearest(s.betas, at.y())
        where = None if col is None or row is None else (row, col)
        if where != self.hover_at:
            self.hover_at = where
            self.hover_text.emit("" if where is None else self.readout(*where))


def _points(item) -> np.ndarray:
    xs, ys = item.getData()
    return np.zeros((0, 2)) if xs is None or not len(xs) else np.column_stack([xs, ys]).astype(np.float64)


def _cells(xs: np.ndarray, ys: np.ndarray) -> QRectF:
    """The rectangle an image of one pixel per grid point covers, each pixel centred on its point."""
    dx = xs[1] - xs[0] if len(xs) > 1 else 1.0
    dy = ys[1] - ys[0] if len(ys) > 1 else 1.0
    return QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))


class LinePlot(StillPlotWidget):
    """The loss along ``(1 − t)·θ_A + t·θ_B`` on a log axis, the ends (t = 0 and 1) marked and labelled."""

    hover_text = Signal(str)

    def __init__(self) -> None:
        super().__init__(background="w")
        plot = self.getPlotItem()
        _still(plot)
        _axis_text(plot, bottom="t   (0: epoch A, 1: epoch B)", left="loss (log scale)")
        plot.showGrid(x=True, y=True, alpha=0.15)
        for t in (0.0, 1.0):
            plot.addItem(pg.InfiniteLine(t, angle=90, pen=pg.mkPen(palette.MUTED, width=1, style=Qt.PenStyle.DashLine)))
        self.curve = pg.PlotDataItem(pen=pg.mkPen(palette.LIVE_CURVE, width=2), connect="finite")
        self.ends = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(SHOWN), pen=pg.mkPen(HALO, width=1.5))
        self.end_labels = [pg.TextItem(color=palette.TEXT, anchor=(0.5, 1.2), fill=pg.mkBrush(255, 255, 255, 220))
                           for _ in range(2)]
        for z, item in enumerate((self.curve, self.ends, *self.end_labels)):
            item.setZValue(10 + z)  # over the dashed lines at t = 0 and 1
            plot.addItem(item)
        self.line: Line | None = None
        self.ts = self.losses = np.zeros(0)
        self.hover_at: int | None = None
        plot.scene().sigMouseMoved.connect(self._mouse_moved)

    def clear_line(self) -> None:
        self.line, self.ts, self.losses, self.hover_at = None, np.zeros(0), np.zeros(0), None
        self.curve.setData([], [])
        self.ends.setData([], [])
        for label in self.end_labels:
            label.setText("")

    def show_line(self, line: Line) -> None:
        """Draw ``line``: its grid and its exact ends merged, so the curve passes through both snapshots' losses."""
        ts = np.concatenate([line.ts, [0.0, 1.0]])
        losses = np.concatenate([line.loss, [line.loss_a, line.loss_b]])
        order = np.argsort(ts, kind="stable")
        self.line, self.ts, self.losses = line, ts[order], losses[order]
        lo, hi = colour_range(self.losses)
        self.curve.setData(self.ts, log_image(self.losses, lo))
        ends = log_image(np.array([line.loss_a, line.loss_b]), lo)
        self.ends.setData([0.0, 1.0], ends)
        for label, t, y, epoch, loss in zip(self.end_labels, (0.0, 1.0), ends, (line.epoch_a, line.epoch_b),
                                            (line.loss_a, line.loss_b)):
            label.setText(f"epoch {epoch:,}: {loss_text(loss)}")
            label.setPos(t, y if np.isfinite(y) else lo)
            near = np.abs(self.ts - t) <= NEAR_END
            low = not np.any(self.losses[near] < loss)  # the curve rises on both sides: say it below, clear of the curve
            label.setAnchor((0.5, -0.2) if low else (0.5, 1.2))
        plot = self.getPlotItem()
        plot.getAxis("left").setTicks([scale_ticks(lo, hi), []])
        margin = 0.1 * (hi - lo)
        plot.setRange(xRange=(self.ts[0], self.ts[-1]), yRange=(lo - 2 * margin, hi + 2 * margin), padding=0.02)

    def curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        """``(t, loss)`` of the drawn curve (the losses, not their logarithms)."""
        return self.ts.copy(), self.losses.copy()

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        if self.line is None:
            return
        t = self.getPlotItem().vb.mapSceneToView(scene_pos).x()
        index = int(np.argmin(np.abs(self.ts - t)))
        if index != self.hover_at:
            self.hover_at = index
            self.hover_text.emit(f"t = {self.ts[index]:.4g}: loss {loss_text(float(self.losses[index]))}")
