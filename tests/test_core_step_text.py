"""One weight's next step written with its own numbers, for every optimizer: each line's arithmetic gives the step's
own numbers (to the nine digits printed), and the formulas carry the penalty when there is one."""

import math

import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.one_weight import WeightRef, weight_step
from mlp_gui.core.step_text import step_lines, stepsize_line, update_clause, update_formula, update_heading
from mlp_gui.core.update_rule import GradientDescent


def explained(optimizer: str, **settings):
    trainer = Trainer.new(TrainConfig(optimizer=optimizer, stepsize=0.1, **settings))
    trainer.step(9)
    snap = trainer.snapshot()
    ref = WeightRef(2, 1, 3)
    step = weight_step(trainer.config.model, snap.layers, trainer.x, trainer.y, snap.stepsize_at(0.1), ref, snap.epoch,
                       rule=snap.rule, state=snap.rule_state)
    return snap.rule, step, step_lines(snap.rule, step.parts, ref.name, step.value)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "rmsprop", "adam"])
def test_the_last_line_computes_the_next_value(optimizer):
    rule, step, lines = explained(optimizer, l2=0.01)
    last = lines[-1].rsplit("=", 1)[1]
    value = eval(last.replace("−", "-").replace("×", "*"))  # the printed arithmetic, done again
    assert math.isclose(value, step.next_value, rel_tol=1e-7)
    assert lines[0].startswith("g = ∂L/∂W2[1, 3] + λ₂·w")


def test_adams_lines_hold_its_state_and_corrections():
    rule, step, lines = explained("adam")
    text = "\n".join(lines)
    assert "t = 10 " in text
    assert f"= {step.parts.after['exp_avg']:.9g}" in text and f"= {step.parts.after['exp_avg_sq']:.9g}" in text
    assert f"/ {1 - 0.9 ** 10:.9g} =" in text


def test_formulas_name_the_rule_and_its_penalty():
    assert update_formula(GradientDescent()) == ""
    assert update_clause(GradientDescent(), 0.3) == "ΔW = −0.3·∂L/∂W"
    rule, _, _ = explained("momentum", l1=0.001)
    assert update_formula(rule) == "v ← μ·v + g;  ΔW = −stepsize · v;  g = ∂L/∂W + λ₁·sign(W)"
    assert update_clause(rule, 0.05) == "ΔW = −0.05 · v, with L1"  # short: it heads a column of heatmaps
    adam, _, _ = explained("adam")
    assert update_clause(adam, 0.01) == "ΔW: adam step, η = 0.01"
    assert "m̂" not in update_formula(adam) and "m/(1−β₁ᵗ)" in update_formula(adam)


def test_the_update_heading_shortens_in_steps_and_keeps_the_rule_the_stepsize_and_the_penalty():
    adam, _, _ = explained("adam", l1=0.001)
    forms = update_heading(adam, 0.01)
    assert forms[0] == ("update ΔW: adam step, η = 0.01, with L1",)
    assert ("ΔW: adam step, η = 0.01", "with L1") in forms  # the rule and η on one line, the penalty on the next
    assert forms[-2:] == (("adam, η = 0.01", "with L1"), ("adam, L1", "η = 0.01"))  # the narrowest keep η too
    assert all(len(form) <= 2 for form in forms)
    assert update_heading(GradientDescent(), 0.3) == (("update ΔW = −0.3·∂L/∂W",), ("update", "ΔW = −0.3·∂L/∂W"),
                                                     ("ΔW =", "−0.3·∂L/∂W"))
    momentum, _, _ = explained("momentum", l2=0.01, l1=0.001)
    assert update_heading(momentum, 0.05)[-2:] == (("ΔW = −0.05 · v", "with L1 and L2"), ("momentum, L1 and L2", "η = 0.05"))


def test_the_stepsize_line_says_the_decay():
    from mlp_gui.core.schedule import StepDecay

    assert stepsize_line(0.1, StepDecay(), 250) == "η = 0.1"
    assert stepsize_line(0.1, StepDecay(100, 0.5), 250) == "η = 0.1 × 0.5^⌊250/100⌋ = 0.1 × 0.5^2 = 0.025"
