"""One step of backprop laid out as a student reads it: forward down the left, backward up the right.

For the current parameters and a batch of the training set (all of it, or its first MAX_SAMPLES samples),
the view shows every layer's pre-activation ``z``, activation ``a`` and error ``δ = ∂L/∂z`` as heatmaps of
units (rows) by samples (columns), each under its formula with the layer's own function and the loss in use
written in (``a₁ = tanh(z₁)``; ``δ₂ = ∂L/∂z₂`` over ``cross-entropy with softmax: (ŷ − y)/M``), and the loss
above them all. The numbers are the kernel's: one :func:`~mlp_gui.core.explain.backprop_pass` per refresh.

The batch is the training set, or its first MAX_SAMPLES samples when it has more: those samples *are* the
batch of the pass shown (``M`` in ``δ_L = (ŷ − y)/M`` is their number), so every number on screen follows
from the others on screen. The loss at the top says which samples it is on.

The layout is a U a student can trace with a finger::

    forward ↓                      backward ↑
    a₀ = x                         (how each δ gives its layer's gradients)
    z₁ = W₁a₀ + b₁   a₁ = f(z₁)    δ₁ = (W₂ᵀδ₂) ⊙ f′(z₁)      ↑ each δ from the one below
    z₂ …             a₂ …          δ₂ …                       │
    z₃ …             a₃ = ŷ        δ₃ = ∂L/∂z₃               │ the first from ŷ and y
    ŷ and y give the loss L  →     y

Forward runs down the left, from the inputs to the prediction, as the formulas are computed; the bottom
row turns the corner (the loss compares ŷ with the targets ``y``); backward runs up the right. Each δ sits
on the row of the ``z`` it is the derivative by and the ``a`` its slope is taken at, so the row of a layer
holds everything its formulas use from that layer. A layout in two separate stacks (forward above, backward
below, as some notes print it) would put δ₁ far from z₁ and need a scroll even for the notebook's network.

Colours: the heatmaps' diverging map, centred on 0, one symmetric scale per array that follows the data
with hysteresis (:func:`~mlp_gui.core.color_scale.follow_limit`); colour bars and cells use the heatmaps'
short labels, the power of ten written once (under the bar, and ``values ×1e-5`` under the formula of an
array small enough to print its values in its cells). An array with more than MAX_ROWS units shows its first MAX_ROWS
(the title says so); deep networks scroll. A :class:`~mlp_gui.gui.pacing.Pacer` refreshes the view from the
newest snapshot at most every REFRESH_MS, only while it is visible (snapshots that arrive in between or while
hidden are coalesced into one refresh of the newest, drawn when it is shown again).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from mlp_gui.core.color_scale import bar_ticks, colour_steps, follow_limit, format_cell, format_exponent, magnitudes, scale_exponent
from mlp_gui.core.config import TrainConfig
from mlp_gui.core.explain import FORMULAS, BackpropStep, backprop_pass, input_symbol, subscript
from mlp_gui.core.features import input_label
from mlp_gui.core.model import ACTIVATIONS, HEADS
from mlp_gui.core.step_text import stepsize_line, update_formula
from mlp_gui.core.trainer import Snapshot
from mlp_gui.gui import palette
from mlp_gui.gui.heatmaps import MAX_TEXT_CELLS
from mlp_gui.gui.image_axes import TICK_FONT_PT, OverhangingTitle, image_plot
from mlp_gui.gui.matrix_titles import reserve_title_rows
from mlp_gui.gui.pacing import Paced, Pacer, TimedLayoutWidget
from mlp_gui.progress import count

MAX_SAMPLES = 64  # the batch shown: the training set's first this many samples
MAX_ROWS = 64  # units drawn per array (the first ones; the title says how many there are)
REFRESH_MS = 250  # at most four refreshes a second
MAX_REFRESH_MS = 2000  # at least one every two seconds, however large the network
TIME_BUDGET = 0.05  # share of the GUI thread's time the refreshes may take
MIN_ROW_HEIGHT = 150  # pixels per row of heatmaps before the view scrolls (deep networks)
TITLE_PT = 9

def layer_formula(template: str, layer: int, last: int) -> str:
    """A formula of :data:`~mlp_gui.core.explain.FORMULAS` for one layer: ``z_l = W_l a_{l−1} + b_l`` for
    layer 1 reads ``z₁ = W₁ a₀ + b₁``."""
    return (template.replace("_{l−1}", subscript(layer - 1)).replace("_{l+1}", subscript(layer + 1))
            .replace("_l", subscript(layer)).replace("_L", subscript(last)))


@dataclass(frozen=True)
class Formulas:
    """What one layer's three arrays are, written out: a title line each, and a second, quieter line."""

    z: str
    a: str
    delta: str
    delta_note: str  # what δ's formula needs: the activation's slope (``tanh′ = 1−a²``), or the loss's δ_L


