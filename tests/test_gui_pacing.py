"""One pacer for every view that follows a run: its least and largest interval and time budget are parameters
(each view keeps its own numbers), it draws nothing and schedules nothing while hidden (the heatmaps: except a
first drawing), catches up when shown, and redraws a snapshot already drawn only when told it is out of date."""

import time
import types

import pytest
from PySide6.QtWidgets import QWidget

from mlp_gui.gui import backprop_view, decision_view, heatmaps, pacing
from mlp_gui.gui.backprop_view import BackpropView
from mlp_gui.gui.decision_view import DecisionView
from mlp_gui.gui.gradient_flow import GradientFlowView
from mlp_gui.gui.heatmaps import HeatmapPanel
from mlp_gui.gui.network_diagram import NetworkDiagram
from mlp_gui.gui.pacing import Pacer
from mlp_gui.gui.weight_panel import WeightPanel
from tests.gui_helpers import shown


class Canvas(QWidget):
    """A view that records what its pacer draws (and may take a while to draw it)."""

    def __init__(self, cost_seconds: float = 0.0, **pacing_options) -> None:
        super().__init__()
        self.drawn: list[object] = []
        self.cost_seconds = cost_seconds
        self.pacer = Pacer(self, self.draw, **pacing_options)

    def draw(self, snapshot: object) -> None:
        began = time.thread_time()
        while time.thread_time() - began < self.cost_seconds:
            pass
        self.drawn.append(snapshot)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().showEvent(event)
        self.pacer.catch_up()


def snapshots(n: int) -> list[object]:
    return [types.SimpleNamespace(epoch=i) for i in range(n)]


def test_every_view_keeps_its_own_least_interval(qapp):
    views = [HeatmapPanel(), BackpropView(), DecisionView(), NetworkDiagram(), GradientFlowView(),
             WeightPanel(types.SimpleNamespace(snapshot=None))]
    assert [v.interval_ms for v in views] == [heatmaps.REFRESH_MS, backprop_view.REFRESH_MS] + [pacing.REFRESH_MS] * 4
    assert (heatmaps.REFRESH_MS, backprop_view.REFRESH_MS, pacing.REFRESH_MS) == (100, 250, 200)
    assert decision_view.REFRESH_MS == pacing.REFRESH_MS
    assert [v.interval_ms for v in (HeatmapPanel(refresh_ms=30), BackpropView(refresh_ms=40))] == [30, 40]


def test_the_backprop_views_largest_interval_is_a_parameter(qtbot):
    """The Backprop tab's largest interval is its own (two seconds) unless its maker says otherwise: a costly refresh
    then comes no later than that."""
    assert BackpropView().max_interval_ms == backprop_view.MAX_REFRESH_MS == 2000
    assert BackpropView(refresh_ms=300, max_refresh_ms=500).max_interval_ms == 500
    assert BackpropView(refresh_ms=900, max_refresh_ms=500).max_interval_ms == 900  # never below the least


def test_a_redraw_waits_out_the_least_interval_and_draws_the_newest(qtbot):
    canvas = shown(qtbot, Canvas(min_interval_ms=150), 100, 100)
    first, *rest = snapshots(6)
    canvas.pacer.request(first)
    qtbot.waitUntil(lambda: canvas.drawn == [first], timeout=2000)  # the first at once
    for snap in rest:
        canvas.pacer.request(snap)
    # the least interval (more when the first draw cost more than the time budget allows, on a loaded machine), within
    # the 5% slack of Qt's coarse timers
    assert canvas.pacer.due_in_ms is not None and 75 < canvas.pacer.due_in_ms <= 1.05 * max(150, canvas.pacer.interval_ms) + 1
    qtbot.waitUntil(lambda: len(canvas.drawn) == 2, timeout=3000)
    assert canvas.drawn == [first, rest[-1]] and canvas.pacer.shown is rest[-1] and canvas.pacer.redraws == 2
    canvas.pacer.request(rest[-1], now=True)  # already drawn: not again
    assert canvas.pacer.redraws == 2 and canvas.pacer.due_in_ms is None


def test_costly_redraws_come_less_often_up_to_the_largest_interval(qtbot):
    canvas = shown(qtbot, Canvas(cost_seconds=0.02, min_interval_ms=50, max_interval_ms=5000, time_budget=0.1), 100, 100)
    canvas.pacer.request(snapshots(1)[0], now=True)
    assert 200 <= canvas.pacer.interval_ms < 5000  # 20 ms of drawing is 10% of 200 ms
    capped = shown(qtbot, Canvas(cost_seconds=0.02, min_interval_ms=50, max_interval_ms=120, time_budget=0.1), 100, 100)
    capped.pacer.request(snapshots(1)[0], now=True)
    assert capped.pacer.interval_ms == 120


