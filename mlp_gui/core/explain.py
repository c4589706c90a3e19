"""What one step of backprop is made of, laid out for the window to show: the kernel's own numbers.

:func:`backprop_pass` lays out the kernel's :meth:`~mlp_gui.core.network.Kernel.trace` at given parameters
as a student wants to see it for every layer: the pre-activation ``z``, the activation ``a``, the
error ``δ = ∂L/∂z``, the gradients ``∂L/∂W = δ aᵀ`` and ``∂L/∂b = Σ δ`` and the update ``ΔW`` the
next step applies (the update rule's :meth:`~mlp_gui.core.update_rule.UpdateRule.delta`; for plain
gradient descent ``−stepsize · ∂L/∂W``). :func:`fingerprint` names a run by its settings
and its epoch-0 parameters, so two students can see they have the same run. :func:`input_symbol` names an
input as every view does: ``x₀`` is row 0 of ``x``, the input ``W1[i, 0]`` weighs (indices count from 0,
as NumPy's and the notebook's printouts do).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.flat_layout import FlatLayout, Layer, Params
from mlp_gui.core.model import Model
from mlp_gui.core.network import Kernel, quiet_float
from mlp_gui.core.norm_record import segment_norms
from mlp_gui.core.update_rule import State, UpdateRule, layer_updates

#: the formulas the Backprop tab writes beside each array
FORMULAS = {
    "z": "z_l = W_l a_{l−1} + b_l",
    "a": "a_l = f(z_l)",
    "delta_out": "δ_L = ∂L/∂z_L",
    "delta": "δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f′(z_l)",
    "grad_W": "∂L/∂W_l = δ_l a_{l−1}ᵀ",
    "grad_b": "∂L/∂b_l = Σ_samples δ_l",
    "update": "ΔW_l = −stepsize · ∂L/∂W_l",
}


_SUBSCRIPTS = str.maketrans("0123456789−-+", "₀₁₂₃₄₅₆₇₈₉₋₋₊")


def subscript(number: int) -> str:
    """``12`` as ``₁₂``."""
    return str(number).translate(_SUBSCRIPTS)


def input_symbol(index: int) -> str:
    """Input ``index`` (0-based, a row of ``x`` and a column of W1): ``x₀``, ``x₁``, …"""
    return f"x{subscript(index)}"


@dataclass(frozen=True)
class LayerStep:
    """One layer's share of a backprop step (units by samples for z, a and δ)."""

    index: int  # 1-based, as W1, W2, ...
    activation: str  # the layer's function: an activation's name, or the output's
    z: np.ndarray
    a: np.ndarray
    a_prev: np.ndarray  # the layer's input, a_{l-1} (x for the first layer)
    delta: np.ndarray
    grad: Layer
    update: Layer  # what the next step adds to W and b (−stepsize · gradient for plain gradient descent)


@dataclass(frozen=True)
class BackpropStep:
    """Every layer's forward and backward values at one set of parameters, and the loss there."""

    loss: float
    layers: list[LayerStep]
    stepsize: float
    model: Model


def backprop_pass(model: Model, layers: Params, x: np.ndarray, y: np.ndarray, stepsize: float, *,
                  rule: UpdateRule | None = None, state: State | None = None) -> BackpropStep:
    """The kernel's trace at ``layers``, layer by layer, with the update the next step of ``rule`` (plain gradient
    descent by default) makes from ``state`` (its state now; by default a fresh one)."""
    traced = Kernel(model).trace(layers, x, y)
    with quiet_float():  # a diverged run's gradients may overflow once more
        updates = layer_updates(layers, traced.grads, stepsize, rule=rule, state=state)
    names = list(model.activations) + [model.output]
    steps = [
        LayerStep(i + 1, names[i], traced.zs[i], traced.acts[i + 1], traced.acts[i], traced.deltas[i], traced.grads[i],
                  updates[i])
        for i in range(len(layers))
    ]
    return BackpropStep(float(traced.loss), steps, stepsize, model)


def layer_norms(layers: Params) -> list[float]:
    """Each layer's norm, W and b together (for gradients: saturated units can zero ∂L/∂W while ∂L/∂b grows)."""
    layout = FlatLayout.for_layers(layers)
    return segment_norms(layout.pack(layers), np.asarray(layout.layer_starts)).tolist()


def fingerprint(config: TrainConfig, initial: Params | None) -> str:
    """A short name for a run: a hash of its settings and its parameters at epoch 0 (12 hex digits)."""
    digest = hashlib.sha256(config.to_json().encode())
    for array in (a for layer in (initial or []) for a in layer):
        digest.update(np.ascontiguousarray(array, dtype="<f8").tobytes())
    return digest.hexdigest()[:12]
