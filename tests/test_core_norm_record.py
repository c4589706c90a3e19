"""Gradient flow over time: per-layer norms recorded by the trainer on a log grid, kept in run files, exact on going back."""

import numpy as np
import pytest

from mlp_gui.core import RunFileError, TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.explain import layer_norms
from mlp_gui.core.norm_record import POINTS_PER_OCTAVE, NormRecord, grid_rows, next_on_grid, on_grid


@pytest.mark.parametrize("epochs", [0, 1, 7, 1023, 1024, 1025, 2047, 2048, 3000, 65_537])
def test_the_grid_is_every_early_epoch_then_a_fixed_number_per_octave(epochs):
    on = [e for e in range(epochs + 1) if on_grid(e)]
    assert len(on) == grid_rows(epochs)
    assert on[: min(epochs, 2 * POINTS_PER_OCTAVE) + 1] == list(range(min(epochs, 2 * POINTS_PER_OCTAVE) + 1))
    walked = [0]
    while next_on_grid(walked[-1]) <= epochs:
        walked.append(next_on_grid(walked[-1]))
    assert walked == on
    dense_octaves = (2 * POINTS_PER_OCTAVE).bit_length()
    for k in range(dense_octaves, epochs.bit_length()):  # every full octave past the dense start: the same number of rows
        assert sum(1 for e in on if 2 ** (k - 1) <= e < 2**k) == POINTS_PER_OCTAVE


def test_a_billion_epochs_stay_within_a_few_megabytes():
    assert grid_rows(10**6) < 3_400 and grid_rows(10**9) < 6_000
    assert grid_rows(10**9) * 3 * 8 * 8 < 2**20 + 2**19  # three float64 norms of an 8-layer net: 1.5 MB
    assert grid_rows(10**6) * 3 * 3 * 8 < 0.04 * 8 * 10**6  # the notebook's net: 4% of a million-epoch loss history


def test_norms_equal_numpys_norms_of_the_snapshot_arrays():
    trainer = Trainer.new(TrainConfig())
    for _ in range(30):
        trainer.step(256)  # chunk ends (where snapshots are taken) on the grid
    rows, store = trainer.norms.rows(), trainer.snapshots
    common = sorted(set(rows.epochs.tolist()) & set(store.epochs))
    assert len(common) >= 20 and common[0] == 0 and common[-1] == 7680
    for epoch in common:
        i, r = store.epochs.index(epoch), int(np.searchsorted(rows.epochs, epoch))
        snap = trainer.snapshot_at(i)
        for layer, (p, g) in enumerate(zip(snap.layers, snap.grads)):
            np.testing.assert_allclose(rows.weight[r, layer], np.linalg.norm(np.concatenate([p.W.ravel(), p.b])), rtol=1e-14)
            np.testing.assert_allclose(rows.grad[r, layer], np.linalg.norm(np.concatenate([g.W.ravel(), g.b])), rtol=1e-14)
            assert rows.update[r, layer] == 0.1 * rows.grad[r, layer]
    assert rows.grad[-1].tolist() == layer_norms(trainer.grads)  # what --json says, to the bit
    np.testing.assert_array_equal(rows.ratio, rows.update / rows.weight)


def test_every_epoch_is_recorded_in_a_short_run_and_the_grid_in_a_long_one(notebook_trained):
    trainer = Trainer.new(TrainConfig())
    trainer.step(2 * POINTS_PER_OCTAVE)
    assert trainer.norms.rows().epochs.tolist() == list(range(2 * POINTS_PER_OCTAVE + 1))
    assert notebook_trained.epoch == 100_000  # the same run, trained on to 100,000 epochs (once per test session)
    epochs = notebook_trained.norms.rows().epochs
    assert len(epochs) == grid_rows(100_000) and all(on_grid(e) for e in epochs)
    assert epochs[-1] == max(e for e in range(99_000, 100_001) if on_grid(e))


def test_mini_batch_runs_record_on_the_same_grid():
    trainer = Trainer.new(TrainConfig(data="gaussians", layers=(2, 6, 2), batch_size=16, samples=64, output="softmax",
                                  loss="cross-entropy", init="xavier"))
    trainer.step(1500)
    rows = trainer.norms.rows()
    assert rows.epochs.tolist() == [e for e in range(1501) if on_grid(e)]
    assert rows.grad[-1].tolist() == layer_norms(trainer.grads)


def test_going_back_and_continuing_retraces_the_rows_bit_for_bit():
    straight = Trainer.new(TrainConfig())
    straight.step(5000)
    again = Trainer.new(TrainConfig())
    again.step(3000)
    again.back_to_snapshot(again.snapshots.latest_at_or_before(1500))
    assert again.norms.last_epoch <= 1500
    again.step(5000 - again.epoch)
    a, b = straight.norms.rows(), again.norms.rows()
    np.testing.assert_array_equal(a.epochs, b.epochs)
    np.testing.assert_array_equal(a.grad, b.grad)
    np.testing.assert_array_equal(a.weight, b.weight)


def test_a_diverged_run_records_no_row_past_its_last_finite_epoch():
    trainer = Trainer.new(TrainConfig(stepsize=1000.0))
    trainer.step(500)
    assert trainer.diverged_at is not None
    rows = trainer.norms.rows()
    assert rows.epochs[-1] == trainer.epoch and np.all(np.isfinite(rows.grad))


