"""Divergence, caught before NaN: stop a run that blows up, and offer a stepsize that was tried and trains.

The :class:`Guard` watches a trainer from the epoch it is made at (the start of the guarded stretch); the
driver asks it after every chunk, and its :class:`~mlp_gui.core.guard_rule.Rule` judges that chunk's epochs:
a loss that is not finite, that **rose** ``factor`` times above its best before it and above the stretch's
start, or that **stayed up** far above the start for hundreds of epochs (float noise near zero never counts).

The guard keeps the state at the end of the last chunk whose loss was still near the best (one copy of
the parameters per improving chunk: cheap) and its gradient norms. Its report names the epoch, the layer
whose gradient norm grew most since that good epoch, and a stepsize that *trained* from there: the first
candidate is 1/λ (gradient descent is stable below 2/λ, λ the largest curvature of the loss, estimated by
power iteration on Hessian-vector products ``(∇L(θ + εv) − ∇L(θ − εv)) / 2ε``); each candidate trains
:data:`TRIAL_EPOCHS` epochs from the good state on a separate trainer under the same rule, halving until
one does not trip (at most :data:`HALVINGS` times, within :data:`TRIAL_SECONDS`), or the report says
none did.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.driver import Halt, drive
from mlp_gui.core.explain import layer_norms
from mlp_gui.core.flat_layout import FlatLayout, Params
from mlp_gui.core.guard_rule import DEFAULT_FACTOR, LEAP, STAY_SHARE, Rule, Trip
from mlp_gui.core.model import Model
from mlp_gui.core.network import Kernel, quiet_float
from mlp_gui.core.trainer import RunHistory, Trainer

NEAR_BEST = 10.0  # a chunk ending within this factor of the best loss is still a good place to go back to
TRIAL_EPOCHS = 500  # a suggested stepsize must train this many epochs from the good state
HALVINGS = 8  # candidates tried: the first and this many halvings at most
EXACT_TRIALS = 1_000_000  # trials from a good epoch up to this one replay its mini-batches exactly
TRIAL_SECONDS = 2.0  # all trials together; past it (or at a stop) they are cut short, and the report says so


@dataclass(frozen=True)
class Suggestion:
    """The stepsizes tried from the good epoch, largest first; if ``found``, the last one trained."""

    tried: tuple[float, ...]
    found: bool
    epochs: int = TRIAL_EPOCHS
    cut_short: bool = False  # the trials ran out of time (or the run was stopped) before one trained

    @property
    def stepsize(self) -> float | None:
        return self.tried[-1] if self.found else None

    def phrase(self, good_epoch: int, now: float) -> str:
        """What the trials showed, for the report's line."""
        if self.found:
            return (f"a stepsize of {self.tried[-1]:g} trained {self.epochs:,} epochs from epoch {good_epoch:,} "
                    f"without tripping the guard (now {now:g})")
        first, last = (self.tried[0], self.tried[-1]) if self.tried else (now, now)
        span = f"{first:g}" if first == last else f"{first:g} down to {last:g}"
        if self.cut_short:
            failed = f"{span} tripped it, and " if self.tried else ""
            return f"{failed}trials of smaller stepsizes from epoch {good_epoch:,} were cut short before one finished"
        return (f"no stepsize from {span} trained {self.epochs:,} epochs from epoch {good_epoch:,} without tripping "
                f"the guard: try other settings")


