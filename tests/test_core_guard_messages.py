"""What the divergence guard's report says: numbers that differ never print the same, the level a loss stayed up at,
the layer whose gradient grew (W and b together) and which of the two holds it, and 2/λ_max beside the stepsize."""

import math

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core import guard as guard_module
from mlp_gui.core.driver import Halt, drive
from mlp_gui.core.guard import Guard, GuardReport, Suggestion, distinct_digits, part_norms, stable_stepsize
from mlp_gui.core.hessian import CancelledError, sharpness


def test_different_numbers_get_the_digits_that_tell_them_apart():
    assert distinct_digits(0.8866409990513697, 0.8866420203980344) == ("0.886641", "0.886642")
    assert distinct_digits(0.694, 46.9) == ("0.694", "46.9")  # three digits when they already differ
    assert distinct_digits(1.0, 1.0) == ("1", "1")  # equal numbers print equal
    a, b = distinct_digits(1.0, math.nextafter(1.0, 2.0))
    assert a != b and float(a) == 1.0 and float(b) == math.nextafter(1.0, 2.0)


@pytest.fixture(scope="module")
def slow_climb():
    """The reviewer's run: the notebook's network at stepsize 0.1 for 2,000 epochs, then 2. The loss leaves 0.88664100
    at epoch 2,016 by a millionth (0.88664202) and climbs to about 14 by 2,100; the guard stops it at 2,515."""
    trainer = Trainer.new(TrainConfig(stepsize=0.1), capacity=6000)
    trainer.step(2000)
    trainer.set_stepsize(2)
    guard = Guard(trainer)
    good_grads = part_norms(trainer.grads)
    with pytest.MonkeyPatch.context() as patch:  # the trials' time budget is for the window; here, patience
        patch.setattr(guard_module, "TRIAL_SECONDS", 120.0)
        patch.setattr(guard_module, "CURVATURE_SECONDS", 120.0)
        assert drive(trainer, 6000, guard=guard) is Halt.GUARDED
    return trainer, guard, good_grads


def test_a_loss_that_left_its_start_slowly_names_both_numbers_apart_and_the_level_it_stayed_at(slow_climb):
    trainer, guard, _ = slow_climb
    report = guard.report
    assert (report.kind, report.start_epoch, report.epoch, report.stopped_at) == ("stayed", 2000, 2016, 2515)
    line = report.line(2)
    assert "the loss rose from 0.886641 at epoch 2,000 to 0.886642 at epoch 2,016" in line
    level = float(np.median(trainer.loss_history[2016:2516]))
    assert 10 < level < 20 and f"stayed up for 500 epochs, at a median of {level:.3g} (never back to 0.886641," in line
    assert "0.887" not in line


def test_the_layer_is_named_with_its_w_and_b_and_the_one_that_grew(slow_climb):
    """∂L/∂W3 is about 0.01 after the climb (the window shows 0.00); ∂L/∂b3 is about 5, grown a million-fold."""
    trainer, guard, good = slow_climb
    report = guard.report
    (w0, b0), (w, b) = good[2], part_norms(trainer.grads)[2]
    assert b / b0 > 1e6 and w / w0 < 1e4 and b > 100 * w  # what is true: the growth is in b3
    line = report.line(2)
    assert (f"the gradient of layer 3 (W3, b3) grew most ({report.growth:.1e}x since epoch 2,000), nearly all of it in "
            f"∂L/∂b3 ({b / b0:.1e}x; ∂L/∂W3 {w / w0:.1e}x)") in line and "W3's gradient" not in line
    assert report.as_json()["gradient_mostly_in"] == "b3" and report.as_json()["layer"] == "W3"


def test_the_suggestion_uses_lambda_max_shows_two_over_it_and_trains(slow_climb):
    trainer, guard, _ = slow_climb
    report = guard.report
    lam = sharpness(trainer.config.model, guard.good_params(), trainer.x, trainer.y)
    assert report.suggestion.sharpness == pytest.approx(lam, rel=1e-12)
    assert report.suggestion.tried[0] == float(f"{1 / lam:.3g}")  # the first candidate is 1/λ_max
    assert (f"(now 2; 2/λ_max = {2 / lam:.3g}, λ_max the largest eigenvalue of the loss's Hessian there "
            "(Lanczos, as the Gradient flow tab's sharpness plot))") in report.line(2)
    assert report.as_json()["sharpness"] == report.suggestion.sharpness
    copy = Trainer.new(TrainConfig(stepsize=0.1), capacity=30_000)
    copy.step(2000)
    copy.set_stepsize(report.suggested_stepsize)
    again = Guard(copy)
    assert drive(copy, 22_000, guard=again) is Halt.DONE and again.report is None  # the offered stepsize trains


def test_a_stop_interrupts_the_curvature_estimate():
    trainer = Trainer.new(TrainConfig(data="sine", layers=(1, 16, 16, 1), activation="tanh"))
    asked = []
    with pytest.raises(CancelledError):
        stable_stepsize(trainer.config.model, trainer.layers, trainer.x, trainer.y,
                        should_stop=lambda: asked.append(1) or len(asked) > 2)
    assert len(asked) == 3  # asked as it went, and it stopped at the first yes
    blowing_up = Trainer.new(trainer.config.with_changes(stepsize=5))
    guard = Guard(blowing_up)
    blowing_up.step(3)
    report = guard.check(lambda: True)  # Stop while the guard trips: not even the curvature is estimated
    assert report.suggestion.cut_short and report.suggestion.tried == () and report.suggested_stepsize is None


def test_a_layer_whose_w_holds_its_gradient_and_one_with_neither():
    w_only = GuardReport("rose", 5, 1e9, 1.0, 1.0, 0, 5, 4, "W2", 3e3, part_growth=(3e3, 2.0), mostly_in="W")
    assert ("the gradient of layer 2 (W2, b2) grew most (3.0e+03x since epoch 4), nearly all of it in ∂L/∂W2 (3.0e+03x; "
            "∂L/∂b2 2.0e+00x)") in w_only.line(1)
    both = GuardReport("rose", 5, 1e9, 1.0, 1.0, 0, 5, 4, "W1", 50.0, part_growth=(40.0, 0.0))
    assert "the gradient of layer 1 (W1, b1) grew most (5.0e+01x since epoch 4): ∂L/∂W1 4.0e+01x, ∂L/∂b1 now 0" in both.line(1)
    assert both.as_json()["gradient_mostly_in"] is None


def test_counts_in_the_messages_are_singular_for_one():
    assert "a stepsize of 0.1 trained 1 epoch from epoch 7" in Suggestion((0.1,), found=True, epochs=1).phrase(7, 1.0)
    assert "2/λ_max = 0.5," in Suggestion((0.1,), found=True, epochs=1, sharpness=4.0).phrase(7, 1.0)
    none = Suggestion((0.5, 0.25), found=False, epochs=1)
    assert "no stepsize from 0.5 down to 0.25 trained 1 epoch from epoch 7" in none.phrase(7, 1.0)
    assert "λ_max, the largest eigenvalue of the loss's Hessian, could not be estimated there" in none.phrase(7, 1.0)
