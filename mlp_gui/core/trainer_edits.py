"""Typing a weight in: :class:`ParameterEdits` is the part of :class:`~mlp_gui.core.trainer.Trainer` that sets one
parameter at the current epoch and branches the run there.

The loss (and measures) at that epoch become the edited parameters', the gradients are recomputed there, the
snapshot at that epoch holds the edited parameters, and the edit is kept in :attr:`weight_edits`
(:mod:`mlp_gui.core.weight_edits`), so a run file resumes exactly and going back before the edit drops it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from mlp_gui.core.flat_layout import FlatLayout
from mlp_gui.core.network import quiet_float
from mlp_gui.core.norm_record import NormRecord, on_grid
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.core.snapshots import SnapshotStore
from mlp_gui.core.update_rule import State
from mlp_gui.core.weight_edits import Edits, WeightEdit, parse_ref


class ParameterEdits:
    """The trainer's weight edits (a mixin: the trainer holds these attributes and methods)."""

    epoch: int
    diverged_at: int | None
    layout: FlatLayout
    snapshots: SnapshotStore
    norms: NormRecord
    rule_state: State
    weight_edits: Edits
    _theta: np.ndarray
    _history: np.ndarray
    _metrics: dict[str, np.ndarray]

    def edit_parameter(self, name: str, index: Sequence[int], value: float) -> WeightEdit:
        """Set ``name[index]`` (``"W2", (1, 3)`` or ``"b2", (1,)``) to ``value`` at the current epoch: the run
        branches there. ValueError in one line for a parameter the network does not have, a value that is not a finite
        number, or a diverged run."""
        value = self._editable(value)
        return self.edit_weight(parse_ref(name, index), value)

    def edit_weight(self, ref: WeightRef, value: float) -> WeightEdit:
        """:meth:`edit_parameter` for the parameter ``ref`` names (the same checks, the same ValueError lines)."""
        value = self._editable(value)
        try:
            i = self.layout.index(ref.layer, ref.row, ref.col)
        except IndexError as exc:
            raise ValueError(f"this network has {exc}") from None
        old = float(self._theta[i])
        self._theta[i] = value
        with quiet_float():
            self._history[self.epoch] = self._pass()  # the loss and the gradients at the edited parameters
            if self._metrics:
                self._record_metrics(self._metrics, self.epoch)
            self.snapshots.truncate(self.epoch - 1)  # the snapshot here holds the edited parameters
            self.snapshots.offer(self.epoch, self._theta, recent_every=1, state=self.rule_state)
            self.norms.truncate(self.epoch - 1)
            if on_grid(self.epoch):
                self._record_norms(self.epoch)
        edit = WeightEdit(self.epoch, ref, old, value)
        self.weight_edits = (*self.weight_edits, edit)
        return edit

    def _editable(self, value: object) -> float:
        """``value`` as a float; ValueError in one line if it is no finite number or the run diverged."""
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        if self.diverged_at is not None:
            raise ValueError("the run diverged: go back to an earlier epoch before editing a weight")
        return value


__all__ = ["ParameterEdits"]
