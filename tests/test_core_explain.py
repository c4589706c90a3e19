"""The explanation of a step is the kernel's own numbers; fingerprints name runs."""

import numpy as np

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.explain import backprop_pass, fingerprint


def test_the_laid_out_step_is_the_step_the_trainer_takes():
    cfg = TrainConfig(layers=(3, 5, 4, 2), activation="tanh,relu", stepsize=0.3)
    trainer = Trainer.new(cfg)
    trainer.step(7)
    step = backprop_pass(cfg.model, trainer.layers, trainer.x, trainer.y, cfg.stepsize)
    assert step.loss == trainer.loss
    for layer, grad in zip(step.layers, trainer.grads):
        np.testing.assert_array_equal(layer.grad.W, grad.W)
        np.testing.assert_array_equal(layer.grad.b, grad.b)
        np.testing.assert_array_equal(layer.grad.W, layer.delta @ layer.a_prev.T)  # ∂L/∂W = δ aᵀ
    before = [w.W.copy() for w in trainer.layers]
    trainer.step(1)
    for layer, old, new in zip(step.layers, before, trainer.layers):
        np.testing.assert_array_equal(old + layer.update.W, new.W)  # the next step adds exactly ΔW
    assert [s.activation for s in step.layers] == ["tanh", "relu", "identity"]
    assert step.layers[0].z.shape == (5, 5) and step.layers[-1].delta.shape == (2, 5)


def test_fingerprints_tell_runs_apart_and_survive_a_save():
    a, b = Trainer.new(TrainConfig()), Trainer.new(TrainConfig(seed=1))
    fa = fingerprint(a.config, a.initial_layers)
    assert len(fa) == 12 and fa == fingerprint(TrainConfig(), Trainer.new(TrainConfig()).initial_layers)
    assert fa != fingerprint(b.config, b.initial_layers)
    assert fa != fingerprint(a.config.with_changes(stepsize=0.2), a.initial_layers)
