"""Playground's two regression sets (issue 19): ``plane`` and ``bumps``, scaled to this app's ±1 inputs, drawn from the
seed, one output of values (no cross-entropy), and the settings proposed for them train to a low test loss."""

import numpy as np
import pytest

from mlp_gui.cli import main
from mlp_gui.core import ConfigError, TrainConfig, Trainer
from mlp_gui.core.config import VALUE_TARGETS
from mlp_gui.core.data import generate
from mlp_gui.core.data_presets import PRESETS, fit_ends, propose
from mlp_gui.core.trainer import initialize_data

#: Playground's reg-gauss bumps on its ±6 plane: (centre x, centre y, sign); each 1 − d/2, clamped at 0
PLAYGROUND_BUMPS = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]


def playground_plane(x: np.ndarray) -> np.ndarray:
    """reg-plane's label at this app's points: Playground's (x + y)/10 on its inputs, 6 times these."""
    return (6 * x[0] + 6 * x[1]) / 10


def playground_bumps(x: np.ndarray) -> np.ndarray:
    """reg-gauss's label at this app's points: of the six bumps, the value largest in size (Playground's rule)."""
    out = np.zeros(x.shape[1])
    for i, (px, py) in enumerate((6 * x).T):
        best = 0.0
        for cx, cy, sign in PLAYGROUND_BUMPS:
            value = sign * min(max(1 - np.hypot(px - cx, py - cy) / 2, 0.0), 1.0)
            best = value if abs(value) > abs(best) else best
        out[i] = best
    return out


def config(name: str, **changes) -> TrainConfig:
    return TrainConfig(data=name, layers=(2, 8, 1), activation="tanh", init="xavier", batch_size=0).with_changes(**changes)


@pytest.mark.parametrize("name, formula", [("plane", playground_plane), ("bumps", playground_bumps)])
def test_without_noise_the_targets_are_playgrounds_formula(name, formula):
    x, y = generate(name, 500, 0.0, np.random.RandomState(0))
    assert x.shape == (2, 500) and y.shape == (500,)
    assert x.min() >= -1 and x.max() <= 1
    np.testing.assert_allclose(y, formula(x), rtol=1e-12, atol=1e-15)


def test_bumps_reach_plus_and_minus_one_at_their_centres_and_zero_between():
    centres = np.array([[cx / 6, cy / 6] for cx, cy, _ in PLAYGROUND_BUMPS]).T
    rng = np.random.RandomState(0)
    from mlp_gui.core.data import bumps_value

    np.testing.assert_allclose(bumps_value(centres), [s for *_, s in PLAYGROUND_BUMPS], rtol=1e-15)
    assert bumps_value(np.array([[0.0], [0.0]]))[0] == 0.0  # between the rows of bumps
    _, y = generate("bumps", 2000, 0.0, rng)
    assert -1 <= y.min() < -0.5 and 0.5 < y.max() <= 1


@pytest.mark.parametrize("name, formula", [("plane", playground_plane), ("bumps", playground_bumps)])
def test_noise_moves_where_the_target_is_read_not_the_inputs(name, formula):
    x, y = generate(name, 400, 0.1, np.random.RandomState(1))
    assert x.min() >= -1 and x.max() <= 1  # the points kept are the ones drawn
    off = y - formula(x)
    assert np.abs(off).max() > 0.01
    if name == "plane":  # 0.6·(e₁ + e₂) with e ~ N(0, 0.1²): standard deviation 0.6·0.1·√2 ≈ 0.085
        assert 0.07 < off.std() < 0.1


@pytest.mark.parametrize("name", ["plane", "bumps"])
def test_the_sets_come_from_the_seed_with_one_output_and_a_test_split(name):
    cfg = config(name, samples=150).validated()
    _, data = initialize_data(cfg)
    assert data.x.shape == (2, 120) and data.x_test.shape == (2, 30)
    assert data.y.shape == (1, 120) and data.y_test.shape == (1, 30) and data.classes == 0
    assert "regression" in data.description
    _, again = initialize_data(cfg)
    np.testing.assert_array_equal(data.x, again.x)
    np.testing.assert_array_equal(data.y_test, again.y_test)
    _, other = initialize_data(cfg.with_changes(seed=7))
    assert not np.array_equal(data.x, other.x)


@pytest.mark.parametrize("name", ["plane", "bumps"])
def test_values_take_no_cross_entropy_and_one_output(name):
    assert name in VALUE_TARGETS
    with pytest.raises(ConfigError, match=f"data {name}'s targets are any numbers"):
        config(name, output="sigmoid", loss="cross-entropy").validated()
    with pytest.raises(ConfigError, match=f"data {name} has 2 inputs and takes 1 output; layers 2,8,2 has 2 and 2: use 2,...,1"):
        config(name, layers=(2, 8, 2)).validated()
    assert fit_ends((3, 4, 4, 2), name, "softmax") == (2, 4, 4, 1)


@pytest.mark.parametrize("name", ["plane", "bumps"])
def test_the_command_line_trains_them_and_refuses_cross_entropy(name, capsys):
    assert main(["train", "--data", name, "--layers", "2,4,1", "--epochs", "5", "--batch-size", "all"]) == 0
    capsys.readouterr()
    assert main(["train", "--data", name, "--layers", "2,4,1", "--output", "sigmoid", "--loss", "cross-entropy"]) == 2
    err = capsys.readouterr().err
    assert "targets are any numbers" in err and len(err.strip().splitlines()) == 1


def proposed(name: str) -> tuple[TrainConfig, int]:
    current = {"layers": (3, 4, 4, 2), "activation": "sigmoid", "output": "identity", "loss": "mse", "init": "notebook"}
    values = propose(name, current, set())
    epochs = values.pop("epochs")
    return TrainConfig(data=name, **values).validated(), epochs


def test_the_proposals_are_a_regression_net():
    plane, plane_epochs = proposed("plane")
    assert (plane.layers, plane.activation, plane.output, plane.loss, plane.batch_size) == ((2, 4, 1), "tanh", "identity", "mse", 0)
    bumps, bumps_epochs = proposed("bumps")
    assert (bumps.layers, bumps.output, bumps.loss, bumps.noise) == ((2, 16, 16, 1), "identity", "mse", 0.05)
    assert (plane_epochs, bumps_epochs) == (PRESETS["plane"].epochs, PRESETS["bumps"].epochs)


@pytest.mark.parametrize("name, test_loss", [("plane", 0.006), ("bumps", 0.016)])
def test_the_proposal_trains_to_a_low_test_loss(name, test_loss):
    """plane: to its noise's own loss (½·0.6²·2·0.1² = 0.0036; 0.12 predicting 0); bumps: under 0.016 (0.044 predicting 0,
    0.005 its noise's own; 0.013 there), and smoothly: at stepsize 0.15 to 0.3 it leaps 3-11x now and then (the edge of
    stability), which the guard would take for divergence."""
    cfg, epochs = proposed(name)
    trainer = Trainer.new(cfg, capacity=epochs)
    trainer.step(epochs)
    assert trainer.diverged_at is None
    test = trainer.metrics["test_loss"]
    assert test[-1] < test_loss, test[-1]
    assert test[-1] < 0.4 * test[0]
    losses = trainer.loss_history
    assert np.max(losses[1:] / np.minimum.accumulate(losses)[:-1]) < 2  # smoothly: nothing the guard takes for divergence
