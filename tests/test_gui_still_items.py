"""The window's plots build none of pyqtgraph's context menus, and a colour bar offers no colour maps: a heat map
recoloured by a stray right click would no longer show zero as white."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QMenu

from mlp_gui.gui.still_items import MenulessPlotItem, StillColorBar


def plot_items(window) -> list[pg.PlotItem]:
    for key in ("surface", "flow", "landscape"):  # every tab shown once: views may build their plots when first shown
        window.tabs.setCurrentWidget(window.view(key))
        QApplication.processEvents()
    window.tabs.setCurrentWidget(window.view("training"))
    found = []
    for view in window.findChildren(pg.GraphicsView):
        found += [item for item in view.scene().items() if isinstance(item, pg.PlotItem)]
    return found


def test_no_plot_in_the_window_builds_a_view_box_menu(shared_window):
    plots = plot_items(shared_window)
    assert len(plots) >= 12  # the heatmaps' six matrices and their bars at least
    with_menus = [type(plot).__name__ for plot in plots if plot.vb.menu is not None]
    assert not with_menus, f"plots that built pyqtgraph's view-box menu: {with_menus}"


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
