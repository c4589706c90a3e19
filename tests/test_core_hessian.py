"""Curvature: Hessian-vector products and λ_max against the exact Hessian (built here column by column from the gradient)."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.hessian import CancelledError, Curvature, lanczos_top, sharpness
from mlp_gui.core.model import Model
from mlp_gui.core.network import loss_and_grads


def exact_hessian(model: Model, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂²L/∂θ² by Richardson-extrapolated central differences of the kernel's gradient, one column per parameter,
    each with a step relative to its parameter."""
    layout = model.layout

    def grad(t: np.ndarray) -> np.ndarray:
        return layout.pack(loss_and_grads(model, layout.views(t), x, y)[1])

    columns = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = 1.0
        h = 1e-4 * max(1.0, abs(theta[j]))
        wide = (grad(theta + 2 * h * e) - grad(theta - 2 * h * e)) / (4 * h)
        narrow = (grad(theta + h * e) - grad(theta - h * e)) / (2 * h)
        columns.append((4 * narrow - wide) / 3)
    hessian = np.column_stack(columns)
    return (hessian + hessian.T) / 2


def notebook_point(epochs: int) -> tuple[Model, np.ndarray, np.ndarray, np.ndarray]:
    trainer = Trainer.new(TrainConfig())
    trainer.step(epochs)
    model = trainer.config.model
    return model, model.layout.pack(trainer.layers), trainer.x, trainer.y


def tanh_point() -> tuple[Model, np.ndarray, np.ndarray, np.ndarray]:
    model = Model((2, 3, 1), ("tanh",))
    rng = np.random.default_rng(3)
    return model, rng.standard_normal(model.layout.size), rng.standard_normal((2, 9)), rng.standard_normal((1, 9))


POINTS = {"notebook at init": lambda: notebook_point(0), "notebook trained": lambda: notebook_point(2000),
          "2,3,1 tanh": tanh_point}


@pytest.mark.parametrize("name", POINTS)
def test_lambda_max_and_the_second_are_the_exact_hessians(name):
    model, theta, x, y = POINTS[name]()
    exact = np.linalg.eigvalsh(exact_hessian(model, theta, x, y))[::-1]
    found = Curvature(model, x, y).top(theta, 2)
    assert found.converged
    np.testing.assert_allclose(found.values, exact[:2], rtol=1e-6)
    assert sharpness(model, model.layout.views(theta), x, y) == pytest.approx(exact[0], rel=1e-6)


@pytest.mark.parametrize("name", POINTS)
def test_eigenvectors_are_the_exact_hessians(name):
    model, theta, x, y = POINTS[name]()
    values, vectors = np.linalg.eigh(exact_hessian(model, theta, x, y))
    found = Curvature(model, x, y).top(theta, 2)
    for i in range(2):
        exact = vectors[:, -1 - i]
        assert abs(found.vectors[i] @ exact) == pytest.approx(1.0, abs=1e-6)
        assert np.linalg.norm(found.vectors[i]) == pytest.approx(1.0, abs=1e-12)


def test_a_blown_up_run_has_its_exact_lambda_max_or_none_at_all():
    trainer = Trainer.new(TrainConfig(stepsize=1000))
    model = trainer.config.model
    for epochs, known in ((1, True), (5, True), (10, False)):  # θ ~ 1e2, 1e14, 1e29: ε must shrink, then cannot do
        trainer.step(epochs - trainer.epoch)
        theta = model.layout.pack(trainer.layers)
        found = sharpness(model, trainer.layers, trainer.x, trainer.y)
        if known:
            assert found == pytest.approx(np.linalg.eigvalsh(exact_hessian(model, theta, trainer.x, trainer.y))[-1], rel=1e-6)
        else:
            assert np.isnan(found)  # losses of 1e59: float64 cannot resolve a curvature of 1 there, so no number


class TinyStep(Curvature):
    """Differences taken at a step where rounding swamps them (as huge gradients do after a blow-up)."""

    def step(self, theta, v):
        return 1e-13


