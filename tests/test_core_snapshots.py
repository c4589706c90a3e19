"""Going back in time: snapshots within a budget, always epoch 0, log-spaced and recent; --from-epoch exact."""

import numpy as np
import pytest

from mlp_gui.core import RunFileError, TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.snapshots import SnapshotStore


def test_the_budget_holds_over_ten_million_epochs():
    store = SnapshotStore.for_size(parameters=46, budget=64 * 368)  # room for 64 snapshots of the notebook's net
    assert store.capacity == 64
    theta = np.zeros(46)
    for epoch in range(0, 10_000_001, 2000):  # a chunk end every 2,000 epochs
        store.offer(epoch, theta, recent_every=max(1, epoch // 100))
    assert len(store.epochs) <= 64 and store.epochs[0] == 0 and store.epochs[-1] == 10_000_000  # the newest, always
    assert np.all(np.diff(store.epochs) > 0)
    logs = np.log10(np.array(store.epochs[1:]))
    assert logs.min() < 4 and logs.max() > 6.9  # spread over the decades, the recent past included
    assert sum(e > 9_000_000 for e in store.epochs) >= 8  # and the most recent ones kept


def test_the_last_epoch_offered_is_kept_until_a_newer_one_takes_its_place():
    store = SnapshotStore.for_size(parameters=3, budget=8 * 3 * 500)
    ends = [*range(0, 99_000, 2_000), 99_351, 100_000]  # the chunk ends of a 100k run; the last chunk is short
    for epoch in ends:
        store.offer(epoch, np.full(3, float(epoch)), recent_every=max(1, epoch // 100))
        assert store.epochs[-1] == epoch and store.rows[-1][0] == epoch  # the newest epoch can always be gone back to
    assert store.epochs[-2:] == [99_351, 100_000]
    store.offer(100_030, np.zeros(3), recent_every=1000)  # off the schedule: it replaces the last one off it
    store.offer(100_060, np.zeros(3), recent_every=1000)
    assert store.epochs[-2:] == [99_351, 100_060]
    store.truncate(100_000)
    store.offer(100_040, np.zeros(3), recent_every=1000)  # after going back, the kept ones are not replaced
    assert store.epochs[-2:] == [99_351, 100_040]
    assert np.all(np.diff(store.epochs) > 0)


def test_a_paused_run_can_continue_from_its_last_epoch_exactly():
    straight = Trainer.new(TrainConfig())
    straight.step(5090)
    trainer = Trainer.new(TrainConfig())
    trainer.step(5000)
    trainer.step(30)  # a short chunk: off the schedule (every 50 epochs now), kept anyway
    assert trainer.snapshots.epochs[-1] == 5030
    trainer.step(30)
    assert trainer.snapshots.epochs[-2:] == [5000, 5060]  # 5030 made way for the newer one
    trainer.back_to_snapshot(len(trainer.snapshots.epochs) - 1)
    assert trainer.epoch == 5060
    trainer.step(30)
    np.testing.assert_array_equal(trainer.loss_history, straight.loss_history)


def test_a_trainer_keeps_epoch_0_and_snapshots_as_it_trains():
    trainer = Trainer.new(TrainConfig())
    for _ in range(20):
        trainer.step(500)
    epochs = trainer.snapshots.epochs
    assert epochs[0] == 0 and epochs[-1] == 10_000 and len(epochs) > 5
    first = trainer.snapshots.rows[0]
    np.testing.assert_array_equal(first[:12], Trainer.new(TrainConfig()).layers[0].W.ravel())


def test_from_epoch_continues_bit_for_bit(tmp_path):
    straight = Trainer.new(TrainConfig())
    straight.step(6000)
    trainer = Trainer.new(TrainConfig())
    for _ in range(8):
        trainer.step(500)
    path = save_run(tmp_path / "r.npz", run_from_trainer(trainer))
    run, at = load_run(path).from_epoch(2500)
    assert at <= 2500 and at in load_run(path).snapshots.epochs and run.epochs == at
    again = run.trainer(6000 - at)
    again.step(6000 - at)
    np.testing.assert_array_equal(again.loss_history, straight.loss_history)
    with pytest.raises(RunFileError, match="no snapshot at or before epoch -1"):
        load_run(path).from_epoch(-1)


def test_hostile_snapshots_are_refused(tmp_path):
    trainer = Trainer.new(TrainConfig())
    trainer.step(300)
    path = save_run(tmp_path / "r.npz", run_from_trainer(trainer))
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["snapshot_epochs"] = arrays["snapshot_epochs"][::-1].copy()
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(RunFileError, match="not increasing"):
        load_run(tmp_path / "bad.npz")
