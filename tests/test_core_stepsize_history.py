"""A run whose stepsize changed midway keeps its stepsize history: saved, resumed and gone back to, bit for bit."""

import numpy as np
import pytest

from mlp_gui.core import RunFileError, TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.stepsize_history import describe


def _changed_run() -> Trainer:
    """1,000 epochs at 0.1, then 1,000 at 0.3 (the notebook's data; snapshots every few epochs)."""
    trainer = Trainer.new(TrainConfig(stepsize=0.1))
    trainer.step(1000)
    trainer.set_stepsize(0.3)
    trainer.step(1000)
    return trainer


def test_the_run_file_keeps_the_stepsize_each_epoch_used(tmp_path):
    run = load_run(save_run(tmp_path / "run.npz", run_from_trainer(_changed_run())))
    assert run.stepsizes == ((0, 0.1), (1000, 0.3))
    assert run.config.stepsize == 0.3
    assert describe(run.stepsizes) == "0.1 → 0.3 at 1,000"


def test_an_unchanged_run_writes_no_history(tmp_path):
    trainer = Trainer.new(TrainConfig())
    trainer.step(50)
    path = save_run(tmp_path / "run.npz", run_from_trainer(trainer))
    with np.load(path) as data:
        assert "stepsize_changes" not in data.files
    assert load_run(path).stepsizes == ()


@pytest.mark.parametrize("back_to", [600, 1500])
def test_going_back_before_or_after_the_change_replays_the_run_bit_for_bit(tmp_path, back_to):
    whole = _changed_run()
    run = load_run(save_run(tmp_path / "run.npz", run_from_trainer(whole)))
    back, at = run.from_epoch(back_to)
    assert at <= back_to
    assert back.config.stepsize == (0.1 if at < 1000 else 0.3)
    trainer = back.trainer(extra_epochs=2000 - at)
    if at < 1000:
        trainer.step(1000 - at)
        trainer.set_stepsize(0.3)
    trainer.step(2000 - trainer.epoch)
    np.testing.assert_array_equal(trainer.loss_history, whole.loss_history)
    for a, b in zip(trainer.params, whole.params):
        np.testing.assert_array_equal(a, b)
    assert trainer.stepsizes == whole.stepsizes


def test_resuming_the_saved_run_continues_at_its_last_stepsize(tmp_path):
    whole = _changed_run()
    whole_more = _changed_run()
    whole_more.step(300)
    trainer = load_run(save_run(tmp_path / "run.npz", run_from_trainer(whole))).trainer(extra_epochs=300)
    trainer.step(300)
    np.testing.assert_array_equal(trainer.loss_history, whole_more.loss_history)


def test_setting_the_same_stepsize_again_or_back_records_no_change():
    trainer = Trainer.new(TrainConfig(stepsize=0.1))
    trainer.step(10)
    trainer.set_stepsize(0.1)
    assert trainer.stepsizes == ((0, 0.1),)
    trainer.set_stepsize(2.0)
    trainer.set_stepsize(0.1)  # changed its mind before any step
    assert trainer.stepsizes == ((0, 0.1),)


@pytest.mark.parametrize("rows, fragment", [
    ([[0, 0.1], [5000, 0.3]], "within the run's 2,000 epochs"),
    ([[10, 0.1], [1000, 0.3]], "must start at 0"),
    ([[0, 0.1], [1000, 0.5]], "but the config says 0.3"),
    ([[0, -0.1], [1000, 0.3]], "not positive"),
    ([[0, 0.1, 3]], "'stepsize_changes' has shape"),
])
def test_a_bad_history_in_a_file_is_refused_in_one_line(tmp_path, rows, fragment):
    path = save_run(tmp_path / "run.npz", run_from_trainer(_changed_run()))
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["stepsize_changes"] = np.array(rows, dtype=np.float64)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(RunFileError, match=None) as info:
        load_run(tmp_path / "bad.npz")
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_the_command_lines_resume_with_another_stepsize_records_it(tmp_path):
    """``train --resume run.npz --stepsize 0.3``: the file says 0.1 up to the run's end, 0.3 after."""
    trainer = Trainer.new(TrainConfig(stepsize=0.1))
    trainer.step(1000)
    run = load_run(save_run(tmp_path / "a.npz", run_from_trainer(trainer)))
    go_on = run.with_config(run.config.with_changes(stepsize=0.3)).trainer(extra_epochs=1000)
    go_on.step(1000)
    resumed = load_run(save_run(tmp_path / "b.npz", run_from_trainer(go_on)))
    assert resumed.stepsizes == ((0, 0.1), (1000, 0.3))
    np.testing.assert_array_equal(resumed.loss, _changed_run().loss_history)
