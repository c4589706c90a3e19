"""Every plot's tick numbers and axis titles keep 4.5:1 on the plots' white, on a light or a dark desktop, and quiet
text keeps 4.5:1 on the tab page it is really drawn on (a dark desktop's #434343 tab frame, not the window colour)."""

import types

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QTabWidget

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.gui.backprop_view import BackpropView
from mlp_gui.gui.gradcheck_panel import GradCheckPanel
from mlp_gui.gui.gradient_flow import GradientFlowView
from mlp_gui.gui.heatmaps import HeatmapPanel
from mlp_gui.gui.palette import contrast_ratio, secondary_text_color, tab_frame_color
from tests.contrast_checks import dark_desktop, dark_palette
from tests.gui_helpers import shown

VIEWS = {"heatmaps": lambda: HeatmapPanel(on_hover=print), "backprop": lambda: BackpropView(on_hover=print),
         "flow": GradientFlowView}


def with_a_run(widget):
    """``widget`` showing a fresh default run, so its plots and axes exist."""
    trainer = Trainer.new(TrainConfig())
    if isinstance(widget, HeatmapPanel):
        widget.show_snapshot(trainer.snapshot(), now=True)
    else:
        widget.set_run(types.SimpleNamespace(config=trainer.config, snapshot=trainer.snapshot(), x=trainer.x,
                                             y=trainer.y, history=np.array([trainer.loss]), planned_epochs=10,
                                             data=None, metrics=None, norms=trainer.norms.rows()))
    return widget


def axes_of(widget) -> list[pg.AxisItem]:
    return [item for view in widget.findChildren(pg.GraphicsView) for item in view.scene().items()
            if isinstance(item, pg.AxisItem)]


def axis_inks(axis: pg.AxisItem) -> list[QColor]:
    inks = [axis.textPen().color()]
    if axis.label.isVisible() and axis.labelText:
        inks.append(QColor(axis.labelStyle.get("color", axis.textPen().color())))
    return inks


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("name", list(VIEWS))
def test_axis_text_reaches_aa_on_the_plots_white(qtbot, name, dark):
    def check():
        widget = shown(qtbot, VIEWS[name](), 1000, 700)
        with_a_run(widget)
        qtbot.waitUntil(lambda: any(axis.isVisible() for axis in axes_of(widget)), timeout=5000)
        axes = [axis for axis in axes_of(widget) if axis.isVisible() and axis.style["showValues"]]
        for axis in axes:
            for ink in axis_inks(axis):
                assert contrast_ratio(ink, "white") >= 4.5, (name, axis.orientation, ink.name())

    if dark:
        with dark_desktop():
            check()
    else:
        check()


def test_the_tab_frame_is_the_colour_fusion_paints():
    colours = QPalette()
    colours.setColor(QPalette.ColorRole.Button, QColor("#353535"))
    assert tab_frame_color(colours).name() == "#434343"


def test_quiet_text_on_a_dark_tab_page_reaches_aa_on_the_tab_frame(qtbot):
    colours = dark_palette()
    colours.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))  # as the review's dark desktop: a lighter button
    colours.setColor(QPalette.ColorRole.Button, QColor("#353535"))
    app = QApplication.instance()
    before = QPalette(app.palette())
    app.setPalette(colours)
    try:
        tabs = QTabWidget()
        qtbot.addWidget(tabs)
        panel = GradCheckPanel()
        tabs.addTab(panel, "Gradient check")
        app.processEvents()
        ink = secondary_text_color(panel.explanation)
        assert contrast_ratio(ink, "#434343") >= 4.5 and contrast_ratio(ink, "#2b2b2b") >= 4.5
        panel.shutdown()
    finally:
        app.setPalette(before)
        app.processEvents()
