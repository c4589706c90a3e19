"""Every view that shows the next step shows the run's update rule's (issue 18, item 1): the heatmaps' ΔW column,
the one-weight panel's next value, the gradient-flow update norms and the Backprop tab's updates equal what
``rule.delta`` gives for a rule with memory registered here alone (not −stepsize·∂L/∂W), and stay bit for bit
−stepsize·∂L/∂W for plain gradient descent."""

import types

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.explain import layer_norms
from mlp_gui.core.flat_layout import FlatLayout
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.core.update_rule import UPDATE_RULES, UpdateRule, register
from mlp_gui.gui.backprop_view import BackpropView
from mlp_gui.gui.gradient_flow import GradientFlowView
from mlp_gui.gui.heatmaps import HeatmapPanel
from mlp_gui.gui.session import RunReset
from mlp_gui.gui.weight_panel import WeightPanel
from tests.gui_helpers import shown
from tests.hover_checks import hover_text

STEPSIZE = 0.3


class HalfMomentum(UpdateRule):
    """v ← v/2 + g, θ ← θ − η·v: a rule with state, known only to this test."""

    name = "test-view-half-momentum"
    formula = "v ← v/2 + ∂L/∂W;  ΔW = −stepsize · v"
    state_names = ("velocity",)

    def step(self, theta, grad, state, stepsize, out):
        v = state["velocity"]
        np.multiply(v, 0.5, out=v)
        np.add(v, grad, out=v)
        return np.multiply(v, stepsize, out=out)


@pytest.fixture
def momentum():
    """The rule registered for one test, gone after it."""
    register(HalfMomentum)
    yield HalfMomentum()
    UPDATE_RULES.pop(HalfMomentum.name)


def trained(rule=None, epochs=40) -> Trainer:
    """The notebook's run (full batch) at STEPSIZE, ``epochs`` in, with ``rule`` (gradient descent by default)."""
    trainer = Trainer.new(TrainConfig(stepsize=STEPSIZE), rule=rule)
    trainer.step(epochs)
    return trainer


def next_step(trainer: Trainer):
    """The trainer's snapshot now, and its parameters (flat) after the next step, which it then takes."""
    snap = trainer.snapshot()
    trainer.step(1)
    return snap, trainer.layout.pack(trainer.layers)


def rule_delta(snap) -> np.ndarray:
    """What ``snap``'s rule says its next step adds to the parameters (flat)."""
    layout = FlatLayout.for_layers(snap.layers)
    return snap.rule.delta(layout.pack(snap.layers), layout.pack(snap.grads), snap.rule_state, STEPSIZE)


def reset_of(trainer: Trainer, snap) -> RunReset:
    return RunReset(trainer.config, 1000, snap, trainer.x.copy(), trainer.y.copy(), trainer.loss_history.copy(),
                    None, trainer.data, {})


def heatmap_updates(qtbot, snap) -> HeatmapPanel:
    panel = shown(qtbot, HeatmapPanel(), 600, 700)
    panel.set_stepsize(STEPSIZE)
    panel.set_show_updates(True)
    panel.show_snapshot(snap, now=True)
    return panel


def test_the_heatmaps_update_column_is_the_rules_delta(qtbot, momentum):
    trainer = trained(momentum)
    snap, after = next_step(trainer)
    expected = FlatLayout.for_layers(snap.layers).views(rule_delta(snap))
    panel = heatmap_updates(qtbot, snap)
    assert panel.shown is snap and len(panel.updates) == 3
    for view, change, grad in zip(panel.updates, expected, snap.grads):
        np.testing.assert_array_equal(view.matrix, change.W, strict=True)
        np.testing.assert_array_equal(view.bias, change.b, strict=True)
        assert not np.array_equal(view.matrix, -STEPSIZE * grad.W)  # not gradient descent's step
    shown_change = [a for view in panel.updates for a in (view.matrix, view.bias)]
    np.testing.assert_array_equal(trainer.layout.pack(snap.layers) + np.concatenate([a.ravel() for a in shown_change]),
                                  after)  # the parameters the run's next step gives, to the bit
    heading = panel.headers[2].full_text  # the rule's ΔW with the stepsize's number; the whole formula in the hover
    assert "ΔW = −0.3 · v" in heading and "−0.3·∂L/∂W" not in heading
    text = hover_text(panel.updates[0], 2, 0)
    assert text.startswith(f"ΔW1[2, 0] = {float(expected[0].W[2, 0])!r}   (by {HalfMomentum.formula})") and "×" not in text


