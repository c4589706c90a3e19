"""A run whose momentum (or penalty) changed midway keeps the change: saved, reopened, resumed and gone back to,
bit for bit; a hostile ``setting_changes`` array is refused in one line."""

import numpy as np
import pytest

from mlp_gui.cli import main
from mlp_gui.core import RunFileError, TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.setting_changes import describe

START = TrainConfig(optimizer="momentum", momentum=0.9, stepsize=0.02)


def _changed_run(epochs: int = 300) -> Trainer:
    """100 epochs with momentum 0.9, then momentum 0.5 (the notebook's data)."""
    trainer = Trainer.new(START)
    trainer.step(100)
    trainer.set_settings(momentum=0.5)
    trainer.step(epochs - 100)
    return trainer


def _same(a: Trainer, b: Trainer) -> None:
    np.testing.assert_array_equal(a.loss_history, b.loss_history)
    for x, y in zip(a.params, b.params):
        np.testing.assert_array_equal(x, y)


def test_the_run_file_keeps_the_change_and_its_rule(tmp_path):
    run = load_run(save_run(tmp_path / "run.npz", run_from_trainer(_changed_run())))
    assert run.changes == ((0, (("momentum", 0.9),)), (100, (("momentum", 0.5),)))
    assert describe(run.changes) == "momentum 0.9 → 0.5 at 100"
    assert run.config.momentum == 0.5 and run.rule.momentum == 0.5


def test_an_unchanged_run_writes_no_setting_changes(tmp_path):
    trainer = Trainer.new(START)
    trainer.step(20)
    path = save_run(tmp_path / "run.npz", run_from_trainer(trainer))
    with np.load(path) as data:
        assert "setting_changes" not in data.files
    assert load_run(path).changes == ()


def test_resuming_the_saved_run_is_the_uninterrupted_run(tmp_path):
    trainer = load_run(save_run(tmp_path / "run.npz", run_from_trainer(_changed_run()))).trainer(extra_epochs=200)
    trainer.step(200)
    _same(trainer, _changed_run(500))
    assert trainer.changes == _changed_run().changes


@pytest.mark.parametrize("back_to", [60, 200])
def test_going_back_before_or_after_the_change_replays_the_run_bit_for_bit(tmp_path, back_to):
    whole = _changed_run()
    run = load_run(save_run(tmp_path / "run.npz", run_from_trainer(whole)))
    back, at = run.from_epoch(back_to)
    assert at <= back_to
    assert back.config.momentum == (0.9 if at < 100 else 0.5) and back.rule.momentum == back.config.momentum
    assert back.changes == (() if at < 100 else whole.changes)
    trainer = back.trainer(extra_epochs=300 - at)
    if at < 100:
        trainer.step(100 - at)
        trainer.set_settings(momentum=0.5)
    trainer.step(300 - trainer.epoch)
    _same(trainer, whole)
    assert trainer.changes == whole.changes


def test_a_penalty_switched_on_midway_resumes_bit_for_bit(tmp_path):
    def run(epochs: int) -> Trainer:
        trainer = Trainer.new(TrainConfig(optimizer="adam", stepsize=0.01))
        trainer.step(50)
        trainer.set_settings(l2=0.01, beta1=0.8)
        trainer.step(epochs - 50)
        return trainer

    saved = load_run(save_run(tmp_path / "run.npz", run_from_trainer(run(120))))
    assert describe(saved.changes) == "beta1 0.9 → 0.8 at 50; l2 0 → 0.01 at 50"
    trainer = saved.trainer(extra_epochs=80)
    trainer.step(80)
    _same(trainer, run(200))


@pytest.mark.parametrize("rows, fragment", [
    ([[0, 0, 0.9], [5000, 0, 0.5]], "within the run's 300 epochs"),
    ([[10, 0, 0.9], [100, 0, 0.5]], "must start at 0"),
    ([[0, 0, 0.9], [100, 0, 0.7]], "but the config says 0.5"),
    ([[0, 99, 0.9], [100, 99, 0.5]], "does not change midway"),
    ([[0, 0, np.nan], [100, 0, 0.5]], "must be finite"),
    ([[0, 0, 0.9, 1]], "'setting_changes' has shape"),
    ([[0, 0, 0.9]], "must be finite rows"),
    ([[0, 0, -5.0], [100, 0, 0.5]], "'setting_changes' at epoch 0: momentum"),
    ([[0, 0, 0.9], [0, 6, 0], [50, 6, -1.0], [100, 6, 0], [100, 0, 0.5]], "'setting_changes' at epoch 50: l2"),
    ([[0, 7, 2.5], [100, 7, 0], [100, 0, 0.5]], "decay every a value that is not a whole number"),
])
def test_a_bad_setting_changes_array_is_refused_in_one_line(tmp_path, rows, fragment):
    path = save_run(tmp_path / "run.npz", run_from_trainer(_changed_run()))
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["setting_changes"] = np.array(rows, dtype=np.float64)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(RunFileError) as info:
        load_run(tmp_path / "bad.npz")
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_the_command_lines_resume_with_another_momentum_continues_the_run(tmp_path):
    """``train --resume run.npz --momentum 0.5`` is the run that changed its momentum at the file's end."""
    path = tmp_path / "run.npz"
    assert main(["train", "--optimizer", "momentum", "--stepsize", "0.02", "--epochs", "100", "--save", str(path),
                 "--no-progress"]) == 0
    assert main(["train", "--resume", str(path), "--momentum", "0.5", "--epochs", "200", "--no-progress"]) == 0
    resumed = load_run(path)
    assert resumed.changes == ((0, (("momentum", 0.9),)), (100, (("momentum", 0.5),)))
    np.testing.assert_array_equal(resumed.loss, _changed_run().loss_history)
