"""Editing a weight goes through the session's live trainer (TrainingSession.edit_parameter), as a settings change
does: the run branches there with no copy of the run or its data, and its run reset carries the edit."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer, load_run, save_run
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.core.sharpness_record import SharpnessRecord
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

SPIRAL = TrainConfig(data="spiral", layers=[2, 6, 2], activation="tanh", output="softmax", loss="cross-entropy",
                     batch_size=16, samples=120, seed=3)


def stepped(session, qtbot, epochs: int) -> None:
    target = session.epoch + epochs
    session.step(epochs)
    qtbot.waitUntil(lambda: session.epoch == target and not session.state.busy, timeout=TIMEOUT_MS)


def started(session, qtbot, config: TrainConfig):
    """A new run of ``config`` in ``session``; its run reset."""
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS) as reset:
        session.new_run(config, 100)
    return reset.args[0]


def test_an_edit_recomputes_the_loss_there_and_the_run_goes_on_as_the_core_edit_does(bare_session, qtbot):
    session = bare_session
    first = started(session, qtbot, SPIRAL)
    stepped(session, qtbot, 5)
    reference = Trainer.new(SPIRAL)
    reference.step(5)
    expected = reference.edit_parameter("W2", (0, 0), -3.0)
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS) as reset:
        edit = session.edit_parameter(ref=WeightRef(2, 0, 0), value=-3.0)
    assert edit == expected and edit.text == f"W2[0, 0] {expected.old:.6g} → -3 at 5"
    after = reset.args[0]
    assert after.weight_edits == (edit,) and after.snapshot.epoch == 5
    assert session.loss == reference.loss and after.history[-1] == reference.loss  # the edited parameters' loss
    for mine, theirs in zip(after.snapshot.grads, reference.snapshot().grads):  # and gradients
        np.testing.assert_array_equal(mine.W, theirs.W)
    assert after.data is first.data  # the run's data set was not copied: the same run, branched
    assert after.fingerprint == first.fingerprint
    stepped(session, qtbot, 10)
    reference.step(10)
    np.testing.assert_array_equal(session.loss_history(), reference.loss_history)  # goes on bit for bit


def test_an_edited_run_saved_resumes_bit_for_bit_and_going_back_before_the_edit_drops_it(bare_session, qtbot, tmp_path):
    session = bare_session
    started(session, qtbot, SPIRAL)
    for _ in range(4):
        stepped(session, qtbot, 1)  # a snapshot at every epoch
    edit = session.edit_parameter(ref=WeightRef(1, 2, None), value=1.5)
    path = tmp_path / "edited.npz"
    save_run(path, session.saved_run())
    resumed = load_run(path).trainer()
    assert resumed.weight_edits == (edit,)
    stepped(session, qtbot, 6)
    resumed.step(6)
    np.testing.assert_array_equal(session.loss_history(), resumed.loss_history)
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS) as reset:
        session.continue_from(session.snapshot_epochs().index(3))
    assert reset.args[0].weight_edits == () and session.snapshot.layers[0].b[2] != 1.5


def test_no_edit_while_training_and_a_bad_one_is_said_in_one_line(bare_session, qtbot):
    session = bare_session
    started(session, qtbot, TrainConfig())
    resets = []
    session.run_reset.connect(resets.append)
    with pytest.raises(ValueError, match="^this network has"):
        session.edit_parameter(ref=WeightRef(2, 9, 0), value=1.0)
    with pytest.raises(ValueError, match="is not a finite number$"):
        session.edit_parameter(ref=WeightRef(2, 0, 0), value=float("nan"))
    assert resets == []
    session.set_plan(10**7)
    session.start()
    qtbot.waitUntil(lambda: session.state.busy, timeout=TIMEOUT_MS)
    assert session.edit_parameter(ref=WeightRef(2, 0, 0), value=1.0) is None and resets == []
    session.stop()
    qtbot.waitUntil(lambda: not session.state.busy, timeout=TIMEOUT_MS)


def test_lambda_max_at_the_edit_and_after_is_dropped(bare_session, qtbot):
    session = bare_session
    started(session, qtbot, TrainConfig())
    for _ in range(3):
        stepped(session, qtbot, 1)
    session.set_sharpness(SharpnessRecord.of([0, 1, 2, 3], [1.0, 2.0, 3.0, 4.0]))
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS) as reset:
        session.edit_parameter(ref=WeightRef(1, 0, 0), value=0.25)
    assert reset.args[0].sharpness.as_dict() == {0: 1.0, 1: 2.0, 2: 3.0}


def test_a_weight_edited_in_the_window_keeps_the_runs_data(lent_window, qtbot):
    with qtbot.waitSignal(lent_window.session.run_reset, timeout=TIMEOUT_MS) as first:
        lent_window.reset()
    stepped(lent_window.session, qtbot, 3)
    with qtbot.waitSignal(lent_window.session.run_reset, timeout=TIMEOUT_MS) as reset:
        edit = lent_window.lessons.weights.apply(WeightRef(2, 0, 0), -3.0)
    assert edit is not None and reset.args[0].data is first.args[0].data
    assert lent_window.session.snapshot.layers[1].W[0, 0] == -3.0 and "edited" in lent_window.run_panel.identity.text()
