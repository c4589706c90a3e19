"""BarePlot and BareColorBar: laid out as pyqtgraph's PlotItem and ColorBarItem are, at a fraction of their cost."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from mlp_gui.gui.bare_plot import BareColorBar, BarePlot
from mlp_gui.gui.heatmaps import HeatmapPanel


def laid_out(qtbot, item: pg.GraphicsWidget, width: int = 300, height: int = 240) -> pg.GraphicsLayoutWidget:
    widget = pg.GraphicsLayoutWidget()
    widget.ci.layout.setContentsMargins(0, 0, 0, 0)
    widget.ci.addItem(item)
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: item.width() > 0 and item.vb.width() > 0, timeout=5000)
    return widget


def place(item) -> tuple[float, ...]:
    rect = item.sceneBoundingRect()
    return round(rect.x(), 2), round(rect.y(), 2), round(rect.width(), 2), round(rect.height(), 2)


@pytest.mark.parametrize("bottom_shown", [True, False])
def test_a_bare_plot_puts_its_title_axes_and_view_box_where_a_plot_item_does(qtbot, bottom_shown):
    bare, full = BarePlot(), pg.PlotItem(enableMenu=False)
    for plot in (bare, full):
        plot.setTitle("W1 | b1", size="9pt")
        plot.getAxis("left").setLabel("unit")
        plot.getAxis("bottom").setLabel("inputs | b")
        plot.showAxis("bottom", bottom_shown)
    keep = [laid_out(qtbot, plot) for plot in (bare, full)]
    assert place(bare.vb) == place(full.vb), "view box"
    assert place(bare.titleLabel) == place(full.titleLabel), "title"
    for side in ("left", "bottom"):
        assert place(bare.getAxis(side)) == place(full.getAxis(side)), side
    assert bare.getAxis("bottom").isVisible() is bottom_shown
    del keep


def test_a_bare_colour_bar_is_framed_and_ticked_where_a_colour_bar_item_is(qtbot):
    cmap = pg.colormap.get("CET-D1")
    bare = BareColorBar(values=(-2, 2), color_map=cmap, width=10)
    full = pg.ColorBarItem(values=(-2, 2), colorMap=cmap, width=10, interactive=False, colorMapMenu=False)
    keep = [laid_out(qtbot, bar, 60, 200) for bar in (bare, full)]
    assert place(bare.vb) == place(full.vb), "the gradient"
    for side in ("left", "top", "bottom", "right"):
        assert place(bare.getAxis(side)) == place(full.getAxis(side)), side
    assert bare.axis.range == pytest.approx(full.axis.range) and bare.axis.range == pytest.approx([-2, 2])
    top, bottom = bare.bar.pixmap().toImage().pixelColor(0, 255), bare.bar.pixmap().toImage().pixelColor(0, 0)
    assert (top.red(), top.blue()) == tuple(cmap.map(1.0, mode="byte")[[0, 2]])  # the map's top colour at the top
    assert (bottom.red(), bottom.blue()) == tuple(cmap.map(0.0, mode="byte")[[0, 2]])
    del keep


def test_the_bar_colours_its_image_and_sets_its_levels(qtbot):
    cmap = pg.colormap.get("CET-D1")
    bar = BareColorBar(values=(-1, 1), color_map=cmap, width=10)
    image = pg.ImageItem(np.zeros((2, 2)))
    bar.setImageItem(image)
    assert tuple(image.getLevels()) == (-1, 1) and image.getColorMap() is cmap
    bar.setLevels((-3, 3))
    assert tuple(image.getLevels()) == (-3, 3) and bar.levels() == (-3, 3)
    assert bar.axis.range == pytest.approx([-3, 3])
    bar.setLevels((-5, 5), update_items=False)  # the image set its own levels: only the ticks follow
    assert tuple(image.getLevels()) == (-3, 3) and bar.axis.range == pytest.approx([-5, 5])


def test_the_heatmaps_make_no_plot_items(qtbot):
    """Each heatmap is a BarePlot and its bar a BareColorBar: a PlotItem builds an options form, menus and buttons
    the heatmaps never show, which made them four times as costly to build (a new network rebuilds them)."""
    from mlp_gui.core.config import TrainConfig
    from mlp_gui.core.trainer import Trainer

    panel = HeatmapPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(Trainer.new(TrainConfig()).snapshot(), now=True)
    items = panel.ci.items
    assert len([i for i in items if isinstance(i, BarePlot)]) == 12  # three layers, W and ∂L/∂W, plot and bar each
    assert not [i for i in items if isinstance(i, pg.PlotItem)]
