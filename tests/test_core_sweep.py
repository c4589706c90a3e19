"""Sweep specifications become validated runs, or a message naming the bad value; sweeps train with the driver."""

import numpy as np
import pytest

from mlp_gui.core import ConfigError, TrainConfig, Trainer
from mlp_gui.core.settings import SETTINGS
from mlp_gui.core.sweep import SWEEPABLE, run_sweep, sweep_runs


def test_stepsize_sweep():
    runs = sweep_runs(TrainConfig(), 1000, "stepsize", "0.01, 0.1, 1")
    assert [r.config.stepsize for r in runs] == [0.01, 0.1, 1.0]
    assert all(r.config.layers == (3, 4, 4, 2) and r.epochs == 1000 for r in runs)


def test_layers_seed_and_epochs_sweeps():
    assert [r.config.layers for r in sweep_runs(TrainConfig(), 10, "layers", "3,4,2; 3,8,8,2")] == [(3, 4, 2), (3, 8, 8, 2)]
    assert [r.config.seed for r in sweep_runs(TrainConfig(), 10, "seed", "1,2,3")] == [1, 2, 3]
    runs = sweep_runs(TrainConfig(), 10, "epochs", "100, 1000")
    assert [r.epochs for r in runs] == [100, 1000] and runs[0].config == runs[1].config


def test_every_setting_of_the_schema_can_be_swept():
    assert tuple(s.name for s in SETTINGS) == SWEEPABLE


@pytest.mark.parametrize(
    "setting, text, fragment",
    [
        ("stepsize", "0.1", "at least two values"),
        ("stepsize", "0.1, -1", "stepsize -1: stepsize must be positive"),
        ("stepsize", "0.1, fast", "must be a number"),
        ("stepsize", "0.1, 0.1", "repeats"),
        ("batch_size", "5, 0", "at least 1"),
        ("colour", "1, 2", "cannot sweep"),
        ("seed", ",".join(str(i) for i in range(13)), "at most 12"),
        ("layers", "3,4,2; 3,,2", "size 2 is empty"),
    ],
)
def test_bad_sweeps_say_why(setting, text, fragment):
    with pytest.raises(ConfigError, match=fragment):
        sweep_runs(TrainConfig(), 1000, setting, text)


@pytest.mark.parametrize("text", ["0.1, 1000", "3,4,2; 3,4,4,2"], ids=["stacked", "one-by-one"])
def test_each_swept_run_matches_its_own_trainer(text):
    name = "stepsize" if "," in text and ";" not in text else "layers"
    runs = sweep_runs(TrainConfig(), 300, name, text)
    fractions = []
    results = run_sweep(runs, lambda: False, fractions.append)
    assert fractions and fractions[-1] == pytest.approx(1.0, abs=0.01)
    for result, run in zip(results, runs):
        alone = Trainer.new(run.config)
        alone.step(run.epochs)
        np.testing.assert_array_equal(result.losses, alone.loss_history)
        assert result.diverged_at == alone.diverged_at


def test_a_cancelled_sweep_stops_early():
    runs = sweep_runs(TrainConfig(), 1_000_000, "stepsize", "0.1, 0.2")
    results = run_sweep(runs, lambda: True, lambda f: None)
    assert all(len(r.losses) == 1 for r in results)
