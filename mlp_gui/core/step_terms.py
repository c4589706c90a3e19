"""One parameter's next step told term by term, for any update rule: its gradient, the penalty's share, the rule's
state before and after (velocity; Adam's m, v and step count and bias corrections) and the change it makes.

The numbers are those the run's own step computes (the rule's :meth:`~mlp_gui.core.update_rule.UpdateRule.step` on a
copy of its state, over the whole buffer), so the panel that shows them and the step the run then takes agree to the
last digit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp_gui.core.network import quiet_float
from mlp_gui.core.update_rule import State, UpdateRule, copy_state


@dataclass(frozen=True)
class StepTerms:
    """The next step of the parameter at ``index`` of the flat buffers."""

    grad: float  # ∂L/∂θ of the data loss
    penalty: float  # λ₁·sign(w) + λ₂·w (0 for a bias, or without a penalty)
    total: float  # what the rule steps on: grad + penalty, as the run sums it
    before: dict[str, float]  # each part of the rule's state at this parameter (counters: the run's count)
    after: dict[str, float]  # the same after the step
    stepsize: float
    change: float  # Δθ: the parameter's next value is θ + change

    def corrections(self, rule: UpdateRule) -> dict[str, float]:
        """Adam's bias corrections at the step's count (1 − β₁ᵗ, √(1 − β₂ᵗ)); empty for other rules."""
        if "step" not in self.after or not hasattr(rule, "corrections"):
            return {}
        first, root = rule.corrections(np.asarray(int(self.after["step"])))
        return {"1 − β₁ᵗ": float(first), "√(1 − β₂ᵗ)": float(root)}


def step_terms(rule: UpdateRule, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: float,
               index: int) -> StepTerms:
    """The next step of ``rule`` at ``theta[index]`` (flat buffers of one run); nothing is changed."""
    with quiet_float():
        total = rule.penalty.gradient(theta, grad) if rule.penalty is not None else grad
        after = copy_state(state)
        change = -rule.step(theta, total, after, stepsize, np.empty_like(theta))[index]
    before = {name: _at(value, index) for name, value in state.items()}
    share = rule.penalty.share(theta, index) if rule.penalty is not None else 0.0
    return StepTerms(float(grad[index]), share, float(total[index]), before,
                     {name: _at(value, index) for name, value in after.items()}, float(stepsize), float(change))


def _at(value: np.ndarray, index: int) -> float:
    return float(value) if np.ndim(value) == 0 else float(value[index])


__all__ = ["StepTerms", "step_terms"]
