"""Divergence, caught before NaN: stop a run whose loss shoots far above its best, and say what to do instead.

The :class:`Guard` watches a trainer chunk by chunk (the driver asks it after every chunk). It keeps
the state at the end of the last chunk whose loss was still near the best (one copy of the
parameters per improving chunk: cheap), and the gradient norms there. When the loss rises more
than ``factor`` times above its best, or stops being finite, it reports:

- the epoch it tripped at and the good epoch it can go back to (exactly: the saved state);
- the layer whose gradient norm grew the most since that good epoch (where the blow-up starts);
- a stepsize that would have been stable there: gradient descent on a loss with curvature λ
  (the largest eigenvalue of the Hessian) is stable for stepsizes below 2/λ. λ is estimated by
  power iteration on Hessian-vector products, each the difference of two kernel gradients
  (``H v ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε``); the suggestion is 1/λ, half the limit, for margin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.explain import layer_norms
from mlp_gui.core.model import Model, Params, unflatten
from mlp_gui.core.network import Kernel
from mlp_gui.core.trainer import Trainer

DEFAULT_FACTOR = 1e6
NEAR_BEST = 10.0  # a chunk ending within this factor of the best loss is still a good place to go back to


@dataclass(frozen=True)
class GuardReport:
    """Why the guard stopped the run and what it suggests."""

    epoch: int  # where the loss first went too far (or stopped being finite)
    loss: float
    best: float
    good_epoch: int  # the state the run can go back to exactly
    layer: str  # "W2": the layer (its W and b together) whose gradient norm grew the most
    growth: float  # by how much
    suggested_stepsize: float | None  # None: no positive curvature found (the suggestion would mean nothing)

    def line(self, stepsize: float) -> str:
        """One line for the CLI and the window."""
        rose = f"rose to {self.loss:.3g}, {self.loss / self.best:.1e} times its best"
        why = rose if math.isfinite(self.loss) else f"became {self.loss}"
        hint = (f"; a stepsize of about {self.suggested_stepsize:.3g} would have been stable there (now {stepsize:g})"
                if self.suggested_stepsize else "")
        return (f"the loss {why} at epoch {self.epoch:,}; {self.layer}'s gradient grew most ({self.growth:.1e}x) since "
                f"epoch {self.good_epoch:,}{hint}")

    def as_json(self) -> dict:
        return {"epoch": self.epoch, "layer": self.layer, "suggested_stepsize": self.suggested_stepsize, "good_epoch": self.good_epoch}


class Guard:
    """Watches one trainer; :meth:`check` after every chunk returns a report once the run has gone too far."""

    def __init__(self, trainer: Trainer, factor: float = DEFAULT_FACTOR) -> None:
        """Watch ``trainer`` from its current epoch on (its best so far is its loss now)."""
        self.trainer, self.factor = trainer, factor
        self.best = trainer.loss if math.isfinite(trainer.loss) else math.inf
        self.report: GuardReport | None = None
        self._keep()

    def _keep(self) -> None:
        """Remember the trainer's state now as the place to go back to."""
        self.good = self.trainer.state()
        self.good_epoch = self.good.epoch
        self.good_norms = layer_norms(self.trainer.grads)

    def check(self) -> GuardReport | None:
        """After a chunk: a report if the loss went too far (the run should stop), else None."""
        t = self.trainer
        history = t.loss_history[self.good_epoch :]
        finite = history[np.isfinite(history)]
        if finite.size:
            self.best = min(self.best, float(finite.min()))
        with np.errstate(invalid="ignore"):
            rising = history > self.factor * self.best if self.best > 0 else np.zeros(history.shape, bool)  # a ratio needs a positive loss
        too_far = np.flatnonzero(~np.isfinite(history) | rising)
        if too_far.size:
            self.report = self._report(self.good_epoch + int(too_far[0]), float(history[too_far[0]]))
            return self.report
        if t.loss <= NEAR_BEST * self.best:
            self._keep()
        return None

    def _report(self, epoch: int, loss: float) -> GuardReport:
        """Stop the run where it went too far (replayed exactly from the good state), and say why."""
        t = self.trainer
        if math.isfinite(loss) and t.epoch != epoch:
            t.rewind(self.good)
            t.step(epoch - self.good_epoch)  # the same epochs again: the run now ends at the one that went too far
        norms = layer_norms(t.grads)
        growth = [n / max(g, 1e-300) if math.isfinite(n) else math.inf for n, g in zip(norms, self.good_norms)]
        worst = int(np.argmax(growth))
        suggestion = stable_stepsize(t.config.model, self.good_params(), t.x, t.y)
        return GuardReport(epoch, loss, self.best, self.good_epoch, f"W{worst + 1}", growth[worst], suggestion)

    def good_params(self) -> Params:
        """The parameters at the good epoch, as (W, b) layers (views of the kept copy)."""
        return unflatten(self.trainer.layers, self.good.theta)

    def go_back(self, stepsize: float | None = None) -> None:
        """Put the trainer back at the good epoch exactly (the later history dropped), optionally with another stepsize."""
        self.trainer.rewind(self.good)
        if stepsize is not None:
            self.trainer.set_stepsize(stepsize)
        self.report = None


def stable_stepsize(model: Model, layers: list, x: np.ndarray, y: np.ndarray, iterations: int = 30) -> float | None:
    """1/λ for λ the largest curvature of the loss at ``layers`` (power iteration on Hessian-vector products)."""
    kernel = Kernel(model)
    theta = np.concatenate([a.ravel() for layer in layers for a in layer])

    def grad(flat: np.ndarray) -> np.ndarray:
        _, grads = kernel.loss_and_grads(unflatten(layers, flat), x, y)
        return np.concatenate([a.ravel() for layer in grads for a in layer])

    rng = np.random.default_rng(0)
    v = rng.standard_normal(theta.size)
    v /= np.linalg.norm(v)
    eps = 1e-5 * max(1.0, float(np.linalg.norm(theta)))
    lam = 0.0
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            hv = (grad(theta + eps * v) - grad(theta - eps * v)) / (2 * eps)
            lam = float(v @ hv)
            norm = float(np.linalg.norm(hv))
            if not math.isfinite(norm) or norm == 0:
                break
            v = hv / norm
    return 1.0 / lam if lam > 0 and math.isfinite(lam) else None
