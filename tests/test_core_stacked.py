"""A stacked sweep gives each run exactly the numbers of its own Trainer."""

import numpy as np
import pytest

from mlp_gui.core import ConfigError, TrainConfig, Trainer
from mlp_gui.core.stacked import StackedTrainer, can_stack


def test_each_run_matches_its_own_trainer_bit_for_bit():
    configs = [TrainConfig(stepsize=0.01), TrainConfig(stepsize=1.0), TrainConfig(seed=7), TrainConfig(stepsize=1000)]
    epochs = [3000, 3000, 1000, 3000]  # the third stops early; the last diverges
    stacked = StackedTrainer(configs, epochs)
    chunks = [[] for _ in configs]
    while not stacked.done:
        for k, new in enumerate(stacked.step(700)):
            chunks[k].append(new)
    for k, cfg in enumerate(configs):
        alone = Trainer.new(cfg)
        alone.step(epochs[k])
        np.testing.assert_array_equal(stacked.loss_history(k), alone.loss_history)
        np.testing.assert_array_equal(np.concatenate(chunks[k]), alone.loss_history[1:])
        assert stacked.diverged_at[k] == alone.diverged_at
        if alone.diverged_at is None:
            for a, b in zip(stacked.run_state(k)[0], alone.layers):
                np.testing.assert_array_equal(a.W, b.W)
                np.testing.assert_array_equal(a.b, b.b)
    assert stacked.diverged_at[3] is not None
    after = stacked.step(100)  # every run has ended: nothing more is trained
    assert len(after) == len(configs) and all(len(c) == 0 for c in after)
    assert stacked.epoch == 3000


def test_the_stack_shares_the_single_runs_buffers_layout():
    stacked = StackedTrainer([TrainConfig(stepsize=0.1), TrainConfig(stepsize=0.2)], [10, 10])
    flat = stacked.layers[0].W.base  # every W and b is a view of one (runs, parameters) buffer
    assert flat is not None and flat.shape == (2, stacked.layout.size)
    for layer in stacked.layers:
        assert layer.W.base is flat and layer.b.base is flat and layer.W.shape[0] == 2
    stacked.layers[1].W[1, 2, 3] = 42.0  # written through the view: the second run's W2[2, 3] in its flat row
    assert flat[1, stacked.layout.index(2, 2, 3)] == 42.0 and stacked.run_state(1)[0][1].W[2, 3] == 42.0


def test_only_same_shapes_stack():
    assert can_stack([TrainConfig(stepsize=0.1), TrainConfig(seed=3, stepsize=2.0)])
    assert not can_stack([TrainConfig(), TrainConfig(layers=(3, 8, 2))])
    assert not can_stack([TrainConfig(), TrainConfig(batch_size=6)])
    with pytest.raises(ConfigError, match="same"):
        StackedTrainer([TrainConfig(), TrainConfig(batch_size=6)], [1, 1])
    with pytest.raises(ConfigError, match="at least one"):
        StackedTrainer([], [])
    with pytest.raises(ConfigError, match="stepsize"):
        StackedTrainer([TrainConfig(stepsize=-1.0)], [1])
