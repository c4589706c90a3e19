"""The update rule: gradient descent is the notebook's θ − η·g to the bit; delta is what apply does; a rule registered
from a test alone is usable by name wherever a step is explained."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.explain import backprop_pass
from mlp_gui.core.one_weight import WeightRef, weight_step
from mlp_gui.core.update_rule import (
    UPDATE_RULES,
    GradientDescent,
    UpdateRule,
    layer_updates,
    register,
    rule_named,
)
from tests import toy_rules


class SignDescent(UpdateRule):
    """θ ← θ − η·sign(g): a toy rule, known only to this test."""

    name = "sign"

    def step(self, theta, grad, state, stepsize, out):
        return np.multiply(np.sign(grad), stepsize, out=out)


class HeavyBall(toy_rules.HeavyBall):
    """v ← μv + g, θ ← θ − η·v, and a count of the steps: a toy rule with state, known only to this test."""

    name = "heavy-ball"
    counter_names = ("t",)


@pytest.fixture
def toy_rules():
    """The two toy rules registered for one test, gone after it."""
    for rule in (SignDescent, HeavyBall):
        assert register(rule) is rule
    yield
    for rule in (SignDescent, HeavyBall):
        UPDATE_RULES.pop(rule.name)


def _buffers(seed: int, size: int = 1000, lead: tuple = ()):
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.uniform(-12, 12, size=lead + (size,))
    return rng.standard_normal(lead + (size,)) * scale, rng.standard_normal(lead + (size,)) * scale


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("stepsize", [0.1, 1e-7, 3.0, 1000.0])
def test_gradient_descent_is_the_notebooks_update_to_the_bit(seed, stepsize):
    theta, grad = _buffers(seed)
    notebook = theta - grad * stepsize  # the notebook's params[k] -= stepsize * grads[k], as the trainer wrote it
    hot = theta.copy()
    scratch = np.empty_like(hot)
    GradientDescent().apply(hot, grad, {}, stepsize, scratch)
    np.testing.assert_array_equal(hot, notebook, strict=True)
    alloc = theta.copy()
    GradientDescent().apply(alloc, grad, {}, stepsize)  # without a scratch buffer: the same
    np.testing.assert_array_equal(alloc, notebook, strict=True)


def test_gradient_descent_over_a_stack_takes_one_stepsize_per_run():
    theta, grad = _buffers(7, size=50, lead=(3,))
    stepsizes = np.array([[0.01], [1.0], [0.0]])
    stacked = theta.copy()
    GradientDescent().apply(stacked, grad, GradientDescent().new_state(50, (3,)), stepsizes, np.empty_like(stacked))
    np.testing.assert_array_equal(stacked, np.subtract(theta, grad * stepsizes), strict=True)
    np.testing.assert_array_equal(stacked[2], theta[2])  # a finished run (stepsize 0) stays put


@pytest.mark.parametrize("make", [GradientDescent, SignDescent, HeavyBall])
def test_delta_is_the_change_apply_makes_and_changes_nothing(make):
    rule = make()
    theta, grad = _buffers(3)
    state = rule.new_state(theta.size)
    for _ in range(4):  # from a fresh state and from ones that have moved
        before = theta.copy(), {k: v.copy() for k, v in state.items()}
        change = rule.delta(theta, grad, state, 0.1)
        np.testing.assert_array_equal(theta, before[0])
        assert all(np.array_equal(state[k], before[1][k]) for k in state)
        rule.apply(theta, grad, state, 0.1, np.empty_like(theta))
        np.testing.assert_array_equal(before[0] + change, theta, strict=True)
        grad = np.roll(grad, 1)
    if make is GradientDescent:
        np.testing.assert_array_equal(rule.delta(theta, grad, state, 0.1), -(grad * 0.1), strict=True)


def test_state_is_named_arrays_and_counters_one_per_run(toy_rules):
    rule = rule_named("heavy-ball", momentum=0.5)
    assert rule.momentum == 0.5 and GradientDescent().new_state(10) == {}
    state = rule.new_state(10)
    assert set(state) == {"velocity", "t"} and state["velocity"].shape == (10,) and state["t"].shape == ()
    assert state["velocity"].dtype == np.float64 and state["t"].dtype == np.int64
    stacked = rule.new_state(10, (4,))
    assert stacked["velocity"].shape == (4, 10) and stacked["t"].shape == (4,)
    theta, grad = _buffers(1, size=10)
    rule.apply(theta, grad, state, 0.1)
    rule.apply(theta, grad, state, 0.1)
    assert int(state["t"]) == 2 and rule.check_state(state, 10) is None


def test_a_bad_state_is_named_in_one_line(toy_rules):
    rule = rule_named("heavy-ball")
    assert rule.check_state({}, 10) == "the heavy-ball update keeps velocity, t, not none"
    assert GradientDescent().check_state({"velocity": np.zeros(10)}, 10) == "the gd update keeps none, not velocity"
    bad = rule.new_state(10)
    bad["velocity"][3] = np.nan
    assert rule.check_state(bad, 10) == "the heavy-ball state 'velocity' is not 10 finite numbers"
    assert rule.check_state(rule.new_state(9), 10) == "the heavy-ball state 'velocity' is not 10 finite numbers"
    bad = rule.new_state(10)
    bad["t"] = np.array(-1)
    assert rule.check_state(bad, 10) == "the heavy-ball counter 't' is not a count"


def test_a_rule_registered_from_a_test_explains_the_next_step_by_name(toy_rules):
    trainer = Trainer.new(TrainConfig())
    trainer.step(40)
    model, eta = trainer.config.model, 0.1
    sign = rule_named("sign")
    step = backprop_pass(model, trainer.layers, trainer.x, trainer.y, eta, rule=sign)
    for layer, grad in zip(step.layers, trainer.grads):
        np.testing.assert_array_equal(layer.update.W, -(np.sign(grad.W) * eta), strict=True)
        np.testing.assert_array_equal(layer.update.b, -(np.sign(grad.b) * eta), strict=True)
    ref = WeightRef(2, 1, 3)
    explained = weight_step(model, trainer.layers, trainer.x, trainer.y, eta, ref, trainer.epoch, rule=sign)
    assert explained.next_value == ref.of(trainer.layers) - np.sign(ref.of(trainer.grads)) * eta
    theta = model.layout.pack(trainer.layers)
    sign.apply(theta, model.layout.pack(trainer.grads), {}, eta)
    assert explained.next_value == ref.of(model.layout.views(theta))  # the step the rule takes, to the bit


def test_the_next_step_of_a_rule_with_state_starts_from_that_state(toy_rules):
    trainer = Trainer.new(TrainConfig())
    layout, ball = trainer.config.model.layout, rule_named("heavy-ball", momentum=0.5)
    state = ball.new_state(layout.size)
    state["velocity"][:] = 1.0
    updates = layer_updates(trainer.layers, trainer.grads, 0.1, rule=ball, state=state)
    np.testing.assert_array_equal(updates[0].W, -((0.5 + trainer.grads[0].W) * 0.1), strict=True)
    assert int(state["t"]) == 0 and (state["velocity"] == 1.0).all()  # explaining a step takes none
    plain = layer_updates(trainer.layers, trainer.grads, 0.1)
    np.testing.assert_array_equal(plain[2].b, -(trainer.grads[2].b * 0.1), strict=True)


def test_the_registry_names_its_rules_and_refuses_a_second_rule_of_one_name(toy_rules):
    assert {"gd", "sign", "heavy-ball"} <= set(UPDATE_RULES)
    assert isinstance(rule_named("gd"), GradientDescent)
    register(SignDescent)  # the same class again: nothing changes

    class OtherSign(SignDescent):
        pass

    with pytest.raises(ValueError, match="an update rule named 'sign' is already registered"):
        register(OtherSign)

    class Nameless(UpdateRule):
        pass

    with pytest.raises(ValueError, match="Nameless needs a name"):
        register(Nameless)
    with pytest.raises(ValueError,
                       match="unknown update rule 'adamw'; choose one of gd, momentum, nesterov, rmsprop, adam, sign, heavy-ball"):
        rule_named("adamw")


def test_a_runs_rule_comes_from_its_settings_or_its_file_in_one_place(toy_rules):
    """rule_for: settings that name an optimizer (as issue 19's will) make it with their own numbers; settings that
    name none take what a run file kept; neither is gradient descent. A file contradicting the settings is refused."""
    from dataclasses import dataclass

    from mlp_gui.core.update_rule import rule_for

    @dataclass(frozen=True)
    class Settings:
        optimizer: str = "heavy-ball"
        momentum: float = 0.25

    made = rule_for(Settings())
    assert isinstance(made, HeavyBall) and made.momentum == 0.25
    assert rule_for(Settings(), made.as_dict()).as_dict() == {"name": "heavy-ball", "momentum": 0.25}
    with pytest.raises(ValueError, match=r"the file's update rule 'heavy-ball' \(momentum=0.5\) is not the settings' "):
        rule_for(Settings(), {"name": "heavy-ball", "momentum": 0.5})
    assert isinstance(rule_for(TrainConfig()), GradientDescent)
    with pytest.raises(ValueError, match=r"the file's update rule 'momentum' \(momentum=0.5\) is not the settings' 'gd'"):
        rule_for(TrainConfig(), {"name": "momentum", "momentum": 0.5})  # a run's settings name its optimizer (gd too)
    # a rule no setting can name (a plug-in's) is the file's, under settings at the default gd
    assert rule_for(TrainConfig(), {"name": "heavy-ball", "momentum": 0.5}).momentum == 0.5

    @dataclass(frozen=True)
    class Unnamed:  # settings that name no optimizer: the file's rule
        layers: tuple = (3, 4, 2)

    assert rule_for(Unnamed(), {"name": "heavy-ball", "momentum": 0.5}).momentum == 0.5
    with pytest.raises(ValueError, match="the heavy-ball update's momentum must be a finite number, not nan"):
        rule_for(Unnamed(), {"name": "heavy-ball", "momentum": float("nan")})
    with pytest.raises(ValueError, match="the update rule has no name"):
        rule_for(Unnamed(), {"momentum": 0.5})
