"""The loss landscape: slices and lines against a plain NumPy forward written here, directions against an
independent SVD and the definition of filter normalisation, the path, progress and cancel, bounded memory."""

import tracemalloc

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer, landscape_grid
from mlp_gui.core import landscape as landscape_module
from mlp_gui.core.hessian import CancelledError
from mlp_gui.core.landscape import (
    LandscapeError,
    Trajectory,
    compute_line,
    compute_slice,
    coordinates,
    pca_directions,
    random_directions,
    slice_losses,
)
from mlp_gui.core.landscape_grid import AffineLosses, line_losses
from mlp_gui.core.model import Model
from mlp_gui.core.runfile import run_from_trainer

ACT = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}


def plain_loss(model: Model, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """The data loss written out: unpack W (row by row) and b layer by layer, forward, loss; nothing from the package."""
    a, at = x, 0
    n_layers = len(model.sizes) - 1
    for layer, (n_in, n_out) in enumerate(zip(model.sizes[:-1], model.sizes[1:])):
        w = theta[at : at + n_out * n_in].reshape(n_out, n_in)
        b = theta[at + n_out * n_in : at + n_out * n_in + n_out]
        at += n_out * n_in + n_out
        z = w @ a + b[:, None]
        a = ACT[model.activations[layer]](z) if layer < n_layers - 1 else z
    m = y.shape[1]
    if model.output == "identity":
        return float(np.sum(0.5 * (a - y) ** 2) / m)
    shifted = a - a.max(axis=0)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=0))
    return float(-np.sum(y * log_p) / m)


def trained(chunks: int = 30, epochs: int = 100) -> Trainer:
    """The notebook's run stepped in chunks, as the driver does, so it keeps snapshots along the way."""
    trainer = Trainer.new(TrainConfig())
    for _ in range(chunks):
        trainer.step(epochs)
    return trainer


@pytest.fixture(scope="module")
def notebook_run():
    return run_from_trainer(trained())


@pytest.fixture(scope="module")
def trajectory(notebook_run):
    return Trajectory.of_run(notebook_run)


def assert_slice_is_the_plain_loss(s, trajectory, points=12, seed=0):
    rng = np.random.default_rng(seed)
    assert s.loss.shape == (len(s.betas), len(s.alphas))
    for _ in range(points):
        i, j = rng.integers(len(s.alphas)), rng.integers(len(s.betas))
        theta = s.center + s.alphas[i] * s.d1 + s.betas[j] * s.d2
        expected = plain_loss(trajectory.model, theta, trajectory.x, trajectory.y)
        assert s.loss[j, i] == pytest.approx(expected, rel=1e-12, abs=0)


# ---------------------------------------------------------------- the trajectory


def test_the_trajectory_holds_the_start_every_snapshot_and_the_end(notebook_run, trajectory):
    layout = notebook_run.config.model.layout
    assert list(trajectory.epochs) == sorted(set(notebook_run.snapshots.epochs) | {0, notebook_run.epochs})
    np.testing.assert_array_equal(trajectory.points[0], layout.pack(notebook_run.initial))
    np.testing.assert_array_equal(trajectory.points[-1], layout.pack(notebook_run.layers))
    assert trajectory.index_at(None) == len(trajectory.epochs) - 1
    middle = int(trajectory.epochs[3])
    assert trajectory.index_at(middle) == 3 and trajectory.index_at(middle + 1) == 3
    with pytest.raises(LandscapeError, match="before the run"):
        trajectory.index_at(-1)


def test_a_live_trainer_gives_the_same_trajectory_as_its_saved_run():
    trainer = trained(chunks=5)
    live, saved = Trajectory.of_trainer(trainer), Trajectory.of_run(run_from_trainer(trainer))
    np.testing.assert_array_equal(live.epochs, saved.epochs)
    np.testing.assert_array_equal(live.points, saved.points)
    trainer.step(10)
    assert live.end_epoch == 500  # a copy: the trainer going on does not move it


