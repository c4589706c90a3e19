"""Sharpness against 2/η on the Gradient flow tab (issue 20): λ_max at each kept snapshot, computed off the GUI
thread once the run is idle, drawn with the stepsize's limit; an opened file's cache is drawn at once."""

import dataclasses
import types

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.hessian import sharpness
from mlp_gui.core.run_state import RunState
from mlp_gui.core.runfile import load_run, run_from_trainer
from mlp_gui.core.sharpness_record import SharpnessRecord
from mlp_gui.gui.gradient_flow import GradientFlowView
from mlp_gui.gui.sharpness_plot import SharpnessPlot
from tests.gui_helpers import TIMEOUT_MS, press_start, set_settings, shown, wait_state


def _expected(run):
    model = run.config.model
    return np.array([sharpness(model, model.layout.unpack(row), run.x, run.y) for row in run.snapshots.rows])


def _drawn(plot):
    return np.asarray(plot.curve.xData), np.asarray(plot.curve.yData)


def test_the_tab_shows_lambda_max_at_each_kept_snapshot_a_saved_run_keeps_them_and_an_opened_files_cache_is_drawn(
        qtbot, window, tmp_path):
    """One window for three claims (each trained or opened run costs one): λ_max after a run, kept by Save, and an
    opened file's cache drawn as it is."""
    window.tabs.setCurrentWidget(window.flow)
    set_settings(window, qtbot, epochs=2000)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    plot = window.flow.sharpness
    run = window.session.saved_run()
    qtbot.waitUntil(lambda: list(plot.record.epochs) == list(run.snapshots.epochs), timeout=TIMEOUT_MS)
    np.testing.assert_allclose(plot.record.values, _expected(run), rtol=1e-6, err_msg="λ_max at each kept snapshot")
    x, y = _drawn(plot)
    np.testing.assert_array_equal(x, run.snapshots.epochs, err_msg="drawn at the kept epochs")
    np.testing.assert_array_equal(y, plot.record.values, err_msg="drawn as computed")
    assert np.all(plot.limit[1] == 2 / 0.1) and plot.limit[0][-1] == 2000, "the limit 2/η over the whole run"
    assert "Below the limit at every kept snapshot" in plot.status.text()
    assert f"2/η = {2 / 0.1:.4g}" in plot.status.text()

    qtbot.waitUntil(lambda: not plot.busy, timeout=TIMEOUT_MS)
    window.save_run_to(tmp_path / "run.npz")
    qtbot.waitUntil(lambda: (tmp_path / "run.npz").exists(), timeout=TIMEOUT_MS)
    saved = load_run(tmp_path / "run.npz").sharpness
    np.testing.assert_array_equal(saved.epochs, plot.record.epochs, err_msg="a saved run keeps the epochs computed")
    np.testing.assert_array_equal(saved.values, plot.record.values, err_msg="a saved run keeps the values computed")

    trainer = Trainer.new(TrainConfig(seed=3))  # not the run above: none of its values computed here already
    for _ in range(3):
        trainer.step(400)
    cached = SharpnessRecord.of(trainer.snapshots.epochs, [2.0, 4.0, 6.0, 7.0])
    with qtbot.waitSignal(plot.computed, timeout=TIMEOUT_MS):  # what is missing computed, the file's values kept
        window.open_saved_run(dataclasses.replace(run_from_trainer(trainer), sharpness=cached))
    assert len(plot.record) == 4, "an opened file's cache: one value per kept snapshot"
    np.testing.assert_array_equal(plot.record.values, [2.0, 4.0, 6.0, 7.0],
                                  err_msg="an opened file's values drawn, not recomputed")


