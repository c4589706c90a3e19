"""A run's stepsize history: which stepsize each epoch's step used, when the run changed it midway.

Rows ``(epoch, stepsize)``: from ``epoch`` on (the step from ``epoch`` to ``epoch + 1`` and later ones) the run
stepped with ``stepsize``. The first row is at epoch 0; a run that never changed its stepsize has one row. The
config's stepsize is the last row's, the one in force at the run's end. Run files keep the rows as
``stepsize_changes`` (a float64 array, two columns) when there is more than one.
"""

from __future__ import annotations

import math

import numpy as np

Rows = tuple[tuple[int, float], ...]

#: the most rows a run file may hold
MAX_ROWS = 10_000


def changed(rows: Rows, *, epoch: int, stepsize: float) -> Rows:
    """``rows`` with the stepsize set to ``stepsize`` from ``epoch`` on (later rows are dropped)."""
    kept = tuple(r for r in rows if r[0] < epoch)
    if kept and kept[-1][1] == stepsize:
        return kept
    return (*kept, (int(epoch), float(stepsize)))


def upto(rows: Rows, epoch: int) -> Rows:
    """The rows of the run up to ``epoch`` (a change at ``epoch`` itself is kept: it steps on from there)."""
    return tuple(r for r in rows if r[0] <= epoch) or rows[:1]


def stepsize_at(rows: Rows, epoch: int) -> float:
    """The stepsize in force for the step after ``epoch``."""
    return upto(rows, epoch)[-1][1]


def describe(rows: Rows) -> str:
    """``0.1 → 2 at 2,000`` (one stepsize: just it)."""
    text = f"{rows[0][1]:g}"
    for epoch, stepsize in rows[1:]:
        text += f" → {stepsize:g} at {epoch:,}"
    return text


def as_array(rows: Rows) -> np.ndarray:
    return np.array(rows, dtype=np.float64).reshape(-1, 2)


def from_array(array: np.ndarray, *, epochs: int, final: float) -> Rows:
    """The rows a file's ``stepsize_changes`` holds, checked against the run's ``epochs`` and its config's
    stepsize ``final``; ValueError naming the problem in one line."""
    a = np.asarray(array, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2 or not 1 <= len(a) <= MAX_ROWS:
        raise ValueError(f"'stepsize_changes' must have 1 to {MAX_ROWS:,} rows of (epoch, stepsize)")
    at, steps = a[:, 0], a[:, 1]
    if not (np.all(np.isfinite(a)) and np.all(at == np.round(at)) and at[0] == 0 and np.all(np.diff(at) > 0)
            and at[-1] <= epochs):
        raise ValueError(f"'stepsize_changes' epochs must start at 0 and increase within the run's {epochs:,} epochs")
    if not np.all(steps > 0):
        raise ValueError("'stepsize_changes' holds a stepsize that is not positive")
    if not math.isclose(steps[-1], final, rel_tol=0, abs_tol=0):
        raise ValueError(f"'stepsize_changes' ends at stepsize {steps[-1]:g} but the config says {final:g}")
    return tuple((int(e), float(s)) for e, s in zip(at, steps))


__all__ = ["MAX_ROWS", "Rows", "as_array", "changed", "describe", "from_array", "stepsize_at", "upto"]
