"""A weight typed in (issue 21 §3): the run branches there, its file keeps the edit, and resume, going back and
reading a hostile file behave."""

import numpy as np
import pytest

from mlp_gui.core import RunFileError, TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.lesson import Lesson
from mlp_gui.core.trainer_state import RunHistory

SPIRAL = TrainConfig(data="spiral", layers=[2, 6, 2], activation="tanh", output="softmax", loss="cross-entropy",
                     batch_size=16, samples=120, seed=3)


def stepped(config: TrainConfig, epochs: int) -> Trainer:
    trainer = Trainer.new(config)
    for _ in range(epochs):  # one epoch a chunk: a snapshot is offered at every epoch
        trainer.step(1)
    return trainer


def same_run(a: Trainer, b: Trainer) -> None:
    np.testing.assert_array_equal(a.loss_history, b.loss_history)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("config", [TrainConfig(), SPIRAL], ids=["notebook", "spiral-minibatch"])
def test_edit_then_step_equals_a_run_continued_from_the_edited_parameters(config):
    trainer = stepped(config, 5)
    edit = trainer.edit_parameter("W2", (1, 0), 0.5)
    assert (edit.epoch, edit.ref.name, edit.new) == (5, "W2[1, 0]", 0.5) and edit.old != 0.5
    assert trainer.layers[1].W[1, 0] == 0.5 and "W2[1, 0]" in edit.text and "→ 0.5 at 5" in edit.text
    index = trainer.snapshots.latest_at_or_before(5)
    assert trainer.snapshots.epochs[index] == 5 and 0.5 in trainer.snapshots.rows[index]  # the snapshot holds the edit
    other = Trainer.continued(config, layers=trainer.layout.unpack(trainer.snapshots.rows[index]), data=trainer.data,
                              history=RunHistory(loss=trainer.loss_history.copy()), rule_state=trainer.rule_state)
    assert other.loss == trainer.loss  # the loss at the edit epoch is the edited parameters'
    trainer.step(10)
    other.step(10)
    same_run(trainer, other)


def test_a_bias_edit_and_bad_edits_refused_in_one_line():
    trainer = stepped(TrainConfig(), 2)
    assert trainer.edit_parameter("b1", (0,), -1.25).ref.name == "b1[0]"
    for name, index, value, words in (("W9", (0, 0), 1.0, "no layer 9"), ("W1", (7, 0), 1.0, "no W1\\[7, 0\\]"),
                                      ("W1", (0,), 1.0, "takes 2 indices"), ("x1", (0, 0), 1.0, "names no parameter"),
                                      ("W1", (0, 0), float("nan"), "not a finite number"),
                                      ("W1", (0, 0), "abc", "not a number")):
        with pytest.raises(ValueError, match=words) as info:
            trainer.edit_parameter(name, index, value)
        assert "\n" not in str(info.value)
    assert len(trainer.weight_edits) == 1


def test_save_reopen_and_resume_are_bit_identical(tmp_path):
    trainer = stepped(SPIRAL, 6)
    trainer.edit_parameter("W1", (2, 1), -0.75)
    trainer.step(4)
    run = load_run(save_run(tmp_path / "edited.npz", run_from_trainer(trainer)))
    assert run.weight_edits == trainer.weight_edits and run.weight_edits[0].old == trainer.weight_edits[0].old
    resumed = run.trainer(extra_epochs=10)
    assert resumed.weight_edits == trainer.weight_edits
    trainer.step(10)
    resumed.step(10)
    same_run(trainer, resumed)


def test_from_epoch_before_the_edit_gives_the_unedited_run(tmp_path):
    plain = stepped(TrainConfig(), 12)
    edited = stepped(TrainConfig(), 8)
    edited.edit_parameter("W2", (0, 1), 2.0)
    for _ in range(4):
        edited.step(1)
    run = load_run(save_run(tmp_path / "edited.npz", run_from_trainer(edited)))
    before, at = run.from_epoch(5)
    assert at == 5 and before.weight_edits == ()
    branch = before.trainer(extra_epochs=7)
    branch.step(7)
    same_run(branch, plain)
    there, at = run.from_epoch(8)
    assert at == 8 and there.weight_edits == edited.weight_edits and there.layers[1].W[0, 1] == 2.0
    edited.back_to_snapshot(edited.snapshots.latest_at_or_before(7))
    assert edited.weight_edits == ()


def rewritten(path, tmp_path, **members):
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays.update(members)
    out = tmp_path / "bad.npz"
    np.savez(out, **arrays)
    return out


@pytest.mark.parametrize("rows, words", [
    ([[1, 9, 0, 0, 0.1, 0.2]], "no layer 9"),
    ([[1, 1, 0, 5, 0.1, 0.2]], "no W1\\[0, 5\\]"),
    ([[1, 1, 0, 0, np.nan, 0.2]], "inf or NaN"),
    ([[99, 1, 0, 0, 0.1, 0.2]], "epoch 99"),
    ([[2, 1, 0, 0, 0.1, 0.2], [1, 1, 0, 0, 0.1, 0.2]], "epoch 1 is not between 2"),
    ([[1.5, 1, 0, 0, 0.1, 0.2]], "whole numbers"),
    ([[1, 1, 0, 0, 0.1]], "weight_edits"),
])
def test_hostile_weight_edits_are_refused_in_one_line(tmp_path, rows, words):
    path = save_run(tmp_path / "run.npz", run_from_trainer(stepped(TrainConfig(), 3)))
    bad = rewritten(path, tmp_path, weight_edits=np.array(rows, dtype=np.float64))
    with pytest.raises(RunFileError, match=words) as info:
        load_run(bad)
    assert "\n" not in str(info.value)


def test_a_lesson_block_round_trips_and_a_hostile_one_is_refused(tmp_path):
    lesson = Lesson.checked("Watch the loss", "Press Step.", hidden=["seed"], locked=["stepsize"], questions=True)
    run = run_from_trainer(stepped(TrainConfig(), 2))
    from dataclasses import replace

    path = save_run(tmp_path / "lesson.npz", replace(run, lesson=lesson))
    assert load_run(path).lesson == lesson
    for member, words in ((np.array('{"title": "x", "run": "rm -rf"}'), "unknown fields: run"),
                          (np.array("not json"), "not valid JSON"), (np.array('{"title": "x", "hidden": ["nope"]}'),
                                                                     "unknown controls")):
        with pytest.raises(RunFileError, match=words) as info:
            load_run(rewritten(path, tmp_path, lesson=member))
        assert "\n" not in str(info.value)
    with pytest.raises(RunFileError):
        load_run(rewritten(path, tmp_path, lesson=np.arange(3)))
