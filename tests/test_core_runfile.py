"""Saved runs round-trip exactly; bad files are rejected with a message naming the problem."""

import json
import os
import stat
import tracemalloc
import zipfile

import numpy as np
import pytest

from mlp_gui.core import RunFileError, TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.flat_layout import flatten


@pytest.fixture
def trained() -> Trainer:
    trainer = Trainer.new(TrainConfig())
    trainer.step(500)
    return trainer


def test_round_trip(tmp_path, trained):
    path = save_run(tmp_path / "run.npz", run_from_trainer(trained))
    run = load_run(path)
    assert run.config == trained.config
    assert run.epochs == 500
    np.testing.assert_array_equal(run.loss, trained.loss_history)
    for a, b in zip(run.params + flatten(run.grads), trained.params + trained.flat_grads):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(run.x, trained.x)
    np.testing.assert_array_equal(run.y, trained.y)


def test_file_is_plain_npz_without_pickle(tmp_path, trained):
    path = save_run(tmp_path / "run.npz", run_from_trainer(trained))
    with np.load(path, allow_pickle=False) as data:
        names = set(data.files)
        config = json.loads(str(data["config"]))
        assert data["loss"].dtype == np.float64 and data["loss"].shape == (501,)
    assert {"W1", "b1", "W3", "b3", "grad_W1", "grad_b3", "loss", "x", "y", "config"} <= names
    assert config == {"seed": 12345, "layers": [3, 4, 4, 2], "batch_size": 5, "stepsize": 0.1,
                      "activation": "sigmoid", "output": "identity", "loss": "mse", "init": "notebook",
                      "data": "notebook", "features": "x1,x2", "samples": 200, "noise": 0.1, "test_fraction": "auto",
                      "target": "last", "standardize": "no",
                      "optimizer": "gd", "momentum": 0.9, "rho": 0.99, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                      "l1": 0.0, "l2": 0.0, "decay_every": 0, "decay_factor": 1.0}  # issue 19's optimizer settings


def test_save_does_not_clobber_on_failure(tmp_path, trained, monkeypatch):
    path = save_run(tmp_path / "run.npz", run_from_trainer(trained))
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError):
        save_run(path, run_from_trainer(trained))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]  # no temp file left behind


def _rewrite(src, dst, drop=(), replace=None):
    with np.load(src) as data:
        arrays = {k: data[k] for k in data.files if k not in drop}
    arrays.update(replace or {})
    np.savez(dst, **arrays)
    return dst


@pytest.mark.parametrize(
    "mutation, fragment",
    [
        (dict(drop=("W2",)), "missing arrays: W2"),
        (dict(drop=("config",)), "not an mlp-gui run"),
        (dict(replace={"W1": np.zeros((5, 3))}), "'W1' has shape"),
        (dict(replace={"config": np.array('{"seed": 12345, "layers": [3, 4, 4, 2], "batch_size": 5, "stepsize": 0.1, "epochs": 6}')}),
         "'loss' has 501 values but config says 6 epochs"),
        (dict(replace={"config": np.array("{broken")}), "not valid JSON"),
        (dict(replace={"config": np.array('{"seed": 1, "layers": [3, 0, 2], "batch_size": 5, "stepsize": 0.1}')}), "size 2 is 0"),
        (dict(replace={"config": np.array('{"seed": 1, "layers": [3, 4, 4, 2], "batch_size": 5}')}), "missing stepsize"),
        (dict(replace={"x": np.array(["a"] * 15).reshape(3, 5)}), "not numeric"),
    ],
)
def test_hand_edited_files_are_rejected(tmp_path, trained, mutation, fragment):
    good = save_run(tmp_path / "run.npz", run_from_trainer(trained))
    bad = _rewrite(good, tmp_path / "bad.npz", **mutation)
    with pytest.raises(RunFileError, match=fragment) as info:
        load_run(bad)
    assert "bad.npz" in str(info.value)


