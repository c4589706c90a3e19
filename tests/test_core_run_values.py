"""Hostile run and kept-runs files: values the settings cannot produce, narrow types that would widen, deep JSON,
no samples, flags that contradict a saved run (issue 17, items 9, 11, 12, 16, 17)."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

from mlp_gui.core import ConfigError, RunFileError, TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.kept_store import load_kept
from mlp_gui.core.npz_reader import MemberSpec, NpzError, read_npz_file
from mlp_gui.core.run_checks import check_flags_match

XOR = TrainConfig(data="xor", layers=(2, 4, 1), activation="tanh", output="sigmoid", loss="cross-entropy", init="xavier",
                  batch_size=0)


@pytest.fixture(scope="module")
def xor_file(tmp_path_factory):
    trainer = Trainer.new(XOR)
    trainer.step(600)  # past 512 epochs: the norm record has its log grid
    return save_run(tmp_path_factory.mktemp("runs") / "xor.npz", run_from_trainer(trainer))


def rewritten(source, tmp_path, **changes) -> str:
    """A copy of ``source`` with some arrays replaced (None: removed)."""
    with np.load(source) as data:
        arrays = dict(data)
    for name, value in changes.items():
        if value is None:
            arrays.pop(name)
        else:
            arrays[name] = value
    path = tmp_path / "hostile.npz"
    np.savez(path, **arrays)
    return str(path)


def refused(path, fragment: str) -> None:
    with pytest.raises(RunFileError) as info:
        load_run(path)
    assert fragment in str(info.value) and "\n" not in str(info.value), str(info.value)


# ---------------------------------------------------------------- item 16: impossible values


def test_targets_outside_what_cross_entropy_takes_are_refused(xor_file, tmp_path):
    y = load_run(xor_file).y.copy()
    y[0, 3] = 7.0
    refused(rewritten(xor_file, tmp_path, y=y), "'y' holds 7.0, outside 0 to 1")


@pytest.mark.parametrize("classes", [np.int64(-3), np.int64(10**18), np.uint64(2**64 - 1), np.int64(3), np.int64(0)])
def test_a_class_count_the_data_cannot_have_is_refused(xor_file, tmp_path, classes):
    refused(rewritten(xor_file, tmp_path, classes=np.array(classes)), f"'classes' is {int(classes)}, but data xor has 2")


def test_nan_norms_are_refused_in_a_run_that_did_not_diverge(xor_file, tmp_path):
    grad = load_run(xor_file).norms.grad.copy()
    grad[5, 0] = np.nan
    refused(rewritten(xor_file, tmp_path, grad_norms=grad), "a norm is NaN, but the run did not diverge")
    grad[5, 0] = np.inf  # the squares of a huge, finite gradient overflow: the app can write that
    assert load_run(rewritten(xor_file, tmp_path, grad_norms=grad)).norms.grad[5, 0] == np.inf


def test_what_the_app_writes_it_opens(xor_file):
    run = load_run(xor_file)
    assert run.classes == 2 and run.epochs == 600 and run.notes == ()


# ---------------------------------------------------------------- item 11: no samples


def test_a_run_without_samples_is_refused(xor_file, tmp_path):
    path = rewritten(xor_file, tmp_path, x=np.zeros((2, 0)), y=np.zeros((1, 0)), x_test=None, y_test=None,
                     test_loss=None, test_accuracy=None)
    refused(path, "'x' holds no samples")


def test_a_trainer_refuses_data_without_training_samples():
    with pytest.raises(ConfigError, match="no samples to train on"):
        Trainer.new(XOR.with_changes(samples=4, test_fraction="0.9"))


# ---------------------------------------------------------------- item 9: no widening


def test_narrow_types_are_refused_before_anything_is_read(xor_file, tmp_path):
    with np.load(xor_file) as data:
        arrays = dict(data)
    arrays["loss"] = np.zeros(20_000_001, dtype=np.int8)  # 160 MB as float64, a few hundred KB compressed
    arrays["accuracy"] = arrays["test_loss"] = arrays["test_accuracy"] = np.zeros(20_000_001)[:0]
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, **arrays)
    assert path.stat().st_size < 2 * 2**20
    tracemalloc.start()
    try:
        refused(path, "'loss' has dtype int8, expected float64")
        assert tracemalloc.get_traced_memory()[1] < 10 * 2**20
    finally:
        tracemalloc.stop()


def test_a_member_claiming_more_than_deflate_can_expand_is_refused():
    data = np.zeros(1000)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, data)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.npy", buffer.getvalue())
    blob = bytearray(raw.getvalue())
    at = blob.rfind(b"PK\x01\x02")  # the central directory entry: claim 2,000 times the stored size
    compressed = int.from_bytes(blob[at + 20 : at + 24], "little")
    blob[at + 24 : at + 28] = (compressed * 2000).to_bytes(4, "little")
    with pytest.raises(NpzError, match="declares .* bytes from .* stored"):
        read_npz_file(io.BytesIO(bytes(blob)), {"x": MemberSpec()})


# ---------------------------------------------------------------- reading only some rows


def test_rows_can_be_read_in_part():
    rows = np.arange(40.0).reshape(10, 4)
    buffer = io.BytesIO()
    np.savez(buffer, s=rows, f=np.asfortranarray(rows))
    got = read_npz_file(io.BytesIO(buffer.getvalue()), {"s": MemberSpec((10, 4), keep_rows=(0, 3, 9))})
    np.testing.assert_array_equal(got["s"], rows[[0, 3, 9]])
    with pytest.raises(NpzError, match="Fortran order"):
        read_npz_file(io.BytesIO(buffer.getvalue()), {"f": MemberSpec((10, 4), keep_rows=(1,))})
    with pytest.raises(NpzError, match="not the ones asked for"):
        read_npz_file(io.BytesIO(buffer.getvalue()), {"s": MemberSpec((10, 4), keep_rows=(3, 2))})
    with pytest.raises(NpzError, match="more than the limit of 100"):
        read_npz_file(io.BytesIO(buffer.getvalue()), {"s": MemberSpec((10, 4), keep_rows=tuple(range(5)))},
                      max_member_bytes=100)


# ---------------------------------------------------------------- item 12: kept runs nested deep


def test_a_deeply_nested_kept_runs_file_is_one_line(tmp_path):
    path = tmp_path / "kept-runs.npz"
    np.savez(path, kept=np.array("[" * 1000 + "]" * 1000))
    with pytest.raises(ValueError, match="nested too deeply") as info:
        load_kept(path)
    assert not isinstance(info.value, RecursionError) and "\n" not in str(info.value)
    np.savez(path, kept=np.array(json.dumps([{"label": "a", "visible": True, "config": {}}])),
             epochs_0=np.arange(3, dtype=np.int8), losses_0=np.ones(3))
    with pytest.raises(ValueError, match="'epochs_0' has dtype int8"):
        load_kept(path)


# ---------------------------------------------------------------- item 17: flags against a saved run


def test_flags_contradicting_a_saved_run_are_named():
    saved = TrainConfig()
    check_flags_match(saved, saved.with_changes(stepsize=0.5, activation="relu"), {"stepsize"})  # only given flags count
    with pytest.raises(ConfigError, match="--activation relu differs from the saved run's sigmoid") as info:
        check_flags_match(saved, saved.with_changes(activation="relu", data="xor"), {"activation", "data"})
    assert info.value.setting == "activation"
    with pytest.raises(ConfigError, match="--data xor differs"):
        check_flags_match(saved, saved.with_changes(data="xor"), {"data"})