def test_for_gradient_descent_the_update_column_stays_minus_stepsize_times_the_gradient(qtbot):
    snap, _ = next_step(trained())
    panel = heatmap_updates(qtbot, snap)
    for view, grad in zip(panel.updates, snap.grads):
        np.testing.assert_array_equal(view.matrix, -STEPSIZE * grad.W, strict=True)
        np.testing.assert_array_equal(view.bias, -STEPSIZE * grad.b, strict=True)
    assert "ΔW = −0.3·∂L/∂W" in panel.headers[2].full_text
    assert hover_text(panel.updates[0], 2, 0).startswith(f"ΔW1[2, 0] = {float(-STEPSIZE * snap.grads[0].W[2, 0])!r} = −0.3 ×")


@pytest.mark.parametrize("with_rule", [True, False], ids=["momentum", "gd"])
def test_the_weight_panels_next_value_is_the_runs_next_value(qtbot, request, with_rule):
    rule = request.getfixturevalue("momentum") if with_rule else None
    trainer = trained(rule)
    snap, after = next_step(trainer)
    ref = WeightRef(2, 1, 3)
    session = types.SimpleNamespace(snapshot=snap, weight_history=lambda ref: None, diverged_at=None, epoch=snap.epoch)
    panel = shown(qtbot, WeightPanel(session), 900, 300)
    panel.set_run(reset_of(trainer, snap))
    panel.explain(ref)
    qtbot.waitUntil(lambda: panel.step is not None, timeout=5000)
    at = ref.index(trainer.config.layers)
    assert panel.step.next_value == after[at]  # what the trainer's next step gave W2[1, 3], to the bit
    assert panel.step.change == rule_delta(snap)[at]
    text = panel.text.text()
    assert repr(float(after[at])) in text
    if with_rule:
        assert f"by {HalfMomentum.formula}" in text and "− η · ∂L/∂W2[1, 3]" not in text
        assert panel.step.next_value != float(snap.layers[1].W[1, 3] - STEPSIZE * snap.grads[1].W[1, 3])
    else:
        assert "W2[1, 3] − η · ∂L/∂W2[1, 3] = " in text
        assert panel.step.next_value == float(snap.layers[1].W[1, 3] - snap.grads[1].W[1, 3] * STEPSIZE)  # the notebook's


def test_the_gradient_flows_update_norms_are_the_rules(momentum):
    trainer = trained(momentum)
    snap, after = next_step(trainer)
    starts = np.asarray(trainer.layout.layer_starts)
    change = rule_delta(snap)
    got = GradientFlowView.measures(snap, STEPSIZE)
    np.testing.assert_array_equal(got.update[0], np.sqrt(np.add.reduceat(change * change, starts)), strict=True)
    moved = after - trainer.layout.pack(snap.layers)
    np.testing.assert_allclose(got.update[0], [np.linalg.norm(moved[s]) for s in trainer.layout.layer_slices], rtol=1e-9)
    assert not np.allclose(got.update[0], STEPSIZE * np.array(layer_norms(snap.grads)), rtol=1e-3)


def test_for_gradient_descent_the_update_norms_stay_stepsize_times_the_gradient_norms():
    snap, _ = next_step(trained())
    got = GradientFlowView.measures(snap, STEPSIZE)
    np.testing.assert_array_equal(got.update, abs(STEPSIZE) * np.array([layer_norms(snap.grads)]), strict=True)


def test_the_backprop_views_updates_are_the_rules(qtbot, momentum):
    trainer = trained(momentum)
    snap, _ = next_step(trainer)
    view = shown(qtbot, BackpropView(), 900, 650)
    view.set_run(reset_of(trainer, snap))
    qtbot.waitUntil(lambda: view.step is not None, timeout=5000)
    expected = FlatLayout.for_layers(snap.layers).views(rule_delta(snap))  # the notebook's 5 samples: all shown
    for layer, change in zip(view.step.layers, expected):
        np.testing.assert_array_equal(layer.update.W, change.W, strict=True)
        np.testing.assert_array_equal(layer.update.b, change.b, strict=True)
