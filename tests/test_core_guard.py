"""The divergence guard: judges each epoch against the best before it, stops before NaN or at it, catches a loss that
leaps up and stays, names the layer, and suggests a stepsize it tried and that trains."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core import guard as guard_module
from mlp_gui.core.driver import Halt, drive
from mlp_gui.core.guard import Guard, stable_stepsize
from mlp_gui.core.guard_rule import LEAP, STAY_EPOCHS, Rule, Trip


@pytest.fixture(autouse=True)
def patient_trials(monkeypatch):
    """The trials' time budget is for the window's sake; here, on a loaded machine, it would cut them short."""
    monkeypatch.setattr(guard_module, "TRIAL_SECONDS", 120.0)
    monkeypatch.setattr(guard_module, "CURVATURE_SECONDS", 120.0)


def test_stepsize_1000_is_caught_with_a_layer_and_a_stable_suggestion():
    trainer = Trainer.new(TrainConfig(stepsize=1000))
    guard = Guard(trainer)
    assert drive(trainer, 100_000, guard=guard) in (Halt.DIVERGED, Halt.GUARDED)
    report = guard.report
    assert report is not None and report.layer in ("W1", "W2", "W3") and report.growth > 1
    assert report.suggested_stepsize is not None and 0 < report.suggested_stepsize < 1000
    assert f"the gradient of {report.layer_name} grew most" in report.line(1000) and report.as_json()["layer"] == report.layer
    guard.go_back(report.suggested_stepsize)
    assert trainer.epoch == report.good_epoch and trainer.config.stepsize == report.suggested_stepsize
    assert trains_below_its_start(trainer, within=20_000)  # the suggestion trains


def trains_below_its_start(trainer: Trainer, *, within: int, chunk: int = 100) -> bool:
    """Whether ``trainer``'s loss comes below its run's first one, without diverging, within ``within`` more epochs
    (trained ``chunk`` at a time: it stops where it has)."""
    end = trainer.epoch + within
    while trainer.epoch < end and trainer.diverged_at is None:
        trainer.step(min(chunk, end - trainer.epoch))
        if trainer.diverged_at is None and trainer.loss < trainer.loss_history[0]:
            return True
    return False


def test_a_finite_blow_up_is_stopped_before_nan():
    """stepsize 3 climbs to ~1e300 over many epochs before it overflows: the guard stops it long before."""
    unguarded = Trainer.new(TrainConfig(stepsize=3))
    assert drive(unguarded, 1_000_000) is Halt.DIVERGED  # left alone, it does overflow
    climb = unguarded.loss_history[: unguarded.diverged_at]
    assert np.isfinite(climb).all() and climb.max() > 1e300 and unguarded.diverged_at > 100  # finite, for many epochs
    trainer = Trainer.new(TrainConfig(stepsize=3))
    guard = Guard(trainer)
    assert drive(trainer, 1_000_000, guard=guard) is Halt.GUARDED  # stopped by the guard, not by the overflow
    assert guard.report is not None and trainer.diverged_at is None
    assert np.isfinite(trainer.loss_history).all() and guard.report.loss > 1e6 * guard.report.best
    assert trainer.epoch < unguarded.diverged_at / 10  # long before


def test_going_back_is_exact():
    trainer = Trainer.new(TrainConfig())
    trainer.step(300)
    state = trainer.state()
    trainer.step(200)
    after = trainer.loss_history.copy()
    trainer.rewind(state)
    assert trainer.epoch == 300
    trainer.step(200)
    np.testing.assert_array_equal(trainer.loss_history, after)


def test_a_healthy_run_is_never_stopped():
    trainer = Trainer.new(TrainConfig())
    guard = Guard(trainer)
    assert drive(trainer, 30_000, guard=guard) is Halt.DONE and guard.report is None


def test_the_curvature_estimate_matches_a_quadratic():
    """For the notebook's identity output and no hidden layer the loss is quadratic: 1/λ is known exactly."""
    cfg = TrainConfig(layers=(3, 1), batch_size=20)
    trainer = Trainer.new(cfg)
    x = trainer.x
    hessian = x @ x.T / x.shape[1]  # d²L/dW² for L = (1/M) Σ ½ (W x + b − y)², W only; with the bias:
    aug = np.vstack([x, np.ones((1, x.shape[1]))])
    lam = np.linalg.eigvalsh(aug @ aug.T / x.shape[1]).max()
    assert hessian.shape == (3, 3)
    assert stable_stepsize(cfg.model, trainer.layers, trainer.x, trainer.y) == pytest.approx(1 / lam, rel=1e-4)


