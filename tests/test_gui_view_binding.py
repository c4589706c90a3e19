"""Views bind themselves to the session (no window relays to them), and one registry makes the tabs, Alt+N and Help."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from mlp_gui.core import TrainConfig
from mlp_gui.gui import tabs
from mlp_gui.gui.actions import shortcut_rows
from mlp_gui.gui.gradient_flow import GradientFlowView
from mlp_gui.gui.heatmaps import HeatmapPanel
from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.timeline import Timeline
from mlp_gui.gui.weight_panel import WeightPanel

TIMEOUT_MS = 20_000


@pytest.fixture
def session(bare_session):
    return bare_session


def test_views_bound_to_a_bare_session_follow_a_reset_a_delivery_and_a_stepsize(session, qtbot):
    """No window: each view follows the session's run, its losses, its kept epochs and its stepsize by itself."""
    plot, flow, heatmaps, timeline, panel = LossPlot(), GradientFlowView(), HeatmapPanel(), Timeline(), WeightPanel(session)
    for view in (plot, flow, heatmaps, timeline, panel):
        qtbot.addWidget(view)
        view.bind(session)
    heatmaps.set_show_updates(True)
    heatmaps.show()  # hidden, the heatmaps draw only once shown
    qtbot.waitExposed(heatmaps)
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS):
        session.new_run(TrainConfig(), 20)
    assert flow.stepsize == 0.1 and len(plot.curve_data()[1]) == 1 and timeline.epochs == [0]

    session.set_stepsize(0.5)
    heatmaps.flush()
    snap = session.snapshot
    assert flow.stepsize == 0.5 and "−0.5·∂L/∂W" in heatmaps.headers[2].text
    for view, grad in zip(heatmaps.updates, snap.grads):
        np.testing.assert_array_equal(view.matrix, -0.5 * grad.W)

    with qtbot.waitSignal(session.delivered, timeout=TIMEOUT_MS):
        session.step(5)
    qtbot.waitUntil(lambda: not session.state.busy, timeout=TIMEOUT_MS)
    epochs, losses = plot.curve_data()
    np.testing.assert_array_equal(losses, session.loss_history())
    assert epochs[-1] == 5 and timeline.epochs[-1] == 5
    rows = flow.rows()
    assert rows.epochs[-1] == 5
    np.testing.assert_allclose(rows.update[-1], 0.5 * rows.grad[-1], rtol=1e-12)


class ToyView(QLabel):
    """A tab as a new view is written: its own class with ``bind(session)``."""

    def __init__(self) -> None:
        super().__init__("toy")
        self.setObjectName("toyView")
        self.runs = 0

    def bind(self, session) -> None:
        session.run_reset.connect(self.count_run)

    def count_run(self, _reset) -> None:
        self.runs += 1


def test_the_tab_registry_makes_the_tabs_the_alt_n_shortcuts_and_the_help_rows(qtbot, isolated_settings, monkeypatch):
    """One line in the registry: a tab, its View command on Alt+N (its position), its Help row, bound to the session."""
    from mlp_gui.gui.window import MainWindow

    toy = tabs.Tab("toy", "Toy", "T&oy view", "A toy view added by a test", ToyView)
    monkeypatch.setattr(tabs, "TABS", (*tabs.TABS, toy))
    n = len(tabs.TABS)
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        assert [win.tabs.tabText(i) for i in range(win.tabs.count())] == [tab.title for tab in tabs.TABS]
        view = win.tabs.widget(n - 1)
        assert view.objectName() == "toyView" and view.runs >= 1  # bound: it saw the window's first run
        action = win.actions["tab_toy"]
        assert action.shortcut().toString() == f"Alt+{n}" and action.text() == "T&oy view"
        assert (f"Alt+{n}", "A toy view added by a test") in shortcut_rows()
        assert ("Alt+1", "The loss curve and heatmaps") in shortcut_rows()
        with qtbot.waitActive(win, timeout=TIMEOUT_MS):  # application shortcuts reach an active window only
            win.activateWindow()
        qtbot.keyClick(win, Qt.Key(Qt.Key.Key_0 + n), Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: win.tabs.currentIndex() == n - 1, timeout=TIMEOUT_MS)
        assert win.tabs.currentWidget() is view
        win.actions["tab_training"].trigger()
        assert win.tabs.currentIndex() == 0
    finally:
        win.close()
    monkeypatch.undo()
    assert (f"Alt+{n}", "A toy view added by a test") not in shortcut_rows()