def formulas(config: TrainConfig, layer: int) -> Formulas:
    """The formulas of layer ``layer`` (1-based) of ``config``'s network, with its function and loss named."""
    model = config.model
    last = model.n_layers
    z = layer_formula(FORMULAS["z"], layer, last)
    if layer < last:
        name = model.activations[layer - 1]
        a = layer_formula(FORMULAS["a"], layer, last).replace("f(", f"{name}(")
        delta = layer_formula(FORMULAS["delta"], layer, last).replace("f′", f"{name}′")
        slope = ACTIVATIONS[name].formula.split(";")[-1].strip()  # "tanh′ = 1−a²"
        return Formulas(z, a, delta, slope)
    a = layer_formula(FORMULAS["a"], layer, last).replace("f(", f"{model.output}(") + " = ŷ"
    head = HEADS[(model.output, model.loss)]
    delta_l = head.formula.split("δ_L =")[-1].strip()  # "(ŷ − y)/M"
    delta = layer_formula(FORMULAS["delta_out"], layer, last)
    return Formulas(z, a, delta, f"{model.loss} with {model.output}: {delta_l}")


def loss_formula(config: TrainConfig) -> str:
    """``L = (1/M) Σ ½(ŷ − y)²``: the loss in use, as :data:`~mlp_gui.core.model.HEADS` writes it."""
    model = config.model
    return HEADS[(model.output, model.loss)].formula.split(";")[0].strip()