# ---------------------------------------------------------------- the rule: judged against the best *before* each epoch

def judged(losses, chunk: int, *, start_epoch: int = 0, first_loss: float | None = None):
    """Feed ``losses`` (epoch ``start_epoch`` on) to a Rule ``chunk`` epochs at a time, as the driver does; the first trip."""
    losses = np.asarray(losses, dtype=float)
    history = np.concatenate([np.full(start_epoch, losses[0]), losses])
    rule = Rule(start_epoch, float(losses[0]), first_loss=float(history[0] if first_loss is None else first_loss))
    for end in range(start_epoch + 1, len(history) + chunk, chunk):
        trip = rule.judge(history[: min(end + 1, len(history))])
        if trip is not None:
            return trip
    return None


@pytest.mark.parametrize("chunk", [1, 7, 64, 10_000])
def test_a_loss_falling_a_million_fold_inside_one_chunk_is_no_divergence(chunk):
    """The bug: every epoch was compared with the minimum of its whole chunk, later epochs included."""
    assert judged(np.geomspace(0.27, 1e-17, 50), chunk) is None


@pytest.mark.parametrize("chunk", [1, 64, 10_000])
def test_float_noise_at_the_bottom_is_no_divergence(chunk):
    rng = np.random.default_rng(1)
    noise = 10.0 ** rng.uniform(-33, -26, 3000)  # a converged run wobbling among the last bits
    assert judged(np.concatenate([np.geomspace(0.1, 1e-31, 100), noise]), chunk) is None
    assert judged(noise, chunk, first_loss=0.1) is None  # resumed there: its start is noise too (the floor)


@pytest.mark.parametrize("chunk", [1, 64, 10_000])
def test_oscillating_below_the_start_is_no_divergence(chunk):
    """A 1,1 fit at stepsize 1.9 swings a million-fold up and down while it converges."""
    epochs = np.arange(2000)
    swing = np.where(epochs % 2, 1e-3, 1e-10) * np.exp(-epochs / 200)
    assert judged(np.concatenate([[0.5], swing]), chunk) is None


@pytest.mark.parametrize("chunk", [1, 5, 64, 10_000])
def test_a_rise_far_above_the_best_before_it_and_the_start_trips_at_that_epoch(chunk):
    losses = np.concatenate([np.geomspace(1.0, 1e-3, 100), np.geomspace(1e-3, 1e12, 40)])
    first = int(np.argmax((losses > 1e6 * 1e-3) & (losses > 1.0)))
    assert judged(losses, chunk) == Trip("rose", first, first)
    assert judged(np.concatenate([losses[:100], [np.inf]]), chunk) == Trip("not finite", 100, 100)


@pytest.mark.parametrize("chunk", [1, 64, 333, 10_000])
def test_leaping_far_above_the_start_and_staying_there_trips(chunk):
    """The spiral at stepsize 200: 0.69 to 95 and swinging between 5 and 95 ever after: finite, under a million-fold."""
    up = np.where(np.arange(3000) % 7 == 0, 5.0, 95.0)
    assert judged(np.concatenate([[0.69], up]), chunk) == Trip("stayed", 1, STAY_EPOCHS)
    mostly_low = np.where(np.arange(3000) % 2 == 0, 0.69 * LEAP / 2, 95.0)  # half of it not far above the start
    assert judged(np.concatenate([[0.69], mostly_low]), chunk) is None
    comes_back = up.copy()
    comes_back[::STAY_EPOCHS - 50] = 0.5  # back under the start now and then: a catapult, not a blow-up
    assert judged(np.concatenate([[0.69], comes_back]), chunk) is None


@pytest.mark.parametrize(
    "settings, epochs",
    [
        (dict(layers=(1, 1), batch_size=1, stepsize=0.3), 50),
        (dict(layers=(1, 1), batch_size=1, stepsize=1.9), 2000),
        (dict(layers=(3, 3), batch_size=2, stepsize=0.5), 2000),
        (dict(layers=(2, 2), batch_size=1), 2000),
        (dict(layers=(3, 16, 2), activation="relu", init="he", batch_size=2, stepsize=0.2), 2000),
    ],
)
def test_converging_runs_train_every_epoch(settings, epochs):
    trainer = Trainer.new(TrainConfig(**settings))
    guard = Guard(trainer)
    assert drive(trainer, epochs, guard=guard) is Halt.DONE and guard.report is None
    assert trainer.epoch == epochs and trainer.loss < 1e-6 * trainer.loss_history[0]


