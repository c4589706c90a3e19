"""The settings proposed for each data set train it, and the layer ends fit the data (built-in sets and CSV files)."""

import functools
import math

import numpy as np
import pytest

from mlp_gui.core import ConfigError, TrainConfig, Trainer
from mlp_gui.core.data_presets import (
    PRESETS,
    VERIFIED_EPOCHS,
    check_csv_layers,
    csv_shape,
    fit_ends,
    propose,
    propose_for_csv,
)

NOTEBOOK = TrainConfig()


def proposed_config(data: str, keep: frozenset[str] = frozenset(), **person) -> TrainConfig:
    """What the form holds after a person with ``person``'s values (the rest the notebook's) chooses ``data``."""
    start = NOTEBOOK.with_changes(**person)
    current = {name: getattr(start, name) for name in ("layers", "activation", "output", "loss", "init", "batch_size", "stepsize")}
    values = propose(data, current, keep | set(person))
    values.pop("epochs", None)  # the plan, not a run setting
    config = start.with_changes(data=data, **values)
    return config.with_changes(layers=fit_ends(config.layers, data, config.output)).validated()


def trained(config: TrainConfig, epochs: int = VERIFIED_EPOCHS) -> Trainer:
    trainer = Trainer.new(config, capacity=epochs)
    trainer.step(epochs)
    assert trainer.diverged_at is None, config
    return trainer


@functools.cache
def proposal_run(data: str) -> Trainer:
    """``proposed_config(data)`` trained once for every test here that trains it: for VERIFIED_EPOCHS, or for four times
    the proposed epochs where the overfitting test needs them (a run's first epochs are the same, bit for bit, however
    long it goes on). Read-only."""
    return trained(proposed_config(data), max(VERIFIED_EPOCHS, 4 * PROPOSED_EPOCHS.get(data, 0)))


def learned(trainer: Trainer, epoch: int) -> tuple[bool, float]:
    """Whether ``trainer``'s run has learned by ``epoch``, and the number that says so: 90% training accuracy, or for
    values a loss near the noise's (sine's ½·0.1² = 0.005). Bumps' recipe trains 20,000 epochs
    (tests/test_core_regression_data.py): by 3,000 it has halved its loss."""
    if not trainer.data.classes:
        loss = float(trainer.loss_history[epoch])
        return loss < (0.5 * trainer.loss_history[0] if trainer.config.data == "bumps" else 0.02), loss
    accuracy = float(trainer.metrics["accuracy"][epoch])
    return accuracy >= 0.9, accuracy


def assert_learns(config: TrainConfig, trainer: Trainer) -> np.ndarray:
    """``trainer``, a run of ``config`` at least VERIFIED_EPOCHS long, has learned by VERIFIED_EPOCHS; its losses up to
    there."""
    assert trainer.config == config and trainer.epoch >= VERIFIED_EPOCHS
    ok, value = learned(trainer, VERIFIED_EPOCHS)
    assert ok, (config, value)
    return trainer.loss_history[:VERIFIED_EPOCHS + 1]


def assert_learns_within(config: TrainConfig, chunk: int = 100) -> int:
    """``config`` learns within VERIFIED_EPOCHS: trained ``chunk`` epochs at a time, without diverging, until it has
    (at a chunk's end) or VERIFIED_EPOCHS are done; the epoch where it had."""
    trainer = Trainer.new(config, capacity=VERIFIED_EPOCHS)
    value = math.nan
    while trainer.epoch < VERIFIED_EPOCHS:
        trainer.step(min(chunk, VERIFIED_EPOCHS - trainer.epoch))
        assert trainer.diverged_at is None, config
        ok, value = learned(trainer, trainer.epoch)
        if ok:
            return trainer.epoch
    raise AssertionError(f"not learned within {VERIFIED_EPOCHS} epochs ({value:.3g} at the end): {config}")


@pytest.mark.parametrize("data", [d for d in PRESETS if d != "notebook"])
def test_each_built_in_sets_proposal_trains_it(data):
    config = proposed_config(data)
    assert config.batch_size == 0 and config.init == "xavier" and config.activation == "tanh"
    losses = assert_learns(config, proposal_run(data))
    best_before = np.minimum.accumulate(losses)[:-1]
    assert np.max(losses[1:] / best_before) < 2  # and smoothly: no leap a student (or the guard) would take for divergence


