"""The penalty term on the loss plot (View ▸ Show the penalty term): λ₁·Σ|W| + (λ₂/2)·ΣW² beside the data loss.

Drawn at the run's kept snapshots (each with the λ₁ and λ₂ in force at its epoch: they may change midway) and at
the run's present epoch, each computed as the run computes it; while training, at each delivery's epoch as the
curve grows. The switch is enabled only when the run has a penalty (λ₁ or λ₂ set now or at some epoch).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction

from mlp_gui.core import setting_changes
from mlp_gui.core.config import TrainConfig
from mlp_gui.core.penalty import Penalty, penalty_for
from mlp_gui.gui import palette

COLOUR = palette.MUTED


def penalty_label(l1: float, l2: float) -> str:
    """``penalty (λ₂/2·ΣW²)``, ``penalty (λ₁·Σ|W|)`` or both, for the legend."""
    terms = [t for t, on in (("λ₁·Σ|W|", l1), ("λ₂/2·ΣW²", l2)) if on]
    return f"penalty ({' + '.join(terms)})"


class PenaltyCurve(QObject):
    """The penalty curve of the session's run on ``plot`` (a :class:`~mlp_gui.gui.loss_plot.LossPlot`); ``action``:
    the View menu's switch, enabled while the run has a penalty."""

    def __init__(self, plot, session, action: QAction) -> None:
        super().__init__(plot)
        self.plot, self.session, self.action = plot, session, action
        self.shown = False
        self.epochs: list[int] = []  # where the curve has points, and the penalty term there
        self.values: list[float] = []
        self.curve: pg.PlotDataItem | None = None
        session.run_reset.connect(lambda _reset: self.refresh())
        session.settings_changed.connect(lambda _config: self.refresh())
        session.state_changed.connect(lambda state: None if state.busy else self.refresh())
        session.delivered.connect(self._add_delivered)
        self.refresh()

    @property
    def has_penalty(self) -> bool:
        """Whether the run has λ₁ or λ₂ set, now or at some epoch."""
        lambdas = [(self.session.config.l1, self.session.config.l2)]
        lambdas += [(v.get("l1", 0.0), v.get("l2", 0.0)) for v in (dict(vals) for _, vals in self.session.changes)]
        return any(l1 or l2 for l1, l2 in lambdas)

    def set_shown(self, shown: bool) -> None:
        """Show or hide the curve (it is only drawn while the run has a penalty); the view fits it in."""
        self.shown = bool(shown)
        self._draw()
        self.plot.fit()

    def refresh(self) -> None:
        """The penalty at the kept snapshots and at the present epoch (only while the run is idle)."""
        self.action.setEnabled(self.has_penalty)
        if not self.has_penalty:  # nothing to draw: the kept snapshots are not stacked for zeros
            self.epochs, self.values = [], []
            self._draw()
            return
        kept = self.session.kept_parameters()
        if kept is None:
            return
        epochs, rows = kept
        snap = self.session.snapshot
        if snap is not None and (not epochs or snap.epoch > epochs[-1]):
            layout = self.session.config.model.layout
            epochs, rows = [*epochs, snap.epoch], np.vstack([rows, layout.pack(snap.layers)[None, :]])
        self.epochs, self.values = list(epochs), self._values(epochs, rows)
        self._draw()

    def _penalty_at(self, epoch: int) -> Penalty | None:
        """The penalty in force for the step after ``epoch`` (λ₁, λ₂ may have changed midway)."""
        config: TrainConfig = self.session.config
        return penalty_for(config.with_changes(**setting_changes.values_at(self.session.changes, epoch)))

    def _values(self, epochs: list[int], rows: np.ndarray) -> list[float]:
        """The penalty term at each row with the λ's of its epoch, row by row as the run computes it (a stacked sum
        may differ in the last bit)."""
        penalties = [self._penalty_at(epoch) for epoch in epochs]
        return [float(p.value(row)) if p is not None else 0.0 for p, row in zip(penalties, rows)]

    def _add_delivered(self, delivery) -> None:
        snap = delivery.snapshot
        if not self.has_penalty or (self.epochs and snap.epoch <= self.epochs[-1]):
            return
        penalty = self._penalty_at(snap.epoch)
        self.epochs.append(snap.epoch)
        self.values.append(penalty.value_of(snap.layers) if penalty is not None else 0.0)
        if self.shown:
            self._draw()

    def _draw(self) -> None:
        """The curve as the points stand (its legend entry made again only when its name changes)."""
        item = self.plot.getPlotItem()
        if not (self.shown and self.has_penalty and self.epochs):
            if self.curve is not None:
                item.removeItem(self.curve)
                self.curve = None
            self.plot.extra_curves.clear()  # the loss plot's view fits the curves in this list
            return
        x, y = np.asarray(self.epochs, dtype=np.float64), np.asarray(self.values)
        keep = y > 0 if self.plot.log_scale else np.isfinite(y)  # a log axis cannot show a zero penalty
        changes = [dict(values) for _, values in self.session.changes]
        l1 = self.session.config.l1 or any(v.get("l1") for v in changes)
        l2 = self.session.config.l2 or any(v.get("l2") for v in changes)
        name = penalty_label(l1, l2)
        if self.curve is not None and self.curve.name() == name:
            self.curve.setData(x[keep], y[keep])
            return
        if self.curve is not None:
            item.removeItem(self.curve)
        pen = pg.mkPen(COLOUR, width=1.5, style=Qt.PenStyle.DashDotLine)
        self.curve = item.plot(x[keep], y[keep], pen=pen, name=name)
        self.plot.extra_curves[:] = [self.curve]


__all__ = ["PenaltyCurve", "penalty_label"]
