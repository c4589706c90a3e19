"""Divergence, caught before NaN: stop a run that blows up, and offer a stepsize that was tried and trains.

The :class:`Guard` watches a trainer from the epoch it is made at (the start of the guarded stretch); the
driver asks it after every chunk, and its :class:`~mlp_gui.core.guard_rule.Rule` judges that chunk's epochs:
a loss that is not finite, that **rose** ``factor`` times above its best before it and above the stretch's
start, or that **stayed up** far above the start for hundreds of epochs (float noise near zero never counts).

The guard keeps the state at the end of the last chunk whose loss was still near the best (one copy of
the parameters per improving chunk: cheap) and its gradient norms. Its report names the epoch, the layer
whose gradient norm (W and b together) grew most since that good epoch, and which of its W and b holds it,
and a stepsize that *trained* from there: the first candidate is half the update rule's stability limit,
1/λ_max for gradient descent (stable below 2/λ_max), (1+μ)/λ_max for momentum (below 2(1+μ)/λ_max) and half
Nesterov's 2(1+μ)/((1+2μ)λ_max) (:func:`~mlp_gui.core.sharpness_record.stability_limit`), λ_max the largest
eigenvalue of the Hessian of what the run descends (the loss, plus an L2 penalty's λ₂): Lanczos on
Hessian-vector products. RMSprop and Adam scale each step by the gradients' own size, so no such bound holds:
their first candidate is half the stepsize. Each candidate trains :data:`TRIAL_EPOCHS` epochs from the good
state on a separate trainer under the same rule, halving until one does not trip (at most :data:`HALVINGS`
times, within :data:`TRIAL_SECONDS`), or the report says none did.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from mlp_gui.core.driver import Halt, drive
from mlp_gui.core.explain import layer_norms
from mlp_gui.core.flat_layout import Params
from mlp_gui.core.guard_rule import DEFAULT_FACTOR, LEAP, STAY_SHARE, Rule, Trip
from mlp_gui.core.hessian import CancelledError, sharpness
from mlp_gui.core.model import Model
from mlp_gui.core.network import quiet_float
from mlp_gui.core.plural import count
from mlp_gui.core.sharpness_record import TrainedCurvature, limit_formula, rule_kind, stability_limit
from mlp_gui.core.trainer import RunHistory, Trainer

NEAR_BEST = 10.0  # a chunk ending within this factor of the best loss is still a good place to go back to
TRIAL_EPOCHS = 500  # a suggested stepsize must train this many epochs from the good state
HALVINGS = 8  # candidates tried: the first and this many halvings at most
EXACT_TRIALS = 1_000_000  # trials from a good epoch up to this one replay its mini-batches exactly
TRIAL_SECONDS = 2.0  # all trials together; past it (or at a stop) they are cut short, and the report says so
CURVATURE_SECONDS = 2.0  # λ_max for the first candidate; past it the first candidate is half the stepsize
NEARLY_ALL = 0.99  # a layer's gradient is "nearly all in" its W or b when that holds this share of its squared norm


@dataclass(frozen=True)
class Suggestion:
    """The stepsizes tried from the good epoch, largest first; if ``found``, the last one trained."""

    tried: tuple[float, ...]
    found: bool
    epochs: int = TRIAL_EPOCHS
    cut_short: bool = False  # the trials ran out of time (or the run was stopped) before one trained
    sharpness: float | None = None  # λ_max at the good epoch (half the rule's limit is the first candidate if below)
    rule: str = "gd"  # the kind of update (:func:`~mlp_gui.core.sharpness_record.rule_kind`): it sets the limit
    momentum: float = 0.0  # μ, for momentum and Nesterov's limit

    @property
    def stepsize(self) -> float | None:
        return self.tried[-1] if self.found else None

    def phrase(self, good_epoch: int, now: float) -> str:
        """What the trials showed, for the report's line."""
        epochs = count(self.epochs, "epoch")
        if self.found:
            return (f"a stepsize of {self.tried[-1]:g} trained {epochs} from epoch {good_epoch:,} "
                    f"without tripping the guard (now {now:g}; {self.stable_below()})")
        first, last = (self.tried[0], self.tried[-1]) if self.tried else (now, now)
        span = f"{first:g}" if first == last else f"{first:g} down to {last:g}"
        if self.cut_short:
            failed = f"{span} tripped it, and " if self.tried else ""
            return f"{failed}trials of smaller stepsizes from epoch {good_epoch:,} were cut short before one finished"
        return (f"no stepsize from {span} trained {epochs} from epoch {good_epoch:,} without tripping "
                f"the guard ({self.stable_below()}): try other settings")

    def stable_below(self) -> str:
        """The stepsize below which the rule is stable at the good epoch (2/λ_max for gradient descent, 2(1+μ)/λ_max
        for momentum), how it was found, or that it is not known; for an adaptive rule, the rule the trials used."""
        if stepsize_limit(1.0, rule=self.rule, momentum=self.momentum) is None:
            return (f"{self.rule} scales each weight's step by its own gradients, so no λ_max bound applies: the trials "
                    f"halve the stepsize until one trains {count(self.epochs, 'epoch')}")
        if self.sharpness is None:
            return "λ_max, the largest eigenvalue of the loss's Hessian, could not be estimated there"
        symbol = limit_formula(self.rule, self.momentum) or "2/η"
        symbol, mu = symbol.split(", ")[0].replace("η", "λ_max"), f", μ = {self.momentum:g}" if self.rule != "gd" else ""
        limit = stepsize_limit(self.sharpness, rule=self.rule, momentum=self.momentum)
        return (f"{symbol} = {limit:.3g}{mu}, λ_max the largest eigenvalue of the loss's Hessian there "
                "(Lanczos, as the Gradient flow tab's sharpness plot)")


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
    layer: str  # "W2": the layer (its W and b together) whose gradient norm grew the most, named by its W
    growth: float  # by how much
    suggestion: Suggestion | None = None  # None: not looked for
    part_growth: tuple[float, float] | None = None  # how much that layer's ∂L/∂W and ∂L/∂b grew, apart
    mostly_in: str = ""  # "W" or "b": the one holding nearly all of that layer's gradient now ("": neither)
    level: float = math.nan  # "stayed": the median loss over the stay

    @property
    def suggested_stepsize(self) -> float | None:
        """A stepsize that trained from the good epoch, or None if none was found."""
        return self.suggestion.stepsize if self.suggestion else None

    @property
    def layer_number(self) -> int:
        """3 for ``W3``: the layer the report names, counted from the input."""
        return int(self.layer.removeprefix("W"))

    @property
    def layer_name(self) -> str:
        """``layer 3 (W3, b3)``: the layer the report names, with both its arrays."""
        n = self.layer_number
        return f"layer {n} (W{n}, b{n})"

    def line(self, stepsize: float) -> str:
        """One line for the CLI and the window."""
        hint = f"; {self.suggestion.phrase(self.good_epoch, stepsize)}" if self.suggestion else ""
        return f"{self._what()}; {self._gradient()}{hint}"

    def _what(self) -> str:
        if self.kind == "not finite":
            return f"the loss became {self.loss} at epoch {self.epoch:,}"
        if self.kind == "stayed":
            verb = "leapt" if self.loss > LEAP * self.start else "rose"
            start, loss = distinct_digits(self.start, self.loss)
            level = f", at a median of {self.level:.3g}" if math.isfinite(self.level) else ""
            return (f"the loss {verb} from {start} at epoch {self.start_epoch:,} to {loss} at epoch {self.epoch:,} and "
                    f"stayed up for {count(self.stopped_at - self.epoch + 1, 'epoch')}{level} (never back to {start}, "
                    f"above {LEAP:g}x it {STAY_SHARE:.0%}+ of the time)")
        loss, best = distinct_digits(self.loss, self.best)
        return f"the loss rose to {loss} at epoch {self.epoch:,}, {self.loss / self.best:.1e} times its best before it ({best})"

    def _gradient(self) -> str:
        """Which layer's gradient grew most, and whether its ∂L/∂W or its ∂L/∂b holds it now."""
        n = self.layer_number
        grew = f"the gradient of {self.layer_name} grew most ({_times(self.growth)} since epoch {self.good_epoch:,})"
        if self.part_growth is None:
            return grew
        w, b = f"∂L/∂W{n}", f"∂L/∂b{n}"
        (main, main_growth), (other, other_growth) = (((b, self.part_growth[1]), (w, self.part_growth[0]))
                                                      if self.mostly_in == "b" else
                                                      ((w, self.part_growth[0]), (b, self.part_growth[1])))
        if self.mostly_in:
            return f"{grew}, nearly all of it in {main} ({_times(main_growth)}; {other} {_times(other_growth)})"
        return f"{grew}: {main} {_times(main_growth)}, {other} {_times(other_growth)}"

    def as_json(self) -> dict:
        tried = list(self.suggestion.tried) if self.suggestion else []
        return {"epoch": self.epoch, "kind": self.kind, "layer": self.layer,
                "gradient_mostly_in": f"{self.mostly_in}{self.layer_number}" if self.mostly_in else None,
                "suggested_stepsize": self.suggested_stepsize, "good_epoch": self.good_epoch, "stopped_at": self.stopped_at,
                "tried_stepsizes": tried, "sharpness": self.suggestion.sharpness if self.suggestion else None}


