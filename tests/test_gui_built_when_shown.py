"""The Landscape and Gradient flow tabs make their plots when first shown (a new window pays nothing for them), and
follow the session while hidden: what arrived before (a run, deliveries, the stepsize, the measure, the timeline's
epoch, a slice or line computed, a computation due, a file's sharpness cache) is drawn when they are first shown."""

from __future__ import annotations

import types

import numpy as np
import pyqtgraph as pg
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.flat_layout import FlatLayout
from mlp_gui.core.landscape import coordinates
from mlp_gui.core.sharpness_record import SharpnessRecord
from mlp_gui.gui import gradient_flow
from mlp_gui.gui.gradient_flow import GradientFlowView
from mlp_gui.gui.landscape_view import LandscapeView
from mlp_gui.gui.session import RunState, TrainingSession
from mlp_gui.gui.sharpness_plot import SharpnessPlot
from tests.gui_helpers import TIMEOUT_MS, shown


def plot_widgets(view) -> list:
    return view.findChildren(pg.GraphicsView)


def test_a_new_window_makes_no_plot_for_the_landscape_and_gradient_flow_tabs_until_shown(qtbot, window):
    landscape = window.view("landscape")
    for name, view in (("flow", window.flow), ("landscape", landscape)):
        assert plot_widgets(view) == [] and not view.plots_built, f"{name}: plots made for a tab nobody opened"
    window.tabs.setCurrentWidget(window.flow)
    assert window.flow.plots_built and len(plot_widgets(window.flow)) == 2, "the flow's plot and sharpness plot when shown"
    layers = len(window.session.config.layers) - 1
    assert len(window.flow.curves) == layers, "one curve per layer of the run reset before the tab was shown"
    qtbot.waitUntil(lambda: window.flow.shown is window.session.snapshot, timeout=TIMEOUT_MS)  # and its snapshot
    window.tabs.setCurrentWidget(landscape)
    assert landscape.plots_built and len(plot_widgets(landscape)) == 2, "the slice's plot and the line's when shown"


def _reset(trainer):
    return types.SimpleNamespace(config=trainer.config, snapshot=trainer.snapshot(), norms=trainer.norms.rows())


def test_a_gradient_flow_view_shown_late_draws_what_one_shown_all_along_draws(qtbot):
    assert gradient_flow.REFRESH_MS >= 200  # the window's view: five redraws a second at most
    early = shown(qtbot, GradientFlowView(refresh_ms=20), 600, 400)  # the same pacing, faster: the newest comes sooner
    late = GradientFlowView(refresh_ms=20)
    qtbot.addWidget(late)
    trainer = Trainer.new(TrainConfig(layers=(3, 6, 6, 2)))
    for view in (early, late):
        view.set_run(_reset(trainer))
    for _ in range(3):
        last = trainer.epoch
        trainer.step(300)
        for view in (early, late):
            view.add_delivery(types.SimpleNamespace(snapshot=trainer.snapshot(), norms=trainer.norms.rows(after=last)))
            view.show_snapshot(trainer.snapshot())
    for view in (early, late):
        view.set_stepsize(0.25)
        view.measure.setCurrentIndex(2)  # the update ratio: it needs the stepsize above
        view.mark_viewed(256)
    qtbot.waitUntil(lambda: early.shown is not None and early.shown.epoch == 900, timeout=3000)
    assert not late.plots_built and late.redraws == 0 and plot_widgets(late) == [], "hidden: no plot, nothing drawn"
    late.resize(600, 400)
    late.show()
    qtbot.waitUntil(lambda: late.shown is not None and late.shown.epoch == 900, timeout=3000)
    assert len(late.curves) == len(early.curves) == 3, "one curve per layer"
    for a, b in zip(early.curves, late.curves):
        np.testing.assert_array_equal(b.xData, a.xData, err_msg="the epochs drawn")
        np.testing.assert_array_equal(b.yData, a.yData, err_msg="the update ratios drawn")
    assert late.curves[0].xData[-1] == 900, "ended by the newest snapshot"
    assert late.plot.getAxis("left").labelText == early.plot.getAxis("left").labelText, "the chosen measure's label"
    assert late.viewed.isVisible() and late.viewed.value() == np.log10(256), "the timeline's epoch marked"


