"""A heatmap's first-column numbers keep a clear gap from the row axis and its ticks (at 1x, "2 -|9.3e-4" read as
−9.3e-4: the text started 2 pixels after the axis line)."""

import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.gui.heatmaps import HeatmapPanel
from tests.gui_helpers import TIMEOUT_MS, shown
from tests.image_axes_checks import tick_lines

GAP_PX = 4


@pytest.mark.parametrize("width, updates", [(700, False), (1000, True), (800, True)])  # cells the text fills
def test_cell_text_keeps_four_pixels_from_the_row_axis(qtbot, width, updates):
    panel = HeatmapPanel(on_hover=print)
    panel.set_show_updates(updates)
    shown(qtbot, panel, width, 800)
    panel.show_snapshot(Trainer.new(TrainConfig()).snapshot(), now=True)
    views = panel.weights + panel.gradients
    qtbot.waitUntil(lambda: panel.grab() is not None and any(v.labels.drawn_rects for v in views), timeout=TIMEOUT_MS)
    gaps = []
    for view in (v for v in views if v.labels.drawn_rects):
        axis_line = max(max(line.x1(), line.x2()) for line in tick_lines(view.plot.getAxis("left")))
        gaps.append(min(rect.left() for rect in view.labels.drawn_rects) - axis_line)
    assert gaps and min(gaps) >= GAP_PX, gaps