def test_a_stepsize_that_diverges_shows_lambda_max_above_the_line(qtbot, bare_session):
    plot = shown(qtbot, SharpnessPlot(), 600, 300)  # the tab's plot following a session (the window's: test above)
    plot.bind(bare_session)
    bare_session.new_run(TrainConfig(stepsize=1000), 200)
    bare_session.start()
    halted = (RunState.PAUSED, RunState.FINISHED, RunState.STOPPED, RunState.DIVERGED)
    qtbot.waitUntil(lambda: bare_session.state in halted, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: len(plot.record) > 1 and not plot.busy, timeout=TIMEOUT_MS)
    x, y = _drawn(plot)
    assert x[0] == 0 and np.all(y > 100 * (2 / 1000))  # far above 2/η = 0.002 where it blew up: 2.0 at epoch 0
    assert "Above the limit first at epoch 0" in plot.status.text()


def test_an_opened_files_cache_is_drawn_at_once(qtbot):
    plot = shown(qtbot, SharpnessPlot(), 600, 300)
    trainer = Trainer.new(TrainConfig())
    for _ in range(4):
        trainer.step(500)
    cached = SharpnessRecord.of(trainer.snapshots.epochs, [2.0, 3.0, 5.0, 8.0, 9.0])
    plot.on_run_reset(types.SimpleNamespace(config=trainer.config, snapshot=trainer.snapshot(), sharpness=cached))
    x, y = _drawn(plot)  # no computation: nothing to wait for
    np.testing.assert_array_equal(x, [0, 500, 1000, 1500, 2000])
    np.testing.assert_array_equal(y, [2.0, 3.0, 5.0, 8.0, 9.0])
    assert "At epoch 2,000: λ<sub>max</sub> = 9" in plot.status.text()


def _cached_reset(config, epochs, values):
    trainer = Trainer.new(config)
    return types.SimpleNamespace(config=config, snapshot=trainer.snapshot(), sharpness=SharpnessRecord.of(epochs, values))


def test_a_run_at_the_edge_of_stability_is_said_to_be_there(qtbot):
    plot = shown(qtbot, SharpnessPlot(), 600, 300)
    plot.on_run_reset(_cached_reset(TrainConfig(stepsize=0.5), [0, 1000, 2000, 3000], [2.0, 3.9, 3.99, 4.02]))
    assert "At the limit (within 1%) from epoch 2,000: the edge of stability" in plot.status.text()
    assert plot.limit_label.toPlainText() == "2/η = 4"


def test_with_momentum_the_line_is_two_one_plus_mu_over_eta(qtbot):
    if "momentum" not in {f.name for f in dataclasses.fields(TrainConfig)}:
        pytest.skip("TrainConfig has no momentum field yet")
    plot = shown(qtbot, SharpnessPlot(), 600, 300)
    config = TrainConfig(optimizer="momentum", momentum=0.9, stepsize=0.1)
    plot.on_run_reset(_cached_reset(config, [0, 100], [2.0, 30.0]))
    np.testing.assert_allclose(plot.limit[1], 2 * (1 + 0.9) / 0.1, rtol=1e-15)
    assert plot.limit_label.toPlainText() == "2(1+μ)/η = 38 (μ = 0.9)"
    assert "0.789× the limit 2(1+μ)/η = 38" in plot.status.text()


def test_rows_past_the_epoch_the_guard_went_back_to_are_dropped(qtbot):
    view = shown(qtbot, GradientFlowView(), 600, 400)
    trainer = Trainer.new(TrainConfig(stepsize=1000))
    view.set_run(types.SimpleNamespace(config=trainer.config, snapshot=trainer.snapshot(), norms=trainer.norms.rows()))
    early = trainer.state()
    trainer.step(40)  # delivered while training: rows up to epoch 40
    view.add_delivery(types.SimpleNamespace(snapshot=trainer.snapshot(), norms=trainer.norms.rows(after=0)))
    trainer.rewind(early)
    trainer.step(2)  # the guard's replay: the run now ends at epoch 2
    view.add_delivery(types.SimpleNamespace(snapshot=trainer.snapshot(), norms=trainer.norms.rows(after=40)))
    assert view.rows().epochs[-1] == 2
    np.testing.assert_array_equal(view.rows().grad, trainer.norms.rows().grad)
