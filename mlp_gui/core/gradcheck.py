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

from mlp_gui.core.flat_layout import FlatLayout, Layer, Span, flatten, pair_up
from mlp_gui.core.model import Model
from mlp_gui.core.network import Kernel, bias_columns, quiet_float

DEFAULT_STEP = 1e-3
PASS_THRESHOLD = 1e-6  # backprop is right (float64 rounding is ~1e-16 relative; 1e-6 is generous)
AMBER_THRESHOLD = 1e-3  # suspicious: rounding near a minimum, or a small bug


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

    @property
    def rating(self) -> str:
        """``'green'`` (passed), ``'amber'`` (below 1e-3) or ``'red'`` (NaN is red)."""
        return rating(self.rel_error)

    @property
    def entry_rel_errors(self) -> np.ndarray:
        """Each checked entry's own relative error (see :func:`entry_relative_errors`)."""
        return entry_relative_errors(self.backprop, self.numeric)

    @property
    def worst_entry(self) -> tuple[tuple[int, ...], float]:
        """The entry with the largest relative error of its own, and that error (``((), 0.0)`` when none checked).
        ``rel_error`` is one number for the whole array; this is the worst single entry (NaN counts as worst)."""
        errors = self.entry_rel_errors
        if not errors.size:
            return (), 0.0
        i = int(np.argmax(np.where(np.isnan(errors), np.inf, errors)))
        return self.indices[i], float(errors[i])


def rating(rel_error: float) -> str:
    """``'green'`` below :data:`PASS_THRESHOLD`, ``'amber'`` below :data:`AMBER_THRESHOLD`, otherwise (and NaN) ``'red'``."""
    if rel_error < PASS_THRESHOLD:
        return "green"
    if rel_error < AMBER_THRESHOLD:
        return "amber"
    return "red"


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Norm of the difference over the larger norm; 0 when both are exactly zero."""
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) / scale)


def entry_relative_errors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Entry by entry ``|a − b| / max(|a|, |b|)``; 0 where both are exactly zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale == 0.0, 0.0, np.abs(a - b) / np.where(scale == 0.0, 1.0, scale))


def backprop_grads(model: Model, layers: Sequence[Layer], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Backprop's gradients ``[dW1, db1, ...]`` from the kernel's trace (in whatever precision the arrays have)."""
    return flatten(Kernel(model).trace(layers, x, y).grads)


def gradient_check(
    params: Sequence[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    model: Model | None = None,
    step: float = DEFAULT_STEP,
    max_entries: int = 64,
    seed: int = 0,
) -> list[ArrayCheck]:
    """Check every parameter array ``[W1, b1, ...]`` (at most ``max_entries`` entries of each); one result per array.

    ``model`` defaults to the notebook's (sigmoid hidden layers, identity output, half squared error).
    """
    layers = pair_up([np.asarray(p, dtype=np.longdouble) for p in params])
    layout = FlatLayout.for_layers(layers)
    model = model or Model(layout.sizes)
    x_ext, y_ext = np.asarray(x, dtype=np.longdouble), np.asarray(y, dtype=np.longdouble)
    grads = backprop_grads(model, layers, x_ext, y_ext)
    rng = np.random.default_rng(seed)
    with quiet_float():
        perturbed = _PerturbedLoss(model, layers, x_ext, y_ext)
        return [
            _check_array(span.name, grads[k], _entries_to_check(grads[k], max_entries, rng),
                         lambda i, h, span=span: perturbed.derivative(span, i, h), step)
            for k, span in enumerate(layout.spans)
        ]


def _check_array(name: str, grad: np.ndarray, flat_idx: np.ndarray, derivative, step: float) -> ArrayCheck:
    numeric = np.array([float(derivative(int(i), step)) for i in flat_idx])
    backprop = grad.reshape(-1)[flat_idx].astype(np.float64)
    diff = np.abs(backprop - numeric)
    worst = int(np.argmax(diff)) if diff.size else 0
    indices = tuple(tuple(int(j) for j in np.unravel_index(i, grad.shape)) for i in flat_idx)
    return ArrayCheck(
        name=name,
        backprop=backprop,
        numeric=numeric,
        indices=indices,
        rel_error=relative_error(backprop, numeric),
        worst_index=indices[worst] if indices else (),
        worst_abs_error=float(diff[worst]) if diff.size else 0.0,
        checked=int(flat_idx.size),
        total=int(grad.size),
        shape=tuple(int(n) for n in grad.shape),
    )


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

    Moving ``W[l][r, c]`` or ``b[l][r]`` changes one row of layer l's
    pre-activation, which changes the next layer's by a rank-one term; only
    the layers after that are recomputed in full, with the kernel's own
    activation and loss entries. This makes checking a 784-256-256-10 net a
    matter of seconds rather than hours.
    """

    def __init__(self, model: Model, layers: list[Layer], x: np.ndarray, y: np.ndarray) -> None:
        self.layers, self.y = layers, y
        self.kernel = Kernel(model)
        self.columns = bias_columns(layers)
        self.zs, self.acts = self.kernel.forward(self.columns, x)  # where every perturbation starts from

    def __call__(self, span: Span, entry: int, delta: float) -> np.longdouble:
        """Loss with entry ``entry`` (row-major) of the array at ``span`` (W or b of one layer) moved by ``delta``."""
        layer = span.layer
        if span.is_weight:
            row, col = np.unravel_index(entry, span.shape)
            z_row = self.zs[layer][row] + delta * self.acts[layer][col]
        else:
            row = entry
            z_row = self.zs[layer][row] + delta
        if layer == len(self.layers) - 1:  # the output: its function may mix rows (softmax)
            z = self.zs[layer].copy()
            z[row] = z_row
            return self._loss_from(layer, z)
        change = self.kernel.functions[layer](z_row) - self.acts[layer + 1][row]  # hidden activations act entrywise
        return self._loss_from(layer + 1, self.zs[layer + 1] + np.outer(self.layers[layer + 1].W[:, row], change))

    def _loss_from(self, layer: int, z: np.ndarray) -> np.longdouble:
        """The loss when layer ``layer``'s pre-activation is ``z`` (the later layers recomputed)."""
        functions = self.kernel.functions
        a = functions[layer](z)
        for i in range(layer + 1, len(self.layers)):
            W, b = self.columns[i]
            z = W @ a + b
            a = functions[i](z)
        return self.kernel.loss_and_delta(z, a, self.y)[0]

    def derivative(self, span: Span, entry: int, h: float) -> np.longdouble:
        """Central differences at ``h`` and ``h/2``, combined to cancel the ``h**2`` error term."""

        def central(step: float) -> np.longdouble:
            return (self(span, entry, step) - self(span, entry, -step)) / (2 * step)

        return (4 * central(h / 2) - central(h)) / 3
