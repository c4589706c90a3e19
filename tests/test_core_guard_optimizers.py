"""The divergence guard under every optimizer: momentum's first candidate is half its stability limit 2(1+μ)/λ_max
and the report says so; Adam's is half the stepsize (no λ_max bound holds for it); the suggestion then trains."""

import functools

import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core import guard as guard_module
from mlp_gui.core.driver import Halt, drive
from mlp_gui.core.guard import Guard
from mlp_gui.core.hessian import sharpness

SINE = dict(data="sine", layers=(1, 8, 1), activation="tanh")


@functools.cache
def guarded(config: TrainConfig, epochs: int = 1000):
    """``config`` driven with a guard until it trips: the trainer and the report. Made once per configuration (momentum
    at stepsize 5 is two tests' run): read-only."""
    trainer = Trainer.new(config, capacity=epochs + 1)
    guard = Guard(trainer)
    with pytest.MonkeyPatch.context() as patch:  # the trials' time budget is for the window; here, patience
        patch.setattr(guard_module, "TRIAL_SECONDS", 120.0)
        patch.setattr(guard_module, "CURVATURE_SECONDS", 120.0)
        assert drive(trainer, epochs, guard=guard) is Halt.GUARDED
    return trainer, guard.report


def trains(config: TrainConfig, epochs: int = 500) -> bool:
    trainer = Trainer.new(config, capacity=epochs + 1)
    guard = Guard(trainer)
    return drive(trainer, epochs, guard=guard) is Halt.DONE and guard.report is None


@pytest.mark.parametrize(("rule", "limit", "symbol"), [
    ("momentum", 2 * 1.9, "2(1+μ)/λ_max"),
    ("nesterov", 2 * 1.9 / 2.8, "2(1+μ)/((1+2μ)λ_max)"),
])
def test_momentum_starts_at_half_its_limit_and_the_suggestion_trains(rule, limit, symbol):
    config = TrainConfig(optimizer=rule, momentum=0.9, stepsize=5, **SINE)
    _, report = guarded(config)
    suggestion = report.suggestion
    lam = suggestion.sharpness
    assert suggestion.rule == rule and suggestion.found
    assert suggestion.tried[0] == float(f"{limit / lam / 2:.3g}")
    assert f"{symbol} = {limit / lam:.3g}, μ = 0.9, λ_max the largest eigenvalue of the loss's Hessian there" in report.line(5)
    assert trains(config.with_changes(stepsize=report.suggested_stepsize))


def test_the_curvature_is_lambda_max_of_the_loss_at_the_good_epoch():
    config = TrainConfig(optimizer="momentum", stepsize=5, **SINE)
    _, report = guarded(config)
    assert report.good_epoch == 0
    first = Trainer.new(config, capacity=1)
    assert report.suggestion.sharpness == pytest.approx(sharpness(config.model, first.layers, first.x, first.y), rel=1e-9)


def test_adam_halves_the_stepsize_says_why_and_trains():
    config = TrainConfig(optimizer="adam", stepsize=1000)
    _, report = guarded(config)
    suggestion = report.suggestion
    assert suggestion.sharpness is None and suggestion.tried[0] == 500
    assert "adam scales each weight's step by its own gradients, so no λ_max bound applies" in report.line(1000)
    assert trains(config.with_changes(stepsize=report.suggested_stepsize))