def _times(growth: float) -> str:
    """How many times a norm grew: ``1.4e+06x``; ``now 0`` (a saturated layer's ∂L/∂W), ``∞x`` (no longer finite)."""
    return "now 0" if growth == 0 else f"{growth:.1e}x" if math.isfinite(growth) else "∞x"


def distinct_digits(*values: float, digits: int = 3) -> tuple[str, ...]:
    """``values`` to ``digits`` significant digits, or more until different values print differently (at most 17,
    where every float64 prints as itself): 0.88664099905 and 0.88664202 are ``0.886641`` and ``0.886642``."""
    for places in range(digits, 18):
        texts = tuple(f"{v:.{places}g}" for v in values)
        if all(texts[i] != texts[j] for i in range(len(values)) for j in range(i) if values[i] != values[j]):
            return texts
    return texts


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
        self.good_parts = part_norms(self.trainer.grads)

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
        growth = [_growth(n, g) for n, g in zip(norms, self.good_norms)]
        worst = int(np.argmax(growth))
        (w, b), (w0, b0) = part_norms(t.grads)[worst], self.good_parts[worst]
        with quiet_float():
            b_share = b * b / (w * w + b * b) if w * w + b * b > 0 else math.nan
        mostly_in = "b" if b_share >= NEARLY_ALL else "W" if b_share <= 1 - NEARLY_ALL else ""
        level = float(np.median(history[trip.epoch : trip.stop + 1])) if trip.kind == "stayed" else math.nan
        suggestion = self._suggestion(should_stop) if self.suggest else None
        return GuardReport(trip.kind, trip.epoch, float(history[trip.epoch]), best, self.rule.start, self.rule.start_epoch,
                           trip.stop, self.good_epoch, f"W{worst + 1}", growth[worst], suggestion,
                           part_growth=(_growth(w, w0), _growth(b, b0)), mostly_in=mostly_in, level=level)

    def _suggestion(self, should_stop: Callable[[], bool]) -> Suggestion:
        """Try stepsizes from the good state, halving until one trains: first half the rule's stability limit at
        λ_max (1/λ_max for gradient descent, (1+μ)/λ_max for momentum) if below the stepsize, else half the stepsize
        (always, for an adaptive rule: RMSprop and Adam have no such limit)."""
        t = self.trainer
        now = t.config.stepsize
        kind, mu = rule_kind(t.rule, t.config)
        lam = None
        if stepsize_limit(1.0, rule=kind, momentum=mu) is not None:
            deadline = time.perf_counter() + CURVATURE_SECONDS
            try:
                lam = objective_sharpness(t.config, self.good.theta, t.x, t.y,
                                          should_stop=lambda: should_stop() or time.perf_counter() > deadline)
            except CancelledError:
                if should_stop():
                    return Suggestion((), found=False, cut_short=True, rule=kind, momentum=mu)
                lam = None  # it took too long: the trials go on from half the stepsize
        limit = stepsize_limit(lam, rule=kind, momentum=mu) if lam is not None else None
        first = limit / 2 if limit is not None else None
        candidate = _three_digits(first if first is not None and first < now else now / 2)
        suggest = partial(Suggestion, sharpness=lam, rule=kind, momentum=mu)
        deadline, tried = time.perf_counter() + TRIAL_SECONDS, []

        def cut_short() -> bool:
            return time.perf_counter() > deadline or should_stop()

        for _ in range(HALVINGS + 1):
            tried.append(candidate)
            trained = self.trial(candidate, cut_short=cut_short)
            if trained is None:
                return suggest(tuple(tried[:-1]), found=False, cut_short=True)
            if trained:
                return suggest(tuple(tried), found=True)
            candidate = _three_digits(candidate / 2)
        return suggest(tuple(tried), found=False)

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


