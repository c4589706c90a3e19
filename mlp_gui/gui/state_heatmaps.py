"""The optimizer's memory as heatmaps beside the weights: momentum's velocity, RMSprop's √s, Adam's m and √v.

Switched on from View ▸ Show the optimizer's state, one more column per state array joins the heatmap panel (after
the update column), a row per layer, each array cut into the layer's W and b as the weights are. Adam divides each
weight's mean gradient m̂ by its own typical size √v̂, so a layer whose gradients are a thousand times smaller has a
√v a thousand times smaller too and steps about as far: the √v column, on one colour scale per column in the
*shared* and *log* modes, shows that at a glance. Plain gradient descent keeps no state: the column then holds one
note that says so. The numbers are the snapshot's own :attr:`~mlp_gui.core.trainer_state.Snapshot.rule_state`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.color_scale import follow_limit, log_top, peak_magnitude
from mlp_gui.core.flat_layout import FlatLayout
from mlp_gui.core.trainer_state import Snapshot
from mlp_gui.gui.heatmap_headings import FittedHeading, wrapped_forms
from mlp_gui.gui.image_axes import TICK_FONT_PT


@dataclass(frozen=True)
class StateArray:
    """One state array as a column: its key in the rule's state, its symbol, heading lines, and whether it is
    shown as a square root (RMSprop's s, Adam's v: √ has the gradient's units)."""

    key: str
    symbol: str
    heading: str
    note: str
    root: bool = False


COLUMNS: dict[str, tuple[StateArray, ...]] = {
    "momentum": (StateArray("velocity", "v", "velocity v", "v ← μ·v + g"),),
    "nesterov": (StateArray("velocity", "v", "velocity v", "v ← μ·v + g"),),
    "rmsprop": (StateArray("square_avg", "√s", "RMSprop's √s", "typical |g|", root=True),),
    "adam": (StateArray("exp_avg", "m", "Adam's m", "mean of g"), StateArray("exp_avg_sq", "√v", "Adam's √v", "typical |g|", root=True)),
}
NOTES = {  # under the columns: what the state does to the step (no combining accents: headings draw them askew)
    "momentum": "v sums the past gradients, each step older weighing μ times less: "
                "along a steady slope the steps grow to 1/(1−μ) times η·g",
    "nesterov": "v sums the past gradients, each step older weighing μ times less; the step looks ahead: η·(g + μ·v)",
    "rmsprop": "the step is η·g/√s: each weight's gradient over its own typical size, so every layer steps about η",
    "adam": "the step is η·m/√v (both bias-corrected): each weight's mean gradient over its own typical size. "
            "A layer with tiny gradients has a tiny √v too, so it steps about η, like every other layer",
}
NO_STATE_FORMS = (("optimizer state: none",), ("optimizer state:", "none"), ("no optimizer", "state"))
NO_STATE = ("optimizer state: none", "plain gradient descent remembers nothing between steps (momentum's velocity, "
            "RMSprop's s, Adam's m and v show here)")


def state_columns(rule_name: str, state_keys: set[str]) -> tuple[StateArray, ...]:
    """The columns a rule's state makes (only arrays the state holds), () for a rule without state."""
    return tuple(column for column in COLUMNS.get(rule_name, ()) if column.key in state_keys)


def layer_arrays(snap: Snapshot, column: StateArray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each layer's ``(W, b)`` part of a state array of ``snap`` (its square root for RMSprop's s and Adam's v)."""
    flat = np.asarray(snap.rule_state[column.key], dtype=np.float64)
    if column.root:
        flat = np.sqrt(np.maximum(flat, 0.0))
    return [(layer.W, layer.b) for layer in FlatLayout.for_layers(snap.layers).views(flat)]


class StateColumns:
    """The state's columns in a :class:`~mlp_gui.gui.heatmaps.HeatmapPanel` (``panel``): :attr:`views` holds one list
    of MatrixViews per column (empty while hidden, or for plain descent, when :attr:`note` says why)."""

    def __init__(self, panel, on_hover) -> None:
        self._panel, self.on_hover = weakref.ref(panel), on_hover  # the panel holds us: no reference cycle
        self.shown = False
        self.columns: tuple[StateArray, ...] = ()
        self.views: list[list] = []
        self.headers: list[FittedHeading] = []
        self.note = ""  # under the columns: what the state does to the step (for plain descent: that it has none)
        self.note_label: FittedHeading | None = None
        self._built_at = -1  # the first layout column they were built at (-1: not built)


    @property
    def panel(self):
        return self._panel()
    def set_shown(self, shown: bool) -> None:
        """Show (True) or hide the state's columns; drawn at once from the panel's snapshot."""
        if shown == self.shown:
            return
        self.shown = shown
        if not shown:
            self._clear()
        if self.panel.shown is not None:
            self.panel.show_snapshot(self.panel.shown, now=True)

    def drawn(self, snap: Snapshot, *, rebuilt: bool) -> None:
        """The panel drew ``snap`` (``rebuilt``: its plots were made again, ours with them)."""
        if not self.shown:
            return
        columns = state_columns(snap.rule.name, set(snap.rule_state))
        first = 2 * len(self.panel.headers)
        shapes = [layer.W.shape for layer in snap.layers]
        if rebuilt or columns != self.columns or first != self._built_at or not self._fits(shapes):
            self._clear(gone=rebuilt)
            self._build(snap, columns, first)
        for column, views in zip(self.columns, self.views):
            self._show_column(views, layer_arrays(snap, column))

    def all_views(self) -> list:
        return [view for views in self.views for view in views]

    def _fits(self, shapes: list[tuple[int, int]]) -> bool:
        return all(len(views) == len(shapes) for views in self.views)

    def _build(self, snap: Snapshot, columns: tuple[StateArray, ...], first: int) -> None:
        from mlp_gui.gui.heatmaps import MatrixView  # the panel's own view (it imports this module)

        ci, panel = self.panel.ci, self.panel
        self.columns, self._built_at = columns, first
        rows = len(snap.layers) + 1  # under the last layer
        if not columns:
            plain = snap.rule.name == "gd"
            self.headers = [self._header(first, NO_STATE_FORMS, NO_STATE[1])]
            self._explain(NO_STATE[1] if plain else f"the {snap.rule.name} update keeps no state drawn here", rows, first, 2)
            return
        self._explain(NOTES.get(snap.rule.name, ""), rows, first, 2 * len(columns))
        for k, column in enumerate(columns):
            col = first + 2 * k
            forms = ((f"{column.heading}: {column.note}",), (column.heading, column.note), (column.symbol, column.note))
            self.headers.append(self._header(col, forms, NOTES.get(snap.rule.name, "")))
            views = []
            for i in range(len(snap.layers)):
                n = i + 1
                view = MatrixView(ci, n, col, f"{column.symbol}_W{n}", f"{column.symbol}_b{n}",
                                  f"{column.symbol} of W{n} | b{n}", self.on_hover, kinds=("W", "b"), layer=n,
                                  on_click=panel.cell_clicked.emit, unit_label=False)
                views.append(view)
            self.views.append(views)
            ci.layout.setColumnStretchFactor(col, 1)
            ci.layout.setColumnStretchFactor(col + 1, 0)

    def _header(self, col: int, forms: tuple[tuple[str, ...], ...], tip: str) -> FittedHeading:
        """A heading over layout columns ``col`` and ``col + 1``: the first of ``forms`` that fits, ``tip`` on hover."""
        label = FittedHeading()
        self.panel.ci.addItem(label, row=0, col=col, colspan=2)
        label.set_forms(forms, tip=tip)
        return label

    def _explain(self, text: str, row: int, col: int, span: int) -> None:
        """``text`` under the columns, in as few lines as fit their width."""
        self.note = text
        if not text:
            return
        self.note_label = FittedHeading()
        self.panel.ci.addItem(self.note_label, row=row, col=col, colspan=span)
        self.note_label.set_forms(wrapped_forms(text), tip=text, size_pt=TICK_FONT_PT)

    def _show_column(self, views: list, arrays: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Each its own scale in the ``matrix`` mode, one for the column in ``shared`` and ``log`` (as the gradients)."""
        mode, locked = self.panel.scale_mode, self.panel.locked
        if mode == "matrix":
            for view, (matrix, bias) in zip(views, arrays):
                view.show(matrix, bias, view.limit if locked and view.scale == mode else None)
            return
        first = views[0]
        peak = peak_magnitude(*(a for pair in arrays for a in pair))
        current = first.limit if first.scale == mode else 0.0
        limit = (current if locked and current else
                 log_top(current, peak) if mode == "log" else follow_limit(current, peak))
        for view, (matrix, bias) in zip(views, arrays):
            view.show(matrix, bias, limit, mode)

    def _clear(self, *, gone: bool = False) -> None:
        """Take the columns out of the panel (``gone``: the panel's rebuild cleared them already)."""
        if not gone:
            ci = self.panel.ci
            for item in self.headers + [self.note_label] + [part for view in self.all_views() for part in (view.plot, view.bar)]:
                if item in ci.items:
                    ci.removeItem(item)
        self.views, self.headers, self.columns, self.note, self._built_at = [], [], (), "", -1
        self.note_label = None


__all__ = ["COLUMNS", "StateArray", "StateColumns", "layer_arrays", "state_columns"]
