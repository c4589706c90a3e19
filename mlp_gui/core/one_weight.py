"""One weight, explained: where its gradient comes from, what the next step makes of it, and its path so far.

For ``W_l[i, j]`` the gradient is a sum over the samples of the batch, ``∂L/∂W_l[i, j] = Σ_s δ_l[i, s] ·
a_{l−1}[j, s]`` (for ``b_l[i]``, ``Σ_s δ_l[i, s]``): each sample pulls the weight its own way, and
:func:`weight_step` keeps those per-sample terms beside the kernel's gradient and the value the next step
gives it, ``w + Δw`` with Δw the update rule's own (``−stepsize · ∂L/∂w`` for plain gradient descent), so
that a Step 1 shows exactly that number, and the step term by term (:mod:`mlp_gui.core.step_terms`).
:func:`weight_history` reads the weight's value at every kept snapshot and
its gradient at up to ``max_points`` of them (recomputed by the kernel, as going back in time does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.explain import backprop_pass
from mlp_gui.core.features import input_label
from mlp_gui.core.flat_layout import FlatLayout, Layer, Params
from mlp_gui.core.model import Model
from mlp_gui.core.network import Kernel
from mlp_gui.core.step_terms import StepTerms, step_terms
from mlp_gui.core.update_rule import GradientDescent, State, UpdateRule


@dataclass(frozen=True)
class WeightRef:
    """One parameter: ``W{layer}[row, col]``, or the bias ``b{layer}[row]`` when ``col`` is None (layer 1-based)."""

    layer: int
    row: int
    col: int | None = None

    @property
    def is_bias(self) -> bool:
        return self.col is None

    @property
    def name(self) -> str:
        return f"b{self.layer}[{self.row}]" if self.is_bias else f"W{self.layer}[{self.row}, {self.col}]"

    @property
    def meaning(self) -> str:
        """In words: which connection (or bias) this is."""
        return self.meaning_with(())

    def meaning_with(self, features: tuple[str, ...]) -> str:
        """:attr:`meaning`, a first-layer weight's input named as the run's input ``features`` name it (``x₀²``)."""
        into = f"unit {self.row} of layer {self.layer}"
        if self.is_bias:
            return f"the bias of {into}"
        source = f"input {input_label(features, self.col)}" if self.layer == 1 else f"unit {self.col} of layer {self.layer - 1}"
        return f"the connection into {into} from {source}"

    def of(self, layers: Params) -> float:
        """This parameter's value in ``layers`` (parameters or gradients)."""
        return self.in_layer(layers[self.layer - 1])

    def in_layer(self, layer: Layer) -> float:
        """This parameter's value in its own layer's ``(W, b)``."""
        return float(layer.b[self.row] if self.is_bias else layer.W[self.row, self.col])

    def index(self, sizes: Sequence[int]) -> int:
        """Its place in the flat buffers (and in snapshot rows)."""
        return FlatLayout.of(sizes).index(self.layer, self.row, self.col)


@dataclass(frozen=True)
class WeightStep:
    """One parameter at one epoch: its value, its gradient made of per-sample terms, and the next step."""

    ref: WeightRef
    epoch: int
    value: float
    gradient: float  # the kernel's ∂L/∂w: what the step applies
    terms: np.ndarray  # per sample: δ_l[i, s]·a_{l−1}[j, s] (a bias: δ_l[i, s]); their sum is the gradient
    stepsize: float
    delta_name: str  # "δ2[1, s]"
    input_name: str  # "a1[3, s]" ("x3[s]" for the first layer; "" for a bias)
    change: float  # Δw: what the next step adds (the update rule's delta; −stepsize · ∂L/∂w for gradient descent)
    parts: StepTerms | None = None  # the next step term by term: the penalty's share, the rule's state, Adam's t

    @property
    def next_value(self) -> float:
        """``w + Δw``: the value the trainer's next step gives this parameter, to the bit."""
        return float(np.float64(self.value) + np.float64(self.change))

    @property
    def samples(self) -> int:
        return len(self.terms)


def weight_step(model: Model, layers: Params, x: np.ndarray, y: np.ndarray, stepsize: float, ref: WeightRef,
                epoch: int = 0, *, rule: UpdateRule | None = None, state: State | None = None) -> WeightStep:
    """The kernel's forward and backward at ``layers`` on the batch ``x, y``, told from ``ref``'s side; the next
    step is ``rule``'s from ``state`` (by default plain gradient descent)."""
    passed = backprop_pass(model, layers, x, y, stepsize, rule=rule, state=state)
    layer = passed.layers[ref.layer - 1]
    delta = layer.delta[ref.row]
    terms = delta.copy() if ref.is_bias else delta * layer.a_prev[ref.col]
    delta_name = f"δ{ref.layer}[{ref.row}, s]"
    input_name = "" if ref.is_bias else (f"x[{ref.col}, s]" if ref.layer == 1 else f"a{ref.layer - 1}[{ref.col}, s]")
    layout, rule = FlatLayout.for_layers(layers), rule or GradientDescent()
    parts = step_terms(rule, layout.pack(layers), layout.pack([step.grad for step in passed.layers]),
                       state or rule.new_state(layout.size), stepsize, layout.index(ref.layer, ref.row, ref.col))
    return WeightStep(ref, epoch, ref.of(layers), ref.in_layer(layer.grad), terms, stepsize, delta_name, input_name,
                      parts.change, parts)


@dataclass(frozen=True)
class WeightHistory:
    """A parameter over the run: its value at every kept snapshot, its gradient at some of them."""

    ref: WeightRef
    epochs: np.ndarray
    values: np.ndarray
    grad_epochs: np.ndarray
    grads: np.ndarray


def weight_history(model: Model, like: Params, epochs: Sequence[int], rows: Sequence[np.ndarray], x: np.ndarray,
                   y: np.ndarray, ref: WeightRef, max_points: int = 200) -> WeightHistory:
    """``ref`` at the snapshots (``epochs``, flat parameter ``rows`` of layers shaped like ``like``); gradients at up to
    ``max_points``, spread evenly over the snapshots (which are themselves log-spaced) and always including the newest."""
    layout = FlatLayout.for_layers(like)
    at = layout.index(ref.layer, ref.row, ref.col)
    values = np.array([row[at] for row in rows], dtype=np.float64)
    n = len(rows)
    chosen = np.unique(np.linspace(0, n - 1, min(n, max_points)).round().astype(int)) if n else np.zeros(0, dtype=int)
    kernel = Kernel(model)
    grads = np.array([ref.of(kernel.trace(layout.views(rows[i]), x, y).grads) for i in chosen], dtype=np.float64)
    epochs_arr = np.asarray(epochs, dtype=np.int64)
    return WeightHistory(ref, epochs_arr, values, epochs_arr[chosen], grads)


__all__ = ["WeightHistory", "WeightRef", "WeightStep", "weight_history", "weight_step"]