# ---------------------------------------------------------------- slices


@pytest.mark.parametrize("plane", ["pca", "random", "hessian"])
def test_slice_values_are_the_loss_recomputed_at_those_parameters(trajectory, plane):
    s = compute_slice(trajectory, plane, grid=21, seed=4)
    assert_slice_is_the_plain_loss(s, trajectory)
    assert s.center_loss == pytest.approx(plain_loss(trajectory.model, s.center, trajectory.x, trajectory.y), rel=1e-12)
    np.testing.assert_array_equal(s.alphas, np.linspace(-s.alphas[-1], s.alphas[-1], 21))


@pytest.mark.parametrize("model", [Model((4, 5, 3, 3), ("relu", "tanh"), output="softmax", loss="cross-entropy"),
                                   Model((3, 2)), Model((2, 3, 1), ("tanh",))], ids=["relu-tanh-softmax", "one layer", "2,3,1 tanh"])
def test_slices_of_other_networks_are_the_plain_loss_too(model):
    rng = np.random.default_rng(7)
    p = model.layout.size
    x, labels = rng.standard_normal((model.sizes[0], 11)), rng.integers(0, model.sizes[-1], 11)
    y = np.eye(model.sizes[-1])[:, labels] if model.output == "softmax" else rng.standard_normal((model.sizes[-1], 11))
    center, d1, d2 = rng.standard_normal((3, p))
    alphas, betas = np.linspace(-2, 2, 7), np.linspace(-1, 1.5, 5)
    loss = slice_losses(model, x, y, center, d1, d2, alphas, betas)
    for j, beta in enumerate(betas):
        for i, alpha in enumerate(alphas):
            assert loss[j, i] == pytest.approx(plain_loss(model, center + alpha * d1 + beta * d2, x, y), rel=1e-12)


def test_blocks_do_not_change_the_numbers(trajectory):
    rng = np.random.default_rng(2)
    basis = np.stack([trajectory.points[-1], *rng.standard_normal((2, trajectory.points.shape[1]))])
    coefficients = np.column_stack([np.ones(50), rng.uniform(-1, 1, (50, 2))])
    evaluate = AffineLosses(trajectory.model, trajectory.x, trajectory.y, basis)
    whole = evaluate.losses(coefficients)
    np.testing.assert_allclose(evaluate.losses(coefficients, block=7), whole, rtol=1e-15)


def test_the_default_span_fits_the_pca_path_with_a_margin(trajectory):
    s = compute_slice(trajectory, "pca", grid=5)
    far = np.max(np.abs(s.path))
    assert s.alphas[-1] == pytest.approx(1.25 * far) and s.betas[0] == pytest.approx(-1.25 * far)
    assert compute_slice(trajectory, "random", grid=5).alphas[-1] == 1.0
    assert compute_slice(trajectory, "pca", grid=5, span=0.3).alphas[-1] == 0.3


def test_at_centres_on_the_latest_point_at_or_before_it(trajectory):
    epoch = int(trajectory.epochs[4])
    s = compute_slice(trajectory, "pca", grid=5, at=epoch + 1)
    assert s.center_epoch == epoch
    np.testing.assert_array_equal(s.center, trajectory.points[4])


# ---------------------------------------------------------------- directions and the path


def test_pca_directions_are_orthonormal_and_the_svds(trajectory):
    center = trajectory.points[-1]
    d1, d2 = pca_directions(trajectory.points, center)
    np.testing.assert_allclose(np.stack([d1, d2]) @ np.stack([d1, d2]).T, np.eye(2), atol=1e-12)
    _, _, vt = np.linalg.svd(trajectory.points - center)
    for mine, theirs in zip((d1, d2), vt[:2]):
        assert abs(mine @ theirs) == pytest.approx(1.0, abs=1e-12)
    assert (trajectory.points[0] - center) @ d1 < 0  # the run starts on the negative side and walks towards +d1


