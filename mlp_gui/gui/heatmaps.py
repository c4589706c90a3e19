"""Heatmaps of every layer's weights and their gradients, side by side, each with a colour bar.

One row per layer: the weight matrix with its bias as a one-column strip to its right (after a blank gap
column), then the same for the gradient, and (:meth:`HeatmapPanel.set_show_updates`) the change the next
step applies, ``ΔW`` and ``Δb`` (the update rule's, ``−stepsize · ∂L/∂W`` for gradient descent); the
optimizer's state, exact zeros and an outlined cell are :mod:`mlp_gui.gui.heatmap_overlays`'. Colours come
from a diverging map centred on zero; each scale is symmetric and follows the data at every update unless
the scales are locked, and snaps to 1, 1.5, 2, 3, 4, 5, 6 or 8 times a power of ten so the colour bars'
ticks rarely move. Small matrices print their values in the cells; hovering any cell tells its row, column
and exact value, and a left click reports it (:attr:`HeatmapPanel.cell_clicked`).

Three colour-scale modes (:meth:`HeatmapPanel.set_scale_mode`):

* ``matrix``: every matrix on its own scale (each shows its own pattern best).
* ``shared``: one scale for all the gradients, one for all the updates, so an early layer's small
  gradients show pale: vanishing gradients at a glance. The weights keep their own scales; cells still
  print each matrix's values with its own power of ten in the title (``(×1e-6)``).
* ``log``: colour by ``sign(v)·log10(|v|/floor)``, the top of the scale the power of ten above the
  largest |value| and the floor LOG_DECADES below it (smaller values are white), the bar in powers of
  ten; one scale per weight matrix, one per column for gradients and updates, as in ``shared``.

The scales and their short numbers are :mod:`mlp_gui.core.color_scale`'s. An outlier, a largest |value|
over OUTLIER_RATIO times the median one (a diverged bias of ``-1e156``), leaves every other cell white: a
second title line says ``scale set by b3[1] = -1.0e156``, and the cells print each value on its own.

A :class:`~mlp_gui.gui.pacing.Pacer` redraws the panel from the latest snapshot, ten times a second at most
(less when a redraw costs more), skipping matrices whose colours and printed values did not change.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

from mlp_gui.core.color_scale import (
    LOG_DECADES,
    bar_ticks,
    colour_steps,
    follow_limit,
    format_cell,
    format_short,
    log_bar_ticks,
    log_top,
    magnitudes,
    nice_limit,
    peak_magnitude,
    scale_exponent,
    signed_log,
)
from mlp_gui.core.config import TrainConfig
from mlp_gui.core.features import input_label
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.core.step_text import update_clause, update_formula
from mlp_gui.core.trainer import Snapshot
from mlp_gui.gui import palette
from mlp_gui.gui.heatmap_headings import FittedHeading, column_forms
from mlp_gui.gui.heatmap_overlays import Overlays
from mlp_gui.gui.image_axes import TICK_FONT_PT, columns_label, image_plot
from mlp_gui.gui.matrix_titles import matrix_places, reserve_title_rows, title_forms
from mlp_gui.gui.pacing import Paced, Pacer, TimedLayoutWidget

MAX_TEXT_CELLS = 8  # print values in cells when a matrix has at most this many rows and columns
REFRESH_MS = 100  # at most ten redraws a second
MAX_REFRESH_MS = 1000  # at least one a second, however large the network
TIME_BUDGET = 0.04  # share of wall time the heatmaps may take (a redraw costing 10 ms runs every 250 ms)
READABLE_CELLS = 60  # pixels of cells per row at least: below that the panel scrolls
CELLS_WIDTH = 36  # pixels of cells across a matrix at least, with the optimizer's state shown (the panel scrolls)
MIN_ROW_HEIGHT = 170  # pixels per layer before the panel scrolls (deep networks)
OUTLIER_RATIO = 1e3  # the largest |value| above this many times the typical one "sets the scale" (and says so)
SAMPLE_SIZE = 4096  # values of a large matrix whose median stands for its typical magnitude
SCALE_MODES = ("matrix", "shared", "log")
DEFAULT_STEPSIZE = TrainConfig().stepsize  # until the window says which stepsize the run uses


def with_bias_strip(matrix: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``[matrix | NaN gap | bias]`` as one image (NaN draws as transparent)."""
    rows, cols = matrix.shape
    image = np.full((rows, cols + 2), np.nan)
    image[:, :cols] = matrix
    image[:, cols + 1] = bias
    return image


