"""A run's changes of settings midway, besides the stepsize's (:mod:`mlp_gui.core.stepsize_history`).

The settings in :data:`CONTINUABLE` (the optimizer's numbers, the penalty, the decay) can change while a run goes
on: from epoch e on (the step from e to e + 1 and later ones) the run steps with the new values. Rows
``(epoch, ((name, value), ...))``: the first row, at epoch 0, holds the starting value of every setting changed
later; each later row the values set at its epoch. The config holds the values in force at the run's end; a run
that changed nothing has no rows. A run file keeps them as ``setting_changes``: float64 lines ``(epoch, setting,
value)``, ``setting`` the place of its name in :data:`CONTINUABLE` (:func:`as_array`, :func:`from_array`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mlp_gui.core.config import CONTINUABLE  # settings that may change while a run continues (and the stepsize)

MAX_ROWS = 10_000
MAX_LINES = MAX_ROWS * len(CONTINUABLE)  # a file's lines: one per setting changed in a row

Values = tuple[tuple[str, float], ...]
Rows = tuple[tuple[int, Values], ...]


def values_at(rows: Rows, epoch: int) -> dict[str, float]:
    """The values the rows set for the step after ``epoch`` (settings never changed are not in it)."""
    values: dict[str, float] = {}
    for at, changed_values in rows:
        if at <= epoch:
            values.update(changed_values)
    return values


def upto(rows: Rows, epoch: int) -> Rows:
    """The rows of the run up to ``epoch`` (a change at ``epoch`` itself is kept); none when only the start is left."""
    kept = tuple(r for r in rows if r[0] <= epoch)
    return kept if len(kept) > 1 else ()


def changed(rows: Rows, *, epoch: int, before: Mapping[str, float], after: Mapping[str, float]) -> Rows:
    """``rows`` with the settings ``after`` in force from ``epoch`` on (rows at or after ``epoch`` dropped).

    ``before``: the values of every setting the rows never changed (the config's before this change), so a setting
    changed for the first time gets its start in the first row."""
    if epoch <= 0:
        return ()
    kept = [(at, dict(values)) for at, values in rows if at < epoch] or [(0, {})]
    in_force = dict(before) | values_at(tuple((at, tuple(v.items())) for at, v in kept), epoch)
    new = {name: value for name, value in after.items() if in_force.get(name) != value}
    for name in new:
        kept[0][1].setdefault(name, in_force[name])
    return _frozen([*kept, (int(epoch), new)] if new else kept)


def _frozen(rows: list[tuple[int, dict]]) -> Rows:
    out = tuple((int(at), tuple(sorted(values.items()))) for at, values in rows)
    return out if len(out) > 1 else ()


def describe(rows: Rows) -> str:
    """``momentum 0.9 → 0.5 at 2,000; l2 0 → 0.01 at 3,000`` (empty for no changes)."""
    now = dict(rows[0][1]) if rows else {}
    parts = []
    for at, values in rows[1:]:
        for name, value in values:
            parts.append(f"{name} {now[name]:g} → {value:g} at {at:,}")
            now[name] = value
    return "; ".join(parts)


def marks(rows: Rows) -> list[tuple[int, str]]:
    """One ``(epoch, 'momentum 0.5, l2 0.01')`` per change, for the loss plot's marks."""
    return [(at, ", ".join(f"{name} {value:g}" for name, value in values)) for at, values in rows[1:]]


def as_array(rows: Rows) -> np.ndarray:
    """The rows as a run file keeps them: float64 ``(epoch, setting, value)``, ``setting`` its place in
    :data:`CONTINUABLE`, one line per setting changed."""
    lines = [(at, CONTINUABLE.index(name), value) for at, values in rows for name, value in values]
    return np.array(lines, dtype=np.float64).reshape(-1, 3)


def from_array(array: np.ndarray, *, epochs: int, final: Mapping[str, float]) -> Rows:
    """The rows a file's ``setting_changes`` holds, checked against the run's ``epochs`` and its config's values
    ``final``; ValueError naming the problem in one line."""
    a = np.asarray(array, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 3 or not 2 <= len(a) <= MAX_LINES or not np.all(np.isfinite(a)):
        raise ValueError("'setting_changes' must be finite rows of (epoch, setting, value)")
    at, which = a[:, 0], a[:, 1]
    if not (np.all(at == np.round(at)) and at[0] == 0 and np.all(np.diff(at) >= 0) and at[-1] <= epochs):
        raise ValueError(f"'setting_changes' epochs must start at 0 and rise within the run's {epochs:,} epochs")
    if not (np.all(which == np.round(which)) and np.all((which >= 0) & (which < len(CONTINUABLE)))):
        raise ValueError("'setting_changes' names a setting that does not change midway")
    grouped: dict[int, dict[str, float]] = {}
    for e, k, value in a:
        name = CONTINUABLE[int(k)]
        grouped.setdefault(int(e), {})[name] = int(value) if name == "decay_every" else float(value)
    rows = tuple((e, tuple(sorted(values.items()))) for e, values in grouped.items())
    if len(rows) < 2:
        raise ValueError("'setting_changes' holds no change after epoch 0")
    end = values_at(rows, epochs)
    wrong = [name for name, value in end.items() if final.get(name) != value]
    if wrong:
        raise ValueError(f"'setting_changes' ends at {wrong[0]} {end[wrong[0]]:g} but the config says {final.get(wrong[0])}")
    return rows


__all__ = ["CONTINUABLE", "MAX_LINES", "MAX_ROWS", "Rows", "as_array", "changed", "describe", "from_array", "marks", "upto",
           "values_at"]