@dataclass(frozen=True)
class GuardReport:
    """Why the guard stopped the run and what it suggests."""

    kind: str  # "not finite", "rose" (factor times its best) or "stayed" (far above its start for long)
    epoch: int  # where it went wrong: the loss went too far, stopped being finite, or began to stay up
    loss: float  # the loss at ``epoch``
    best: float  # the best loss before ``epoch``
    start: float  # the loss the guarded stretch started with, at ``start_epoch``
    start_epoch: int
    stopped_at: int  # the run's last epoch now (``epoch``, or the end of the stay for "stayed")
    good_epoch: int  # the state the run can go back to exactly
    layer: str  # "W2": the layer (its W and b together) whose gradient norm grew the most
    growth: float  # by how much
    suggestion: Suggestion | None = None  # None: not looked for

    @property
    def suggested_stepsize(self) -> float | None:
        """A stepsize that trained from the good epoch, or None if none was found."""
        return self.suggestion.stepsize if self.suggestion else None

    def line(self, stepsize: float) -> str:
        """One line for the CLI and the window."""
        if self.kind == "not finite":
            what = f"the loss became {self.loss} at epoch {self.epoch:,}"
        elif self.kind == "stayed":
            verb = "leapt" if self.loss > LEAP * self.start else "rose"
            what = (f"the loss {verb} from {self.start:.3g} at epoch {self.start_epoch:,} to {self.loss:.3g} at epoch "
                    f"{self.epoch:,} and stayed up for {self.stopped_at - self.epoch + 1:,} epochs (never back to "
                    f"{self.start:.3g}, above {LEAP:g}x it {STAY_SHARE:.0%}+ of the time)")
        else:
            what = (f"the loss rose to {self.loss:.3g} at epoch {self.epoch:,}, {self.loss / self.best:.1e} times "
                    f"its best before it ({self.best:.3g})")
        hint = f"; {self.suggestion.phrase(self.good_epoch, stepsize)}" if self.suggestion else ""
        return f"{what}; {self.layer}'s gradient grew most ({self.growth:.1e}x) since epoch {self.good_epoch:,}{hint}"

    def as_json(self) -> dict:
        tried = list(self.suggestion.tried) if self.suggestion else []
        return {"epoch": self.epoch, "kind": self.kind, "layer": self.layer, "suggested_stepsize": self.suggested_stepsize,
                "good_epoch": self.good_epoch, "stopped_at": self.stopped_at, "tried_stepsizes": tried}


