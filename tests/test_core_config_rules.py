"""Settings refused before a run is made: memory (known, or not knowable here), a test fraction that leaves nothing
to train on, cross-entropy on targets that are any numbers; and files an earlier version wrote with the last still
open, to be looked at (issue 17 items 10 and 11; the notebook's y = randn trained cross-entropy to a negative loss)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mlp_gui.core import ConfigError, TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core import platform as core_platform
from mlp_gui.core.config import check_fits_in_memory
from mlp_gui.core.kept_store import StoredRun, load_kept, save_kept
from mlp_gui.core.run_checks import earlier_version_note
from mlp_gui.core.sweep import sweep_runs

BIG = TrainConfig(layers=(3, 10_000, 10_000, 2))  # about 4 GB of parameters, gradients and copies


def test_the_memory_check_takes_the_platforms_answer(monkeypatch):
    """The process's own limits (ulimit, cgroup) are in platform.available_memory: the check uses it."""
    monkeypatch.setattr(core_platform, "available_memory", lambda **_: 64 * 2**20)
    with pytest.raises(ConfigError, match="only 64.0 MB of memory is available: reduce layers"):
        check_fits_in_memory(BIG)
    check_fits_in_memory(TrainConfig(), 1000)  # the notebook fits


def test_where_free_memory_cannot_be_known_it_says_so_and_checks_the_machines_total(monkeypatch):
    monkeypatch.setattr(core_platform, "available_memory", lambda **_: None)
    monkeypatch.setattr(core_platform, "total_memory", lambda: 2 * 2**30)
    with pytest.raises(ConfigError) as info:
        check_fits_in_memory(BIG)
    message = str(info.value)
    assert "this machine has only 2.0 GB of memory in all (how much is free cannot be known here)" in message
    assert "8.0 GB" not in message and "\n" not in message  # no invented 8 GiB
    check_fits_in_memory(TrainConfig(), 1000)
    monkeypatch.setattr(core_platform, "total_memory", lambda: None)
    check_fits_in_memory(BIG)  # nothing to judge by: let it try (a MemoryError is caught where it happens)


@pytest.mark.parametrize("samples, fraction", [(4, "0.9"), (4, "0.875")])
def test_a_test_fraction_that_leaves_no_training_sample_is_refused(samples, fraction):
    config = TrainConfig(data="xor", layers=(2, 4, 1), samples=samples, test_fraction=fraction)
    with pytest.raises(ConfigError, match=f"a test fraction of {fraction} holds out all {samples} samples") as info:
        config.validated()
    assert info.value.setting == "test_fraction"
    config.with_changes(samples=samples * 10 + 10).validated()  # more samples: some left to train on


@pytest.mark.parametrize("data, layers", [("notebook", (3, 4, 4, 2)), ("sine", (1, 8, 1))])
def test_cross_entropy_on_targets_that_are_any_numbers_is_refused_naming_both(data, layers):
    config = TrainConfig(data=data, layers=layers, output="sigmoid", loss="cross-entropy")
    with pytest.raises(ConfigError) as info:
        config.validated()
    message = str(info.value)
    assert f"loss cross-entropy needs targets that are probabilities, but data {data}'s" in message
    assert "\n" not in message and info.value.setting == "loss"
    config.with_changes(loss="mse").validated()
    TrainConfig(data="xor", layers=(2, 4, 1), output="sigmoid", loss="cross-entropy").validated()  # classes: fine


def test_the_command_line_and_sweeps_refuse_it_too():
    done = subprocess.run([sys.executable, "-m", "mlp_gui", "train", "--output", "sigmoid", "--loss", "cross-entropy",
                           "--epochs", "5"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "data notebook's targets are any numbers" in lines[0], done.stderr
    with pytest.raises(ConfigError, match="data sine's targets"):
        sweep_runs(TrainConfig(data="sine", layers=(1, 8, 1), output="sigmoid", loss="cross-entropy"), 10, "stepsize",
                   "0.1,0.2")


@pytest.fixture
def earlier_file(tmp_path):
    """A run an earlier version let train: cross-entropy on the notebook's randn targets (its loss went below 0)."""
    config = TrainConfig(output="sigmoid", loss="cross-entropy")
    trainer = Trainer.new(config)  # the trainer trusts its caller, as the earlier versions' settings did
    trainer.step(200)
    return save_run(tmp_path / "earlier.npz", run_from_trainer(trainer)), config


def test_a_file_an_earlier_version_wrote_with_it_still_opens_with_a_note(earlier_file):
    path, config = earlier_file
    run = load_run(path)
    assert run.config == config and run.epochs == 200
    note = earlier_version_note(run.config)
    assert "earlier version" in note and "data notebook" in note and "not continued" in note and "\n" not in note
    assert earlier_version_note(TrainConfig()) is None
    with pytest.raises(ConfigError, match="data notebook's targets are any numbers"):
        run.config.validated()  # a new run with these settings is refused


def test_kept_runs_an_earlier_version_stored_with_it_are_not_lost(tmp_path):
    import numpy as np

    stored = StoredRun(TrainConfig(output="sigmoid", loss="cross-entropy"), "old", True, np.arange(3), np.array([1.0, -1, -2]))
    save_kept(tmp_path / "kept.npz", [stored])
    assert [r.label for r in load_kept(tmp_path / "kept.npz")] == ["old"]
