"""The optimizers of the course's second chapter, each a small update rule: momentum, Nesterov, RMSprop and Adam.

Each is PyTorch 2.x's optimizer of the same name with its defaults turned off (``SGD`` with dampening 0,
``SGD(nesterov=True)``, ``RMSprop`` centered off without momentum, ``Adam`` with amsgrad off), applied to every
W and b, written in PyTorch's order of operations (float64 results agree with ``torch.optim`` to rounding). The
step is ``θ ← θ − u``; :meth:`~mlp_gui.core.update_rule.UpdateRule.step` writes ``u`` and advances the state.
A penalty's gradient (:mod:`mlp_gui.core.penalty`) is already in ``grad`` when ``step`` sees it.
"""

from __future__ import annotations

import math

import numpy as np

from mlp_gui.core.update_rule import State, Stepsize, UpdateRule, register


@register
class Momentum(UpdateRule):
    """Heavy-ball momentum (PyTorch ``SGD(momentum=μ)``): ``v ← μ·v + g`` (the first step ``v = g``), ``u = η·v``."""

    name = "momentum"
    formula = "v ← μ·v + g;  ΔW = −stepsize · v"
    state_names = ("velocity",)
    settings = ("momentum",)

    def __init__(self, momentum: float = 0.9) -> None:
        self.momentum = float(momentum)

    def _velocity(self, grad: np.ndarray, state: State) -> np.ndarray:
        v = state["velocity"]
        np.multiply(v, self.momentum, out=v)  # from v = 0 this is g exactly: PyTorch's first buf = g.clone()
        return np.add(v, grad, out=v)

    def step(self, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: Stepsize, out: np.ndarray) -> np.ndarray:
        return np.multiply(self._velocity(grad, state), stepsize, out=out)


@register
class Nesterov(Momentum):
    """Nesterov momentum (PyTorch ``SGD(momentum=μ, nesterov=True)``): ``v ← μ·v + g``, ``u = η·(g + μ·v)``."""

    name = "nesterov"
    formula = "v ← μ·v + g;  ΔW = −stepsize · (g + μ·v)"

    def step(self, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: Stepsize, out: np.ndarray) -> np.ndarray:
        np.multiply(self._velocity(grad, state), self.momentum, out=out)  # g.add(buf, alpha=μ): g + μ·v
        np.add(grad, out, out=out)
        return np.multiply(out, stepsize, out=out)


@register
class RMSprop(UpdateRule):
    """PyTorch ``RMSprop(alpha=ρ, eps=ε)``: ``s ← ρ·s + (1−ρ)·g²``, ``u = η·g / (√s + ε)``."""

    name = "rmsprop"
    formula = "s ← ρ·s + (1−ρ)·g²;  ΔW = −stepsize · g / (√s + ε)"
    state_names = ("square_avg",)
    settings = ("rho", "eps")

    def __init__(self, rho: float = 0.99, eps: float = 1e-8) -> None:
        self.rho, self.eps = float(rho), float(eps)

    def step(self, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: Stepsize, out: np.ndarray) -> np.ndarray:
        s = state["square_avg"]
        np.multiply(s, self.rho, out=s)  # mul_(ρ).addcmul_(g, g, value=1 − ρ): ρ·s + ((1 − ρ)·g)·g
        tmp = np.multiply(grad, 1 - self.rho)
        np.multiply(tmp, grad, out=tmp)
        np.add(s, tmp, out=s)
        np.sqrt(s, out=tmp)
        np.add(tmp, self.eps, out=tmp)
        np.multiply(grad, stepsize, out=out)  # addcdiv_(g, √s + ε, value=−η): (η·g) / (√s + ε)
        return np.divide(out, tmp, out=out)


@register
class Adam(UpdateRule):
    """PyTorch ``Adam(betas=(β₁, β₂), eps=ε)``, amsgrad off: ``m ← β₁m + (1−β₁)g``, ``v ← β₂v + (1−β₂)g²``, t counting
    from 1, ``u = η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)``, as PyTorch writes it: ``(η/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)``."""

    name = "adam"
    formula = "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  ΔW = −stepsize · m̂ / (√v̂ + ε)"
    state_names = ("exp_avg", "exp_avg_sq")
    counter_names = ("step",)
    settings = ("beta1", "beta2", "eps")

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def step(self, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: Stepsize, out: np.ndarray) -> np.ndarray:
        # written out with explicit ``out=`` and one temporary: on small nets each NumPy call is most of the cost
        m, v, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
        correction1, root2 = self._count(t)
        tmp = np.subtract(grad, m)  # exp_avg.lerp_(g, 1 − β₁): m + (1 − β₁)·(g − m) (the small weight's form)
        if abs(1 - self.beta1) < 0.5:
            np.multiply(tmp, 1 - self.beta1, out=tmp)
            np.add(m, tmp, out=m)
        else:
            np.multiply(tmp, 1 - (1 - self.beta1), out=tmp)  # g − (g − m)·(1 − weight), PyTorch's large-weight form
            np.subtract(grad, tmp, out=m)
        np.multiply(v, self.beta2, out=v)  # mul_(β₂).addcmul_(g, g, value=1 − β₂): β₂·v + ((1 − β₂)·g)·g
        np.multiply(grad, 1 - self.beta2, out=tmp)
        np.multiply(tmp, grad, out=tmp)
        np.add(v, tmp, out=v)
        np.sqrt(v, out=tmp)  # denom = √v / √(1 − β₂ᵗ) + ε
        np.divide(tmp, root2, out=tmp)
        np.add(tmp, self.eps, out=tmp)
        # addcdiv_(m, denom, value=−η/(1−β₁ᵗ)): ((η/(1−β₁ᵗ))·m) / denom
        np.multiply(m, stepsize / correction1, out=out)
        return np.divide(out, tmp, out=out)

    def _count(self, t: np.ndarray) -> tuple[float | np.ndarray, float | np.ndarray]:
        """Count the step (t ← t + 1, in place) and return the bias corrections at the new t."""
        if t.ndim:
            t += 1
            return self.corrections(t)
        step = t.item() + 1
        t[()] = step  # a 0-d array's ``+= 1`` costs as much as three vector operations here
        return 1 - self.beta1 ** float(step), math.sqrt(1 - self.beta2 ** float(step))

    def corrections(self, t: np.ndarray) -> tuple[float | np.ndarray, float | np.ndarray]:
        """``1 − β₁ᵗ`` and ``√(1 − β₂ᵗ)`` at step ``t`` (one per run of a stack, as a column), as PyTorch's floats."""
        if t.ndim == 0:
            step = float(t)
            return 1 - self.beta1**step, math.sqrt(1 - self.beta2**step)
        # a stack: each run's own Python floats, so that its numbers are those of the run alone to the bit
        pairs = [self.corrections(np.asarray(step)) for step in t.reshape(-1)]
        first, second = (np.array(column, dtype=np.float64).reshape(t.shape + (1,)) for column in zip(*pairs))
        return first, second


__all__ = ["Adam", "Momentum", "Nesterov", "RMSprop"]