class ArrayView:
    """One array of units by samples: a plot with the image (and, small enough, its values printed) under its
    formula, and a colour bar. :attr:`values` is what is drawn (the first MAX_ROWS units)."""

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, name: str, on_hover: Callable[[str], None]) -> None:
        self.name = name
        # rows are units and columns samples, as the headings say once
        self.plot, self.image, self.labels, self.bar = image_plot(layout, row, col, self._describe, on_hover)
        self.bar_title = ""
        self._set_bar(1.0)
        layout.addItem(self.bar, row=row, col=col + 1)
        self.values = np.zeros((0, 0))
        self.row_names: tuple[str, ...] = ()  # the inputs' names when they are features (x₀², …), not x₀, x₁…
        self.units = 0  # all the array's units, drawn or not
        self.limit = 0.0  # none yet: the first values choose it
        self.exponent: int | None = None
        self.title_text = ""
        self._steps: np.ndarray | None = None

    def _describe(self, row: int, col: int) -> str | None:
        rows, cols = self.values.shape
        if not (0 <= row < rows and 0 <= col < cols):
            return None
        name = self.row_names[row] if row < len(self.row_names) else input_symbol(row)
        what = f"input {name}" if self.name == "x" else f"unit {row}"
        return f"{self.name}[{row}, {col}] = {float(self.values[row, col])!r}   ({what}, sample {col})"

    def show(self, array: np.ndarray, formula: str, note: str = "") -> bool:
        """Draw ``array`` (units by samples) under ``formula`` (and ``note``, a quieter second line).
        Returns False (and redraws nothing) when no colour, printed value or title would change."""
        self.units = array.shape[0]
        values = np.asarray(array[:MAX_ROWS], dtype=np.float64)
        reshaped = values.shape != self.values.shape
        self.values = values
        peak, _, _ = magnitudes(values)
        limit = follow_limit(self.limit, peak)
        exponent = None if peak == 0 else scale_exponent(max(limit, peak))
        texts = self._cell_texts(values, limit, exponent)
        exponent = exponent if texts else None
        title = self._title(formula, note, exponent)
        steps = colour_steps(values, limit)
        if not reshaped and limit == self.limit and title == self.title_text and texts == self.labels.cells \
                and np.array_equal(steps, self._steps):
            return False
        self._steps = steps
        if limit != self.limit or reshaped:
            self.limit = limit
            self.bar.setLevels((-limit, limit), update_items=False)
            self._set_bar(limit)
        self.image.setImage(values, levels=(-limit, limit), autoLevels=False)
        rows, cols = values.shape
        if reshaped:
            self.plot.set_cells(rows, cols)
        self.labels.set_cells(texts, QRectF(0, 0, cols, rows) if texts else QRectF())
        if title != self.title_text:
            self.title_text = title
            self.plot.setTitle(title, size=f"{TITLE_PT}pt", color=palette.TEXT)
            reserve_title_rows(self.plot, self.bar, note="<br>" in title)  # a second line may overhang the bar
        self.exponent = exponent
        return True

    def _title(self, formula: str, note: str, exponent: int | None) -> str:
        """The formula, and a quieter second line: ``note``, the cells' power of ten, a cut to MAX_ROWS units."""
        lines = [note] if note else []
        if exponent is not None:
            lines.append(f"values {format_exponent(exponent)}")
        if self.units > MAX_ROWS:
            lines.append(f"first {MAX_ROWS} of {self.units} units")
        if not lines:
            return formula
        quiet = f"<span style='font-size:{TICK_FONT_PT}pt; color:{palette.MUTED}'>{';&nbsp; '.join(lines)}</span>"
        return f"<div align='center'>{formula}<br>{quiet}</div>"

    def _set_bar(self, limit: float) -> None:
        title, ticks = bar_ticks(limit)
        self.bar.axis.setTicks(ticks)
        if title != self.bar_title:
            self.bar_title = title
            self.bar.set_factor(title)

    @staticmethod
    def _cell_texts(values: np.ndarray, limit: float, exponent: int | None) -> list[tuple[float, float, str, bool]]:
        rows, cols = values.shape
        if rows > MAX_TEXT_CELLS or cols > MAX_TEXT_CELLS:
            return []
        strong = 0.6 * limit
        return [(c + 0.5, r + 0.5, format_cell(v, exponent), abs(v) > strong)
                for r, row in enumerate(values.tolist()) for c, v in enumerate(row)]


