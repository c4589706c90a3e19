"""Numerical gradient check: backprop's gradients against central finite differences.

Teachers use it to show that backprop is right. The finite differences are
taken in extended precision (``np.longdouble``, 80-bit on x86 Linux) because
the notebook's first-layer gradients are about 1e-6 against a loss of about
1: in float64 the cancellation in ``L(p + h) - L(p - h)`` alone would cost
five digits. Two step sizes are combined (Richardson extrapolation) so the
truncation error falls as ``h**4`` rather than ``h**2``. Large arrays are
sampled (a fixed number of entries, always including the largest gradient) so
the check stays interactive.

Near a minimum some gradients fall to 1e-12 and below while the loss does not;
there no finite difference resolves them and the relative error rises. That
is a property of the numbers, not a bug in backprop, and the window says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.network import Arrays, loss_and_grads, parameter_names

DEFAULT_STEP = 1e-3
PASS_THRESHOLD = 1e-6


@dataclass(frozen=True)
class ArrayCheck:
    """The check of one parameter array."""

    name: str
    backprop: np.ndarray  # the checked entries' backprop gradients
    numeric: np.ndarray  # their central-difference estimates
    indices: tuple[tuple[int, ...], ...]  # which entries were checked
    rel_error: float  # ||backprop - numeric|| / max(||backprop||, ||numeric||)
    worst_index: tuple[int, ...]
    worst_abs_error: float
    checked: int
    total: int
    shape: tuple[int, ...] = ()

    @property
    def passed(self) -> bool:
        return self.rel_error < PASS_THRESHOLD


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Norm of the difference over the larger norm; 0 when both are exactly zero."""
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) / scale)


def gradient_check(
    params: Sequence[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    step: float = DEFAULT_STEP,
    max_entries: int = 64,
    seed: int = 0,
) -> list[ArrayCheck]:
    """Check every parameter array (at most ``max_entries`` entries of each); one result per array."""
    ext = [np.asarray(p, dtype=np.longdouble) for p in params]
    x_ext, y_ext = np.asarray(x, dtype=np.longdouble), np.asarray(y, dtype=np.longdouble)
    _, grads = loss_and_grads(ext, x_ext, y_ext)
    rng = np.random.default_rng(seed)
    perturbed = _PerturbedLoss(ext, x_ext, y_ext)
    results = []
    for k, name in enumerate(parameter_names(len(params) // 2)):
        flat_idx = _entries_to_check(grads[k], max_entries, rng)
        numeric = np.array([float(perturbed.derivative(k, int(i), step)) for i in flat_idx])
        backprop = grads[k].reshape(-1)[flat_idx].astype(np.float64)
        diff = np.abs(backprop - numeric)
        worst = int(np.argmax(diff)) if diff.size else 0
        indices = tuple(np.unravel_index(i, grads[k].shape) for i in flat_idx)
        results.append(
            ArrayCheck(
                name=name,
                backprop=backprop,
                numeric=numeric,
                indices=tuple(tuple(int(j) for j in ix) for ix in indices),
                rel_error=relative_error(backprop, numeric),
                worst_index=tuple(int(j) for j in indices[worst]) if indices else (),
                worst_abs_error=float(diff[worst]) if diff.size else 0.0,
                checked=int(flat_idx.size),
                total=int(grads[k].size),
                shape=tuple(int(n) for n in grads[k].shape),
            )
        )
    return results


def _entries_to_check(grad: np.ndarray, max_entries: int, rng: np.random.Generator) -> np.ndarray:
    """All entries of a small array; for a large one the largest gradient plus a random sample."""
    size = grad.size
    if size <= max_entries:
        return np.arange(size)
    largest = int(np.argmax(np.abs(grad)))
    others = rng.choice(size, size=max_entries - 1, replace=False)
    return np.unique(np.concatenate([[largest], others]))[:max_entries]


class _PerturbedLoss:
    """The loss when one parameter entry moves, recomputing only what that entry affects.

    Moving ``W[k][r, c]`` or ``b[k][r]`` changes one row of layer k's
    pre-activation, which changes the next layer's by a rank-one term; only
    the layers after that are recomputed in full. This makes checking a
    784-256-256-10 net a matter of seconds rather than hours.
    """

    def __init__(self, params: Arrays, x: np.ndarray, y: np.ndarray) -> None:
        self.params, self.y = params, y
        self.n_layers = len(params) // 2
        self.zs: Arrays = []
        self.acts: Arrays = [x]
        for i in range(self.n_layers):
            z = params[2 * i] @ self.acts[-1] + params[2 * i + 1][:, None]
            self.zs.append(z)
            self.acts.append(_sigmoid(z) if i < self.n_layers - 1 else z)

    def __call__(self, k: int, flat_index: int, delta: float) -> np.longdouble:
        """Loss with entry ``flat_index`` of parameter array ``k`` moved by ``delta``."""
        layer = k // 2
        if k % 2 == 0:
            row, col = np.unravel_index(flat_index, self.params[k].shape)
            z_row = self.zs[layer][row] + delta * self.acts[layer][col]
        else:
            row = flat_index
            z_row = self.zs[layer][row] + delta
        return self._loss_after_row_change(layer, int(row), z_row)

    def _loss_after_row_change(self, layer: int, row: int, z_row: np.ndarray) -> np.longdouble:
        last = self.n_layers - 1
        if layer == last:
            pred = self.acts[-1].copy()
            pred[row] = z_row
            return self._loss(pred)
        change = _sigmoid(z_row) - self.acts[layer + 1][row]
        z = self.zs[layer + 1] + np.outer(self.params[2 * (layer + 1)][:, row], change)
        a = _sigmoid(z) if layer + 1 < last else z
        for i in range(layer + 2, self.n_layers):
            z = self.params[2 * i] @ a + self.params[2 * i + 1][:, None]
            a = _sigmoid(z) if i < last else z
        return self._loss(a)

    def _loss(self, pred: np.ndarray) -> np.longdouble:
        return np.sum(0.5 * (pred - self.y) ** 2) / self.y.shape[1]

    def derivative(self, k: int, flat_index: int, h: float) -> np.longdouble:
        """Central differences at ``h`` and ``h/2``, combined to cancel the ``h**2`` error term."""

        def central(step: float) -> np.longdouble:
            return (self(k, flat_index, step) - self(k, flat_index, -step)) / (2 * step)

        return (4 * central(h / 2) - central(h)) / 3


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))
