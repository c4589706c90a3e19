"""What the network does to its input space, TensorFlow Playground's picture: the output over the input plane.

- Two inputs: the output at every point of a ``GRID`` x ``GRID`` grid over the data's range (plus a
  margin) as an image. Two classes are coloured by P(class 1) on the diverging map centred on 0.5 (the
  second output of a softmax, the value of a single output; a linear output's value is said to be no
  probability, :func:`value_name`); a regression by the predicted value on the
  targets' range; more classes (a CSV with a softmax output) blend their colours by probability. The
  training points are drawn filled and the test points hollow, coloured by their class (or target).
- One input (``sine``): the fitted curve over the data's range, with the training (filled) and test
  (hollow) points.
- Anything else (the notebook's 3 inputs, a CSV with many): one line saying why there is no picture.

The grid is computed by ``predict`` on about a thousand columns at a time (10 calls for 10,000 points:
see :func:`outputs_on` for why not one), about a millisecond for a 2,16,16,2 net. Redraws follow the newest snapshot at most
every :data:`~mlp_gui.gui.pacing.REFRESH_MS` (less often when a redraw costs more), and only while the view is visible: snapshots that
arrive in between, or while it is hidden, are coalesced into one redraw of the newest (:class:`Pacer`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from mlp_gui.core.config import TrainConfig, format_value
from mlp_gui.core.data import CLASSIFICATION, Dataset
from mlp_gui.core.explain import input_symbol
from mlp_gui.core.model import Layer, Model
from mlp_gui.core.network import Kernel, bias_columns, predict, quiet_float
from mlp_gui.core.trainer import Snapshot
from mlp_gui.gui import palette
from mlp_gui.gui.pacing import REFRESH_MS, Paced, Pacer, TimedLayoutWidget
from mlp_gui.gui.still_items import MenulessPlotItem, StillColorBar

GRID = 100  # points along each side of the input plane: one predict of GRID² columns per redraw
CURVE_POINTS = 200  # points of a one-input curve
MARGIN = 0.1  # share of the data's span added on each side
BATCH_BYTES = 1 << 17  # largest temporary of one batched call: 128 KiB (see outputs_on)
MAX_POINTS = 2000  # points drawn per set (a larger set is drawn as an even sample, the title says so)
PALE = 0.4  # how far the surface's colours are mixed with white, so the points stand out on it
SURFACE_SPAN = (0.15, 0.85)  # the part of the map the surface uses: its darkest ends are kept for the points
POINT_SIZE = 8
FONT_PT = 9


# ---------------------------------------------------------------- shared with the network diagram


def colour_map() -> pg.ColorMap:
    return pg.colormap.get(palette.COLOUR_MAP)


def colour_table(pale: float = 0.0, start: float = 0.0, stop: float = 1.0) -> np.ndarray:
    """The diverging map from ``start`` to ``stop`` as 256 RGBA rows (uint8), mixed with white by ``pale``."""
    rgb = colour_map().getLookupTable(start=start, stop=stop, nPts=256, alpha=False).astype(float)
    rgb = rgb * (1.0 - pale) + 255.0 * pale
    return np.concatenate([np.rint(rgb), np.full((256, 1), 255.0)], axis=1).astype(np.uint8)


def end_colours() -> tuple[QColor, QColor]:
    """The map's blue and red, strong but not its darkest ends: class 0 / negative, class 1 / positive."""
    cmap = colour_map()
    return cmap.map(0.1, mode="qcolor"), cmap.map(0.9, mode="qcolor")


def follow_runs_and_snapshots(view, session) -> None:
    """``bind`` of a view that draws runs and snapshots: follow ``session`` (a
    :class:`~mlp_gui.gui.session.TrainingSession`), each new run (``view.set_run``) and every snapshot
    (``view.show_snapshot``)."""
    session.run_reset.connect(view.set_run)
    session.snapshot_ready.connect(view.show_snapshot)


def run_data(reset) -> Dataset:
    """The run's data set; a run from a file older than data sets has only ``x`` and ``y``."""
    data = getattr(reset, "data", None)
    if data is not None:
        return data
    x, y = np.asarray(reset.x), np.asarray(reset.y)
    classes = 2 if reset.config.data in CLASSIFICATION else 0
    return Dataset(x, y, np.empty((x.shape[0], 0)), np.empty((y.shape[0], 0)), classes)


