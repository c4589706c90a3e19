"""L1 and L2 regularisation: a penalty on the weights (never the biases) added to the data loss.

The objective is ``data loss + λ₁·Σ|W| + (λ₂/2)·ΣW²`` over every layer's weights; its gradient adds
``λ₁·sign(W) + λ₂·W`` to the data gradient of each weight (sign(0) = 0) and nothing to the biases. The update
rule of a run holds its penalty (:func:`mlp_gui.core.update_rule.rule_for` gives it one when λ₁ or λ₂ is set),
so the step the trainer takes and the step every view explains see the same total gradient; the run's
``loss`` history stays the data loss, so runs with and without a penalty compare, and :meth:`Penalty.value`
gives the penalty term beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mlp_gui.core.flat_layout import FlatLayout


@dataclass(frozen=True)
class Penalty:
    """``λ₁·Σ|W| + (λ₂/2)·ΣW²`` over the weights of ``layout``'s flat buffers."""

    l1: float
    l2: float
    layout: FlatLayout
    _l1_mask: np.ndarray = field(init=False, repr=False, compare=False)  # λ₁ on the weights, 0 on the biases
    _l2_mask: np.ndarray = field(init=False, repr=False, compare=False)
    _weights: np.ndarray = field(init=False, repr=False, compare=False)  # True on the weights

    def __post_init__(self) -> None:
        weights = self.layout.weight_mask()
        weights.setflags(write=False)
        object.__setattr__(self, "_weights", weights)
        for name, value in (("_l1_mask", self.l1), ("_l2_mask", self.l2)):
            mask = np.where(weights, float(value), 0.0)
            mask.setflags(write=False)
            object.__setattr__(self, name, mask)

    @property
    def active(self) -> bool:
        return bool(self.l1 or self.l2)

    def gradient(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The total gradient ``g + λ₁·sign(W) + λ₂·W`` on the weights (``g`` on the biases), a new array; ``theta``
        may stack runs on leading axes."""
        total = np.array(grad, dtype=np.float64, copy=True)
        if self.l1:
            total += np.sign(theta) * self._l1_mask
        if self.l2:
            total += theta * self._l2_mask
        return total

    def share(self, theta: np.ndarray, index: int) -> float:
        """The penalty's part of the gradient at ``theta[index]``: λ₁·sign(w) + λ₂·w on a weight, 0 on a bias."""
        w = float(theta[index])
        return float(np.sign(w)) * float(self._l1_mask[index]) + w * float(self._l2_mask[index])

    @property
    def formula(self) -> str:
        """The penalty's term of the objective and of a weight's gradient, in words for the views."""
        terms = [t for t, on in (("λ₁·Σ|W|", self.l1), ("(λ₂/2)·ΣW²", self.l2)) if on]
        grads = [t for t, on in (("λ₁·sign(w)", self.l1), ("λ₂·w", self.l2)) if on]
        return f"objective = loss + {' + '.join(terms)};  g = ∂L/∂w + {' + '.join(grads)} (weights only)"

    def value(self, theta: np.ndarray) -> float | np.ndarray:
        """The penalty term at the flat parameters ``theta`` (one per run when runs are stacked on leading axes)."""
        weights = np.asarray(theta)[..., self._weights]
        terms = np.zeros(weights.shape[:-1])
        if self.l1:
            terms = terms + self.l1 * np.abs(weights).sum(axis=-1)
        if self.l2:
            terms = terms + (self.l2 / 2) * (weights * weights).sum(axis=-1)
        return float(terms) if terms.ndim == 0 else terms

    def value_of(self, layers: list) -> float:
        """The penalty term at ``(W, b)`` layers."""
        return float(self.value(self.layout.pack(layers)))


def penalty_for(config: object) -> Penalty | None:
    """The penalty a run's settings ask for (``l1``, ``l2`` and ``layers``), or None when there is none."""
    l1, l2 = float(getattr(config, "l1", 0.0) or 0.0), float(getattr(config, "l2", 0.0) or 0.0)
    layers = getattr(config, "layers", None)
    if not (l1 or l2) or layers is None:
        return None
    return Penalty(l1, l2, FlatLayout.of(layers))


__all__ = ["Penalty", "penalty_for"]
