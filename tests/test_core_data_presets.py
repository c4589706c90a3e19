"""The settings proposed for each data set train it, and the layer ends fit the data (built-in sets and CSV files)."""

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
    config = start.with_changes(data=data, **propose(data, current, keep | set(person)))
    return config.with_changes(layers=fit_ends(config.layers, data, config.output)).validated()


def trained(config: TrainConfig) -> Trainer:
    trainer = Trainer(config, capacity=VERIFIED_EPOCHS)
    trainer.step(VERIFIED_EPOCHS)
    assert trainer.diverged_at is None, config
    return trainer


def assert_learns(config: TrainConfig) -> Trainer:
    trainer = trained(config)
    if config.data == "sine":  # values: the loss comes down to near the noise's (½·0.1² = 0.005)
        assert trainer.loss_history[-1] < 0.02, (config, trainer.loss_history[-1])
    else:
        assert trainer.metrics["accuracy"][-1] >= 0.9, (config, trainer.metrics["accuracy"][-1])
    return trainer


@pytest.mark.parametrize("data", [d for d in PRESETS if d != "notebook"])
def test_each_built_in_sets_proposal_trains_it(data):
    config = proposed_config(data)
    assert config.batch_size == 0 and config.init == "xavier" and config.activation == "tanh"
    losses = assert_learns(config).loss_history
    best_before = np.minimum.accumulate(losses)[:-1]
    assert np.max(losses[1:] / best_before) < 2  # and smoothly: no leap a student (or the guard) would take for divergence


@pytest.mark.parametrize("data", ["xor", "circles", "gaussians", "spiral", "sine"])
def test_the_proposal_trains_with_relu_kept_and_uses_he(data):
    config = proposed_config(data, activation="relu")
    assert config.activation == "relu" and config.init == "he"
    assert_learns(config)


@pytest.mark.parametrize("data", ["xor", "circles", "gaussians", "sine"])
def test_the_proposal_trains_with_sigmoid_kept(data):
    assert_learns(proposed_config(data, activation="sigmoid"))


def test_the_issues_xor_run_learns_once_batch_and_init_are_proposed():
    """xor with 2,8,1 tanh at stepsize 0.5 stayed at 52% with the notebook's batch of 5 and its init."""
    config = proposed_config("xor", layers=(2, 8, 1), activation="tanh", stepsize=0.5)
    assert config.layers == (2, 8, 1) and config.stepsize == 0.5  # what the person set stays
    assert (config.batch_size, config.init, config.output, config.loss) == (0, "xavier", "sigmoid", "cross-entropy")
    assert_learns(config)
    kept_head = proposed_config("xor", layers=(2, 8, 1), activation="tanh", output="identity", loss="mse")
    assert kept_head.stepsize == PRESETS["xor"].mse_stepsize
    assert_learns(kept_head)


def test_nothing_a_person_set_is_proposed_over():
    current = {"layers": (2, 3, 1), "activation": "relu", "output": "identity", "loss": "mse", "init": "notebook",
               "batch_size": 7, "stepsize": 0.05}
    assert propose("spiral", current, set(current)) == {}
    assert set(propose("spiral", current, {"batch_size"})) == {"layers", "activation", "output", "loss", "init", "stepsize"}


def test_going_back_to_the_notebooks_batch_proposes_the_notebooks_settings():
    assert proposed_config("notebook") == NOTEBOOK
    from_spiral = proposed_config("spiral")
    current = {name: getattr(from_spiral, name) for name in ("layers", "activation", "output", "loss", "init", "batch_size",
                                                              "stepsize")}
    assert from_spiral.with_changes(data="notebook", **propose("notebook", current, set())) == NOTEBOOK


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
    assert propose_for_csv(shape, set()) == {"output": "softmax", "loss": "cross-entropy"}
    assert propose_for_csv(shape, {"output"}) == {}


def test_a_csv_regression_target_needs_one_output(tmp_path):
    path = tmp_path / "values.csv"
    path.write_text("x1,x2,y\n" + "\n".join(f"{i},{i % 3},{i * 0.5}" for i in range(10)) + "\n")
    shape = csv_shape(str(path), "last", "identity")
    assert (shape.inputs, shape.classes, shape.text_classes) == (2, 0, False)
    assert fit_ends((3, 4, 4, 2), str(path), "identity", shape) == (2, 4, 4, 1)
    assert propose_for_csv(shape, set()) == {}


def test_a_csv_that_will_not_do_says_why(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        csv_shape(str(tmp_path / "missing.csv"), "last", "identity")
