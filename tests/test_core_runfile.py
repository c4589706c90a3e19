"""Saved runs round-trip exactly; bad files are rejected with a message naming the problem."""

import json
import zipfile

import numpy as np
import pytest

from mlp_gui.core import RunFileError, TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.model import flatten


@pytest.fixture
def trained() -> Trainer:
    trainer = Trainer(TrainConfig())
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
    assert config == {"seed": 12345, "layers": [3, 4, 4, 2], "batch_size": 5, "stepsize": 0.1}


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


def test_diverged_run_loads_but_cannot_continue(tmp_path):
    trainer = Trainer(TrainConfig(stepsize=1000))
    trainer.step(1000)
    run = load_run(save_run(tmp_path / "div.npz", run_from_trainer(trainer)))
    assert run.diverged_at == trainer.diverged_at
    with pytest.raises(RunFileError, match=f"diverged at epoch {trainer.diverged_at}"):
        run.trainer(10)


def test_files_from_before_the_schema_still_open(tmp_path, trained):
    """Older files kept the epochs in their config: they open, and the epochs must match the history."""
    good = save_run(tmp_path / "run.npz", run_from_trainer(trained))
    legacy = '{"seed": 12345, "layers": [3, 4, 4, 2], "batch_size": 5, "stepsize": 0.1, "epochs": 500}'
    old = _rewrite(good, tmp_path / "old.npz", replace={"config": np.array(legacy)})
    run = load_run(old)
    assert run.epochs == 500 and run.config == trained.config