def test_the_suggestion_was_tried_and_trains_and_the_real_run_is_untouched():
    """sine 1,16,16,1 tanh at stepsize 5: 1/λ_max there (about 1) trips the guard too; it halves until a trial trains."""
    config = TrainConfig(data="sine", layers=(1, 16, 16, 1), activation="tanh", stepsize=5)
    trainer = Trainer.new(config)
    guard = Guard(trainer)
    assert drive(trainer, 1000, guard=guard) in (Halt.GUARDED, Halt.DIVERGED)
    report = guard.report
    tried = report.suggestion.tried
    assert report.good_epoch == 0 and report.suggested_stepsize == tried[-1] and len(tried) >= 2 and tried[-1] < tried[0] < 5
    assert f"a stepsize of {tried[-1]:g} trained 500 epochs from epoch {report.good_epoch}" in report.line(5)
    straight = Trainer.new(config)
    straight.step(trainer.epoch)
    np.testing.assert_array_equal(trainer.loss_history, straight.loss_history[: trainer.epoch + 1])  # trials ran apart
    assert Guard(Trainer.new(config.with_changes(stepsize=tried[0]))).trial(tried[0]) is False  # the first candidate fails
    guard.go_back(report.suggested_stepsize)
    again = Guard(trainer)
    assert drive(trainer, report.good_epoch + 1000, guard=again) is Halt.DONE and again.report is None


def test_when_no_stepsize_trains_the_report_says_so(monkeypatch):
    monkeypatch.setattr(guard_module, "HALVINGS", 0)  # only the first candidate, which diverges here
    trainer = Trainer.new(TrainConfig(data="sine", layers=(1, 16, 16, 1), activation="tanh", stepsize=5))
    guard = Guard(trainer)
    drive(trainer, 1000, guard=guard)
    report = guard.report
    assert report.suggested_stepsize is None and len(report.suggestion.tried) == 1
    assert f"no stepsize from {report.suggestion.tried[0]:g} trained 500 epochs" in report.line(5)
    assert report.as_json()["suggested_stepsize"] is None


def test_the_report_line_says_what_happened():
    rose = guard_module.GuardReport("rose", 21, 8.64e5, 0.454, 1.06, 0, 21, 0, "W1", 1.5e3)
    assert "rose to 8.64e+05 at epoch 21, 1.9e+06 times its best before it (0.454)" in rose.line(1.9)
    stayed = guard_module.GuardReport("stayed", 1, 46.9, 0.694, 0.694, 0, 500, 0, "W3", 4.7)
    line = stayed.line(200)
    assert "leapt from 0.694 at epoch 0 to 46.9 at epoch 1 and stayed up for 500 epochs" in line
    assert "times its best" not in line and "\n" not in line


def test_a_stop_cuts_the_trials_short_and_the_report_says_so():
    """The window's Stop (or Ctrl+C) during the trials ends them at once; the report does not pretend."""
    trainer = Trainer.new(TrainConfig(data="sine", layers=(1, 8, 1), activation="tanh", stepsize=5))
    guard = Guard(trainer)
    trainer.step(3)
    report = guard.check(lambda: True)  # the stop was asked for while the guard tripped
    assert report is not None and report.suggested_stepsize is None and report.suggestion.cut_short
    assert "were cut short before one finished" in report.line(5) and "try other settings" not in report.line(5)
    assert report.as_json()["suggested_stepsize"] is None


def test_a_trial_far_into_a_run_does_not_copy_its_history(monkeypatch):
    """Past EXACT_TRIALS epochs a trial starts its own epoch count (the same parameters, other mini-batches)."""
    trainer = Trainer.new(TrainConfig(data="sine", layers=(1, 8, 1), activation="tanh", stepsize=0.05, batch_size=0))
    trainer.step(300)
    guard = Guard(trainer)
    monkeypatch.setattr(guard_module, "EXACT_TRIALS", 100)
    assert guard.good_epoch == 300 and guard.trial(0.05, epochs=200) is True and guard.trial(50.0, epochs=200) is False
    monkeypatch.setattr(guard_module, "EXACT_TRIALS", 1000)
    assert guard.trial(0.05, epochs=200) is True and guard.trial(50.0, epochs=200) is False
    assert trainer.epoch == 300  # the real run was not moved