@pytest.mark.parametrize("data", ["xor", "circles", "gaussians", "spiral", "sine"])
def test_the_proposal_trains_with_relu_kept_and_uses_he(data):
    config = proposed_config(data, activation="relu")
    assert config.activation == "relu" and config.init == "he"
    assert_learns_within(config)


@pytest.mark.parametrize("data", ["xor", "circles", "gaussians", "sine"])
def test_the_proposal_trains_with_sigmoid_kept(data):
    assert_learns_within(proposed_config(data, activation="sigmoid"))


def test_the_issues_xor_run_learns_once_batch_and_init_are_proposed():
    """xor with 2,8,1 tanh at stepsize 0.5 stayed at 52% with the notebook's batch of 5 and its init."""
    config = proposed_config("xor", layers=(2, 8, 1), activation="tanh", stepsize=0.5)
    assert config.layers == (2, 8, 1) and config.stepsize == 0.5  # what the person set stays
    assert (config.batch_size, config.init, config.output, config.loss) == (0, "xavier", "sigmoid", "cross-entropy")
    assert_learns_within(config)
    kept_head = proposed_config("xor", layers=(2, 8, 1), activation="tanh", output="identity", loss="mse")
    assert kept_head.stepsize == PRESETS["xor"].mse_stepsize
    assert_learns_within(kept_head)


def test_nothing_a_person_set_is_proposed_over():
    current = {"layers": (2, 3, 1), "activation": "relu", "output": "identity", "loss": "mse", "init": "notebook",
               "batch_size": 7, "stepsize": 0.05}
    assert propose("spiral", current, set(current) | {"epochs", "noise"}) == {}
    assert set(propose("spiral", current, {"batch_size"})) == {"layers", "activation", "output", "loss", "init", "stepsize",
                                                               "epochs", "noise"}


def test_going_back_to_the_notebooks_batch_proposes_the_notebooks_settings():
    assert proposed_config("notebook") == NOTEBOOK
    from_spiral = proposed_config("spiral")
    current = {name: getattr(from_spiral, name) for name in ("layers", "activation", "output", "loss", "init", "batch_size",
                                                              "stepsize")}
    back = propose("notebook", current, set())
    assert back.pop("epochs") == 100_000
    assert from_spiral.with_changes(data="notebook", **back) == NOTEBOOK  # spiral's noise too


def test_layer_ends_fit_generated_sets():
    assert fit_ends((3, 4, 4, 2), "xor", "identity") == (2, 4, 4, 2)
    assert fit_ends((3, 4, 4, 1), "xor", "sigmoid") == (2, 4, 4, 1)
    assert fit_ends((3, 4, 4, 1), "xor", "softmax") == (2, 4, 4, 2)  # one output per class
    assert fit_ends((3, 4, 4, 2), "sine", "identity") == (1, 4, 4, 1)
    assert fit_ends((3, 4, 4, 2), "notebook", "identity") == (3, 4, 4, 2)  # the notebook's batch takes any sizes


@pytest.fixture
def iris_like(tmp_path):
    path = tmp_path / "flowers.csv"
    rng = np.random.default_rng(0)
    rows = [f"{a:.2f},{b:.2f},{c:.2f},{d:.2f},{['setosa', 'versicolor', 'virginica'][i % 3]}"
            for i, (a, b, c, d) in enumerate(rng.random((30, 4)))]
    path.write_text("sl,sw,pl,pw,species\n" + "\n".join(rows) + "\n")
    return path


def test_a_csv_with_word_classes_needs_one_output_per_class_with_softmax(iris_like):
    shape = csv_shape(str(iris_like), "last", "softmax")
    assert (shape.inputs, shape.targets, shape.classes, shape.text_classes) == (4, 1, 3, True)
    assert fit_ends((3, 4, 4, 2), str(iris_like), "softmax", shape) == (4, 4, 4, 3)
    assert shape.outputs("identity") == 1
    check_csv_layers((4, 8, 3), shape, "softmax")
    with pytest.raises(ConfigError) as error:
        check_csv_layers((3, 4, 4, 2), shape, "softmax")
    assert error.value.setting == "layers"
    assert "flowers.csv has 4 inputs and needs 3 outputs (3 classes, softmax output)" in str(error.value)
    assert "use 4,...,3" in str(error.value)
    current = {"activation": "sigmoid", "loss": "mse"}
    assert propose_for_csv(shape, current, set(), rows=30) == {
        "output": "softmax", "loss": "cross-entropy", "standardize": "yes", "batch_size": 0, "init": "xavier",
        "stepsize": 0.5, "epochs": 1000}
    assert "output" not in propose_for_csv(shape, current, {"output"}, rows=30)


