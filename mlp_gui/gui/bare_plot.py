"""A plot made of a view box, the axes asked for and a title, and a colour bar made the same way.

:class:`BarePlot` lays these out as pyqtgraph's PlotItem does (title in row 0, top axis in row 1, left axis, view
box and right axis in row 2, bottom axis in row 3), without what a plot that is only looked at never uses: its
buttons, menus, options form and hidden axes. :class:`BareColorBar` is a colour map's gradient framed by axes,
its values ticked on the right one, for an image drawn in a :class:`BarePlot`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGraphicsGridLayout, QGraphicsItem, QGraphicsPixmapItem, QSizePolicy

AXIS_CELLS = {"top": (1, 1), "left": (2, 0), "right": (2, 2), "bottom": (3, 1)}  # PlotItem's places
TITLE_ROW_PX = 30  # a title row's height, as PlotItem's


class BarePlot(pg.GraphicsWidget):
    """A still plot: ``vb`` (a view box without a menu), ``axes`` (side → AxisItem, none rescaled by an SI prefix:
    their labels name no unit) and ``titleLabel`` (``title_item`` if given), in ``layout``."""

    def __init__(self, *, axes: Iterable[str] = ("left", "bottom"), title_item: pg.LabelItem | None = None) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.layout = QGraphicsGridLayout()
        self.layout.setContentsMargins(1, 1, 1, 1)
        self.layout.setHorizontalSpacing(0)
        self.layout.setVerticalSpacing(0)
        self.setLayout(self.layout)
        self.vb = pg.ViewBox(parent=self, enableMenu=False)
        self.layout.addItem(self.vb, 2, 1)
        self.axes: dict[str, pg.AxisItem] = {}
        for side in axes:
            self.axes[side] = axis = pg.AxisItem(orientation=side, parent=self)
            axis.enableAutoSIPrefix(False)
            axis.linkToView(self.vb)
            axis.setZValue(0.5)  # over the image; items meant to cover the axes go at 1 or more
            axis.setFlag(QGraphicsItem.GraphicsItemFlag.ItemNegativeZStacksBehindParent)
            self.layout.addItem(axis, *AXIS_CELLS[side])
        self.titleLabel = title_item if title_item is not None else pg.LabelItem("", size="11pt")
        self.titleLabel.setParentItem(self)
        self.layout.addItem(self.titleLabel, 0, 1)
        self.setTitle(None)
        for i in range(4):
            self.layout.setRowPreferredHeight(i, 0)
            self.layout.setRowMinimumHeight(i, 0)
            self.layout.setRowSpacing(i, 0)
            self.layout.setRowStretchFactor(i, 1)
        for i in range(3):
            self.layout.setColumnPreferredWidth(i, 0)
            self.layout.setColumnMinimumWidth(i, 0)
            self.layout.setColumnSpacing(i, 0)
            self.layout.setColumnStretchFactor(i, 1)
        self.layout.setRowStretchFactor(2, 100)
        self.layout.setColumnStretchFactor(1, 100)
        for side in AXIS_CELLS.keys() - self.axes.keys():  # no room, not even a share of the stretch, for no axis
            row, col = AXIS_CELLS[side]
            if side in ("top", "bottom"):
                self.layout.setRowMaximumHeight(row, 0)
                self.layout.setRowStretchFactor(row, 0)
            else:
                self.layout.setColumnMaximumWidth(col, 0)
                self.layout.setColumnStretchFactor(col, 0)

    def getAxis(self, side: str) -> pg.AxisItem:  # noqa: N802 - pyqtgraph naming
        return self.axes[side]

    def showAxis(self, side: str, show: bool = True) -> None:  # noqa: N802 - pyqtgraph naming
        axis = self.axes[side]
        axis.show() if show else axis.hide()  # the axis's own show/hide give or take back its room

    def getViewBox(self) -> pg.ViewBox:  # noqa: N802 - pyqtgraph naming
        return self.vb

    def addItem(self, item: QGraphicsItem) -> None:  # noqa: N802 - pyqtgraph naming
        self.vb.addItem(item)

    def setTitle(self, title: str | None = None, **args) -> None:  # noqa: N802 - pyqtgraph naming
        """As PlotItem's: None hides the title row; any text shows it, TITLE_ROW_PX high, ``args`` styling it."""
        height = 0 if title is None else TITLE_ROW_PX
        self.titleLabel.setMaximumHeight(height)
        self.layout.setRowFixedHeight(0, height)
        self.titleLabel.setVisible(title is not None)
        if title is not None:
            self.titleLabel.setText(title, **args)


class BareColorBar(BarePlot):
    """A vertical colour bar ``width`` pixels wide: ``color_map``'s gradient from ``values[0]`` at the bottom to
    ``values[1]`` at the top, framed by the other axes, ticked on its right one (:attr:`axis`).

    :meth:`setImageItem` colours an image with the map; :meth:`setLevels` sets the values the bar spans (and the
    image's levels, unless ``update_items`` is False: an image that sets its own levels)."""

    def __init__(self, *, values: tuple[float, float], color_map: pg.ColorMap, width: int,
                 title_item: pg.LabelItem | None = None) -> None:
        super().__init__(axes=("left", "top", "bottom", "right"), title_item=title_item)
        self.values = (float(values[0]), float(values[1]))
        self.color_map = color_map
        self._images: list[weakref.ref] = []
        self.vb.setMouseEnabled(x=False, y=False)
        self.vb.disableAutoRange()
        self.vb.setRange(xRange=(0, 1), yRange=(0, 256), padding=0)
        self.layout.setColumnFixedWidth(1, width)
        for side, axis in self.axes.items():
            if side != "right":  # a frame: lines only
                axis.setTicks([])
                axis.setStyle(showValues=False)
        self.axis = self.axes["right"]
        self.axis.setWidth(45)
        self.axis.unlinkFromView()
        self.axis.setRange(*self.values)
        self.bar = QGraphicsPixmapItem()
        self.bar.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        lut = np.ascontiguousarray(color_map.getLookupTable(nPts=256, alpha=True)[:, np.newaxis, :])
        self.bar.setPixmap(QPixmap.fromImage(pg.functions.ndarray_to_qimage(lut, QImage.Format.Format_RGBA8888)))
        self.vb.addItem(self.bar)

    def setImageItem(self, image: pg.ImageItem) -> None:  # noqa: N802 - pyqtgraph naming
        """Colour ``image`` with this bar's map and levels (:meth:`setLevels` keeps them in step)."""
        self._images.append(weakref.ref(image))
        image.setLevels(self.values)
        image.setColorMap(self.color_map)

    def levels(self) -> tuple[float, float]:
        return self.values

    def setLevels(self, values: tuple[float, float], *, update_items: bool = True) -> None:  # noqa: N802
        self.values = (float(values[0]), float(values[1]))
        self.axis.setRange(*self.values)
        if update_items:
            for ref in self._images:
                if (image := ref()) is not None:
                    image.setLevels(self.values)