def test_pca_of_many_points_by_lanczos_is_the_svd_too(trajectory, monkeypatch):
    monkeypatch.setattr(landscape_module, "EXACT_SVD_WORK", 0)  # as for a long run of a mid-sized net
    center = trajectory.points[-1]
    d1, d2 = pca_directions(trajectory.points, center)
    _, _, vt = np.linalg.svd(trajectory.points - center)
    for mine, theirs in zip((d1, d2), vt[:2]):
        assert abs(mine @ theirs) == pytest.approx(1.0, abs=1e-9)


def test_the_path_is_every_point_projected(trajectory):
    s = compute_slice(trajectory, "pca", grid=5)
    offsets = trajectory.points - s.center
    np.testing.assert_allclose(s.path, np.column_stack([offsets @ s.d1, offsets @ s.d2]), rtol=0, atol=1e-12 * np.abs(s.path).max())
    np.testing.assert_array_equal(s.path_epochs, trajectory.epochs)
    np.testing.assert_allclose(s.path[-1], [0.0, 0.0], atol=1e-15)


def test_the_path_on_a_plane_that_is_not_orthonormal_is_least_squares(trajectory):
    center = trajectory.points[-1]
    d1, d2 = random_directions(trajectory.layout, center, seed=1)
    path = coordinates(trajectory.points, center, d1, d2)
    expected, *_ = np.linalg.lstsq(np.column_stack([d1, d2]), (trajectory.points - center).T, rcond=None)
    np.testing.assert_allclose(path, expected.T, rtol=1e-10, atol=1e-14)


def test_random_directions_are_filter_normalised_unit_by_unit(trajectory):
    layout, center = trajectory.layout, trajectory.points[-1]
    d1, d2 = random_directions(layout, center, seed=5)
    for d in (d1, d2):
        for (w, _), (dw, db) in zip(layout.views(center), layout.views(d)):
            for unit in range(w.shape[0]):
                assert np.linalg.norm(dw[unit]) == pytest.approx(np.linalg.norm(w[unit]), rel=1e-12)
            assert not np.any(db)
    again = random_directions(layout, center, seed=5)
    np.testing.assert_array_equal(again[0], d1)
    assert not np.allclose(random_directions(layout, center, seed=6)[0], d1)
    assert abs(d1 @ d2) < np.linalg.norm(d1) * np.linalg.norm(d2)  # two directions, not one


def test_a_zero_row_gets_a_zero_direction_and_all_zero_weights_are_refused():
    model = Model((3, 4, 2))
    center = np.random.default_rng(0).standard_normal(model.layout.size)
    w1 = model.layout.views(center)[0].W
    w1[2] = 0.0
    d1, _ = random_directions(model.layout, center, seed=0)
    assert not np.any(model.layout.views(d1)[0].W[2])
    with pytest.raises(LandscapeError, match="zero"):
        random_directions(model.layout, np.zeros(model.layout.size), seed=0)


def test_pca_needs_points_that_leave_the_centre_in_two_directions(trajectory):
    two = Trajectory(trajectory.model, trajectory.x, trajectory.y, trajectory.epochs[[0, -1]], trajectory.points[[0, -1]], 0.1)
    with pytest.raises(LandscapeError, match="pca plane needs"):
        compute_slice(two, "pca")
    compute_slice(two, "random", grid=3)  # the other planes do not need them


def test_bad_requests_are_one_clear_error(trajectory):
    for kwargs, words in [({"grid": 1}, "from 2 to 401"), ({"grid": 402}, "from 2 to 401"), ({"span": 0.0}, "positive"),
                          ({"span": float("nan")}, "positive"), ({"at": -5}, "before the run")]:
        with pytest.raises(LandscapeError, match=words):
            compute_slice(trajectory, "pca", **kwargs)
    with pytest.raises(LandscapeError, match="unknown plane"):
        compute_slice(trajectory, "diagonal")


# ---------------------------------------------------------------- the line