def test_a_csv_regression_target_needs_one_output(tmp_path):
    path = tmp_path / "values.csv"
    path.write_text("x1,x2,y\n" + "\n".join(f"{i},{i % 3},{i * 0.5}" for i in range(10)) + "\n")
    shape = csv_shape(str(path), "last", "identity")
    assert (shape.inputs, shape.classes, shape.text_classes) == (2, 0, False)
    assert fit_ends((3, 4, 4, 2), str(path), "identity", shape) == (2, 4, 4, 1)
    proposed = propose_for_csv(shape, {"activation": "relu", "loss": "mse"}, set(), rows=10_000)
    assert proposed == {"standardize": "yes", "batch_size": 32, "init": "he", "stepsize": 0.05, "epochs": 1000}


def test_a_csv_that_will_not_do_says_why(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        csv_shape(str(tmp_path / "missing.csv"), "last", "identity")


#: where test accuracy is near its best, checked headless (tests below): longer runs overfit the 40 test points
PROPOSED_EPOCHS = {"xor": 3000, "circles": 2000, "gaussians": 2000, "spiral": 5000}


def test_proposals_include_epochs_and_noise():
    current = {name: getattr(NOTEBOOK, name) for name in ("layers", "activation", "output", "loss")}
    for data, epochs in PROPOSED_EPOCHS.items():
        assert propose(data, current, set())["epochs"] == epochs
    assert propose("spiral", current, set())["noise"] == 0.05  # noise 0.1: 100% train, 60-67% test
    assert propose("xor", current, {"epochs"}).get("epochs") is None  # a person's epochs stay


def _test_curve(config: TrainConfig, epochs: int) -> dict[str, np.ndarray]:
    trainer = Trainer.new(config, capacity=epochs)
    trainer.step(epochs)
    return trainer.metrics


@pytest.mark.parametrize("data", list(PROPOSED_EPOCHS))
def test_the_proposed_epochs_stop_before_overfitting(data):
    """At the proposed epochs: training accuracy ≥ 90%, test accuracy ≥ 85% and no worse than 4x as long, and the
    test loss lower than 4x as long (xor's climbs from 0.28 to 2.1 by 100,000)."""
    epochs = PROPOSED_EPOCHS[data]
    run = proposal_run(data)  # the proposal trained for 4 * epochs (test_each_built_in_sets_proposal_trains_it's run)
    assert run.epoch == 4 * epochs and run.config == proposed_config(data)
    m = run.metrics
    assert m["accuracy"][epochs] >= 0.9 and m["test_accuracy"][epochs] >= 0.85, (m["accuracy"][epochs], m["test_accuracy"][epochs])
    assert m["test_accuracy"][epochs] >= m["test_accuracy"][4 * epochs]
    assert m["test_loss"][epochs] < m["test_loss"][4 * epochs]


def test_a_csv_proposal_trains_an_iris_like_file(tmp_path):
    """Three species, four measurements with Iris's means and spreads (versicolor and virginica overlap)."""
    rng = np.random.default_rng(0)
    mean = np.array([[5.0, 3.4, 1.5, 0.25], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.5, 2.0]])
    spread = np.array([[0.35, 0.38, 0.17, 0.1], [0.5, 0.31, 0.47, 0.2], [0.6, 0.32, 0.55, 0.27]])
    species = ["setosa", "versicolor", "virginica"]
    rows = [",".join(f"{v:.1f}" for v in rng.normal(mean[i % 3], spread[i % 3])) + f",{species[i % 3]}" for i in range(150)]
    path = tmp_path / "iris.csv"
    path.write_text("sl,sw,pl,pw,species\n" + "\n".join(rows) + "\n")
    shape = csv_shape(str(path), "last", "softmax")
    values = propose_for_csv(shape, {"activation": NOTEBOOK.activation, "loss": NOTEBOOK.loss}, set(), rows=150)
    epochs = values.pop("epochs")
    config = NOTEBOOK.with_changes(data=str(path), **values)
    config = config.with_changes(layers=fit_ends(config.layers, str(path), config.output, shape)).validated()
    m = _test_curve(config, epochs)
    assert m["accuracy"][-1] >= 0.9 and m["test_accuracy"][-1] >= 0.85, (m["accuracy"][-1], m["test_accuracy"][-1])