class MatrixView:
    """One matrix with its bias strip: a plot holding the image and cell labels, and its colour bar.

    Besides the colours it keeps three short texts in step with the data: the colour bar's power of ten
    (:attr:`bar_title`, under the bar), the cells' one (:attr:`exponent`, ``(×1e-6)`` in the title) and
    the outlier note (:attr:`note`, ``scale set by b3[1] = -1.0e156``, a second title line).

    :attr:`scale` is how the colours were chosen (one of SCALE_MODES) and :attr:`limit` the scale: the
    symmetric limit of a linear scale, the top (a power of ten) of a log one. :attr:`kinds` names the
    matrix and its bias for :attr:`HeatmapPanel.cell_clicked` (``("dW", "db")``), :attr:`layer` is 1-based.
    An update's view (ΔW) knows the gradient it was made from (:attr:`step_of`) and the stepsize, for its
    hover text.
    """

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, name: str, bias_name: str, title: str,
                 on_hover: Callable[[str], None], *, kinds: tuple[str, str] = ("W", "b"), layer: int = 0,
                 on_click: Callable[[str, int, int, int], None] | None = None, unit_label: bool = True) -> None:
        self.name, self.bias_name = name, bias_name
        self.kinds, self.layer = kinds, layer
        self._on_click = on_click
        self.step_of: tuple[str, str] | None = None  # an update's gradient names (∂L/∂W1, ∂L/∂b1)
        self.stepsize, self.formula = 0.0, ""  # formula: a rule other than gradient descent's, in words
        self.features: tuple[str, ...] = ()  # the run's input features: W1's columns' names (x₀², …)
        self.plot, self.image, self.labels, self.bar = image_plot(layout, row, col, self._describe, on_hover, self.click_at)
        style = {"font-size": f"{TICK_FONT_PT}pt", "color": palette.AXIS_TEXT}
        self.plot.set_bottom_label(*columns_label(layer), **style)  # the longer one where it fits
        self.bar_title = ""
        self.start_over(title, unit_label=unit_label)
        layout.addItem(self.bar, row=row, col=col + 1)

    def start_over(self, title: str, *, unit_label: bool = True) -> None:
        """Be as just made, titled ``title``: nothing drawn yet, scale ±1, the rows' axis named ``unit`` (or not).
        A rebuilt panel keeps the views in the places its new network still has, started over."""
        self.title = self.title_text = title
        self.plot.setTitle(title, size="9pt", color=palette.TEXT)
        self.bar.setTitle("")
        style = {"font-size": f"{TICK_FONT_PT}pt", "color": palette.AXIS_TEXT}
        self.plot.getAxis("left").setLabel("unit" if unit_label else "", **style)
        self.step_of, self.stepsize, self.formula, self.features = None, 0.0, "", ()
        self.scale, self.blank, self.limit = "matrix", False, 1.0  # blank: every value 0, the bar says "all 0"
        self._set_bar_ticks(1.0)
        self.matrix, self.bias = np.zeros((0, 0)), np.zeros(0)
        self.exponent: int | None = None
        self.note = ""
        self._steps: np.ndarray | None = None
        self._sample: np.ndarray | None = None

    def _describe(self, row: int, col: int) -> str | None:
        """The cell's name, exact value and meaning in the weight panel's words, e.g. ``W2[2, 3] = -8.14…  (into
        unit 2 from unit 3 of layer 1)`` (layer 1: ``from input x₀``);
        an update's says what it is made of: ``ΔW1[2, 0] = -3.1e-06 = −0.1 × ∂L/∂W1[2, 0]``."""
        rows, cols = self.matrix.shape
        if not 0 <= row < rows:
            return None
        if 0 <= col < cols:
            source = f"input {input_label(self.features, col)}" if self.layer <= 1 else f"unit {col} of layer {self.layer - 1}"
            name, value, index, meaning = self.name, self.matrix[row, col], f"{row}, {col}", f"into unit {row} from {source}"
        elif col == cols + 1:
            name, value, index, meaning = self.bias_name, self.bias[row], f"{row}", f"bias of unit {row}"
        else:
            return None
        if self.step_of is None:
            return f"{name}[{index}] = {float(value)!r}   ({meaning})"
        gradient = self.step_of[0 if col < cols else 1]
        made = f" = −{self.stepsize:g} × {gradient}[{index}]" if not self.formula else f"   (by {self.formula})"
        return (f"{name}[{index}] = {float(value)!r}{made}"
                f"   (what the next step adds to {name.removeprefix('Δ')}[{index}])")

    def cell_at(self, scene_pos: QPointF) -> tuple[str, int, int] | None:
        """``(kind, row, col)`` of the cell at a scene position (``col`` 0 for a bias), None off the cells."""
        pos = self.image.mapFromScene(scene_pos)
        row, col = math.floor(pos.y()), math.floor(pos.x())
        rows, cols = self.matrix.shape
        if not 0 <= row < rows:
            return None
        if 0 <= col < cols:
            return self.kinds[0], row, col
        if col == cols + 1:
            return self.kinds[1], row, 0
        return None

    def click_at(self, scene_pos: QPointF) -> bool:
        """A left click at a scene position: report its cell (True), or nothing off the cells (False)."""
        cell = self.cell_at(scene_pos)
        if cell is None or self._on_click is None:
            return False
        kind, row, col = cell
        self._on_click(kind, self.layer, row, col)
        return True

    def show(self, matrix: np.ndarray, bias: np.ndarray, limit: float | None, scale: str = "matrix") -> bool:
        """Draw new values; ``limit`` fixes the colour scale, None chooses it from the data.

        ``scale``: ``matrix`` (a symmetric scale, this matrix's own unless fixed), ``shared`` (the symmetric
        ``limit`` a whole column shares; the cells print this matrix's own power of ten) or ``log``
        (:func:`signed_log` below ``limit``, a power of ten). Returns False (and redraws nothing) when no
        colour, printed value or title would change.
        """
        reshaped = matrix.shape != self.matrix.shape
        rescaled = reshaped or scale != self.scale
        self.matrix, self.bias = matrix, bias
        image = with_bias_strip(matrix, bias)
        if reshaped:
            big = image.size > SAMPLE_SIZE
            self._sample = np.sort(np.random.default_rng(0).choice(image.size, SAMPLE_SIZE, replace=False)) if big else None
        peak, where, typical = magnitudes(image, self._sample)
        current = self.limit if scale == self.scale else 0.0
        exponent: int | None
        if scale == "log":
            new_limit = log_top(current, peak) if limit is None else limit
            drawn, level = signed_log(image, new_limit), float(LOG_DECADES)
            note, exponent = "", None  # values spanning decades print each in its own form
        else:
            new_limit = follow_limit(current, peak) if limit is None else limit
            drawn, level = image, new_limit
            note = self._outlier_note(image, peak, where, typical, locked=limit is not None)
            own = new_limit if scale == "matrix" else nice_limit(peak)
            exponent = None if note or peak == 0 else scale_exponent(max(own, peak))
        steps = colour_steps(drawn, level)
        texts = self._cell_texts(image, drawn, level, exponent)
        exponent = exponent if texts else None  # no printed values, nothing to scale
        unchanged = (not rescaled and new_limit == self.limit and texts == self.labels.cells
                     and (exponent, note) == (self.exponent, self.note) and np.array_equal(steps, self._steps))
        if unchanged:
            self.image.refresh_hover()  # the colours stay, the exact values under the mouse moved on
            return False
        self._steps = steps
        blank = peak == 0 and limit is None  # every value 0 (Adam's m at epoch 0): no made-up ±1 ×1e-12 scale
        if new_limit != self.limit or rescaled or blank != self.blank:
            self.limit, self.scale, self.blank = new_limit, scale, blank
            self.bar.setLevels((-level, level), update_items=False)
            self._set_bar_ticks(new_limit)
        self.image.setImage(drawn, levels=(-level, level), autoLevels=False)
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
        text, wrapped = title_forms(self.title, exponent, note)
        self.title_text = text
        self.plot.setTitle(text, size="9pt", color=palette.TEXT, wrapped=wrapped)
        reserve_title_rows(self.plot, self.bar, note=bool(note))

    def _set_axes(self, rows: int, cols: int) -> None:
        self.plot.set_cells(rows, cols, span=cols + 2, extra=[(cols + 1.5, "b")])

    def _set_bar_ticks(self, limit: float) -> None:
        if self.blank:
            title, ticks = "all 0", [[(0.0, "0")], []]
        else:
            title, ticks = ("log scale", log_bar_ticks(limit)) if self.scale == "log" else bar_ticks(limit)
        self.bar.axis.setTicks(ticks)
        if title != self.bar_title:
            self.bar_title = title
            self.bar.set_factor(title)

    @staticmethod
    def _cell_texts(image: np.ndarray, drawn: np.ndarray, level: float,
                    exponent: int | None = None) -> list[tuple[float, float, str, bool]]:
        """(x, y, text, light) for every cell of a small image; [] for a large one. ``drawn``: the values the
        colours show (``image`` itself, or its signed log), on a scale of ±``level``; dark cells get light text."""
        rows, cols = image.shape
        if rows > MAX_TEXT_CELLS or cols - 2 > MAX_TEXT_CELLS:
            return []
        strong = 0.6 * level
        return [
            (c + 0.5, r + 0.5, format_cell(v, exponent), abs(d) > strong)
            for r, (values, shades) in enumerate(zip(image.tolist(), drawn.tolist()))
            for c, (v, d) in enumerate(zip(values, shades))
            if c != cols - 2
        ]


