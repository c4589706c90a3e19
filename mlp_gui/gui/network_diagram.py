"""The network drawn as TensorFlow Playground draws it: layers of units left to right, joined by their weights.

- An edge's colour is its weight's sign (red positive, blue negative, from the diverging map) and its
  width its magnitude, scaled within its layer (the largest |w| of each layer is drawn widest).
- A unit's colour is its bias, on the same map scaled within its layer (inputs have none: grey).
- With two inputs every unit shows its own output over the input plane as a thumbnail (the grid of the
  decision view, every layer's activations from one batched forward pass), framed in its bias colour;
  hovering a unit shows it four times larger with its name (``layer 1, unit 3 (tanh)``).
- Wide layers: at most MAX_NODES units are drawn, the ones with the strongest weights in and out when the
  run starts, with a ``… +N more`` marker; between the units drawn of such a layer only the WIDE_EDGES
  strongest edges are drawn, so a 784,256,256,10 network is a few hundred lines, not 270,000.

Unit numbers start at 0, as the heatmaps' rows do (unit 3 of layer 1 is row 3 of W1). The caption under
the diagram, how to read its colours, is broken between words into as many lines as its width needs. Redraws
are paced like the decision view's (:class:`~mlp_gui.gui.pacing.Pacer`): at most five a second, only while
visible, always of the newest snapshot.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.features import input_label
from mlp_gui.core.model import Model
from mlp_gui.core.network import Kernel
from mlp_gui.core.trainer import Snapshot
from mlp_gui.gui import palette
from mlp_gui.gui.decision_view import (
    SURFACE_SPAN,
    activations_on,
    colour_table,
    end_colours,
    follow_runs_and_snapshots,
    plane_bounds,
    plane_grid,
    run_data,
)
from mlp_gui.gui.diagram_parts import (
    MAX_NODES,
    Column,
    Edge,
    Node,
    Run,
    activation_levels,
    inputs_detail,
    mixed_with_white,
    side_labels,
    strongest_units,
    thumbnails,
    unit_name,
    wrap_runs,
)
from mlp_gui.gui.pacing import MAX_REFRESH_MS, REFRESH_MS, Paced, Pacer

WIDE_EDGES = 64  # edges drawn between two layers when either is cut to MAX_NODES (the strongest)
NODE_MAX, NODE_MIN = 60.0, 10.0  # a unit's size in pixels
HOVER_SCALE = 4  # the hovered thumbnail's size, in units' sizes
HOVER_MIN, HOVER_MAX = 140.0, 260.0
EDGE_WIDTH = (0.5, 4.5)  # pixels for |w| = 0 and the layer's largest
EDGE_STRENGTH = (0.25, 0.95)  # how much of the sign's colour (the rest white) for |w| = 0 and the layer's largest
EDGE_LEVELS = 12  # |w| / the layer's largest is drawn in this many steps: one pen and one drawLines call per step and sign
THUMBNAIL_PALE = 0.15  # thumbnails are small: paler than the decision view's surface would wash them out
FONT_PT = 9
SMALL_PT = 8
CAPTION_MARGIN = 8.0  # pixels between the caption and the widget's left and right edges


class NetworkDiagram(Paced, QWidget):
    """The network's units and weights, following the run's snapshots.

    ``set_run(reset)`` for a new run (a :class:`~mlp_gui.gui.session.RunReset`, or anything with ``config``,
    ``snapshot`` and ``data``); ``show_snapshot(snapshot)`` for each new one (``now=True``: at once). For
    tests: :attr:`nodes`, :attr:`edges`, :attr:`columns`, :attr:`activations` (every layer's on the grid),
    :attr:`grid`, :attr:`hovered` and :attr:`overlay_rect`, :attr:`shown`, :attr:`redraws`.
    """

    def __init__(self, parent: QWidget | None = None, *, refresh_ms: int = REFRESH_MS, max_refresh_ms: int = MAX_REFRESH_MS) -> None:
        """``refresh_ms``, ``max_refresh_ms``: the least and largest time between redraws (a test's shorter: less wait)."""
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(240, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._pacer = Pacer(self, self._draw, self, min_interval_ms=refresh_ms, max_interval_ms=max_refresh_ms)
        self.last_paint_seconds = 0.0
        self.config: TrainConfig | None = None
        self.model: Model | None = None
        self.columns: list[Column] = []
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.grid: np.ndarray | None = None  # the input plane's points (2 inputs), as in the decision view
        self._grid_features: np.ndarray | None = None  # the network's inputs there, when it makes features of x
        self.bounds: list[tuple[float, float]] = []
        self.activations: list[np.ndarray] = []
        self.hovered: Node | None = None
        self.overlay_rect = QRectF()
        self.node_size = 0.0
        self.epoch: int | None = None
        self._buffers: list[np.ndarray] | None = None
        self._table = colour_table(THUMBNAIL_PALE, *SURFACE_SPAN)
        self._bias_table = colour_table(0.0, *SURFACE_SPAN)
        self._by_layer: list[dict[int, Node]] = []
        self._edge_groups: list[tuple[QPen, list[QLineF]]] = []
        self._styles: dict[int, list[tuple[QColor, float]]] | None = None
        self._stride = 1
        self._hover_image: QImage | None = None
        self._font = QFont(self.font())
        self._font.setPointSize(FONT_PT)
        self._small = QFont(self.font())
        self._small.setPointSize(SMALL_PT)
        self._caption: list[list[Run]] = []  # the caption's lines as laid out for the current width

    # ------------------------------------------------------------ what the window calls

    @property
    def has_thumbnails(self) -> bool:
        return self.grid is not None

    @property
    def caption_lines(self) -> list[str]:
        """The caption under the diagram as painted, one text per line: broken between words to fit the width."""
        return ["".join(text for text, _ in line) for line in self._caption]

    bind = follow_runs_and_snapshots

    def set_run(self, reset) -> None:
        """Start over for a new, reset or opened run, and draw its snapshot (when visible; else once shown)."""
        self._pacer.forget()
        self.config = reset.config
        self.model = model = reset.config.model
        snap = reset.snapshot
        sizes = model.sizes
        self.grid, self.bounds, self.activations, self._buffers = None, [], [], None
        self._grid_features = None
        if model.n_inputs == 2:  # the raw inputs span the plane (features are made from them)
            self.bounds = plane_bounds(run_data(reset))
            self.grid = plane_grid(self.bounds)[2]
            made = Kernel(model).inputs
            self._grid_features = None if made is None else made(self.grid)
        self.columns, self.nodes, self._by_layer, self.edges = [], [], [], []
        self.hovered = None
        last = len(sizes) - 1
        for layer, n in enumerate(sizes):
            units = strongest_units(snap, layer)
            if layer == 0:
                title, detail = "inputs", inputs_detail(model)
            elif layer == last:
                title, detail = f"output (layer {layer})", f"{n:,} · {model.output}"
            else:
                title, detail = f"layer {layer}", f"{n:,} · {model.activations[layer - 1]}"
            self.columns.append(Column(layer, units, title, detail, n - len(units)))
            row = {int(u): Node(layer, int(u), unit_name(model, layer, int(u))) for u in units}
            self._by_layer.append(row)
            self.nodes.extend(row.values())
        self._layout()
        self._pacer.request(snap, now=True)

    def show_snapshot(self, snapshot: Snapshot, now: bool = False) -> None:
        """Draw ``snapshot`` at the next redraw (only the newest waiting one is drawn); ``now``: at once if visible."""
        if self.model is not None:
            self._pacer.request(snapshot, now=now)

    @property
    def input_labels(self) -> dict[int, str]:
        """The feature drawn beside each input unit (``{0: "x₀²", ...}``) when the network makes features of its two
        inputs; empty otherwise (the inputs column's heading names x₀, x₁)."""
        if self.model is None or not self.model.features or not self._by_layer:
            return {}
        return {unit: input_label(self.model.features, unit) for unit in self._by_layer[0]}

    def node(self, layer: int, unit: int) -> Node | None:
        """The node drawn for ``unit`` of ``layer`` (None: the unit is among the ones left out)."""
        return self._by_layer[layer].get(unit) if layer < len(self._by_layer) else None

    # ------------------------------------------------------------ Qt events

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().showEvent(event)
        self._pacer.catch_up()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().resizeEvent(event)
        self._layout()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt naming
        self._hover(event.position())
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt naming
        self._hover(None)
        super().leaveEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt naming
        began = time.thread_time()
        painter = QPainter(self)
        painter.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # numbers read left to right under -reverse too
        try:
            painter.fillRect(self.rect(), Qt.GlobalColor.white)
            if self.model is None:
                painter.setPen(QColor(palette.MUTED))
                painter.setFont(self._font)
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No run yet.")
                return
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            self._paint_edges(painter)
            self._paint_nodes(painter)
            self._paint_labels(painter)
            self._paint_overlay(painter)
        finally:
            painter.end()
            self.last_paint_seconds = time.thread_time() - began

    # ------------------------------------------------------------ geometry

    def _layout(self) -> None:
        """Place the columns and their units in the widget's current size."""
        if not self.columns:
            return
        self._wrap_caption()
        top, bottom, side = 46.0, 20.0 + 15.0 * len(self._caption), 44.0
        width, height = max(self.width() - 2 * side, 1.0), max(self.height() - top - bottom, 1.0)
        slots = max(len(c.units) + (1 if c.more else 0) for c in self.columns)
        slot = height / slots
        gap = width / max(len(self.columns) - 1, 1)
        size = float(np.clip(min(0.8 * slot, 0.4 * gap), NODE_MIN, NODE_MAX))
        self.node_size = size
        inner = width - size
        for i, column in enumerate(self.columns):
            x = side + size / 2 + (inner * i / (len(self.columns) - 1) if len(self.columns) > 1 else inner / 2)
            count = len(column.units) + (1 if column.more else 0)
            y0 = top + (height - count * slot) / 2 + slot / 2
            for k, unit in enumerate(column.units):
                self._by_layer[column.layer][int(unit)].rect = QRectF(x - size / 2, y0 + k * slot - size / 2, size, size)
            column.marker = QPointF(x, y0 + len(column.units) * slot)
        self._group_edges()
        if self.has_thumbnails and self._thumbnail_stride() != self._stride:
            self._draw_thumbnails()
        self._place_overlay()
        self.update()

    def _hover(self, pos: QPointF | None) -> None:
        found = None
        if pos is not None:
            found = next((n for n in self.nodes if n.rect.adjusted(-3, -3, 3, 3).contains(pos)), None)
        if found is not self.hovered:
            self.hovered = found
            self._hover_image = None
            self._place_overlay()
            self.update()

    def _place_overlay(self) -> None:
        """The hover box beside the hovered unit, kept inside the widget."""
        node = self.hovered
        if node is None:
            self.overlay_rect = QRectF()
            return
        metrics = QFontMetricsF(self._font)
        lines = self.overlay_lines(node)
        text_width = max(metrics.horizontalAdvance(line) for line in lines)
        image = self._overlay_image_size(node)
        w = max(text_width, image) + 16
        h = len(lines) * metrics.height() + (image + 6 if image else 0) + 14
        x = node.rect.right() + 10 if node.rect.right() + 10 + w <= self.width() else node.rect.left() - 10 - w
        x = min(max(x, 2.0), max(self.width() - w - 2, 2.0))
        y = min(max(node.rect.center().y() - h / 2, 2.0), max(self.height() - h - 2, 2.0))
        self.overlay_rect = QRectF(x, y, w, h)

    def _overlay_image_size(self, node: Node) -> float:
        if node.values is None:
            return 0.0
        return float(np.clip(HOVER_SCALE * self.node_size, HOVER_MIN, HOVER_MAX))

    def overlay_lines(self, node: Node) -> list[str]:
        """The text of the hover box over ``node``: its name, and its bias (``bias b1[3] = 0.25``) if it has one."""
        lines = [node.name]
        if node.bias is not None:
            lines.append(f"bias b{node.layer}[{node.unit}] = {node.bias:.4g}")
        return lines

    # ------------------------------------------------------------ a redraw

    def _draw(self, snap: Snapshot) -> None:
        model = self.model
        self.epoch = snap.epoch
        if self._wrap_caption():  # a longer epoch took the caption onto another line: less room for the units
            self._layout()
        self.edges = []
        for layer in range(1, len(model.sizes)):
            self.edges.extend(self._layer_edges(snap, layer))
        self.edges.sort(key=lambda e: abs(e.weight))  # the strongest drawn last, on top
        for layer, row in enumerate(self._by_layer[1:], start=1):
            bias = snap.layers[layer - 1].b
            finite = np.abs(bias[np.isfinite(bias)])
            limit = float(finite.max()) if finite.size else 0.0
            for node in row.values():
                node.bias = float(bias[node.unit])
                shade = 0.5 + 0.5 * node.bias / limit if limit > 0 and np.isfinite(node.bias) else 0.5
                rgba = self._bias_table[int(np.clip(round(255 * shade), 0, 255))]
                node.fill = QColor(*(int(v) for v in rgba))
        if self.has_thumbnails:
            self._thumbnails(snap)
        self._group_edges()
        self._hover_image = None
        self._place_overlay()
        self.update()

    def _layer_edges(self, snap: Snapshot, layer: int) -> list[Edge]:
        """The edges drawn into ``layer``: all between the units drawn, or the WIDE_EDGES strongest if either side is cut."""
        weights = snap.layers[layer - 1].W
        sources, targets = self.columns[layer - 1], self.columns[layer]
        block = weights[np.ix_(targets.units, sources.units)]
        magnitude = np.nan_to_num(np.abs(block), nan=0.0, posinf=0.0)
        finite = np.abs(weights[np.isfinite(weights)])
        scale = float(finite.max()) if finite.size else 0.0
        cut = sources.more or targets.more
        flat = np.argsort(-magnitude, axis=None, kind="stable")[:WIDE_EDGES] if cut else np.arange(block.size)
        rows, cols = np.unravel_index(flat, block.shape)
        top = EDGE_LEVELS - 1
        levels = np.rint(magnitude[rows, cols] / scale * top).astype(int) if scale > 0 else np.zeros(len(rows), dtype=int)
        drawn = block[rows, cols]
        styles = self._edge_styles
        return [Edge(layer, s, t, w, *styles[(w > 0) - (w < 0)][level], level)
                for s, t, w, level in zip(sources.units[cols].tolist(), targets.units[rows].tolist(), drawn.tolist(), levels.tolist())]

    @property
    def _edge_styles(self) -> dict[int, list[tuple[QColor, float]]]:
        """(colour, width) of each step of |w|, by sign (1, -1, and 0 for a zero or NaN weight)."""
        if self._styles is None:
            low, high = EDGE_WIDTH
            faint, strong = EDGE_STRENGTH
            top = EDGE_LEVELS - 1
            blue, red = end_colours()
            self._styles = {sign: [(mixed_with_white(base, faint + (strong - faint) * k / top), low + (high - low) * k / top)
                                   for k in range(EDGE_LEVELS)]
                            for sign, base in ((1, red), (-1, blue), (0, QColor(palette.MUTED)))}
        return self._styles

    def _group_edges(self) -> None:
        """The edges' lines in the current layout, one list per pen (sign and step), weakest first."""
        groups: dict[tuple[int, int], tuple[QPen, list[QLineF]]] = {}
        ends = [{unit: (n.rect.left(), n.rect.right(), n.rect.top() + n.rect.height() / 2) for unit, n in row.items()}
                for row in self._by_layer]
        for edge in self.edges:
            key = ((edge.weight > 0) - (edge.weight < 0), edge.level)
            if key not in groups:
                pen = QPen(edge.colour, edge.width)
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                groups[key] = (pen, [])
            _, right, y0 = ends[edge.layer - 1][edge.source]
            left, _, y1 = ends[edge.layer][edge.target]
            groups[key][1].append(QLineF(right, y0, left, y1))
        self._edge_groups = [groups[key] for key in sorted(groups, key=lambda k: k[1])]

    def _thumbnails(self, snap: Snapshot) -> None:
        """Every drawn unit's output over the grid, from one batched forward pass of every layer."""
        self.activations = activations_on(self.model, snap.layers, self.grid, self._buffers)
        if self._grid_features is not None:  # the first layer's inputs are the features of the grid's points
            self.activations[0] = self._grid_features
        self._buffers = self.activations[1:]
        side = int(round(np.sqrt(self.grid.shape[1])))
        for column in self.columns:
            values = self.activations[column.layer][column.units].reshape(len(column.units), side, side)
            levels = activation_levels(self.model, column.layer, values, self.bounds)
            for unit, grid_values, (lo, hi) in zip(column.units, values, levels.tolist()):
                node = self._by_layer[column.layer][int(unit)]
                node.values, node.levels = grid_values, (lo, hi)
        self._draw_thumbnails()

    def _thumbnail_stride(self) -> int:
        """Grid points to step along a side so a thumbnail has at least as many pixels as it is drawn with."""
        side = int(round(np.sqrt(self.grid.shape[1])))
        return max(1, side // max(int(np.ceil(self.node_size)), 1))

    def _draw_thumbnails(self) -> None:
        """The nodes' images from their values, at about the size they are drawn (one LUT lookup per layer)."""
        self._stride = stride = self._thumbnail_stride()
        for row in self._by_layer:
            nodes = [n for n in row.values() if n.values is not None]
            if nodes:
                images = thumbnails(np.stack([n.values for n in nodes]), np.array([n.levels for n in nodes]), self._table, stride)
                for node, image in zip(nodes, images):
                    node.image = image

    def hover_image(self, node: Node) -> QImage | None:
        """The hovered unit's thumbnail at the grid's full resolution (made when first shown)."""
        if node.values is None:
            return None
        if self._hover_image is None:
            self._hover_image = thumbnails(node.values[None], np.array([node.levels]), self._table)[0]
        return self._hover_image

    # ------------------------------------------------------------ painting

    def _paint_edges(self, painter: QPainter) -> None:
        for pen, lines in self._edge_groups:
            painter.setPen(pen)
            painter.drawLines(lines)

    def _paint_nodes(self, painter: QPainter) -> None:
        outline = QPen(QColor(palette.MUTED), 1.0)
        thumbnails_drawn = self.has_thumbnails and any(n.image is not None for n in self.nodes)
        for node in self.nodes:
            if thumbnails_drawn and node.image is not None:
                painter.drawImage(node.rect, node.image)
                frame = QPen(node.fill if node.bias is not None else QColor(palette.MUTED), 3.0 if node.bias is not None else 1.0)
                painter.setPen(frame)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(node.rect.adjusted(-1.5, -1.5, 1.5, 1.5))
            else:
                painter.setPen(outline)
                painter.setBrush(node.fill)
                painter.drawEllipse(node.rect)
            if node is self.hovered:
                painter.setPen(QPen(QColor(palette.TEXT), 1.5))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(node.rect.adjusted(-4, -4, 4, 4))

    def _paint_labels(self, painter: QPainter) -> None:
        painter.setFont(self._font)
        metrics = QFontMetricsF(self._font)
        line = metrics.height()
        for column in self.columns:
            centre = column.marker.x()
            painter.setPen(QColor(palette.TEXT))
            painter.drawText(QRectF(centre - 80, 4, 160, line), Qt.AlignmentFlag.AlignCenter, column.title)
            painter.setPen(QColor(palette.MUTED))
            painter.drawText(QRectF(centre - 80, 4 + line, 160, line), Qt.AlignmentFlag.AlignCenter, column.detail)
            if column.more:
                painter.drawText(QRectF(centre - 70, column.marker.y() - line / 2, 140, line), Qt.AlignmentFlag.AlignCenter,
                                 f"… +{column.more:,} more")
        painter.setFont(self._small)
        small = QFontMetricsF(self._small)
        for (layer, unit), (text, colour) in side_labels(self.columns, self.input_labels).items():
            rect = self._by_layer[layer][unit].rect
            width = small.horizontalAdvance(text) + 4
            box = QRectF(rect.left() - 3 - width, rect.center().y() - small.height() / 2, width, small.height())
            painter.fillRect(box, Qt.GlobalColor.white)  # over the edges, readable
            painter.setPen(QColor(colour))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        self._paint_caption(painter, small)

    def _wrap_caption(self) -> bool:
        """Lay the caption out for the current width and epoch; True if it now takes another number of lines."""
        blue, red, muted = *(c.name() for c in end_colours()), palette.MUTED
        epoch = [] if self.epoch is None else [(f"epoch\u00a0{self.epoch:,}   ", palette.TEXT)]
        paragraphs = [epoch + [("edges: ", muted), ("red", red), (" positive, ", muted), ("blue", blue),
                               (" negative weight, width |w| (per layer); unit\u00a0colour:\u00a0bias", muted)]]
        if self.has_thumbnails:
            paragraphs.append([("each square: that unit's output over the input plane (hover to enlarge)", muted)])
        if any(c.more for c in self.columns):
            paragraphs.append([(f"wide layers: the {MAX_NODES} units with the strongest weights at the start (numbered) "
                                f"and the {WIDE_EDGES} strongest weights between them", muted)])
        width = max(self.width() - 2 * CAPTION_MARGIN, 1.0)
        advance = QFontMetricsF(self._small).horizontalAdvance
        caption = [line for runs in paragraphs for line in wrap_runs(runs, width, advance)]
        changed = len(caption) != len(self._caption)
        self._caption = caption
        return changed

    def _paint_caption(self, painter: QPainter, metrics: QFontMetricsF) -> None:
        y = self.height() - 6 - len(self._caption) * metrics.height()
        for line in self._caption:
            x = CAPTION_MARGIN
            for text, colour in line:
                painter.setPen(QColor(colour))
                painter.drawText(QPointF(x, y + metrics.ascent()), text)
                x += metrics.horizontalAdvance(text)
            y += metrics.height()

    def _paint_overlay(self, painter: QPainter) -> None:
        node = self.hovered
        if node is None or self.overlay_rect.isEmpty():
            return
        box = self.overlay_rect
        painter.setPen(QPen(QColor(palette.MUTED), 1.0))
        painter.setBrush(QColor(255, 255, 255, 245))
        painter.drawRoundedRect(box, 4, 4)
        painter.setFont(self._font)
        metrics = QFontMetricsF(self._font)
        y = box.top() + 7
        for k, line in enumerate(self.overlay_lines(node)):
            painter.setPen(QColor(palette.TEXT if k == 0 else palette.MUTED))
            painter.drawText(QPointF(box.left() + 8, y + metrics.ascent()), line)
            y += metrics.height()
        size = self._overlay_image_size(node)
        if size:
            target = QRectF(box.center().x() - size / 2, y + 6, size, size)
            painter.drawImage(target, self.hover_image(node))
            painter.setPen(QPen(QColor(palette.MUTED), 1.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(target)
