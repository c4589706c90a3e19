"""Weights a person typed in: the run branches there, and its file keeps (epoch, parameter, old, new) for each edit.

A run file holds them as ``weight_edits``, one float64 row per edit: epoch, layer (1-based), row, column (-1 for a
bias), old value, new value; epochs ascending (several edits at one epoch keep their order). Reading treats the rows
as hostile: every field is checked against the run's layout and epochs, and one line names the first that will not do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.flat_layout import FlatLayout
from mlp_gui.core.one_weight import WeightRef

MAX_EDITS = 10_000
KEY = "weight_edits"


@dataclass(frozen=True)
class WeightEdit:
    """``ref`` set from ``old`` to ``new`` at ``epoch`` (the run's parameters at that epoch hold ``new``)."""

    epoch: int
    ref: WeightRef
    old: float
    new: float

    @property
    def text(self) -> str:
        """``W2[1, 3] 0.12 → 0.5 at 2,000``."""
        return f"{self.ref.name} {self.old:.6g} → {self.new:.6g} at {self.epoch:,}"


Edits = tuple[WeightEdit, ...]


def parse_ref(name: str, index: Sequence[int]) -> WeightRef:
    """``("W2", (1, 3))`` or ``("b2", (1,))`` as a :class:`WeightRef`; ValueError in one line for anything else."""
    if not isinstance(name, str) or len(name) < 2 or name[0] not in "Wb" or not name[1:].isdigit():
        raise ValueError(f"{name!r} names no parameter: use W1, b1, W2, ...")
    index = tuple(int(i) for i in index)
    wants = 2 if name[0] == "W" else 1
    if len(index) != wants:
        raise ValueError(f"{name} takes {wants} {'indices' if wants == 2 else 'index'}, not {len(index)}")
    return WeightRef(int(name[1:]), index[0], index[1] if wants == 2 else None)


def upto(edits: Edits, epoch: int) -> Edits:
    """The edits made at or before ``epoch`` (the run went back there)."""
    return tuple(e for e in edits if e.epoch <= epoch)


def as_array(edits: Edits) -> np.ndarray:
    rows = [(e.epoch, e.ref.layer, e.ref.row, -1 if e.ref.col is None else e.ref.col, e.old, e.new) for e in edits]
    return np.array(rows, dtype=np.float64).reshape(len(rows), 6)


def from_array(array: np.ndarray, *, epochs: int, layout: FlatLayout) -> Edits:
    """The edits a file's ``weight_edits`` rows hold; ValueError naming the first row that will not do."""
    array = np.asarray(array)
    if array.ndim != 2 or array.shape[1] != 6 or array.dtype != np.float64:
        raise ValueError(f"'{KEY}' must be float64 rows of 6 values, not {array.dtype} of shape {array.shape}")
    if len(array) > MAX_EDITS:
        raise ValueError(f"'{KEY}' holds {len(array):,} edits; at most {MAX_EDITS:,}")
    edits: list[WeightEdit] = []
    for i, row in enumerate(array):
        edits.append(_edit(row, i, epochs=epochs, layout=layout, after=edits[-1].epoch if edits else 0))
    return tuple(edits)


def _edit(row: np.ndarray, i: int, *, epochs: int, layout: FlatLayout, after: int) -> WeightEdit:
    where = f"'{KEY}' row {i}"
    if not np.all(np.isfinite(row)):
        raise ValueError(f"{where} holds inf or NaN")
    ints = row[:4]
    if np.any(ints != np.round(ints)):
        raise ValueError(f"{where}: its epoch, layer, row and column must be whole numbers")
    epoch, layer, r, c = (int(v) for v in ints)
    if not after <= epoch <= epochs:
        raise ValueError(f"{where}: epoch {epoch} is not between {after} (the edit before) and {epochs} (the run's last)")
    ref = WeightRef(layer, r, None if c == -1 else c)
    try:
        layout.index(ref.layer, ref.row, ref.col)
    except IndexError as exc:
        raise ValueError(f"{where}: this network has {exc}") from None
    return WeightEdit(epoch, ref, float(row[4]), float(row[5]))


__all__ = ["KEY", "MAX_EDITS", "Edits", "WeightEdit", "as_array", "from_array", "parse_ref", "upto"]
