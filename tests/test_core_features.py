"""Input features (issue 19): each transform is its formula, the network trains on the features of the raw inputs
(checked against NumPy written out here), the default x1,x2 is no transform at all, and bad choices are one line."""

import numpy as np
import pytest

from mlp_gui.cli import main
from mlp_gui.core import ConfigError, TrainConfig, Trainer
from mlp_gui.core.explain import backprop_pass
from mlp_gui.core.features import FEATURES, feature_inputs, input_label, parse_features
from mlp_gui.core.flat_layout import Layer
from mlp_gui.core.gradcheck import gradient_check
from mlp_gui.core.model import Model
from mlp_gui.core.network import Kernel, predict
from mlp_gui.core.trainer import initialize_data
from tests.cli_calls import exit_code

#: each feature's formula, written here apart from the module's table
FORMULAS = {
    "x1": lambda x: x[0],
    "x2": lambda x: x[1],
    "x1sq": lambda x: x[0] ** 2,
    "x2sq": lambda x: x[1] ** 2,
    "x1x2": lambda x: x[0] * x[1],
    "sinx1": lambda x: np.sin(x[0]),
    "sinx2": lambda x: np.sin(x[1]),
}
LABELS = {"x1": "x₀", "x2": "x₁", "x1sq": "x₀²", "x2sq": "x₁²", "x1x2": "x₀x₁", "sinx1": "sin x₀", "sinx2": "sin x₁"}
ALL = ",".join(FORMULAS)
XOR = TrainConfig(data="xor", layers=(4, 6, 1), activation="tanh", output="sigmoid", loss="cross-entropy", init="xavier",
                  batch_size=0, stepsize=0.5, features="x1sq,x2sq,x1x2,sinx1")




def test_the_table_holds_playgrounds_seven_features():
    assert list(FEATURES) == list(FORMULAS)
    assert {name: FEATURES[name].label for name in FEATURES} == LABELS


@pytest.mark.parametrize("name", list(FORMULAS))
def test_each_feature_is_its_formula(name):
    x = np.random.default_rng(1).uniform(-3, 3, size=(2, 50))
    made = feature_inputs((name,))(x)
    assert made.shape == (1, 50)
    np.testing.assert_array_equal(made[0], FORMULAS[name](x))


def test_features_come_in_the_order_given_and_over_stacked_runs():
    x = np.random.default_rng(2).normal(size=(3, 2, 7))  # three stacked runs, as the sweep holds them
    names = ("sinx2", "x1", "x1x2")
    made = feature_inputs(names)(x)
    assert made.shape == (3, 3, 7)
    for run in range(3):
        np.testing.assert_array_equal(made[run], np.vstack([FORMULAS[n](x[run]) for n in names]))


def test_the_default_is_no_transform():
    assert TrainConfig().features == "x1,x2" and TrainConfig().model.features == ()
    assert feature_inputs(()) is None and Kernel(XOR.with_changes(features="x1,x2", layers=(2, 6, 1)).model).inputs is None
    assert XOR.with_changes(features="x1,x2", layers=(2, 6, 1)).model == Model((2, 6, 1), ("tanh",), "sigmoid", "cross-entropy",
                                                                                "xavier")
    assert [input_label((), i) for i in range(3)] == ["x₀", "x₁", "x₂"]


def test_a_permutation_is_a_transform_and_trains_like_the_raw_inputs_swapped():
    raw = XOR.with_changes(features="x1,x2", layers=(2, 6, 1))
    swapped = raw.with_changes(features="x2,x1")
    assert swapped.model.features == ("x2", "x1")
    a = Trainer.new(raw)
    layers = [Layer(W.copy(), b.copy()) for W, b in a.layers]
    layers[0] = Layer(layers[0].W[:, ::-1].copy(), layers[0].b)  # the same network, its two inputs' columns swapped
    b = Trainer.continued(swapped, layers=layers, data=a.data)
    np.testing.assert_array_equal(a.x, b.x)  # the data is the raw inputs either way
    a.step(20)
    b.step(20)
    np.testing.assert_allclose(b.loss_history, a.loss_history, rtol=1e-13)


def _reference(config: TrainConfig, epochs: int) -> tuple[list[float], list[np.ndarray]]:
    """Full-batch gradient descent written out: tanh hidden layer, sigmoid output, cross-entropy, on the features."""
    layers, data = initialize_data(config)
    (w1, b1), (w2, b2) = [(w.copy(), b.copy()) for w, b in layers]
    x, y = data.x, data.y
    a0 = np.vstack([FORMULAS[n](x) for n in config.features.split(",")])
    m, eta = x.shape[1], config.stepsize
    losses = []
    for epoch in range(epochs + 1):
        z1 = w1 @ a0 + b1[:, None]
        a1 = np.tanh(z1)
        z2 = w2 @ a1 + b2[:, None]
        p = 1 / (1 + np.exp(-z2))
        losses.append(float(np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p))))
        if epoch == epochs:
            break
        d2 = (p - y) / m
        d1 = (w2.T @ d2) * (1 - a1**2)
        gw2, gb2, gw1, gb1 = d2 @ a1.T, d2.sum(axis=1), d1 @ a0.T, d1.sum(axis=1)
        w1, b1, w2, b2 = w1 - eta * gw1, b1 - eta * gb1, w2 - eta * gw2, b2 - eta * gb2
    return losses, [w1, b1, w2, b2]


