"""Gradient flow: the curves are the trainer's recorded norms, ended by the newest snapshot's; in the window, live."""

import types

import numpy as np

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.norm_record import grid_rows
from mlp_gui.core.run_state import RunState
from mlp_gui.gui.gradient_flow import GradientFlowView
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, press_start, set_settings, shown, wait_state

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def _reset(trainer):
    return types.SimpleNamespace(config=trainer.config, snapshot=trainer.snapshot(), norms=trainer.norms.rows())


def test_the_measures_are_numpys_norms_of_the_snapshot():
    trainer = Trainer.new(TrainConfig(layers=(3, 5, 4, 2), stepsize=0.3))
    trainer.step(50)
    snap = trainer.snapshot()
    got = GradientFlowView.measures(snap, 0.3)
    for i, (layer, grad) in enumerate(zip(snap.layers, snap.grads)):
        g = np.linalg.norm(np.concatenate([grad.W.ravel(), grad.b]))
        w = np.linalg.norm(np.concatenate([layer.W.ravel(), layer.b]))
        assert np.isclose(got.grad[0, i], g, rtol=1e-12) and np.isclose(got.weight[0, i], w, rtol=1e-12)
        assert np.isclose(got.ratio[0, i], 0.3 * g / w, rtol=1e-12)


def test_one_curve_per_layer_follows_the_recorded_rows_and_ends_at_the_newest_epoch(qtbot):
    view = shown(qtbot, GradientFlowView(), 600, 400)
    trainer = Trainer.new(TrainConfig(layers=(3, 6, 6, 6, 2)))
    view.set_run(_reset(trainer))
    for _ in range(5):
        last = trainer.epoch
        trainer.step(333)
        view.add_rows(trainer.norms.rows(after=last))
        view.show_snapshot(trainer.snapshot())
    assert len(view.curves) == 4
    qtbot.waitUntil(lambda: view.curves[0].xData is not None and view.curves[0].xData[-1] == 1665, timeout=3000)  # paced
    x = view.curves[0].xData  # the data, not its log-transformed display copy
    assert x[0] == 1 and x[-1] == 1665  # every early epoch, and the newest (off the grid) at the end
    assert len(x) == grid_rows(1665) + 1 - 1  # epoch 0 has no place on a log axis; the newest epoch adds one
    rows = view.rows()
    np.testing.assert_array_equal(rows.grad[:-1], trainer.norms.rows().grad)
    assert rows.grad[1, 0] < 1e-3 * rows.grad[1, 3]  # at the start: the first layer barely moves
    view.measure.setCurrentIndex(2)  # a choice redraws at once
    assert "ΔW" in view.plot.getAxis("left").labelText
    np.testing.assert_allclose(view.curves[3].yData[-1], trainer.stepsize * rows.grad[-1, 3] / rows.weight[-1, 3], rtol=1e-14)


def test_a_hidden_view_waits_and_catches_up_when_shown(qtbot):
    view = GradientFlowView()
    qtbot.addWidget(view)
    trainer = Trainer.new(TrainConfig())
    view.set_run(_reset(trainer))
    trainer.step(100)
    view.add_rows(trainer.norms.rows(after=0))
    view.show_snapshot(trainer.snapshot())
    assert view.redraws == 0 and not view.plots_built  # nothing drawn while hidden (its plot is made when shown)
    view.resize(500, 300)
    view.show()
    qtbot.waitUntil(lambda: view.curves[0].xData is not None and len(view.curves[0].xData) == 100, timeout=3000)


def test_the_timeline_epoch_is_marked(qtbot):
    view = shown(qtbot, GradientFlowView(), 600, 400)
    trainer = Trainer.new(TrainConfig())
    trainer.step(1000)
    view.set_run(_reset(trainer))
    view.mark_viewed(256)
    assert view.viewed.isVisible() and view.viewed.value() == np.log10(256)
    view.mark_viewed(None)
    assert not view.viewed.isVisible()


def test_the_window_draws_the_trainers_rows_live(qtbot, lent_window):
    lent_window.tabs.setCurrentWidget(lent_window.flow)
    set_settings(lent_window, qtbot, epochs=3000)
    press_start(lent_window, qtbot)
    wait_state(lent_window, qtbot, RunState.FINISHED)
    rows = lent_window.session.saved_run().norms
    qtbot.waitUntil(lambda: lent_window.flow.rows().epochs[-1] == 3000, timeout=TIMEOUT_MS)
    shown_rows = lent_window.flow.rows()
    np.testing.assert_array_equal(shown_rows.epochs[: len(rows)], rows.epochs)
    np.testing.assert_array_equal(shown_rows.grad[: len(rows)], rows.grad)
    assert shown_rows.epochs[-1] == 3000