def test_products_that_rounding_swamps_give_nan_not_noise():
    model, theta, x, y = notebook_point(0)
    assert np.isfinite(Curvature(model, x, y).top(theta, 1).values[0])
    assert np.isnan(TinyStep(model, x, y).top(theta, 1).values[0])


def test_a_hessian_vector_product_is_the_hessian_times_the_vector():
    model, theta, x, y = tanh_point()
    hessian = exact_hessian(model, theta, x, y)
    v = np.random.default_rng(0).standard_normal(theta.size)
    hv = Curvature(model, x, y).hvp(theta, v)
    np.testing.assert_allclose(hv, hessian @ v, rtol=0, atol=1e-8 * np.linalg.norm(hessian @ v))


def test_gradients_of_many_points_at_once_are_the_kernels():
    model, theta, x, y = tanh_point()
    thetas = theta + np.random.default_rng(1).standard_normal((4, theta.size))
    losses, grads = Curvature(model, x, y).gradients(thetas)
    for t, loss, g in zip(thetas, losses, grads):
        alone, alone_grads = loss_and_grads(model, model.layout.views(t), x, y)
        assert loss == pytest.approx(alone, rel=1e-14)
        np.testing.assert_allclose(g, model.layout.pack(alone_grads), rtol=1e-12, atol=1e-15)


def test_lanczos_finds_the_largest_eigenvalue_not_the_largest_in_magnitude():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((30, 30)))
    values = np.concatenate([[-50.0, -20.0], np.linspace(-1, 3, 28)])  # a saddle: power iteration would find -50
    a = (q * values) @ q.T
    found = lanczos_top(lambda v: a @ v, 30, 2)
    np.testing.assert_allclose(found.values, [3.0, np.sort(values)[-2]], rtol=1e-10)
    assert abs(found.vectors[0] @ q[:, np.argmax(values)]) == pytest.approx(1.0, abs=1e-9)


def test_lanczos_converges_before_the_whole_space_and_within_its_budget():
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((200, 200)))
    values = np.concatenate([[100.0, 60.0], rng.uniform(0, 10, 198)])
    a = (q * values) @ q.T
    found = lanczos_top(lambda v: a @ v, 200, 2, max_products=80)
    assert found.converged and found.products < 80
    np.testing.assert_allclose(found.values, [100.0, 60.0], rtol=1e-10)
    capped = lanczos_top(lambda v: a @ v, 200, 2, max_products=3)
    assert capped.products == 3 and not capped.converged


def test_an_invariant_start_still_reaches_the_top():
    a = np.diag([1.0, 2.0, 3.0, 10.0])
    found = lanczos_top(lambda v: a @ v, 4, 2, start=np.array([1.0, 0.0, 0.0, 0.0]))  # an eigenvector: breaks down at once
    np.testing.assert_allclose(found.values, [10.0, 3.0], rtol=1e-12)


def test_progress_counts_products_and_false_cancels():
    model, theta, x, y = notebook_point(0)
    seen = []
    Curvature(model, x, y).top(theta, 2, progress=lambda done, total: seen.append((done, total)))
    assert seen and [d for d, _ in seen] == list(range(1, len(seen) + 1)) and all(t == seen[0][1] for _, t in seen)
    with pytest.raises(CancelledError, match="cancelled"):
        Curvature(model, x, y).top(theta, 2, progress=lambda done, total: done < 3)


def test_a_loss_that_is_not_finite_gives_nan_not_a_number_that_looks_real():
    model, theta, x, y = tanh_point()
    assert np.isnan(sharpness(model, model.layout.views(np.full_like(theta, np.inf)), x, y))


def test_sharpness_of_the_notebook_net_is_fast():
    import time

    model, theta, x, y = notebook_point(100)
    layers = model.layout.views(theta)
    sharpness(model, layers, x, y)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        sharpness(model, layers, x, y)
        times.append(time.perf_counter() - start)
    assert sorted(times)[2] < 0.05
