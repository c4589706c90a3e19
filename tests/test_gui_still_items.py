"""The window's plots build none of pyqtgraph's context menus, and a colour bar offers no colour maps: a heat map
recoloured by a stray right click would no longer show zero as white."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QMenu

from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.still_items import MenulessPlotItem, StillColorBar, StillPlotWidget
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window
PLOT_TABS = ("training", "backprop", "surface", "flow", "landscape")  # the tabs with pyqtgraph views


def shown_boxes(window) -> list[pg.ViewBox]:
    """The view box of every plot (and colour bar) in a pyqtgraph view of ``window`` shown now."""
    found = []
    for view in window.findChildren(pg.GraphicsView):
        if view.isVisible():
            found += [item for item in view.scene().items() if isinstance(item, pg.ViewBox)]
    return found


def open_menus() -> list[QMenu]:
    return [menu for menu in QApplication.topLevelWidgets() if isinstance(menu, QMenu) and menu.isVisible()]


def right_click(box: pg.ViewBox, qtbot) -> None:
    """A right click, as the mouse gives it, in the middle of the view box ``box``."""
    view = box.getViewWidget()
    at = view.mapFromScene(box.mapToScene(box.boundingRect().center()))
    assert view.viewport().rect().contains(at), f"a view box of a {type(view).__name__} is out of sight"
    with qtbot.waitSignal(view.scene().sigMouseClicked, timeout=1000):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.RightButton, pos=at)


def right_click_every_plot(window, qtbot) -> list[pg.ViewBox]:
    """Show each plot tab (the landscape in both modes) and right-click every plot shown, checking that it opened none
    of pyqtgraph's menus: nothing, or the loss plot's own menu. The view boxes clicked."""
    mode = window.view("landscape").controls.mode
    boxes: list[pg.ViewBox] = []
    try:
        for key, line_mode in [(key, False) for key in PLOT_TABS] + [("landscape", True)]:
            window.tabs.setCurrentWidget(window.view(key))
            mode.setCurrentIndex(int(line_mode))
            paced = {"training": window.heatmaps, "backprop": window.backprop}.get(key)
            if paced is not None:  # their plots are (re)built when they draw the new run
                qtbot.waitUntil(lambda view=paced: view.shown is window.session.snapshot, timeout=TIMEOUT_MS)
            for box in shown_boxes(window):
                boxes.append(box)
                right_click(box, qtbot)
                view, menus = box.getViewWidget(), open_menus()
                if isinstance(view, LossPlot):
                    assert menus == [view.menu], f"a right click on the loss plot opened {menus}, not its own menu"
                    view.menu.hide()
                else:
                    assert not menus, f"a right click on a plot in a {type(view).__name__} opened {menus}"
    finally:
        mode.setCurrentIndex(0)
    return boxes


def test_every_plot_is_still_and_a_right_click_opens_none_of_pyqtgraphs_menus(lent_window, qtbot):
    """Every plot the window makes (each plot tab shown, the landscape in both modes, the weight panel open, a decision
    surface with its colour bar) is made as a still plot, builds no view-box menu, and a right click on it opens none
    of pyqtgraph's menus: nothing, or the loss plot's own menu."""
    window = lent_window
    configure(window, qtbot, data="xor")  # two inputs: the decision surface is a plot with a colour bar
    window.heatmaps.cell_clicked.emit("W", 1, 0, 0)  # the weight panel's three plots
    boxes = right_click_every_plot(window, qtbot)
    views = [box.getViewWidget() for box in boxes]
    landscape = window.view("landscape")
    matrices = 2 * (len(window.session.config.layers) - 1)  # each layer's W and ∂L/∂W, each with its colour bar
    plots_held = {"loss": (window.plot, 1), "slice": (landscape.plot, 2), "line": (landscape.line_plot, 1),
                  "gradient flow": (window.flow.view, 1), "sharpness": (window.flow.sharpness.view, 1),
                  "heatmaps": (window.heatmaps.view, 2 * matrices), "weight panel": (window.weight_panel.view, 3),
                  "decision surface": (window.decision.plot_widget, 2)}  # a colour bar has a view box too
    missed = {name: held for name, (view, held) in plots_held.items() if sum(v is view for v in views) < held}
    assert not missed, f"views with fewer plots right-clicked than they hold: {missed}"
    plots = [item for box in boxes if isinstance(item := box.parentItem(), pg.PlotItem)]
    made_otherwise = [type(plot).__name__ for plot in plots if not isinstance(plot, MenulessPlotItem)]
    assert not made_otherwise, f"plots not made as a MenulessPlotItem: {made_otherwise}"
    widgets = [type(v).__name__ for v in set(views) if isinstance(v, pg.PlotWidget) and not isinstance(v, StillPlotWidget)]
    assert not widgets, f"plot widgets not made as a StillPlotWidget: {widgets}"
    with_menus = [type(box.parentItem()).__name__ for box in boxes if box.menu is not None]
    assert not with_menus, f"plots that built pyqtgraph's view-box menu: {with_menus}"
    offering = [type(plot).__name__ for plot in plots if plot.menuEnabled()]
    assert not offering, f"plots that offer pyqtgraph's plot menu: {offering}"


def test_a_right_click_on_a_colour_bar_offers_no_colour_maps(qtbot):
    bar = StillColorBar(values=(-1.0, 1.0), colorMap=pg.colormap.get("CET-D1"))
    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    view.ci.addItem(bar)
    view.show()
    qtbot.waitExposed(view)
    event = _right_click(bar)
    bar.mouseClickEvent(event)
    menus = [menu for menu in QApplication.topLevelWidgets() if isinstance(menu, QMenu) and menu.isVisible()]
    assert not menus, "a colour-map menu popped up"


def test_a_menuless_plot_still_plots():
    plot = MenulessPlotItem()
    curve = plot.plot([0.0, 1.0, 2.0], [1.0, 4.0, 9.0])
    assert plot.vb.menu is None
    assert curve.getData()[1].tolist() == [1.0, 4.0, 9.0]


def _right_click(item):
    from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent

    class Press:  # what MouseClickEvent reads from Qt's press event
        def __init__(self) -> None:
            self._pos = item.mapToScene(item.boundingRect().center())

        def scenePos(self):  # noqa: N802 - Qt naming
            return self._pos

        def screenPos(self):  # noqa: N802 - Qt naming
            return QPointF(self._pos)

        def button(self):
            return Qt.MouseButton.RightButton

        def buttons(self):
            return Qt.MouseButton.RightButton

        def modifiers(self):
            return Qt.KeyboardModifier.NoModifier

        def timestamp(self):
            return 0

    return MouseClickEvent(Press())
