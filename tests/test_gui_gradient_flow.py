"""Gradient flow: per-layer norms equal NumPy's norms of the snapshot's arrays; the curves stay bounded."""

import types

import numpy as np

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.gui import gradient_flow
from mlp_gui.gui.gradient_flow import GradientFlowView
from tests.gui_helpers import shown


def _reset(trainer):
    return types.SimpleNamespace(config=trainer.config, snapshot=trainer.snapshot())


def test_the_measures_are_numpys_norms_of_the_snapshot():
    trainer = Trainer(TrainConfig(layers=(3, 5, 4, 2), stepsize=0.3))
    trainer.step(50)
    snap = trainer.snapshot()
    got = GradientFlowView.measures(snap, 0.3)
    for i, (layer, grad) in enumerate(zip(snap.layers, snap.grads)):
        g = np.linalg.norm(np.concatenate([grad.W.ravel(), grad.b]))
        w = np.linalg.norm(np.concatenate([layer.W.ravel(), layer.b]))
        assert np.isclose(got["gradient"][i], g, rtol=1e-12) and np.isclose(got["weight"][i], w, rtol=1e-12)
        assert np.isclose(got["ratio"][i], 0.3 * g / w, rtol=1e-12)


def test_one_curve_per_layer_follows_the_run(qtbot):
    view = shown(qtbot, GradientFlowView(), 600, 400)
    trainer = Trainer(TrainConfig(layers=(3, 6, 6, 6, 2)))
    view.set_run(_reset(trainer))
    for _ in range(5):
        trainer.step(100)
        view.show_snapshot(trainer.snapshot())
    assert len(view.curves) == 4 and list(view.epochs) == [0, 100, 200, 300, 400, 500]
    x = view.curves[0].xData  # the data, not its log-transformed display copy
    np.testing.assert_array_equal(x, view.epochs[1:])  # epoch 0 has no place on a log axis
    assert view.values["gradient"][0, 0] < 1e-3 * view.values["gradient"][0, 3]  # at the start: the first layer barely moves
    view.measure.setCurrentIndex(2)
    assert "ΔW" in view.plot.getPlotItem().getAxis("left").labelText


def test_the_curves_stay_bounded(qtbot, monkeypatch):
    monkeypatch.setattr(gradient_flow, "MAX_POINTS", 16)
    view = shown(qtbot, GradientFlowView(), 600, 400)
    trainer = Trainer(TrainConfig())
    view.set_run(_reset(trainer))
    for _ in range(200):
        trainer.step(1)
        view.show_snapshot(trainer.snapshot())
    assert view.epochs.size <= 17 and view.epochs[-1] > 150 and np.all(np.diff(view.epochs) > 0)