class HeatmapPanel(Paced, QScrollArea):
    """For every layer: weights and bias, then their gradients, then (if shown) the next step's change to them;
    refreshed from the latest snapshot.

    Scrolls vertically when the network has more layers than fit at a readable height.

    ``cell_clicked(kind, layer, row, col)``: a left click on a cell. ``kind`` is ``W`` or ``b`` (weights),
    ``dW`` or ``db`` (gradients), ``uW`` or ``ub`` (updates); ``layer`` counts from 1 as in ``W1``; a bias
    has ``col`` 0. ``refresh_ms``: the least time between two redraws (tests may shorten it).
    """

    cell_clicked = Signal(str, int, int, int)

    def __init__(self, parent: QWidget | None = None, on_hover: Callable[[str], None] | None = None, *,
                 refresh_ms: int = REFRESH_MS, max_refresh_ms: int = MAX_REFRESH_MS) -> None:
        super().__init__(parent)
        self.view = TimedLayoutWidget()  # times its paint in this thread's CPU time, not waiting for the GIL
        self.view.setBackground("w")
        self.view.ci.layout.setHorizontalSpacing(4)
        self.view.ci.layout.setVerticalSpacing(14)
        self.setWidget(self.view)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._on_hover = on_hover or (lambda text: None)
        self.overlays = Overlays(self, self._on_hover)  # the optimizer's state, exact zeros, an outlined cell
        self.weights: list[MatrixView] = []
        self.gradients: list[MatrixView] = []
        self.updates: list[MatrixView] = []  # ΔW | Δb per layer; empty while the column is hidden
        self.headers: list[FittedHeading] = []
        self.locked = False
        self.show_updates = False
        self.stepsize, self.formula = DEFAULT_STEPSIZE, ""  # formula: the update column's heading (ΔW = −η·…)
        self.rule, self.eta = None, DEFAULT_STEPSIZE  # the drawn snapshot's rule and (decayed) stepsize: the heading's
        self.scale_mode = "matrix"
        self._rebuild = False  # the columns changed: build the plots again at the next refresh
        self._rescale = False  # the scale mode changed: choose the scales from the data once, even if locked
        # the first snapshot is drawn even while hidden: the plots exist before the panel is first shown
        self._pacer = Pacer(self, self._draw, self.view, min_interval_ms=refresh_ms, max_interval_ms=max_refresh_ms,
                            time_budget=TIME_BUDGET, first_while_hidden=True)

    @property
    def ci(self) -> pg.GraphicsLayout:
        """The graphics layout holding the plots (as on a GraphicsLayoutWidget)."""
        return self.view.ci

    def set_locked(self, locked: bool) -> None:
        """Keep the current colour scales (True) or follow the data (False)."""
        self.locked = locked
        if not locked:
            self._pacer.redraw()

    def set_show_updates(self, show: bool) -> None:
        """Show (True) or hide the third column, ``ΔW = −stepsize · ∂L/∂W`` and ``Δb``: the change the next step
        applies. Hidden, it has no plots and costs nothing."""
        if show == self.show_updates:
            return
        self.show_updates = show
        self._rebuild = True
        self._pacer.redraw()

    def set_stepsize(self, stepsize: float) -> None:
        """The stepsize the next step uses (a run reset, or the stepsize changed): the updates are redrawn with it."""
        if stepsize == self.stepsize:
            return
        self.stepsize = float(stepsize)
        if self.show_updates:
            self._set_headers()
            self._pacer.redraw()

    def set_scale_mode(self, mode: str) -> None:
        """``matrix`` (each matrix its own scale), ``shared`` (one for all gradients, one for all updates) or
        ``log`` (signed log10 of magnitude): see the module's notes. The scales are chosen afresh, locked or not."""
        if mode not in SCALE_MODES:
            raise ValueError(f"unknown scale mode {mode!r}; choose one of {', '.join(SCALE_MODES)}")
        if mode == self.scale_mode:
            return
        self.scale_mode = mode
        self._rescale = True
        self._set_headers()
        self._pacer.redraw()

    def bind(self, session) -> None:
        """Follow ``session``: the stepsize (ΔW), every snapshot, a new run and a viewed or halted state drawn at once."""
        self.overlays.bind(session)  # first: a new run's features are known when it is drawn
        session.stepsize_changed.connect(self.set_stepsize)
        session.snapshot_ready.connect(self.show_snapshot)
        session.run_reset.connect(self._show_new_run)
        session.viewing.connect(self._show_viewed)

    def _show_new_run(self, reset) -> None:
        self.show_snapshot(reset.snapshot, now=True)

    def _show_viewed(self, _epoch: int | None) -> None:
        self.flush()

    def show_snapshot(self, snapshot: Snapshot, now: bool = False) -> None:
        """Draw ``snapshot`` at the next refresh (only the latest one waiting is drawn), or at once (``now``, even if
        it is the one drawn). The one drawn is not drawn again at a refresh (a reset draws it at once, then the
        session's ``snapshot_ready`` brings it too). Hidden, the panel draws it when shown."""
        if now:
            self._pacer.redraw(snapshot)
        elif snapshot is not self.shown:
            self._pacer.request(snapshot)

    def flush(self) -> None:
        """Draw the snapshot waiting for the next refresh now (the run halted: show where it stopped)."""
        self._pacer.flush()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        """Catch up with what arrived while the panel was hidden (another tab)."""
        super().showEvent(event)
        self._pacer.catch_up()

    def highlight(self, ref: WeightRef | None) -> None:
        """Outline ``ref`` (a :class:`~mlp_gui.core.one_weight.WeightRef`; None: none) in every column, redraws too."""
        self.overlays.set_highlight(ref)

    def _draw(self, snap: Snapshot) -> None:
        rebuilt = self._rebuild or self._layers_changed(snap)
        if rebuilt:
            self._build(snap)
        fixed = self.locked and not self._rescale
        self._rescale = False
        own = "log" if self.scale_mode == "log" else "matrix"
        for view, layer in zip(self.weights, snap.layers):
            view.show(layer.W, layer.b, view.limit if fixed and view.scale == own else None, own)
        self._show_column(self.gradients, [(g.W, g.b) for g in snap.grads], fixed)
        if self.updates:
            eta = snap.stepsize_at(self.stepsize)  # decayed by now, if the run decays it
            if update_clause(snap.rule, eta) != self.formula:
                self.formula, self.rule, self.eta = update_clause(snap.rule, eta), snap.rule, eta
                self._set_headers()
            for view in self.updates:
                view.stepsize, view.formula = eta, update_formula(snap.rule)
            self._show_column(self.updates, [(d.W, d.b) for d in snap.updates(self.stepsize)], fixed)
        self.overlays.drawn(snap, rebuilt=rebuilt)
        self._keep_readable(len(snap.layers))

    def _keep_readable(self, n_layers: int) -> None:
        """Never squeeze the columns below their texts and CELLS_WIDTH px of cells, nor the rows below READABLE_CELLS px
        of cells: scroll instead."""
        hint = self.ci.layout.effectiveSizeHint(Qt.SizeHint.MinimumSize)
        deep = MIN_ROW_HEIGHT * n_layers if n_layers > 4 else 0
        matrices = self.ci.layout.columnCount() // 2  # each column: a matrix and its colour bar
        wide = matrices > 3  # the optimizer's state beside W, ∂L/∂W and ΔW: scroll sideways rather than squeeze
        self.view.setMinimumSize(math.ceil(hint.width()) + CELLS_WIDTH * matrices if wide else 0,
                                 max(deep, math.ceil(hint.height()) + READABLE_CELLS * n_layers))

    def _show_column(self, views: list[MatrixView], arrays: list[tuple[np.ndarray, np.ndarray]], fixed: bool) -> None:
        """Draw gradients or updates on the scale mode's scales: each its own, or one for the whole column."""
        mode = self.scale_mode
        if mode == "matrix":
            for view, (matrix, bias) in zip(views, arrays):
                view.show(matrix, bias, view.limit if fixed and view.scale == mode else None)
            return
        first = views[0]
        if fixed and first.scale == mode:
            limit = first.limit
        else:
            peak = peak_magnitude(*(a for pair in arrays for a in pair))
            current = first.limit if first.scale == mode else 0.0
            limit = log_top(current, peak) if mode == "log" else follow_limit(current, peak)
        for view, (matrix, bias) in zip(views, arrays):
            view.show(matrix, bias, limit, mode)

    def _layers_changed(self, snap: Snapshot) -> bool:
        return self.shown is None or [p.W.shape for p in snap.layers] != [p.W.shape for p in self.shown.layers]

    def _build(self, snap: Snapshot) -> None:
        """Lay out the columns for ``snap``'s network: the views in places it still has are kept, started over (making
        one is most of the cost), the rest made; the rest of the layout (headings, the state's columns) is made anew."""
        self._rebuild = False
        old = {(view.layer, view.kinds[0]): view for view in self.weights + self.gradients + self.updates}
        narrow = self.show_updates
        self.ci.clear()  # the kept views go back in the order a new panel adds its own: the same layout
        self.headers = []
        for c in range(3 if self.show_updates else 2):  # headings fit their column (shorter forms, elided at worst)
            label = FittedHeading()
            self.ci.addItem(label, row=0, col=2 * c, colspan=2)
            self.headers.append(label)
        self._set_headers()
        views = {"W": [], "dW": [], "uW": []}
        for n, col, kind, (name, bias_name), title in matrix_places(snap, updates=self.show_updates):
            unit = col == 0 or not narrow  # three columns share the width: "unit" is said once, beside the weights
            view = old.get((n, kind))
            if view is None:
                view = MatrixView(self.ci, n, col, name, bias_name, title, self._on_hover, kinds=(kind, kind.replace("W", "b")),
                                  layer=n, on_click=self.cell_clicked.emit, unit_label=unit)
            else:
                self.ci.addItem(view.plot, row=n, col=col)
                self.ci.addItem(view.bar, row=n, col=col + 1)
                view.start_over(title, unit_label=unit)
            view.step_of = (f"∂L/∂W{n}", f"∂L/∂b{n}") if kind == "uW" else None
            views[kind].append(view)
        self.weights, self.gradients, self.updates = views["W"], views["dW"], views["uW"]
        for col in range(2 * len(self.headers)):
            self.ci.layout.setColumnStretchFactor(col, 1 - col % 2)

    def _set_headers(self) -> None:
        """The columns' headings, saying which share a scale (:mod:`mlp_gui.gui.heatmap_headings`)."""
        eta = self.stepsize if self.rule is None else self.eta
        forms = column_forms(scale_mode=self.scale_mode, updates=self.show_updates, rule=self.rule, stepsize=eta)
        for label, (form, tip) in zip(self.headers, forms):
            label.set_forms(form, tip=tip)
