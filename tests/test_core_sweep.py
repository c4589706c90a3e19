"""Sweep specifications become validated configs, or a message naming the bad value."""

import pytest

from mlp_gui.core import ConfigError, TrainConfig
from mlp_gui.core.sweep import sweep_configs


def test_stepsize_sweep():
    configs = sweep_configs(TrainConfig(), "stepsize", "0.01, 0.1, 1")
    assert [c.stepsize for c in configs] == [0.01, 0.1, 1.0]
    assert all(c.layers == (3, 4, 4, 2) for c in configs)


def test_layers_and_seed_sweeps():
    assert [c.layers for c in sweep_configs(TrainConfig(), "layers", "3,4,2; 3,8,8,2")] == [(3, 4, 2), (3, 8, 8, 2)]
    assert [c.seed for c in sweep_configs(TrainConfig(), "seed", "1,2,3")] == [1, 2, 3]


@pytest.mark.parametrize(
    "setting, text, fragment",
    [
        ("stepsize", "0.1", "at least two values"),
        ("stepsize", "0.1, -1", "stepsize -1.0: stepsize must be positive"),
        ("stepsize", "0.1, fast", "must be a number"),
        ("stepsize", "0.1, 0.1", "repeats"),
        ("batch_size", "5, 0", "at least 1"),
        ("colour", "1, 2", "cannot sweep"),
        ("seed", ",".join(str(i) for i in range(13)), "at most 12"),
    ],
)
def test_bad_sweeps_say_why(setting, text, fragment):
    with pytest.raises(ConfigError, match=fragment):
        sweep_configs(TrainConfig(), setting, text)