def test_truncated_foreign_and_missing_files(tmp_path, trained):
    good = save_run(tmp_path / "run.npz", run_from_trainer(trained))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:400])
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    npy = tmp_path / "array.npz"
    with open(npy, "wb") as f:
        np.save(f, np.arange(3))
    other_zip = tmp_path / "other.npz"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("readme.txt", "hi")
    cases = {
        truncated: "truncated",
        text: "not an .npz file",
        npy: "not an .npz file",
        other_zip: "not an mlp-gui run",
        tmp_path / "missing.npz": "no such file",
        tmp_path: "is a folder",
        tmp_path / "empty.npz": "empty",
    }
    (tmp_path / "empty.npz").write_bytes(b"")
    for path, fragment in cases.items():
        with pytest.raises(RunFileError, match=fragment):
            load_run(path)


def test_a_diverged_run_continues_from_its_last_finite_epoch(tmp_path):
    trainer = Trainer.new(TrainConfig(stepsize=1000))
    trainer.step(1000)
    run = load_run(save_run(tmp_path / "div.npz", run_from_trainer(trainer)))
    assert run.diverged_at == trainer.diverged_at and not np.isfinite(run.loss[-1]) and run.continuable
    resumed = run.with_config(run.config.with_changes(stepsize=0.1)).trainer(10)
    assert resumed.epoch == trainer.diverged_at - 1 and resumed.diverged_at is None
    resumed.step(10)
    straight = Trainer.new(TrainConfig(stepsize=1000))
    straight.step(trainer.diverged_at - 1)
    straight.set_stepsize(0.1)
    straight.step(10)
    np.testing.assert_array_equal(resumed.loss_history, straight.loss_history)


def test_old_diverged_files_with_nan_parameters_open_but_cannot_continue(tmp_path, trained):
    good = save_run(tmp_path / "run.npz", run_from_trainer(trained))
    loss = np.concatenate([trained.loss_history, [np.nan]])
    old = _rewrite(good, tmp_path / "old.npz", replace={"W1": np.full((4, 3), np.nan), "loss": loss})
    run = load_run(old)
    assert run.diverged_at == 501 and not run.continuable
    with pytest.raises(RunFileError, match="diverged at epoch 501 and its parameters are not finite"):
        run.trainer(10)


@pytest.mark.parametrize(
    "replace, fragment",
    [
        ({"W2": np.full((4, 4), np.inf)}, "hold inf or NaN, but the run did not diverge"),
        ({"loss": np.array([1.0, np.nan, 0.5])}, r"before its last value \(at epoch 1\)"),
        ({"x": np.full((3, 5), np.nan)}, "'x' or 'y' holds inf or NaN"),
        ({"W1": np.zeros((4, 3), dtype=object)}, "W1"),
        ({"loss": np.zeros(0)}, "empty"),
    ],
)
def test_non_finite_or_foreign_values_are_refused(tmp_path, trained, replace, fragment):
    good = save_run(tmp_path / "run.npz", run_from_trainer(trained))
    with pytest.raises(RunFileError, match=fragment):
        load_run(_rewrite(good, tmp_path / "bad.npz", replace=replace))


def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "f.npz"
    os.mkfifo(fifo)
    with pytest.raises(RunFileError, match="named pipe"):
        load_run(fifo)


def test_a_huge_declared_history_is_refused_before_reading(tmp_path, trained):
    """A .npy header may declare any shape: it is checked against the limits before anything is allocated."""
    good = save_run(tmp_path / "run.npz", run_from_trainer(trained))
    bad = tmp_path / "huge.npz"
    with np.load(good) as data, zipfile.ZipFile(bad, "w") as z:
        for key in data.files:
            if key != "loss":
                with z.open(f"{key}.npy", "w") as f:
                    np.lib.format.write_array(f, data[key])
        header = {"descr": "<f8", "fortran_order": False, "shape": (10**13,)}
        with z.open("loss.npy", "w") as f:
            np.lib.format.write_array_header_1_0(f, header)
    tracemalloc.start()
    with pytest.raises(RunFileError, match="'loss'"):
        load_run(bad)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20


def test_saves_honour_the_umask_and_keep_an_existing_mode(tmp_path, trained):
    old = os.umask(0o022)
    try:
        path = save_run(tmp_path / "run.npz", run_from_trainer(trained))
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o640)
        save_run(path, run_from_trainer(trained))
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_save_follows_a_symlink_and_refuses_devices(tmp_path, trained):
    real = tmp_path / "real.npz"
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    save_run(link, run_from_trainer(trained))
    assert link.is_symlink() and load_run(real).epochs == 500
    with pytest.raises(OSError, match="device"):
        save_run("/dev/null", run_from_trainer(trained))
