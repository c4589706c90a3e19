"""Backprop agrees with central finite differences; a wrong gradient is caught."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer, gradcheck
from mlp_gui.core.gradcheck import gradient_check, relative_error


@pytest.mark.parametrize(
    "cfg",
    [TrainConfig(), TrainConfig(layers=(3, 6, 5, 4, 2), batch_size=7, seed=1), TrainConfig(layers=(5, 8, 8, 8, 8, 3), batch_size=4)],
    ids=["notebook", "deeper", "deepest"],
)
def test_backprop_matches_finite_differences(cfg):
    trainer = Trainer.new(cfg)
    results = gradient_check(trainer.params, trainer.x, trainer.y)
    assert [r.name for r in results] == trainer.names
    for r in results:
        assert r.rel_error < 1e-6, (r.name, r.rel_error)
        assert r.passed
        assert r.checked == r.total  # small nets: every entry


def test_after_some_training_still_agrees():
    trainer = Trainer.new(TrainConfig())
    trainer.step(5000)
    assert max(r.rel_error for r in gradient_check(trainer.params, trainer.x, trainer.y)) < 1e-6


def test_a_wrong_backprop_is_caught(monkeypatch):
    trainer = Trainer.new(TrainConfig())
    real = gradcheck.backprop_grads

    def off_by_a_factor(model, layers, x, y):
        grads = real(model, layers, x, y)
        grads[2] = grads[2] * 1.01  # W2's gradient 1% too large
        return grads

    monkeypatch.setattr(gradcheck, "backprop_grads", off_by_a_factor)
    results = {r.name: r for r in gradient_check(trainer.params, trainer.x, trainer.y)}
    assert results["W2"].rel_error == pytest.approx(0.01 / 1.01, rel=1e-3)
    assert not results["W2"].passed
    assert results["W1"].passed


def test_large_arrays_are_sampled_including_the_largest_gradient():
    trainer = Trainer.new(TrainConfig(layers=(40, 30, 2), batch_size=3))
    results = gradient_check(trainer.params, trainer.x, trainer.y, max_entries=16)
    w1 = results[0]
    assert w1.total == 1200 and w1.checked == 16
    largest = np.unravel_index(np.argmax(np.abs(trainer.grads[0].W)), trainer.grads[0].W.shape)
    assert tuple(int(i) for i in largest) in w1.indices
    assert all(r.rel_error < 1e-6 for r in results)


def test_parameters_are_not_modified():
    trainer = Trainer.new(TrainConfig())
    before = [p.copy() for p in trainer.params]
    gradient_check(trainer.params, trainer.x, trainer.y)
    for a, b in zip(before, trainer.params):
        np.testing.assert_array_equal(a, b)


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0, 0.0]), np.array([1.0, 1e-9])) == pytest.approx(1e-9)
