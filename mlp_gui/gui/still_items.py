"""Plot items for the app's still plots, made without the context menus pyqtgraph builds for every plot.

:class:`StillPlotWidget`, what every single-plot view of the app is, is a PlotWidget on a :class:`MenulessPlotItem`,
a PlotItem whose view box never builds its menu (what a plot added to a layout is made as too);
:class:`StillColorBar` is a ColorBarItem made the same way, whose right click offers no colour maps.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget


class MenulessPlotItem(pg.PlotItem):
    """A PlotItem without pyqtgraph's view-box menu (building it and throwing it away was a third of making a plot)."""

    def __init__(self, *args, **kwargs) -> None:
        if kwargs.pop("enableMenu", False):
            raise TypeError("a MenulessPlotItem (and a StillPlotWidget) has no menu: leave enableMenu out")
        super().__init__(*args, enableMenu=False, **kwargs)


class StillPlotWidget(pg.PlotWidget):
    """A PlotWidget on a :class:`MenulessPlotItem`: what every single-plot view of the app is. A right click opens
    none of pyqtgraph's menus (a view may open its own: the loss plot's). ``kwargs`` go to the plot item."""

    def __init__(self, parent: QWidget | None = None, background: object = "default", **kwargs) -> None:
        super().__init__(parent, background=background, plotItem=MenulessPlotItem(**kwargs))


class StillColorBar(pg.ColorBarItem, MenulessPlotItem):
    """A colour bar that is only read: no handles, no menu, and no colour-map menu on a right click (a heat map
    recoloured by a stray click would no longer show zero as white)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("interactive", False)
        kwargs["colorMapMenu"] = False
        super().__init__(**kwargs)  # ColorBarItem's own super().__init__() reaches MenulessPlotItem