def test_training_on_features_is_numpy_written_out():
    trainer = Trainer.new(XOR)
    assert trainer.x.shape[0] == 2  # the trainer keeps the raw inputs
    trainer.step(30)
    losses, params = _reference(XOR, 30)
    np.testing.assert_allclose(trainer.loss_history, losses, rtol=1e-12)
    for (w, b), (rw, rb) in zip(trainer.layers, zip(params[::2], params[1::2])):
        np.testing.assert_allclose(w, rw, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(b, rb, rtol=1e-12, atol=1e-15)


def test_the_traces_first_activation_is_the_features_and_the_gradients_check():
    trainer = Trainer.new(XOR)
    trainer.step(5)
    made = np.vstack([FORMULAS[n](trainer.x) for n in XOR.features.split(",")])
    traced = Kernel(XOR.model).trace(trainer.layers, trainer.x, trainer.y)
    np.testing.assert_array_equal(traced.acts[0], made)
    step = backprop_pass(XOR.model, trainer.layers, trainer.x, trainer.y, XOR.stepsize)
    np.testing.assert_array_equal(step.layers[0].a_prev, made)  # the Backprop tab's a₀: the features
    np.testing.assert_allclose(traced.grads[0].W, step.layers[0].grad.W, rtol=0, atol=0)
    checks = gradient_check([a for layer in trainer.layers for a in layer], trainer.x, trainer.y, model=XOR.model)
    assert all(c.rel_error < 1e-7 for c in checks), [(c.name, c.rel_error) for c in checks]


def test_the_decision_surface_evaluates_the_features_of_the_plane():
    trainer = Trainer.new(XOR)
    trainer.step(10)
    grid = np.random.default_rng(3).uniform(-1, 1, size=(2, 40))
    made = np.vstack([FORMULAS[n](grid) for n in XOR.features.split(",")])
    plain = Model((4, 6, 1), ("tanh",), "sigmoid", "cross-entropy", "xavier")  # the same net taking its inputs as given
    np.testing.assert_array_equal(predict(XOR.model, trainer.layers, grid), predict(plain, trainer.layers, made))


@pytest.mark.parametrize(
    "text, fragment",
    [("x3", "unknown feature 'x3'; choose from x1, x2, x1sq, x2sq, x1x2, sinx1, sinx2"),
     ("x1,x1sq,x1", "names x1 twice"),
     ("x1,,x2", "empty"),
     ("", "empty")],
)
def test_bad_names_are_one_line(text, fragment):
    with pytest.raises(ConfigError, match=fragment) as info:
        parse_features(text)
    assert info.value.setting == "features"


def test_names_are_read_in_any_case_and_spacing():
    assert parse_features(" X1SQ , sinX2 ") == "x1sq,sinx2"


@pytest.mark.parametrize(
    "args, fragment",
    [(["--features", "x3"], "unknown feature 'x3'; choose from x1, x2, x1sq"),
     (["--features", "x1sq,x2sq"], "data notebook has 3 inputs"),
     (["--features", "x1sq", "--data", "sine", "--layers", "1,8,1"], "data sine has 1 input"),
     (["--features", "x1,x2,x1"], "names x1 twice"),
     (["--features", "x1sq,x2sq,x1x2", "--data", "xor", "--layers", "2,8,1"], "make 3 inputs, but layers 2,8,1 has 2: use 3,8,1"),
     (["--features", "x1sq,x2sq", "--data", "xor", "--layers", "2,8,3"], "use 2,...,1 or 2")],
)
def test_bad_features_on_the_command_line_are_one_line_and_exit_2(args, fragment, capsys):
    assert exit_code(main, ["train", "--epochs", "2", *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err, err
    assert len(err.strip().splitlines()) == 1


def test_a_csv_of_other_than_two_inputs_takes_no_features(tmp_path, capsys):
    path = tmp_path / "three.csv"
    rows = np.random.default_rng(4).normal(size=(30, 4))
    path.write_text("a,b,c,t\n" + "\n".join(",".join(f"{v:.4f}" for v in row) for row in rows) + "\n")
    assert exit_code(main, ["train", "--data", str(path), "--layers", "2,4,1", "--features", "x1sq,x2sq", "--epochs", "2"]) == 2
    err = capsys.readouterr().err
    assert "features x1sq,x2sq are made from two inputs, but data three.csv has 3 inputs" in err
    assert len(err.strip().splitlines()) == 1


def test_a_csv_of_two_inputs_trains_on_its_features(tmp_path, capsys):
    path = tmp_path / "two.csv"
    rows = np.random.default_rng(5).normal(size=(30, 3))
    path.write_text("a,b,t\n" + "\n".join(",".join(f"{v:.4f}" for v in row) for row in rows) + "\n")
    config = TrainConfig(data=str(path), layers=(3, 4, 1), features="x1,x2,x1x2", activation="tanh").validated()
    trainer = Trainer.new(config)
    assert trainer.x.shape[0] == 2
    trainer.step(3)
    assert np.isfinite(trainer.loss_history).all()


def test_every_feature_at_once_trains():
    config = XOR.with_changes(features=ALL, layers=(7, 6, 1)).validated()
    trainer = Trainer.new(config)
    trainer.step(300)
    assert trainer.metrics["accuracy"][-1] >= 0.9
