"""Every table entry of the model (activation, output with loss, initialisation) is right, checked by finite differences."""

import numpy as np
import pytest

from mlp_gui.core.flat_layout import FlatLayout, flatten, pair_up, parameter_names
from mlp_gui.core.gradcheck import gradient_check
from mlp_gui.core.model import ACTIVATIONS, HEADS, INITS, Model
from mlp_gui.core.network import Kernel, loss_and_grads, predict


def _problem(model: Model, seed: int = 0, m: int = 6):
    rng = np.random.RandomState(seed)
    layers = [(rng.randn(o, i) * 0.7, rng.randn(o) * 0.3) for i, o in zip(model.sizes[:-1], model.sizes[1:])]
    x = rng.randn(model.sizes[0], m)
    if model.output == "softmax":
        y = np.eye(model.sizes[-1])[:, rng.randint(0, model.sizes[-1], m)]
    elif model.output == "sigmoid":
        y = (rng.rand(model.sizes[-1], m) > 0.5).astype(float)
    else:
        y = rng.randn(model.sizes[-1], m)
    return layers, x, y


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("head", sorted(HEADS), ids=lambda h: f"{h[0]}+{h[1]}")
def test_every_activation_and_head_backprops_correctly(activation, head):
    model = Model((3, 5, 4, 3), (activation,), output=head[0], loss=head[1])
    layers, x, y = _problem(model)
    checks = gradient_check([a for layer in layers for a in layer], x, y, model=model)
    assert all(c.rel_error < 1e-6 for c in checks), [(c.name, c.rel_error) for c in checks]


def test_per_layer_activations():
    model = Model((2, 4, 4, 1), ("tanh", "relu"))
    assert [a.name for a in model.hidden] == ["tanh", "relu"]
    layers, x, y = _problem(model, seed=3)
    checks = gradient_check([a for layer in layers for a in layer], x, y, model=model)
    assert all(c.passed for c in checks)


def test_cross_entropy_is_stable_at_extreme_logits():
    model = Model((1, 2), (), output="sigmoid", loss="cross-entropy")
    layers = [(np.array([[1000.0], [-1000.0]]), np.zeros(2))]
    x, y = np.ones((1, 1)), np.array([[0.0], [1.0]])  # maximally wrong: the loss is large, not inf or NaN
    loss, grads = loss_and_grads(model, layers, x, y)
    assert np.isfinite(loss) and loss == pytest.approx(2000.0)
    softmax = Model((1, 3), (), output="softmax", loss="cross-entropy")
    loss, _ = loss_and_grads(softmax, [(np.array([[800.0], [0.0], [-800.0]]), np.zeros(3))], x, np.array([[0.0], [0.0], [1.0]]))
    assert np.isfinite(loss) and loss == pytest.approx(1600.0)


def test_softmax_output_sums_to_one():
    model = Model((2, 3, 4), output="softmax", loss="cross-entropy")
    layers, x, _ = _problem(model)
    np.testing.assert_allclose(predict(model, layers, x).sum(axis=0), 1.0)


def test_bad_models_are_refused():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        Model((2, 3, 1), ("swish",))
    with pytest.raises(ValueError, match="identity"):
        Model((2, 1), output="identity", loss="cross-entropy")
    with pytest.raises(ValueError, match="2 hidden layers need 2 activations"):
        Model((2, 3, 3, 1), ("tanh", "relu", "tanh"))
    with pytest.raises(ValueError, match="initialisation"):
        Model((2, 1), init="zeros")


@pytest.mark.parametrize("init, scale", [("notebook", lambda i, o: 0.01), ("xavier", lambda i, o: np.sqrt(2 / (i + o))),
                                         ("he", lambda i, o: np.sqrt(2 / i))])
def test_initialisations_draw_in_layer_order_from_one_generator(init, scale):
    model = Model((3, 5, 2), init=init)
    layers = model.init_weights(np.random.RandomState(7))
    rng = np.random.RandomState(7)
    for (weights, b), (n_in, n_out) in zip(layers, [(3, 5), (5, 2)]):
        np.testing.assert_array_equal(weights, rng.randn(n_out, n_in) * scale(n_in, n_out))
        assert not b.any()
    assert set(INITS) == {"notebook", "xavier", "he"}


def test_flat_layers_are_views_in_file_order():
    flat, layers = FlatLayout.of((3, 4, 2)).zeros()
    assert flat.size == 3 * 4 + 4 + 4 * 2 + 2
    flat[:] = np.arange(flat.size)
    assert layers[0].W[0, 0] == 0 and layers[0].b[0] == 12 and layers[1].W[0, 0] == 16
    assert [a.shape for a in flatten(layers)] == [(4, 3), (4,), (2, 4), (2,)]
    assert pair_up(flatten(layers))[1].b is layers[1].b
    assert parameter_names(2) == ["W1", "b1", "W2", "b2"]


def test_the_stacked_kernel_gives_each_run_its_own_numbers():
    """One kernel, two multiplications: np.dot for a run, np.matmul over a stack of runs."""
    model = Model((3, 4, 2), ("tanh",), output="softmax", loss="cross-entropy")
    problems = [_problem(model, seed=s) for s in range(3)]
    stacked = [(np.stack([p[0][i][0] for p in problems]), np.stack([p[0][i][1] for p in problems])) for i in range(2)]
    x, y = np.stack([p[1] for p in problems]), np.stack([p[2] for p in problems])
    losses, grads = Kernel(model, dot=np.matmul).loss_and_grads(stacked, x, y)
    for k, (layers, xk, yk) in enumerate(problems):
        loss, own = loss_and_grads(model, layers, xk, yk)
        assert losses[k] == loss
        for a, b in zip(flatten(own), flatten(grads)):
            np.testing.assert_array_equal(a, b[k])