def test_a_sharpness_plot_shown_late_draws_the_files_cache_and_the_limit(qtbot):
    plot = SharpnessPlot()
    qtbot.addWidget(plot)
    trainer = Trainer.new(TrainConfig(optimizer="momentum", momentum=0.9, stepsize=0.1))
    plot.on_run_reset(types.SimpleNamespace(config=trainer.config, snapshot=trainer.snapshot(),
                                            sharpness=SharpnessRecord.of([0, 100], [2.0, 30.0])))
    assert not plot.plots_built and plot_widgets(plot) == [], "hidden: no plot"
    assert "0.789× the limit 2(1+μ)/η = 38" in plot.status.text(), "the status line needs no plot"
    shown(qtbot, plot, 600, 300)
    np.testing.assert_array_equal(np.asarray(plot.curve.xData), [0, 100], err_msg="the cached epochs")
    np.testing.assert_array_equal(np.asarray(plot.curve.yData), [2.0, 30.0], err_msg="the cached λ_max")
    np.testing.assert_array_equal(plot.limit_curve.yData, plot.limit[1], err_msg="the limit drawn")
    assert plot.limit_label.toPlainText() == "2(1+μ)/η = 38 (μ = 0.9)", "the limit's name"


@pytest.fixture
def session(qtbot):
    s = TrainingSession()
    s.new_run(TrainConfig(), 500)
    s.start()
    qtbot.waitUntil(lambda: s.state is RunState.FINISHED, timeout=TIMEOUT_MS)
    yield s
    assert s.shutdown()


def _hidden_view(qtbot, session, *, auto: bool) -> LandscapeView:
    view = LandscapeView()
    view.controls.auto.setChecked(auto)
    qtbot.addWidget(view, before_close_func=lambda v: v.shutdown())
    view.bind(session)
    view.resize(900, 640)
    return view


def test_a_landscape_view_shown_late_draws_its_slice_live_path_and_disc_and_computes_what_is_due(qtbot, session):
    due, held = _hidden_view(qtbot, session, auto=True), _hidden_view(qtbot, session, auto=False)
    with qtbot.waitSignal(held.computed, timeout=TIMEOUT_MS):
        assert held.compute()  # computed while hidden (as a script may): drawn when shown
    s = held.slice
    session.step(20)  # delivered while both are hidden: the held slice's live path grows; the other is due
    qtbot.waitUntil(lambda: not session.state.busy, timeout=TIMEOUT_MS)
    newest = session.snapshot
    epochs = session.snapshot_epochs()
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT_MS):
        session.view_snapshot(2)  # the timeline goes back to a kept epoch
    assert due.due and due.slice is None and not due.busy, "hidden: not computed yet"
    assert not due.plots_built and not held.plots_built and plot_widgets(held) == [], "hidden: no plot"

    with qtbot.waitSignal(due.computed, timeout=TIMEOUT_MS) as done:
        due.show()
    assert done.args[0].center_epoch == 520 and not due.due, "computed when first shown"
    np.testing.assert_array_equal(due.plot.path_points, due.slice.path, err_msg="its path drawn")
    np.testing.assert_allclose(due.plot.image.image, np.log10(due.slice.loss), rtol=1e-12, err_msg="its colours")

    held.controls.mode.setCurrentIndex(held.controls.mode.findData("line"))
    with qtbot.waitSignal(held.computed, timeout=TIMEOUT_MS) as line:
        assert held.compute()  # a line too, still hidden
    held.show()
    qtbot.waitExposed(held)
    assert held.line_plot.isVisible() and not held.plot.isVisible(), "the mode chosen while hidden"
    ts, losses = held.line_plot.curve_data()
    assert ts.size == line.args[0].ts.size + 2 and losses[ts == 1.0][0] == line.args[0].loss_b, "the line drawn"
    held.controls.mode.setCurrentIndex(held.controls.mode.findData("slice"))
    np.testing.assert_allclose(held.plot.image.image, np.log10(s.loss), rtol=1e-12, err_msg="the held slice's colours")
    np.testing.assert_array_equal(held.plot.path_points, s.path, err_msg="the held slice's path")
    live = held.plot.live_points
    theta = FlatLayout.for_layers(newest.layers).pack(newest.layers)
    assert len(live) > 1 and tuple(live[0]) == tuple(s.path[-1]), "the live path, joined to the kept path's end"
    np.testing.assert_allclose(live[-1], coordinates(theta[None], s.center, s.d1, s.d2)[0], rtol=1e-12,
                               err_msg="the live path ends at the newest snapshot")
    assert held.plot.shown_point == tuple(s.path[2]), "the disc on the epoch the timeline shows"
    assert held.readout.text().startswith(f"Orange disc: epoch {epochs[2]:,} (loss "), "the read-out says which"