def test_the_lines_ends_are_the_snapshots_losses(notebook_run, trajectory):
    line = compute_line(trajectory, 0, None, grid=41)
    assert (line.epoch_a, line.epoch_b) == (0, notebook_run.epochs)
    assert line.loss_a == pytest.approx(notebook_run.loss[0], rel=1e-12)
    assert line.loss_b == pytest.approx(notebook_run.loss[-1], rel=1e-12)
    np.testing.assert_array_equal(line.ts, np.linspace(-0.5, 1.5, 41))
    assert line.loss[10] == line.loss_a and line.loss[30] == line.loss_b  # t = 0 and 1 lie on this grid
    middle = int(trajectory.epochs[5])
    inner = compute_line(trajectory, middle + 3, middle - 1, grid=9)
    assert inner.loss_a == pytest.approx(notebook_run.loss[middle], rel=1e-12)
    assert inner.epoch_b == int(trajectory.epochs[4])


def test_line_values_are_the_loss_recomputed_along_it(trajectory):
    line = compute_line(trajectory, 0, None, grid=13)
    for t, loss in zip(line.ts, line.loss):
        theta = (1 - t) * line.theta_a + t * line.theta_b
        assert loss == pytest.approx(plain_loss(trajectory.model, theta, trajectory.x, trajectory.y), rel=1e-12)


def test_a_line_needs_two_different_points(trajectory):
    with pytest.raises(LandscapeError, match="both ends"):
        compute_line(trajectory, 0, 0)


# ---------------------------------------------------------------- progress, cancel, memory


def stop_after(calls: int):
    """A progress callback that answers False (cancel) at its ``calls``-th call."""
    seen = []

    def progress(done: int, total: int) -> bool:
        seen.append(done)
        return len(seen) < calls

    return progress


def test_progress_reaches_its_total_and_false_cancels(trajectory, monkeypatch):
    monkeypatch.setattr(landscape_grid, "BLOCK_BYTES", 4096)  # small blocks: several progress calls
    seen = []
    compute_slice(trajectory, "hessian", grid=11, progress=lambda done, total: seen.append((done, total)))
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and seen[-1][0] == seen[-1][1] and len(seen) > 3
    with pytest.raises(CancelledError, match="eigenvalue computation was cancelled"):
        compute_slice(trajectory, "hessian", grid=11, progress=stop_after(1))
    with pytest.raises(CancelledError, match="the slice was cancelled"):
        compute_slice(trajectory, "hessian", grid=11, progress=stop_after(len(seen) - 1))
    with pytest.raises(CancelledError, match="the line was cancelled"):
        line_losses(trajectory.model, trajectory.x, trajectory.y, trajectory.points[0], trajectory.points[-1],
                    np.linspace(0, 1, 5), progress=lambda d, t: False)


def test_a_large_network_slice_stays_within_its_block_budget(monkeypatch):
    model = Model((784, 256, 256, 10))
    rng = np.random.default_rng(0)
    p = model.layout.size
    center, d1, d2 = rng.standard_normal((3, p)) * 0.05
    x, y = rng.random((784, 128)), rng.standard_normal((10, 128))
    evaluate = AffineLosses(model, x, y, np.stack([center, d1, d2]))
    assert evaluate.block_size() * evaluate.point_bytes() <= landscape_grid.BLOCK_BYTES
    monkeypatch.setattr(landscape_grid, "BLOCK_BYTES", 8 * 2**20)
    tracemalloc.start()
    try:
        alphas, betas = np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)
        loss = slice_losses(model, x, y, center, d1, d2, alphas, betas)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    basis = 3 * 8 * p  # the centre and directions themselves, and a copy of them
    assert peak < 2 * basis + 2 * 8 * 2**20, f"peak {peak / 2**20:.1f} MB"
    assert loss[1, 3] == pytest.approx(plain_loss(model, center + alphas[3] * d1 + betas[1] * d2, x, y), rel=1e-12)
