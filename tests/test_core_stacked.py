"""A stacked sweep gives each run exactly the numbers of its own Trainer."""

import numpy as np
import pytest

from mlp_gui.core import ConfigError, Trainer, TrainConfig
from mlp_gui.core.stacked import StackedTrainer, can_stack


def test_each_run_matches_its_own_trainer_bit_for_bit():
    configs = [
        TrainConfig(stepsize=0.01, epochs=3000),
        TrainConfig(stepsize=1.0, epochs=3000),
        TrainConfig(seed=7, epochs=1000),  # shorter run stops early
        TrainConfig(stepsize=1000, epochs=3000),  # diverges
    ]
    stacked = StackedTrainer(configs)
    chunks = [[] for _ in configs]
    while not stacked.done:
        for k, new in enumerate(stacked.step(700)):
            chunks[k].append(new)
    for k, cfg in enumerate(configs):
        alone = Trainer(cfg)
        alone.step(cfg.epochs)
        np.testing.assert_array_equal(stacked.loss_history(k), alone.loss_history)
        np.testing.assert_array_equal(np.concatenate(chunks[k]), alone.loss_history[1:])
        assert stacked.diverged_at[k] == alone.diverged_at
        if alone.diverged_at is None:
            for a, b in zip(stacked.run_state(k)[0], alone.params):
                np.testing.assert_array_equal(a, b)
    assert stacked.diverged_at[3] is not None
    assert stacked.step(100) == [] or all(len(c) == 0 for c in stacked.step(100))


def test_only_same_shapes_stack():
    assert can_stack([TrainConfig(stepsize=0.1), TrainConfig(seed=3, stepsize=2.0)])
    assert not can_stack([TrainConfig(), TrainConfig(layers=(3, 8, 2))])
    assert not can_stack([TrainConfig(), TrainConfig(batch_size=6)])
    with pytest.raises(ConfigError, match="same"):
        StackedTrainer([TrainConfig(), TrainConfig(batch_size=6)])
    with pytest.raises(ConfigError, match="at least one"):
        StackedTrainer([])
    with pytest.raises(ConfigError, match="stepsize"):
        StackedTrainer([TrainConfig(stepsize=-1.0)])