def stable_stepsize(model: Model, layers: Params, x: np.ndarray, y: np.ndarray, *,
                    should_stop: Callable[[], bool] = lambda: False) -> float | None:
    """1/λ_max for λ_max the largest eigenvalue of the loss's Hessian at ``layers`` (:func:`~mlp_gui.core.hessian.sharpness`),
    None where it is not a positive number; :class:`~mlp_gui.core.hessian.CancelledError` once ``should_stop()``."""
    lam = sharpness(model, layers, x, y, progress=lambda _done, _total: not should_stop())
    return 1.0 / lam if math.isfinite(lam) and lam > 0 else None


def objective_sharpness(config: object, theta: np.ndarray, x: np.ndarray, y: np.ndarray, *,
                        should_stop: Callable[[], bool] = lambda: False) -> float | None:
    """λ_max of what the run descends at the flat parameters ``theta``: the data loss's Hessian, plus λ₂ on the
    weights with an L2 penalty; None where it is not a positive number; CancelledError once ``should_stop()``."""
    curvature = TrainedCurvature.of_run(config, x, y)
    lam = float(curvature.top(np.asarray(theta, dtype=np.float64), 1,
                              progress=lambda _done, _total: not should_stop()).values[0])
    return lam if math.isfinite(lam) and lam > 0 else None


def stepsize_limit(sharpness: float, *, rule: str = "gd", momentum: float = 0.0) -> float | None:
    """The largest stepsize at which ``rule`` is stable at curvature ``sharpness`` (2/λ for gradient descent,
    2(1+μ)/λ for momentum, 2(1+μ)/((1+2μ)λ) for Nesterov's); None for a rule without such a limit."""
    per_one = stability_limit(1.0, rule=rule, momentum=momentum)  # the limits are c/η: so the stepsize's is c/λ
    return None if per_one is None or not sharpness > 0 else per_one / sharpness


def part_norms(grads: Params) -> list[tuple[float, float]]:
    """Each layer's ``(‖∂L/∂W‖, ‖∂L/∂b‖)``, summed as :func:`~mlp_gui.core.explain.layer_norms` sums them together."""
    with quiet_float():
        return [(float(np.sqrt(np.sum(W * W))), float(np.sqrt(np.sum(b * b)))) for W, b in grads]


def _growth(now: float, before: float) -> float:
    return now / max(before, 1e-300) if math.isfinite(now) else math.inf


__all__ = ["DEFAULT_FACTOR", "Guard", "GuardReport", "Suggestion", "distinct_digits", "part_norms", "stable_stepsize"]
