"""The divergence guard: stops before NaN or at it, names the layer, suggests a stepsize that then trains."""

import numpy as np

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.driver import Halt, drive
from mlp_gui.core.guard import Guard, stable_stepsize


def test_stepsize_1000_is_caught_with_a_layer_and_a_stable_suggestion():
    trainer = Trainer(TrainConfig(stepsize=1000))
    guard = Guard(trainer)
    assert drive(trainer, 100_000, guard=guard) in (Halt.DIVERGED, Halt.GUARDED)
    report = guard.report
    assert report is not None and report.layer in ("W1", "W2", "W3") and report.growth > 1
    assert report.suggested_stepsize is not None and 0 < report.suggested_stepsize < 1000
    assert "gradient grew most" in report.line(1000) and report.as_json()["layer"] == report.layer
    guard.go_back(report.suggested_stepsize)
    assert trainer.epoch == report.good_epoch and trainer.config.stepsize == report.suggested_stepsize
    trainer.step(20_000)
    assert trainer.diverged_at is None and trainer.loss < trainer.loss_history[0]  # the suggestion trains


def test_a_finite_blow_up_is_stopped_before_nan():
    """stepsize 3 climbs to ~1e300 over many epochs before it overflows: the guard stops it long before."""
    trainer = Trainer(TrainConfig(stepsize=3))
    guard = Guard(trainer)
    halt = drive(trainer, 1_000_000, guard=guard)
    assert guard.report is not None
    if halt is Halt.GUARDED:
        assert np.isfinite(trainer.loss_history).all()
        assert guard.report.loss > 1e6 * guard.report.best


def test_going_back_is_exact():
    trainer = Trainer(TrainConfig())
    trainer.step(300)
    state = trainer.state()
    trainer.step(200)
    after = trainer.loss_history.copy()
    trainer.rewind(state)
    assert trainer.epoch == 300
    trainer.step(200)
    np.testing.assert_array_equal(trainer.loss_history, after)


def test_a_healthy_run_is_never_stopped():
    trainer = Trainer(TrainConfig())
    guard = Guard(trainer)
    assert drive(trainer, 30_000, guard=guard) is Halt.DONE and guard.report is None


def test_the_curvature_estimate_matches_a_quadratic():
    """For the notebook's identity output and no hidden layer the loss is quadratic: 1/λ is known exactly."""
    cfg = TrainConfig(layers=(3, 1), batch_size=20)
    trainer = Trainer(cfg)
    x = trainer.x
    hessian = x @ x.T / x.shape[1]  # d²L/dW² for L = (1/M) Σ ½ (W x + b − y)², W only; with the bias:
    aug = np.vstack([x, np.ones((1, x.shape[1]))])
    lam = np.linalg.eigvalsh(aug @ aug.T / x.shape[1]).max()
    assert hessian.shape == (3, 3)
    assert stable_stepsize(cfg.model, trainer.layers, trainer.x, trainer.y) == __import__("pytest").approx(1 / lam, rel=1e-4)
