"""At 1024x700 (the smallest supported window) the weight panel's plots stay whole and their numbers apart (the
history plots were cut off on the right, their y-ticks printed over each other)."""

from mlp_gui.core.run_state import RunState
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, wait_state
from tests.image_axes_checks import label_lines, overlaps, text_lines, tick_label_rects

# the weight panel's and the heatmaps' tests share one window, lent in turn (size, run and panel put back after each,
# then checked); the decision surface's has its own: the splitter it drags keeps its dragged proportions, which no
# drag back at 1024 px undoes once the window is its own size again (and the checks do not read a splitter)
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def test_the_weight_panels_plots_fit_at_1024x700(lent_window, qtbot):
    window = lent_window
    window.showNormal()
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=TIMEOUT_MS)
    configure(window, qtbot, epochs=2000)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    window.heatmaps.cell_clicked.emit("W", 1, 0, 0)
    panel = window.weight_panel
    qtbot.waitUntil(lambda: panel.step is not None and panel.value_curve.xData is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: panel.view.width() > 0, timeout=TIMEOUT_MS)
    visible = panel.view.viewport().rect()
    for plot in (panel.terms_plot, panel.value_plot, panel.grad_plot):
        rect = panel.view.mapFromScene(plot.sceneBoundingRect()).boundingRect()
        assert visible.contains(rect.adjusted(1, 1, -1, -1)), (plot.titleLabel.text, rect, visible, panel.width(), panel.text.width())
        assert plot.vb.width() >= 80, plot.titleLabel.text  # a curve, not a sliver
    for plot in (panel.value_plot, panel.grad_plot):
        ticks = tick_label_rects(plot.getAxis("left"))
        assert ticks and overlaps(ticks, slack=0.0) == [], ticks


def test_the_bias_label_keeps_clear_of_the_colour_bars_factor_at_1024x700(lent_window, qtbot):
    window = lent_window
    window.showNormal()
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=TIMEOUT_MS)
    configure(window, qtbot, epochs=3000)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    views = window.heatmaps.weights + window.heatmaps.gradients
    qtbot.waitUntil(lambda: any(label_lines(v.bar.factor) for v in views), timeout=TIMEOUT_MS)
    checked = 0
    for view in views:
        axis = view.plot.getAxis("bottom")
        for _, factor in label_lines(view.bar.factor):
            for _, label in text_lines(axis.label) if axis.label.isVisible() else []:
                if factor.top() < label.bottom() and label.top() < factor.bottom():  # on the same line
                    checked += 1
                    assert factor.left() - label.right() >= 6, (view.plot.titleLabel.text, label, factor)
    assert checked


def test_the_decision_surfaces_colour_bar_is_not_cut_off_at_1024x700(window, qtbot):
    window.showNormal()
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=TIMEOUT_MS)
    configure(window, qtbot, data="spiral", layers="2,8,8,2", activation="tanh", output="softmax", loss="cross-entropy",
              epochs=300)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    tabs = window.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "") == "Decision surface"))
    view = window.decision
    window.surface_splitter.setSizes([1, 5000])  # the student drags the splitter towards the surface
    qtbot.waitUntil(lambda: view.bar is not None and view.plot_widget.isVisible(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: view.bar.axis.isVisible(), timeout=TIMEOUT_MS)
    shown = view.plot_widget.viewport().rect()
    for text, rect in tick_label_rects(view.bar.axis) + text_lines(view.bar.axis.label):
        where = view.plot_widget.mapFromScene(rect).boundingRect()
        assert shown.contains(where), (text, where, shown)