def test_a_new_stepsize_restates_the_update_of_the_epoch_it_applies_to():
    trainer = Trainer.new(TrainConfig())
    trainer.step(10)
    trainer.set_stepsize(0.5)
    rows = trainer.norms.rows()
    assert rows.update[-1].tolist() == (0.5 * rows.grad[-1]).tolist()
    assert rows.update[-2].tolist() == (0.1 * rows.grad[-2]).tolist()


def test_the_window_copy_follows_the_trainer_by_extension():
    trainer = Trainer.new(TrainConfig())
    copy = NormRecord.for_sizes(trainer.config.layers)
    copy.extend(trainer.norms.rows())
    for _ in range(5):
        last = copy.last_epoch
        trainer.step(400)
        copy.extend(trainer.norms.rows(after=last))
    copy.extend(trainer.norms.rows())  # rows it already has are not added twice
    np.testing.assert_array_equal(copy.rows().grad, trainer.norms.rows().grad)


def test_run_files_keep_the_norms_and_continue_them(tmp_path):
    trainer = Trainer.new(TrainConfig())
    trainer.step(2560)
    path = save_run(tmp_path / "r.npz", run_from_trainer(trainer))
    with np.load(path) as f:
        assert f["grad_norms"].shape == f["weight_norms"].shape == f["update_norms"].shape == (grid_rows(2560), 3)
        assert f["norm_epochs"][-1] == 2560
    run = load_run(path)
    np.testing.assert_array_equal(run.norms.grad, trainer.norms.rows().grad)
    resumed = run.trainer(2500)
    resumed.step(2500)
    trainer.step(2500)
    np.testing.assert_array_equal(resumed.norms.rows().weight, trainer.norms.rows().weight)
    back, at = run.from_epoch(1700)
    assert back.norms.epochs[-1] <= at


def test_a_file_from_before_the_norms_opens_and_records_from_where_it_is(tmp_path):
    trainer = Trainer.new(TrainConfig())
    trainer.step(64)
    path = save_run(tmp_path / "r.npz", run_from_trainer(trainer))
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files if "norm" not in k}
    np.savez(tmp_path / "old.npz", **arrays)
    run = load_run(tmp_path / "old.npz")
    assert run.norms is None
    resumed = run.trainer(10)
    assert resumed.norms.rows().epochs.tolist() == [64]
    resumed.step(3)
    assert resumed.norms.rows().epochs.tolist() == [64, 65, 66, 67]


@pytest.mark.parametrize(
    "replace, fragment",
    [
        ({"norm_epochs": np.r_[np.arange(63), 70, 66]}, "not increasing epochs"),
        ({"norm_epochs": np.arange(3) * 1000}, "one row per entry"),
        ({"grad_norms": -np.ones((65, 3))}, "negative"),
        ({"grad_norms": np.ones((65, 4))}, "'grad_norms' has shape"),
        ({"norm_epochs": np.arange(65) + 10}, "not increasing epochs of this run"),
    ],
)
def test_hostile_norm_arrays_are_refused_in_one_line(tmp_path, replace, fragment):
    trainer = Trainer.new(TrainConfig())
    trainer.step(64)
    path = save_run(tmp_path / "r.npz", run_from_trainer(trainer))
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    arrays.update(replace)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(RunFileError, match=fragment) as info:
        load_run(tmp_path / "bad.npz")
    assert "\n" not in str(info.value)


def test_only_some_of_the_norm_arrays_is_refused(tmp_path):
    trainer = Trainer.new(TrainConfig())
    trainer.step(8)
    path = save_run(tmp_path / "r.npz", run_from_trainer(trainer))
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files if k != "update_norms"}
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(RunFileError, match="only some of the gradient-flow arrays"):
        load_run(tmp_path / "bad.npz")


def test_layout_views_of_a_row_match_the_record_layer_bounds():
    trainer = Trainer.new(TrainConfig(layers=(3, 5, 4, 2)))
    row = np.arange(trainer.layout.size, dtype=float)
    for (lo, hi), layer in zip(trainer.norms.bounds, trainer.layout.views(row)):
        assert np.concatenate([layer.W.ravel(), layer.b]).tolist() == row[lo:hi].tolist()


@pytest.mark.parametrize("member, shape", [("norm_epochs", (10**12,)), ("grad_norms", (10**9, 3))])
def test_a_huge_declared_norm_array_is_refused_before_reading(tmp_path, member, shape):
    """The norm arrays' headers are checked against the most rows any run records before anything is allocated."""
    import tracemalloc
    import zipfile

    trainer = Trainer.new(TrainConfig())
    trainer.step(10)
    good = save_run(tmp_path / "run.npz", run_from_trainer(trainer))
    bad = tmp_path / "huge.npz"
    with np.load(good) as data, zipfile.ZipFile(bad, "w") as z:
        for key in data.files:
            if key != member:
                with z.open(f"{key}.npy", "w") as f:
                    np.lib.format.write_array(f, data[key])
        with z.open(f"{member}.npy", "w") as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8" if member != "norm_epochs" else "<i8",
                                                     "fortran_order": False, "shape": shape})
    tracemalloc.start()
    with pytest.raises(RunFileError, match=member):
        load_run(bad)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20
