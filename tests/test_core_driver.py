"""The one training loop: chunks, stop between epochs, divergence, and what it reports."""

import numpy as np

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.driver import FIRST_CHUNK, MAX_CHUNK, Halt, drive, next_chunk
from mlp_gui.core.stacked import StackedTrainer


def test_drives_to_the_target_exactly():
    trainer = Trainer.new(TrainConfig())
    reports = []
    assert drive(trainer, 5000, on_chunk=reports.append) is Halt.DONE
    assert trainer.epoch == 5000 and len(trainer.loss_history) == 5001
    assert reports[-1].epoch == 5000 and reports[-1].done == 5000 and reports[-1].target == 5000
    assert [r.epoch for r in reports] == sorted(r.epoch for r in reports)
    straight = Trainer.new(TrainConfig())
    straight.step(5000)
    np.testing.assert_array_equal(trainer.loss_history, straight.loss_history)


def test_a_stop_lands_between_epochs_and_the_state_is_consistent():
    """The epoch counter, parameters and history agree after a stop: the saved run is one state."""
    trainer = Trainer.new(TrainConfig())
    calls = []
    halt = drive(trainer, 10**9, lambda: len(calls) >= 3, calls.append)
    assert halt is Halt.STOPPED
    assert trainer.epoch == calls[-1].epoch and len(trainer.loss_history) == trainer.epoch + 1
    again = Trainer.new(TrainConfig())
    again.step(trainer.epoch)
    np.testing.assert_array_equal(trainer.params[0], again.params[0])


def test_divergence_halts():
    trainer = Trainer.new(TrainConfig(stepsize=1000))
    assert drive(trainer, 100_000) is Halt.DIVERGED
    assert trainer.epoch + 1 == trainer.diverged_at < 100_000  # it keeps the last finite epoch's parameters


def test_nothing_to_do():
    trainer = Trainer.new(TrainConfig())
    trainer.step(10)
    assert drive(trainer, 5) is Halt.DONE and trainer.epoch == 10


def test_chunks_grow_towards_the_time_target_and_stay_bounded():
    assert next_chunk(FIRST_CHUNK, FIRST_CHUNK, 0.001) == 4 * FIRST_CHUNK  # at most 4x at a time
    assert next_chunk(1000, 1000, 0.1) == 100  # too slow: shrink to ~10 ms
    assert next_chunk(1000, 10, 0.1) == 1000  # a short last chunk says nothing
    assert next_chunk(MAX_CHUNK, MAX_CHUNK, 1e-9) == MAX_CHUNK


def test_drives_a_stacked_sweep_until_every_run_ends():
    stacked = StackedTrainer([TrainConfig(), TrainConfig(stepsize=1000)], [3000, 3000])
    assert drive(stacked, 3000) is Halt.DONE
    assert stacked.done and stacked.diverged_at[1] is not None and stacked.epoch == 3000


def test_the_guard_is_asked_after_every_chunk_with_the_drivers_stop():
    """A guard that takes long (trying stepsizes) can end early on the same Stop or Ctrl+C the driver obeys."""
    given = []

    class Recorder:
        def check(self, should_stop):
            given.append(should_stop)
            return None

    def stop() -> bool:
        return len(given) >= 3

    trainer = Trainer.new(TrainConfig())
    assert drive(trainer, 10**9, stop, guard=Recorder()) is Halt.STOPPED
    assert given == [stop, stop, stop]