def test_hidden_nothing_is_drawn_or_scheduled_until_shown(qtbot):
    canvas = shown(qtbot, Canvas(), 100, 100)
    canvas.hide()
    first, second = snapshots(2)
    canvas.pacer.request(first)
    assert canvas.pacer.due_in_ms is None
    canvas.pacer.request(second, now=True)
    assert canvas.drawn == [] and canvas.pacer.shown is None
    canvas.show()
    qtbot.waitUntil(lambda: canvas.drawn == [second], timeout=2000)


def test_first_while_hidden_draws_only_the_first(qtbot):
    canvas = Canvas(first_while_hidden=True)
    qtbot.addWidget(canvas)
    first, second = snapshots(2)
    canvas.pacer.request(first, now=True)
    canvas.pacer.request(second, now=True)
    assert canvas.drawn == [first]
    canvas.pacer.forget()  # a new run: its first snapshot is drawn again, hidden or not
    canvas.pacer.request(second, now=True)
    assert canvas.drawn == [first, second]


def test_redraw_draws_the_snapshot_again_and_keeps_it_shown_while_hidden(qtbot):
    canvas = shown(qtbot, Canvas(min_interval_ms=20), 100, 100)  # shown again, it draws once the least interval is out
    snap = snapshots(1)[0]
    canvas.pacer.request(snap, now=True)
    canvas.pacer.redraw()  # a setting changed: the same snapshot, drawn anew
    assert canvas.drawn == [snap, snap]
    canvas.hide()
    canvas.pacer.redraw()
    assert canvas.drawn == [snap, snap] and canvas.pacer.shown is snap  # still what is on screen
    canvas.show()
    qtbot.waitUntil(lambda: len(canvas.drawn) == 3, timeout=2000)


def test_flush_draws_what_waits_at_once(qtbot):
    canvas = shown(qtbot, Canvas(min_interval_ms=60_000), 100, 100)
    first, second = snapshots(2)
    canvas.pacer.request(first)
    qtbot.waitUntil(lambda: canvas.drawn == [first], timeout=2000)
    canvas.pacer.request(second)
    assert canvas.pacer.due_in_ms is not None and canvas.pacer.due_in_ms > 30_000
    canvas.pacer.flush()
    assert canvas.drawn == [first, second] and canvas.pacer.due_in_ms is None
    assert canvas.pacer.interval_ms == 60_000  # a least interval beyond the default largest one holds


@pytest.mark.parametrize("options", [{"min_interval_ms": 0}, {"time_budget": 0.0}, {"time_budget": 2.0}])
def test_impossible_pacing_is_refused(qapp, options):
    with pytest.raises(ValueError, match="a pacer needs"):
        Canvas(**options)


def test_a_timed_plot_builds_no_context_menu_nobody_sees(qapp):
    """pyqtgraph's menus are switched off in every view; a timed plot is a still plot, which does not build them only
    to throw them away, and says so if asked for them."""
    from mlp_gui.gui.pacing import TimedPlotWidget
    from mlp_gui.gui.still_items import StillPlotWidget

    plain = TimedPlotWidget()
    assert isinstance(plain, StillPlotWidget), "a timed plot is not made as a still plot"
    assert plain.getPlotItem().getViewBox().menu is None and not plain.getPlotItem().menuEnabled()
    with pytest.raises(TypeError, match="has no menu"):
        TimedPlotWidget(enableMenu=True)
    flow = GradientFlowView()
    assert flow.plot.getViewBox().menu is None and not flow.plot.menuEnabled()


def test_every_paint_a_redraw_causes_counts_against_the_budget(qtbot):
    """A redraw that changes a layout is painted twice: both paints count, not only the last."""
    class Painted:  # what a TimedPaint view says of its paints
        paint_seconds = last_paint_seconds = 0.0

    painted = Painted()
    canvas = shown(qtbot, Canvas(min_interval_ms=10, max_interval_ms=5000, time_budget=0.5, painted=painted), 100, 100)
    first, second = snapshots(2)
    canvas.pacer.request(first, now=True)
    for _ in range(2):  # the two paints that redraw caused, 0.1 s each
        painted.paint_seconds += 0.1
        painted.last_paint_seconds = 0.1
    canvas.pacer.request(second, now=True)
    assert canvas.drawn == [first, second]
    assert canvas.pacer.interval_ms >= 400  # (0.2 s of paint) / 0.5 of the time, not 0.1 s / 0.5
