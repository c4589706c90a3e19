"""Kernel.trace: one forward, loss and backward with every array kept, the same numbers as the trainer's hot loop."""

import warnings

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.explain import backprop_pass
from mlp_gui.core.model import ACTIVATIONS, HEADS, Layer, Model, copy_layers
from mlp_gui.core.network import Kernel, bias_columns, loss_and_grads, predict


def _composed(kernel: Kernel, layers, x, y):
    """The pass as the explainers composed it before the trace: forward, loss and δ, backward keeping each δ."""
    columns = bias_columns(layers)
    with np.errstate(all="ignore"):
        zs, acts = kernel.forward(columns, x)
        loss, delta = kernel.loss_and_delta(zs[-1], acts[-1], y)
        grads, deltas = copy_layers(layers), [None] * len(layers)
        kernel.backward(columns, zs, acts, delta, grads, deltas)
    return loss, zs, acts, deltas, grads


def _assert_same(a, b):
    assert len(a) == len(b)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q, strict=True)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("head", sorted(HEADS), ids=lambda h: f"{h[0]}+{h[1]}")
def test_the_trace_is_the_composed_pass_bit_for_bit(activation, head):
    model = Model((3, 5, 4, 3), (activation,), output=head[0], loss=head[1], init="xavier")
    rng = np.random.RandomState(2)
    layers = [Layer(W, rng.randn(*b.shape) * 0.1) for W, b in model.init_weights(rng)]
    x = rng.randn(3, 7)
    y = np.eye(3)[:, rng.randint(0, 3, 7)]
    kernel = Kernel(model)
    traced = kernel.trace(layers, x, y)
    loss, zs, acts, deltas, grads = _composed(kernel, layers, x, y)
    assert traced.loss == loss and traced.prediction is traced.acts[-1]
    _assert_same(traced.zs, zs)
    _assert_same(traced.acts, acts)
    _assert_same(traced.deltas, deltas)
    _assert_same([a for g in traced.grads for a in g], [a for g in grads for a in g])
    got = kernel.loss_and_grads(layers, x, y)
    assert got[0] == loss
    _assert_same([a for g in got[1] for a in g], [a for g in grads for a in g])


@pytest.mark.parametrize("settings", [{}, {"layers": (3, 5, 4, 2), "activation": "tanh,relu", "stepsize": 0.3},
                                      {"layers": (2, 16, 16, 2), "batch_size": 9, "activation": "relu", "init": "he"}])
def test_the_trace_gives_the_trainers_own_gradients(settings):
    """The hot loop writes its gradients in place into the flat buffer; the trace allocates: the same bits."""
    trainer = Trainer.new(TrainConfig(**settings))
    trainer.step(123)
    traced = Kernel(trainer.config.model).trace(trainer.layers, trainer.x, trainer.y)
    assert float(traced.loss) == trainer.loss
    _assert_same([a for g in traced.grads for a in g], trainer.flat_grads)
    step = backprop_pass(trainer.config.model, trainer.layers, trainer.x, trainer.y, trainer.stepsize)
    _assert_same([layer.delta for layer in step.layers], traced.deltas)
    _assert_same([layer.z for layer in step.layers], traced.zs)


def test_a_pass_that_blows_up_gives_inf_or_nan_and_never_an_error_or_a_warning():
    """One policy, stated once: whatever the caller's own setting, a pass is quiet about floats."""
    model = Model((2, 3, 1))
    layers = [Layer(np.full((3, 2), 1e200), np.zeros(3)), Layer(np.array([[1e200, -1e200, np.inf]]), np.zeros(1))]
    x, y = np.ones((2, 4)), np.zeros((1, 4))
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        traced = Kernel(model).trace(layers, x, y)
        loss, _ = loss_and_grads(model, layers, x, y)
        out = predict(model, layers, x)
    assert not np.isfinite(traced.loss) and not np.isfinite(loss) and not np.isfinite(out).all()


def test_the_trace_keeps_new_arrays_and_leaves_the_parameters_alone():
    trainer = Trainer.new(TrainConfig())
    before = [a.copy() for a in trainer.params]
    traced = Kernel(trainer.config.model).trace(trainer.layers, trainer.x, trainer.y)
    assert not any(np.shares_memory(g, p) for layer in traced.grads for g in layer for p in trainer.params + trainer.flat_grads)
    _assert_same(trainer.params, before)
    assert traced.acts[0] is trainer.x and len(traced.zs) == len(traced.deltas) == len(traced.grads) == 3
