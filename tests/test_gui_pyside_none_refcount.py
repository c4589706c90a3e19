"""Guard against PySide6 6.12.0 on Python 3.11, which drops a reference to None on every void Qt call.

That build aborts with 'Fatal Python error: none_dealloc' within seconds of
live plotting. Python 3.12+ is immune (None is immortal there), and
pyproject.toml keeps 6.12 away from 3.11; these tests fail if a Qt call path
the app uses still loses references to None.
"""

import gc
import sys

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QRectF
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsRectItem

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal on Python 3.12+")


def none_references_lost(action) -> int:
    """How many references to None ``action()`` loses, with garbage from earlier tests collected first.

    Collecting leftovers (or Qt deleting earlier tests' widgets) legitimately releases references to
    None; only what the action itself loses counts, so the garbage collector waits until it is done.
    """
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    gc.disable()
    try:
        before = sys.getrefcount(None)
        action()
        return before - sys.getrefcount(None)
    finally:
        gc.enable()


def test_void_qt_calls_keep_none_alive(qtbot):
    import pyqtgraph as pg

    pen = QPen()
    item = QGraphicsRectItem(QRectF(0, 0, 1, 1))
    curve = pg.PlotCurveItem()

    def void_calls() -> None:
        for _ in range(10_000):
            pen.setWidth(2)
            item.update()
            item.setVisible(True)
            curve.setPen(pen)

    lost = none_references_lost(void_calls)
    assert lost <= 100, f"None lost {lost} references over 10,000 void Qt calls"


def test_live_plot_and_heatmap_updates_keep_none_alive(qtbot):
    """The window's own hot path: append losses, redraw the curve, show a snapshot, paint — 200 times."""
    from mlp_gui.core import TrainConfig, Trainer
    from mlp_gui.gui.heatmaps import HeatmapPanel
    from mlp_gui.gui.loss_plot import LossPlot

    plot, panel = LossPlot(), HeatmapPanel()
    for widget in (plot, panel):
        qtbot.addWidget(widget)
        widget.resize(400, 500)
        widget.show()
    trainer = Trainer.new(TrainConfig())
    plot.reset(trainer.loss_history.copy())
    losses = np.geomspace(1.0, 1e-6, 210 * 50)
    snapshots = [trainer.snapshot(), Trainer.new(TrainConfig(seed=1)).snapshot()]

    def updates(start: int, count: int) -> None:
        for i in range(start, start + count):
            plot.append(losses[i * 50 : (i + 1) * 50])
            plot.curve_data()  # redraws the curve now (a redraw still waiting is done first)
            panel.show_snapshot(snapshots[i % 2], now=True)
            plot.viewport().repaint()
            panel.view.viewport().repaint()

    updates(0, 10)  # warm-up: first draws fill pyqtgraph's caches
    lost = none_references_lost(lambda: updates(10, 200))
    assert lost <= 100, f"None lost {lost} references over 200 live updates"
