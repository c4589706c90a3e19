"""Fixes from the student walkthrough: the loss plot's hover box stays inside the plot and within the curves' epochs,
and its status-bar text goes when the mouse leaves."""

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMainWindow

from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.plot_hover import box_position
from tests.gui_helpers import shown

LONG = "stepsize=0.1, layers=3,4,4,2 (20,000 ep.) and a long tail to make the box wide"


def hover_at(plot, qtbot, epoch: float, log_loss: float) -> str:
    """The mouse moved onto (epoch, log_loss): the move is handed to the plot itself, not routed from a window-system
    cursor (on the newest Qt one such move in a full run never reached the plot), and the read-out it sends comes back."""
    view_box = plot.getPlotItem().getViewBox()
    where = QPointF(plot.mapFromScene(view_box.mapViewToScene(QPointF(epoch, log_loss))))
    move = QMouseEvent(QEvent.Type.MouseMove, where, QPointF(plot.viewport().mapToGlobal(where)), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(plot.hover_text, timeout=5000) as hovered:
        QApplication.sendEvent(plot.viewport(), move)
    return hovered.args[0]


def loaded_plot(qtbot, *, window: QMainWindow | None = None, width: int = 400) -> LossPlot:
    plot = LossPlot(hover_ms=1)
    if window is not None:
        window.setCentralWidget(plot)
    shown(qtbot, window or plot, width, 400)
    plot.set_planned_epochs(1000)
    plot.reset(0.9 * 0.99 ** np.arange(801))
    plot.add_curve("k", np.arange(601), 1.4 * 0.995 ** np.arange(601), LONG, "#009E73")
    return plot


def test_box_position_keeps_the_box_inside_the_view():
    view = (0, 0, 300, 200)
    assert box_position(mouse=(280, 20), box=(200, 50), view=view) == (66, 34)  # left of the mouse, fits
    x, _ = box_position(mouse=(150, 20), box=(280, 50), view=view)  # too wide for either side: pushed in
    assert x >= 0 and x + 280 <= 300
    assert box_position(mouse=(290, 190), box=(400, 300), view=view) == (0, 0)  # bigger than the view: its start shows


def test_the_hover_box_is_not_clipped_by_the_plot_edge(qtbot):
    for width in (800, 400):  # a box wider than half the view, then one wider than the whole view
        plot = loaded_plot(qtbot, width=width)
        view_box = plot.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = view_box.viewRange()
        hover_at(plot, qtbot, x0 + 0.6 * (x1 - x0), (y0 + y1) / 2)
        box, view = plot.hover.box_scene_rect, view_box.sceneBoundingRect()
        assert plot.hover.visible and box.width() > view.width() / 2
        assert view.left() - 0.5 <= box.left()  # the start of the epoch and of every run name shows
        assert box.right() <= view.right() + 0.5 or box.left() == view.left()


def test_hover_past_the_end_of_the_curves_reads_out_their_end(qtbot):
    plot = loaded_plot(qtbot)
    assert plot.readout_at(950).startswith("run ended at epoch 800 · current run: ")
    assert plot.readout_at(-20).startswith("epoch 0")
    view_box = plot.getPlotItem().getViewBox()
    (_, x1), (y0, y1) = view_box.viewRange()
    assert x1 > 900
    text = hover_at(plot, qtbot, 0.99 * x1, (y0 + y1) / 2)
    assert text.startswith("run ended at epoch 800") and plot.hover.cursor_line.value() == 800
    assert "run ended at epoch 800" in plot.hover.readout.toPlainText()


def test_the_status_bar_read_out_goes_when_the_mouse_leaves(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    plot = loaded_plot(qtbot, window=window)
    plot.hover_text.connect(lambda text: text and window.statusBar().showMessage(text))  # as the app's window does
    (x0, x1), (y0, y1) = plot.getPlotItem().getViewBox().viewRange()
    text = hover_at(plot, qtbot, (x0 + x1) / 2, (y0 + y1) / 2)
    assert window.statusBar().currentMessage() == text
    QApplication.sendEvent(plot, QEvent(QEvent.Type.Leave))  # the mouse leaves
    assert window.statusBar().currentMessage() == ""
    hover_at(plot, qtbot, (x0 + x1) / 3, (y0 + y1) / 2)
    window.statusBar().showMessage("Sweep done")  # someone else's message is left alone
    QApplication.sendEvent(plot, QEvent(QEvent.Type.Leave))  # the mouse leaves
    assert window.statusBar().currentMessage() == "Sweep done"


def test_the_status_bar_read_out_goes_when_the_plot_is_hidden(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    plot = loaded_plot(qtbot, window=window)
    plot.hover_text.connect(lambda text: text and window.statusBar().showMessage(text))
    (x0, x1), (y0, y1) = plot.getPlotItem().getViewBox().viewRange()
    text = hover_at(plot, qtbot, (x0 + x1) / 2, (y0 + y1) / 2)
    assert window.statusBar().currentMessage() == text
    plot.hide()  # another tab chosen from the keyboard, the mouse still where the plot was
    assert window.statusBar().currentMessage() == "" and not plot.hover.visible
