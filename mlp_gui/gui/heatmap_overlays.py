"""What the heatmap panel draws over and beside its matrices, kept here so the panel's module stays small.

- the optimizer's state as more columns (:mod:`mlp_gui.gui.state_heatmaps`), switched from View ▸ Show the
  optimizer's state, an action the panel puts in its window's View menu itself (after Show the update ΔW);
- exact zeros of the weights hatched (:mod:`mlp_gui.gui.zero_marks`), with a legend under the weights (in as few
  lines as fit) while there are any;
- one parameter outlined in every column (:mod:`mlp_gui.gui.cell_highlight`; the Predict panel's);
- the run's input features (``x₀²``, ``sin x₁``) as the names of W1's columns in the hover text.

The panel calls :meth:`Overlays.drawn` after every draw, saying whether it made its plots again.
"""

from __future__ import annotations

import weakref

import numpy as np
from PySide6.QtGui import QAction

from mlp_gui.core.one_weight import WeightRef
from mlp_gui.core.trainer_state import Snapshot
from mlp_gui.gui.cell_highlight import CellHighlight
from mlp_gui.gui.heatmap_headings import FittedHeading, wrapped_forms
from mlp_gui.gui.image_axes import TICK_FONT_PT
from mlp_gui.gui.state_heatmaps import StateColumns
from mlp_gui.gui.zero_marks import LEGEND, held_by_l1, mark_zeros

STATE_TEXT = "Show the &optimizer's state (velocity; Adam's m and √v)"
STATE_TIP = ("More heatmap columns beside W: momentum's velocity v, RMSprop's √s, Adam's m and √v "
             "(plain gradient descent keeps none)")


class Overlays:
    """The state columns (:attr:`state`), the zero marks (:attr:`zeros`: how many weights are exactly 0), the
    outline (:attr:`highlight`) and the input features (:attr:`features`) of one heatmap panel."""

    def __init__(self, panel, on_hover) -> None:
        self._panel = weakref.ref(panel)  # the panel holds us: no cycle, so a closed panel goes at once
        self.state = StateColumns(panel, on_hover)
        self.highlight = CellHighlight()
        self.features: tuple[str, ...] = ()
        self.zeros = 0
        self.legend: FittedHeading | None = None
        self.action: QAction | None = None

    @property
    def panel(self):
        return self._panel()

    def bind(self, session) -> None:
        """Follow ``session``'s runs (their input features) and put the state's switch in the window's View menu."""
        session.run_reset.connect(self._new_run)
        self.action = add_state_action(self.panel, self.state.set_shown)

    def _new_run(self, reset) -> None:
        self.features = tuple(reset.config.model.features)

    def views(self) -> list:
        """Every matrix view of the panel, the state's included."""
        p = self.panel
        return p.weights + p.gradients + p.updates + self.state.all_views()

    def drawn(self, snap: Snapshot, *, rebuilt: bool) -> None:
        """After the panel drew ``snap``: the state's columns, the zeros, the features' names and the outline."""
        self.state.drawn(snap, rebuilt=rebuilt)
        if rebuilt:
            self.legend = None  # the panel's rebuild took it out
        self.zeros = sum(mark_zeros(view, held) for view, held in zip(self.panel.weights, self._held(snap)))
        self._show_legend(len(snap.layers))
        for view in self.views():
            view.features = self.features
        self.highlight.place(self.highlight.ref, self.views())

    def _held(self, snap: Snapshot) -> list[np.ndarray | None]:
        """Per layer, the weights an L1 penalty holds at zero (None without one)."""
        penalty = getattr(snap.rule, "penalty", None)
        if penalty is None or not penalty.l1:
            return [None] * len(snap.layers)
        updates = snap.updates(self.panel.stepsize)
        return [held_by_l1(layer.W, grad.W, update.W, penalty.l1)
                for layer, grad, update in zip(snap.layers, snap.grads, updates)]

    def set_highlight(self, ref: WeightRef | None) -> None:
        """Outline ``ref`` in every column (None: no outline)."""
        self.highlight.place(ref, self.views())

    def _show_legend(self, n_layers: int) -> None:
        ci = self.panel.ci
        if self.zeros and self.legend is None:
            self.legend = FittedHeading()  # in as few lines as fit under the columns
            ci.addItem(self.legend, row=n_layers + 1, col=0, colspan=2 * len(self.panel.headers))
            self.legend.set_forms(wrapped_forms(LEGEND), tip=LEGEND, size_pt=TICK_FONT_PT)
        elif not self.zeros and self.legend is not None:
            if self.legend in ci.items:
                ci.removeItem(self.legend)
            self.legend = None


def add_state_action(panel, slot) -> QAction | None:
    """A checkable View-menu action calling ``slot(shown)``, put after Show the update ΔW in the menus of ``panel``'s
    window (None when the panel is in no window with a View menu: a panel on its own)."""
    from mlp_gui.gui.actions import ACTIONS  # here: the action table imports the tabs, which import the views

    menu = getattr(panel.window(), "menus", {}).get("View")
    if menu is None:
        return None
    action = QAction(STATE_TEXT, panel.window())
    action.setCheckable(True)
    action.setToolTip(STATE_TIP)
    action.setStatusTip(STATE_TIP)
    action.toggled.connect(slot)
    after = next((spec.text for spec in ACTIONS if spec.key == "show_updates"), None)
    entries = menu.actions()
    index = next((i for i, entry in enumerate(entries) if entry.text() == after), None)
    before = entries[index + 1] if index is not None and index + 1 < len(entries) else None
    if before is not None:
        menu.insertAction(before, action)
    else:
        menu.addAction(action)
    return action


__all__ = ["Overlays", "STATE_TEXT", "add_state_action"]
