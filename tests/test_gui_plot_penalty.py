"""View ▸ Show the penalty term: the loss plot draws λ₁·Σ|W| + (λ₂/2)·ΣW² at the run's kept snapshots, each with
the λ's in force at its epoch, the exact numbers of the core's penalty; the switch is off for runs without one."""

import numpy as np

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.penalty import penalty_for
from mlp_gui.core.run_state import RunState
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, wait_state

# the tests share one window, lent in turn (a fresh run and the View choices put back after each, then checked)
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

L2 = TrainConfig(optimizer="momentum", stepsize=0.02, l2=0.01)


def _run(window, qtbot, config: TrainConfig, epochs: int) -> None:
    window.session.new_run(config, 1000)
    qtbot.waitUntil(lambda: window.session.config == config and window.session.epoch == 0, timeout=TIMEOUT_MS)
    window.session.step(epochs)
    qtbot.waitUntil(lambda: window.session.epoch == epochs, timeout=TIMEOUT_MS)
    wait_state(window, qtbot, RunState.PAUSED, RunState.READY)


def test_the_penalty_curve_is_the_penalty_at_each_kept_snapshot(lent_window, qtbot):
    window = lent_window
    _run(window, qtbot, L2, 60)
    action = window.actions["show_penalty"]
    assert action.isEnabled()
    action.setChecked(True)
    curve = window.penalty_curve
    qtbot.waitUntil(lambda: curve.curve is not None and curve.epochs[-1] == 60, timeout=TIMEOUT_MS)
    trainer = Trainer.new(L2)
    trainer.step(60)
    penalty = penalty_for(L2)
    assert curve.epochs == trainer.snapshots.epochs
    assert curve.values == [penalty.value(row) for row in trainer.snapshots.rows]  # to the last bit
    assert curve.curve.name() == "penalty (λ₂/2·ΣW²)"
    np.testing.assert_array_equal(curve.curve.yData, curve.values)  # the plot's own data (its axis is log)
    low = window.plot.getPlotItem().viewRange()[1][0]  # log10 of the lowest loss in view: the penalty is in it
    assert low <= np.log10(min(curve.values))
    action.setChecked(False)
    assert curve.curve is None


def test_a_penalty_changed_midway_is_drawn_with_the_lambdas_of_each_epoch(lent_window, qtbot):
    window = lent_window
    _run(window, qtbot, L2, 40)
    window.session.set_settings(l2=0.1, l1=0.001)
    window.session.step(40)
    qtbot.waitUntil(lambda: window.session.epoch == 80, timeout=TIMEOUT_MS)
    wait_state(window, qtbot, RunState.PAUSED, RunState.READY)
    window.actions["show_penalty"].setChecked(True)
    curve = window.penalty_curve
    trainer = Trainer.new(L2)
    trainer.step(40)
    trainer.set_settings(l2=0.1, l1=0.001)
    trainer.step(40)
    before, after = penalty_for(L2), penalty_for(L2.with_changes(l2=0.1, l1=0.001))
    expected = [(before if e < 40 else after).value(row) for e, row in zip(trainer.snapshots.epochs, trainer.snapshots.rows)]
    assert curve.epochs == trainer.snapshots.epochs and curve.values == expected
    assert curve.curve.name() == "penalty (λ₁·Σ|W| + λ₂/2·ΣW²)"


def test_the_switch_is_off_for_a_run_without_a_penalty(lent_window, qtbot):
    window = lent_window
    _run(window, qtbot, TrainConfig(optimizer="momentum", stepsize=0.02), 10)
    assert not window.actions["show_penalty"].isEnabled()
    window.actions["show_penalty"].setChecked(True)
    assert window.penalty_curve.curve is None
    assert window.penalty_curve.epochs == []  # no zeros computed at every snapshot of every run without a penalty