class Guard:
    """Watches one trainer; :meth:`check` after every chunk returns a report once the run has gone too far."""

    def __init__(self, trainer: Trainer, factor: float = DEFAULT_FACTOR, *, suggest: bool = True) -> None:
        """Watch ``trainer`` from its current epoch on; ``suggest``: try stepsizes for the report (trials don't)."""
        self.trainer, self.factor, self.suggest = trainer, factor, suggest
        self._watch()

    def _watch(self) -> None:
        """Start the guarded stretch at the trainer's current epoch."""
        t = self.trainer
        self.rule = Rule(t.epoch, t.loss, first_loss=float(t.loss_history[0]), factor=self.factor)
        self.rule.checked = len(t.loss_history) - 1  # a diverged run's history ends with its non-finite loss: seen
        self.report: GuardReport | None = None
        self._latest = t.state()  # the state at the last chunk's end, to replay the newest chunk from
        self._keep()

    def _keep(self) -> None:
        """Remember the trainer's state now as the place to go back to."""
        self.good = self._latest
        self.good_epoch = self.good.epoch
        self.good_norms = layer_norms(self.trainer.grads)

    def check(self, should_stop: Callable[[], bool] = lambda: False) -> GuardReport | None:
        """After a chunk: a report if the loss went too far (the run should stop), else None.

        Trying stepsizes for the report ends early when ``should_stop()`` turns true (the run's Stop or Ctrl+C).
        """
        t, rule = self.trainer, self.rule
        history = t.loss_history
        if len(history) - 1 < rule.checked:  # the run went back behind the guard's back: watch afresh from there
            self._watch()
            return None
        if len(history) - 1 == rule.checked:
            return None
        trip = rule.judge(history)
        if trip is not None:
            self.report = self._report(trip, should_stop)
            return self.report
        self._latest = t.state()
        if t.loss <= NEAR_BEST * max(rule.best, rule.floor) and t.loss <= rule.line:
            self._keep()
        return None

    def _report(self, trip: Trip, should_stop: Callable[[], bool]) -> GuardReport:
        """Stop the run where the rule tripped (replayed exactly from the last chunk's end), and say why."""
        t = self.trainer
        if trip.kind != "not finite" and t.epoch != trip.stop:
            t.rewind(self._latest)
            t.step(trip.stop - self._latest.epoch)  # the same epochs again: the run now ends where the rule tripped
        history = t.loss_history
        best = float(np.fmin.reduce(history[self.rule.start_epoch : trip.epoch]))
        norms = layer_norms(t.grads)
        growth = [n / max(g, 1e-300) if math.isfinite(n) else math.inf for n, g in zip(norms, self.good_norms)]
        worst = int(np.argmax(growth))
        suggestion = self._suggestion(should_stop) if self.suggest else None
        return GuardReport(trip.kind, trip.epoch, float(history[trip.epoch]), best, self.rule.start, self.rule.start_epoch,
                           trip.stop, self.good_epoch, f"W{worst + 1}", growth[worst], suggestion)

    def _suggestion(self, should_stop: Callable[[], bool]) -> Suggestion:
        """Try stepsizes from the good state, 1/λ (or half the current one) first, halving until one trains."""
        t = self.trainer
        now = t.config.stepsize
        first = stable_stepsize(t.config.model, self.good_params(), t.x, t.y)
        candidate = _three_digits(first if first is not None and first < now else now / 2)
        deadline, tried = time.perf_counter() + TRIAL_SECONDS, []

        def cut_short() -> bool:
            return time.perf_counter() > deadline or should_stop()

        for _ in range(HALVINGS + 1):
            tried.append(candidate)
            trained = self.trial(candidate, cut_short=cut_short)
            if trained is None:
                return Suggestion(tuple(tried[:-1]), found=False, cut_short=True)
            if trained:
                return Suggestion(tuple(tried), found=True)
            candidate = _three_digits(candidate / 2)
        return Suggestion(tuple(tried), found=False)

    def trial(self, stepsize: float, *, epochs: int = TRIAL_EPOCHS,
              cut_short: Callable[[], bool] = lambda: False) -> bool | None:
        """Does ``stepsize`` train ``epochs`` epochs from the good state without tripping this rule? None: ``cut_short()``
        turned true first.

        It runs on a new trainer holding the good state (the real one is not touched), with the epochs' own
        mini-batches, as going back with that stepsize would; past :data:`EXACT_TRIALS` epochs (where copying the
        history would cost more than the trial) it numbers its epochs from 0, so its mini-batches are others.
        """
        t = self.trainer
        exact = self.good_epoch <= EXACT_TRIALS
        history = RunHistory(loss=t.loss_history[: self.good_epoch + 1]) if exact else None
        copy = Trainer.continued(t.config, layers=self.good_params(), data=t.data, history=history, rule=t.rule,
                                 rule_state=self.good.rule_state, capacity=(self.good_epoch if exact else 0) + epochs + 1)
        if exact:
            copy.rewind(self.good)  # its gradients too, bit for bit
        copy.set_stepsize(stepsize)
        guard = Guard(copy, self.factor, suggest=False)
        halt = drive(copy, copy.epoch + epochs, cut_short, guard=guard)
        if halt is Halt.STOPPED:
            return None
        return halt is Halt.DONE and copy.loss <= guard.rule.line

    def good_params(self) -> Params:
        """The parameters at the good epoch, as (W, b) layers (views of the kept copy)."""
        return self.trainer.layout.views(self.good.theta)

    def go_back(self, stepsize: float | None = None) -> None:
        """Put the trainer back at the good epoch exactly (the later history dropped), optionally with another stepsize."""
        self.trainer.rewind(self.good)
        if stepsize is not None:
            self.trainer.set_stepsize(stepsize)
        self.report = None


def _three_digits(value: float) -> float:
    """``value`` to three significant digits: the stepsize as the window and the CLI print it, so the one tried."""
    return float(f"{value:.3g}")


def stable_stepsize(model: Model, layers: Params, x: np.ndarray, y: np.ndarray, iterations: int = 30) -> float | None:
    """1/λ for λ the largest curvature of the loss at ``layers`` (power iteration on Hessian-vector products)."""
    kernel, layout = Kernel(model), FlatLayout.for_layers(layers)
    theta = layout.pack(layers)

    def grad(flat: np.ndarray) -> np.ndarray:
        return layout.pack(kernel.trace(layout.views(flat), x, y).grads)

    rng = np.random.default_rng(0)
    v = rng.standard_normal(theta.size)
    v /= np.linalg.norm(v)
    eps = 1e-5 * max(1.0, float(np.linalg.norm(theta)))
    lam = 0.0
    with quiet_float():
        for _ in range(iterations):
            hv = (grad(theta + eps * v) - grad(theta - eps * v)) / (2 * eps)
            lam = float(v @ hv)
            norm = float(np.linalg.norm(hv))
            if not math.isfinite(norm) or norm == 0:
                break
            v = hv / norm
    return 1.0 / lam if lam > 0 and math.isfinite(lam) else None


__all__ = ["DEFAULT_FACTOR", "Guard", "GuardReport", "Suggestion", "stable_stepsize"]