class BackpropView(Paced, QWidget):
    """z and a on the way forward, δ on the way back, for every layer of the current run (see the module's notes).

    :meth:`set_run` at every run reset, :meth:`show_snapshot` for every new snapshot; :attr:`zs`, :attr:`acts`
    and :attr:`deltas` are the arrays' views per layer (:attr:`inputs` and :attr:`targets` show x and y),
    :attr:`step` the last :class:`~mlp_gui.core.explain.BackpropStep` drawn, :attr:`shown` its snapshot and
    :attr:`refreshes` how many refreshes there have been. ``refresh_ms``: the least time between two refreshes,
    ``max_refresh_ms`` the largest however costly they are (tests may shorten or lengthen them).
    """

    def __init__(self, parent: QWidget | None = None, on_hover: Callable[[str], None] | None = None, *,
                 refresh_ms: int = REFRESH_MS, max_refresh_ms: int = MAX_REFRESH_MS) -> None:
        super().__init__(parent)
        self._on_hover = on_hover or (lambda text: None)
        self.summary = QLabel("No run yet")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setContentsMargins(6, 4, 6, 2)
        self.view = TimedLayoutWidget()
        self.view.setBackground("w")
        self.view.ci.layout.setHorizontalSpacing(4)
        self.view.ci.layout.setVerticalSpacing(10)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.view)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.summary)
        layout.addWidget(self.scroll, 1)
        self.config: TrainConfig | None = None
        self.x = np.zeros((0, 0))
        self.y = np.zeros((0, 0))
        self.samples = 0  # in the whole training set
        self.zs: list[ArrayView] = []
        self.acts: list[ArrayView] = []
        self.deltas: list[ArrayView] = []
        self.inputs: ArrayView | None = None
        self.targets: ArrayView | None = None
        self.loss_text: pg.LabelItem | None = None
        self.step: BackpropStep | None = None
        self._built_for: TrainConfig | None = None
        self._pacer = Pacer(self, self._refresh, self.view, min_interval_ms=refresh_ms, max_interval_ms=max_refresh_ms,
                            time_budget=TIME_BUDGET)

    @property
    def refreshes(self) -> int:
        """How many refreshes (backprop passes drawn) there have been: :attr:`redraws`."""
        return self.redraws

    # ------------------------------------------------------------ what the window calls

    def bind(self, session) -> None:
        """Follow ``session`` (a :class:`~mlp_gui.gui.session.TrainingSession`): each new run and every snapshot."""
        session.run_reset.connect(self.set_run)
        session.snapshot_ready.connect(self.show_snapshot)

    def set_run(self, reset) -> None:
        """A new, reset or opened run (a :class:`~mlp_gui.gui.session.RunReset`): its settings, its training set's
        first MAX_SAMPLES samples, and its snapshot."""
        self.config = reset.config
        data = getattr(reset, "data", None)
        x, y = (data.x, data.y) if data is not None else (reset.x, reset.y)
        self.samples = x.shape[1]
        self.x = np.ascontiguousarray(x[:, :MAX_SAMPLES], dtype=np.float64)
        self.y = np.ascontiguousarray(y[:, :MAX_SAMPLES], dtype=np.float64)
        self._pacer.forget()
        self.show_snapshot(reset.snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Refresh from ``snapshot`` soon (at most every REFRESH_MS, only while visible); the newest waiting wins."""
        if self.config is not None:  # before the first run there is nothing to compute it with
            self._pacer.request(snapshot)

    def flush(self) -> None:
        """Refresh now from the snapshot waiting for its turn, if any (as :meth:`HeatmapPanel.flush`)."""
        self._pacer.flush()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        """Catch up with what arrived while the view was hidden (another tab)."""
        super().showEvent(event)
        self._pacer.catch_up()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        """A new palette (a dark desktop): the summary's quieter line gets a colour readable on it."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.shown is not None and self.step is not None:
            self._draw(self.shown, self.step)

    # ------------------------------------------------------------ refreshing

    def _refresh(self, snap: Snapshot) -> None:
        assert self.config is not None
        step = backprop_pass(self.config.model, snap.layers, self.x, self.y, snap.stepsize_at(self.config.stepsize),
                             rule=snap.rule, state=snap.rule_state or None)
        if self._built_for != self.config or len(self.zs) != len(step.layers):
            self._build()
        self._draw(snap, step)
        self.step = step

    def _draw(self, snap: Snapshot, step: BackpropStep) -> None:
        config = self.config
        assert config is not None and self.inputs is not None and self.targets is not None and self.loss_text is not None
        features = config.model.features
        self.inputs.row_names = tuple(input_label(features, i) for i in range(len(features)))
        if features:  # a₀ is what the first layer takes: the features of x
            self.inputs.show(step.layers[0].a_prev, f"a₀ = the features of x: {', '.join(self.inputs.row_names)}")
        else:
            self.inputs.show(self.x, "a₀ = x   (the inputs)")
        for layer, z_view, a_view, d_view in zip(step.layers, self.zs, self.acts, self.deltas):
            text = formulas(config, layer.index)
            z_view.show(layer.z, text.z)
            a_view.show(layer.a, text.a)
            d_view.show(layer.delta, text.delta, text.delta_note)
        self.targets.show(self.y, "y   (the targets)")
        loss = f"{step.loss:.6g}"  # as the run panel and the status bar write it
        last = subscript(len(step.layers))
        self.loss_text.setText(f"ŷ = a{last} and y give the loss &nbsp;<b>L = {loss}</b><br>and δ{last} = ∂L/∂z{last}: "
                               "backward starts here, on the right  →", size=f"{TITLE_PT}pt", color=palette.TEXT)
        m = self.x.shape[1]
        batch = f"all {count(m, 'training sample')}" if m == self.samples else f"the first {m} of {count(self.samples, 'training sample')}"
        minibatch = 0 < config.batch_size < self.samples and config.data != "notebook"
        trained_on = f" (training steps on mini-batches of {config.batch_size})" if minibatch else ""
        quiet = palette.secondary_text_color(self.summary).name()  # readable on a light or dark desktop
        self.summary.setText(
            f"<b>Loss L = {loss}</b>&nbsp; at epoch {snap.epoch:,}, on {batch}, M = {m}{trained_on}"
            f"<br><span style='color:{quiet}'>{loss_formula(config)}.&nbsp; Rows are units, columns samples. "
            "Forward: read the left side down; backward: read the right side up.</span>"
            f"<br><span style='color:{quiet}'>{html.escape(next_step_text(config, snap))}</span>")

    def _build(self) -> None:
        config = self.config
        assert config is not None
        self._built_for = config
        ci = self.view.ci
        ci.clear()
        self.zs, self.acts, self.deltas = [], [], []
        for col, span, text in ((0, 4, "forward  ↓"), (5, 2, "backward  ↑")):
            ci.addItem(quiet_text(text), row=0, col=col, colspan=span)
        self.inputs = ArrayView(ci, 1, 0, "x", self._on_hover)
        grads = "<br>".join(general_formula(FORMULAS[key]) for key in ("grad_W", "grad_b"))
        ci.addItem(quiet_text(f"each δ gives its layer's gradients<br>(the heatmaps show them):<br>{grads}"), row=1, col=5, colspan=2)
        n_layers = config.model.n_layers
        for i in range(1, n_layers + 1):
            row = [ArrayView(ci, i + 1, col, f"{name}{i}", self._on_hover) for col, name in ((0, "z"), (2, "a"), (5, "δ"))]
            if i < n_layers:  # samples line up down each column: numbered under x, the output layer and y
                for view in row:
                    view.plot.showAxis("bottom", False)
            for views, view in zip((self.zs, self.acts, self.deltas), row):
                views.append(view)
        last = n_layers + 2
        self.loss_text = OverhangingTitle("")
        ci.addItem(self.loss_text, row=last, col=0, colspan=4)
        self.targets = ArrayView(ci, last, 5, "y", self._on_hover)
        for col, stretch in enumerate((1, 0, 1, 0, 0, 1, 0)):
            ci.layout.setColumnStretchFactor(col, stretch)
        ci.layout.setColumnFixedWidth(4, 16)  # a gutter between forward and backward
        for row in range(1, last + 1):  # x and y share their rows with text: the layers get the height
            ci.layout.setRowStretchFactor(row, 2 if row in (1, last) else 3)
        rows = n_layers + 2
        self.view.setMinimumHeight(MIN_ROW_HEIGHT * rows if rows > 5 else 0)


def next_step_text(config: TrainConfig, snap: Snapshot) -> str:
    """The update the gradients then make, the run's own rule with its penalty and the stepsize at this epoch."""
    rule = update_formula(snap.rule) or FORMULAS["update"].replace("_l", "")
    name = "plain gradient descent" if snap.rule.name == "gd" else snap.rule.name
    return f"Then the update ({name}, stepsize {stepsize_line(config.stepsize, snap.decay, snap.epoch)}): {rule}."


def general_formula(template: str) -> str:
    """A formula of FORMULAS for any layer l: ``∂L/∂b_l = Σ_samples δ_l`` as ``∂L/∂bₗ = Σ over samples δₗ``."""
    return template.replace("_{l−1}", "ₗ₋₁").replace("_samples", " over samples").replace("_l", "ₗ")


def quiet_text(text: str) -> OverhangingTitle:
    """A muted heading or note that may be wider than its cell without widening it."""
    label = OverhangingTitle("")
    label.setText(text, size=f"{TITLE_PT}pt", color=palette.MUTED)
    return label