def all_inputs(data: Dataset) -> np.ndarray:
    return np.concatenate([data.x, data.x_test], axis=1)


def plane_bounds(data: Dataset) -> list[tuple[float, float]]:
    """Per input, the range of the training and test points widened by MARGIN of their span on each side."""
    x = all_inputs(data)
    bounds = []
    for row in x:
        finite = row[np.isfinite(row)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
        span = hi - lo if hi > lo else max(abs(lo), 1.0)
        bounds.append((lo - MARGIN * span, hi + MARGIN * span))
    return bounds


def plane_grid(bounds: list[tuple[float, float]], size: int = GRID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, points)``: the grid's coordinates and its points as columns (2, size²), row by row.

    Point ``r * size + c`` is ``(xs[c], ys[r])``, so a row of outputs reshaped to ``(size, size)`` has y
    down its rows and x along its columns (pyqtgraph's row-major image, lowest y first).
    """
    xs = np.linspace(*bounds[0], size)
    ys = np.linspace(*bounds[1], size)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.vstack([gx.ravel(), gy.ravel()])


def cell_rect(xs: np.ndarray, ys: np.ndarray) -> QRectF:
    """The rectangle an image of one pixel per grid point covers: each pixel centred on its point."""
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    return QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))


def class_labels(y: np.ndarray) -> np.ndarray:
    """Class indices of targets: the largest row of one-hot targets, > 0.5 for a 0/1 row."""
    if y.shape[0] > 1:
        return np.argmax(y, axis=0)
    return (y[0] > 0.5).astype(int)


def shown_value(outputs: np.ndarray, classes: int) -> np.ndarray | None:
    """The one number drawn per point: P(class 1) (a softmax's 2nd output), a single output's value; else None."""
    if outputs.shape[0] == 1:
        return outputs[0]
    if classes == 2 and outputs.shape[0] == 2:
        return outputs[1]
    return None


def value_name(config: TrainConfig, data: Dataset) -> str:
    """What the one number drawn per point is: ``P(class 1)`` from a sigmoid or softmax output; for a linear
    (identity) output on classes, the output itself, which is no probability; ``ŷ`` for a regression."""
    if not data.classes:
        return "ŷ"
    if config.model.output in ("sigmoid", "softmax"):
        return "P(class 1)"
    return "output 1 (not a probability)" if config.layers[-1] == 2 else "network output ŷ (not a probability)"


def surface_kind(config: TrainConfig, data: Dataset) -> tuple[str, str]:
    """``(kind, message)``: kind is "plane", "classes" (more than 2, blended), "curve" or "message"."""
    n_in, n_out = config.model.n_inputs, config.layers[-1]  # the raw inputs span the plane (features are made of them)
    layers = format_value("layers", config.layers)
    if n_in > 2:
        return "message", f"The surface needs 1 or 2 inputs: this network ({layers}) has {n_in}."
    scalar = n_out == 1 or (data.classes == 2 and n_out == 2)
    if n_in == 2 and data.classes > 2 and n_out == data.classes:
        return "classes", ""
    if not scalar:
        what = f"{data.classes} classes" if data.classes else f"{n_out} outputs to regress"
        return "message", f"The surface shows one output or two classes: this network ({layers}) has {what}."
    return ("plane" if n_in == 2 else "curve"), ""


def batch_columns(sizes: tuple[int, ...]) -> int:
    """Columns per batched call so that no layer's temporary exceeds BATCH_BYTES (1,024 for 16-unit layers)."""
    return max(64, BATCH_BYTES // (8 * max(sizes)))


def outputs_on(model: Model, layers: list[Layer], x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``predict(model, layers, x)``, computed batch_columns at a time into ``out`` (reused between redraws).

    The same numbers as one call, and many times faster on the GUI thread: one call on the 10,000 grid
    points is a product large enough for OpenBLAS to split across its threads, whose wake-up took 16 ms
    a redraw in a VM (for a 2,16,16,2 net), and its 1.3 MB temporaries per layer go back to the system
    after each use, to be faulted in again at the next. Batches of about a thousand columns stay on this
    thread with temporaries the allocator reuses: 0.8 ms.
    """
    n_out, n = model.sizes[-1], x.shape[1]
    if out is None or out.shape != (n_out, n):
        out = np.empty((n_out, n))
    step = batch_columns(model.sizes)
    with quiet_float():
        for i in range(0, n, step):
            out[:, i : i + step] = predict(model, layers, x[:, i : i + step])
    return out


def activations_on(model: Model, layers: list[Layer], x: np.ndarray, out: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """Every layer's activations at ``x`` as ``Kernel.forward`` gives them (``x`` first, the outputs last), in batches."""
    n = x.shape[1]
    if out is None or [a.shape for a in out] != [(size, n) for size in model.sizes[1:]]:
        out = [np.empty((size, n)) for size in model.sizes[1:]]
    kernel, columns, step = Kernel(model), bias_columns(layers), batch_columns(model.sizes)
    with quiet_float():
        for i in range(0, n, step):
            _, acts = kernel.forward(columns, x[:, i : i + step])
            for buffer, a in zip(out, acts[1:]):
                buffer[:, i : i + step] = a
    return [x if kernel.inputs is None else kernel.inputs(x), *out]  # the first layer's inputs: x or its features


def sample_columns(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``limit`` of ``n`` points, evenly spread (all of them when there are few)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).astype(int))


def message_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setMargin(16)
    font = label.font()
    font.setPointSize(11)
    label.setFont(font)
    label.setStyleSheet(f"color: {palette.MUTED}; background: white;")
    return label


# ---------------------------------------------------------------- the view


MIN_PLOT_PX = 380  # the axis, a square plot a student can read, the colour bar, its numbers and its title


class DecisionView(Paced, QWidget):
    """The network's output over its input plane (or line), following the run's snapshots.

    ``set_run(reset)`` for a new run (a :class:`~mlp_gui.gui.session.RunReset`, or anything with ``config``,
    ``snapshot`` and ``data``); ``show_snapshot(snapshot)`` for each new one (``now=True`` draws at once).
    For tests and the curious: :attr:`kind`, :attr:`grid` (the plane's points as columns), :attr:`values`
    (what the image or curve shows), :attr:`image`, :attr:`curve`, :attr:`train_points`, :attr:`test_points`,
    :attr:`message`, :attr:`shown` (the snapshot drawn) and :attr:`redraws`.
    """

    def __init__(self, parent: QWidget | None = None, *, refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.plot_widget = TimedLayoutWidget()
        self.plot_widget.setBackground("w")
        self.plot_widget.setMinimumWidth(MIN_PLOT_PX)  # a splitter beside it cut off the colour bar's numbers
        self.plot_widget.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)  # the grid's image, interpolated
        self.message = message_label(self)
        self.message.setText("No run yet.")
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.plot_widget)
        self._stack.addWidget(self.message)
        self._stack.setCurrentWidget(self.message)
        self._pacer = Pacer(self, self._draw, self.plot_widget, min_interval_ms=refresh_ms)
        self.kind = "message"
        self.config: TrainConfig | None = None
        self.data: Dataset | None = None
        self.grid = np.empty((0, 0))
        self.values = np.empty(0)
        self.plot: pg.PlotItem | None = None
        self.image: pg.ImageItem | None = None
        self.bar: pg.ColorBarItem | None = None
        self.curve: pg.PlotDataItem | None = None
        self.train_points: pg.ScatterPlotItem | None = None
        self.test_points: pg.ScatterPlotItem | None = None
        self._grid_shape = (0, 0)
        self._counts = ""
        self._outputs: np.ndarray | None = None  # the grid's outputs, a buffer reused between redraws

    # ------------------------------------------------------------ what the window calls

    bind = follow_runs_and_snapshots

    def set_run(self, reset) -> None:
        """Start over for a new, reset or opened run, and draw its snapshot (when visible; else once shown)."""
        self._pacer.forget()
        self.config = reset.config
        self.data = run_data(reset)
        self.kind, text = surface_kind(self.config, self.data)
        self.plot_widget.ci.clear()
        self.plot = self.image = self.bar = self.curve = self.train_points = self.test_points = None
        self.values = np.empty(0)
        if self.kind == "message":
            self.message.setText(text)
            self._stack.setCurrentWidget(self.message)
            return
        self._build()
        self._stack.setCurrentWidget(self.plot_widget)
        self._pacer.request(reset.snapshot, now=True)

    def show_snapshot(self, snapshot: Snapshot, now: bool = False) -> None:
        """Draw ``snapshot`` at the next redraw (only the newest waiting one is drawn); ``now``: at once if visible."""
        if self.kind != "message":
            self._pacer.request(snapshot, now=now)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        """Catch up with what arrived while hidden (another tab)."""
        super().showEvent(event)
        self._pacer.catch_up()

    # ------------------------------------------------------------ building the plot for a run

    def _build(self) -> None:
        data = self.data
        plot = self.plot = MenulessPlotItem()
        self.plot_widget.ci.addItem(plot, row=0, col=0)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setDefaultPadding(0.0)
        tick_font = QFont()
        tick_font.setPointSize(FONT_PT)
        for side in ("left", "bottom"):
            plot.getAxis(side).setTickFont(tick_font)
            plot.getAxis(side).setTextPen(palette.TEXT)
            plot.getAxis(side).setPen(palette.MUTED)
        label_style = {"font-size": f"{FONT_PT + 1}pt", "color": palette.TEXT}
        bounds = plane_bounds(data)
        if self.kind == "curve":
            self.grid = np.linspace(*bounds[0], CURVE_POINTS)[None, :]
            plot.setLabel("bottom", input_symbol(0), **label_style)
            plot.setLabel("left", value_name(self.config, data) if data.classes else "y  and  ŷ", **label_style)
            plot.showGrid(x=True, y=True, alpha=0.15)
            self.curve = plot.plot(self.grid[0], np.zeros(CURVE_POINTS), pen=pg.mkPen(palette.LIVE_CURVE, width=2.5))
            self.curve.setZValue(5)
            lo, hi = self._value_range()
            pad = 0.12 * (hi - lo)
            plot.setRange(xRange=bounds[0], yRange=(lo - pad, hi + pad), padding=0)
        else:
            xs, ys, self.grid = plane_grid(bounds)
            self._grid_shape = (len(ys), len(xs))
            plot.setLabel("bottom", input_symbol(0), **label_style)
            plot.setLabel("left", input_symbol(1), **label_style)
            self.image = pg.ImageItem(axisOrder="row-major")
            self.image.setZValue(-10)
            plot.addItem(self.image)
            if self.kind == "plane":
                lo, hi = self._value_range()
                self.image.setImage(np.full(self._grid_shape, (lo + hi) / 2), levels=(lo, hi), autoLevels=False)
                pale = pg.ColorMap(np.linspace(0.0, 1.0, 256), colour_table(PALE, *SURFACE_SPAN))
                title = value_name(self.config, data)
                self.bar = StillColorBar(values=(lo, hi), colorMap=pale, width=14)
                self.bar.setImageItem(self.image, insert_in=plot)  # in the plot's layout: as tall as its view box
                self.bar.axis.setTickFont(tick_font)
                self.bar.axis.setTextPen(palette.TEXT)
                # values as they are (0.5, not 500 "x0.001"); before the label shows, or pyqtgraph 0.14 keeps the scale
                self.bar.axis.enableAutoSIPrefix(False)
                self.bar.axis.setLabel(title, **label_style)
            else:
                self.image.setImage(np.full(self._grid_shape + (3,), 255, dtype=np.uint8), autoLevels=False)
            self.image.setRect(cell_rect(xs, ys))
            plot.setRange(xRange=bounds[0], yRange=bounds[1], padding=0)
        self._add_points()

    def _value_range(self) -> tuple[float, float]:
        """The values' scale: 0 to 1 for classes, the targets' range for a regression."""
        if self.data.classes:
            return 0.0, 1.0
        y = np.concatenate([self.data.y, self.data.y_test], axis=1)[0]
        y = y[np.isfinite(y)]
        lo, hi = (float(y.min()), float(y.max())) if y.size else (-1.0, 1.0)
        return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)

    def _add_points(self) -> None:
        data = self.data
        counts = []
        for name, x, y, filled in (("training", data.x, data.y, True), ("test", data.x_test, data.y_test, False)):
            keep = sample_columns(x.shape[1])
            x, y = x[:, keep], y[:, keep]
            colours = self._point_colours(y)
            total = (data.x if filled else data.x_test).shape[1]
            if total:
                counts.append(f"{'●' if filled else '○'} {total:,} {name}" + (f" ({len(keep):,} drawn)" if len(keep) < total else ""))
            px, py = (x[0], x[1]) if self.kind != "curve" else (x[0], self._point_heights(y))
            if filled:
                brushes = {c.name(): pg.mkBrush(c) for c in colours}
                dark = pg.mkPen(palette.TEXT if self.kind == "curve" else "w", width=1.0)
                scatter = pg.ScatterPlotItem(px, py, size=POINT_SIZE if self.kind != "curve" else 6, pen=dark,
                                             brush=[brushes[c.name()] for c in colours])
                self.train_points = scatter
            else:
                pens = {c.name(): pg.mkPen(c, width=2.0) for c in colours}
                scatter = pg.ScatterPlotItem(px, py, size=POINT_SIZE + 1, brush=pg.mkBrush(None),
                                             pen=[pens[c.name()] for c in colours])
                self.test_points = scatter
            scatter.setZValue(10 if filled else 11)
            self.plot.addItem(scatter)
        if self.kind == "curve":
            counts.insert(0, f"<span style='color:{palette.LIVE_CURVE}'>━ the network's ŷ</span>")
        elif self.kind == "classes":
            mixed = "probability" if self.config.model.output in ("sigmoid", "softmax") else "output (not probabilities)"
            counts.insert(0, f"{data.classes} classes' colours mixed by {mixed}")
        self._counts = "&nbsp;&nbsp;&nbsp;".join(counts)

    def _point_heights(self, y: np.ndarray) -> np.ndarray:
        return class_labels(y).astype(float) if self.data.classes else y[0]

    def _point_colours(self, y: np.ndarray) -> list[QColor]:
        """Each point's colour: its class's (blue 0, red 1; Okabe-Ito beyond 2 classes), a regression's target value."""
        if y.shape[1] == 0:
            return []
        if self.kind == "curve" and not self.data.classes:
            return [QColor(palette.MUTED)] * y.shape[1]
        if self.data.classes == 2 or (self.data.classes and self.kind == "curve"):
            blue, red = end_colours()
            return [red if c else blue for c in class_labels(y)]
        if self.data.classes:
            table = [QColor(c) for c in palette.KEPT_RUNS]
            return [table[c % len(table)] for c in class_labels(y)]
        lo, hi = self._value_range()
        cmap = colour_map()
        shades = cmap.map(0.1 + 0.8 * np.clip((y[0] - lo) / (hi - lo), 0.0, 1.0), mode="qcolor")  # as the classes' colours
        return list(shades)

    # ------------------------------------------------------------ a redraw

    def _draw(self, snap: Snapshot) -> None:
        self._outputs = outputs = outputs_on(self.config.model, snap.layers, self.grid, self._outputs)
        if self.kind == "classes":
            self.values = outputs
            self.image.setImage(self._blend(outputs), autoLevels=False)
        else:
            values = shown_value(outputs, self.data.classes)
            self.values = values
            if self.kind == "curve":
                self.curve.setData(self.grid[0], np.where(np.isfinite(values), values, np.nan), connect="finite")
            else:
                lo, hi = self.bar.levels()
                surface = np.where(np.isfinite(values), values, (lo + hi) / 2).reshape(self._grid_shape)
                self.image.setImage(surface, levels=(lo, hi), autoLevels=False)
        self._set_title(snap)

    def _blend(self, outputs: np.ndarray) -> np.ndarray:
        """An RGB image mixing the class colours by probability, paled like the two-class surface."""
        table = np.array([QColor(c).getRgb()[:3] for c in palette.KEPT_RUNS], dtype=float)
        colours = table[np.arange(outputs.shape[0]) % len(table)]
        probabilities = np.nan_to_num(outputs, nan=1.0 / outputs.shape[0])
        rgb = (probabilities.T @ colours) * (1.0 - PALE) + 255.0 * PALE
        return np.clip(np.rint(rgb), 0, 255).astype(np.uint8).reshape(self._grid_shape + (3,))

    def _set_title(self, snap: Snapshot) -> None:
        text = f"epoch {snap.epoch:,}&nbsp;&nbsp;&nbsp;<span style='color:{palette.MUTED}'>{self._counts}</span>"
        if snap.diverged_at is not None:
            text += f"&nbsp;&nbsp;<span style='color:{palette.ERROR}'>diverged at epoch {snap.diverged_at:,}</span>"
        self.plot.setTitle(text, size=f"{FONT_PT + 1}pt", color=palette.TEXT)
