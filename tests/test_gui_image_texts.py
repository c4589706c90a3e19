"""The numbers around the heatmaps and the Backprop tab's arrays, in the window at the smallest supported size and
at 1280x800: no tick mark enters a cell (a row tick read as a minus sign before the first column's value) and no
text is printed over another (the colour bar's power of ten sat on a gradient's title at 1024x700)."""

import pytest

from tests.gui_helpers import TIMEOUT_MS
from tests.image_axes_checks import label_lines, overlaps, plot_texts, tick_lines, ticks_entering

SIZES = [(1024, 700), (1280, 800)]


def settle(qtbot, views) -> None:
    """Wait until the plots keep their sizes (nested pyqtgraph layouts settle over a few event-loop passes)."""
    seen = []

    def settled() -> bool:
        seen.append([(v.plot.vb.width(), v.plot.vb.height(), v.bar.height()) for v in views])
        return len(seen) >= 3 and seen[-3] == seen[-2] == seen[-1]

    qtbot.waitUntil(settled, timeout=TIMEOUT_MS)


def sized(window, qtbot, width: int, height: int) -> None:
    window.showNormal()
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width, timeout=TIMEOUT_MS)


def heatmap_views(window) -> list:
    panel = window.heatmaps
    return panel.weights + panel.gradients + panel.updates


def backprop_views(window) -> list:
    view = window.backprop
    return [view.inputs, view.targets, *view.zs, *view.acts, *view.deltas]


def assert_ticks_outside(views) -> None:
    for view in views:
        lines = tick_lines(view.plot.getAxis("left")) + tick_lines(view.plot.getAxis("bottom"))
        assert lines, "the plot has ticks"
        entering = ticks_entering(view.image.sceneBoundingRect(), lines)
        assert not entering, f"{len(entering)} ticks enter the cells of {view.plot.titleLabel.text!r}"


def assert_no_text_over_another(views, extra=()) -> None:
    texts = [t for view in views for t in plot_texts(view.plot, view.bar)] + list(extra)
    assert len(texts) > 10 * len(views) // 2
    found = overlaps(texts)
    assert found == [], "\n".join(map(repr, found))


@pytest.mark.parametrize("width, height", SIZES)
@pytest.mark.parametrize("updates", [False, True])
def test_heatmaps_ticks_stay_out_of_the_cells_and_no_text_overlaps(shared_window, qtbot, width, height, updates):
    window = shared_window  # its size, tab and ΔW column set here
    sized(window, qtbot, width, height)
    window.tabs.setCurrentWidget(window.training_split)
    window.heatmaps.set_show_updates(updates)
    views = heatmap_views(window)
    assert len(views) == (9 if updates else 6)
    settle(qtbot, views)
    assert_ticks_outside(views)
    headers = [line for h in window.heatmaps.headers for line in label_lines(h)]
    assert_no_text_over_another(views, headers)


@pytest.mark.parametrize("width, height", SIZES)
def test_backprop_ticks_stay_out_of_the_cells_and_no_text_overlaps(shared_window, qtbot, width, height):
    window = shared_window  # its size and tab set here
    sized(window, qtbot, width, height)
    window.tabs.setCurrentWidget(window.backprop)
    qtbot.waitUntil(lambda: window.backprop.refreshes > 0, timeout=TIMEOUT_MS)
    views = backprop_views(window)
    settle(qtbot, views)
    assert_ticks_outside(views)
    assert_no_text_over_another(views)
