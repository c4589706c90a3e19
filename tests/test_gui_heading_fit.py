"""At 1024x700 (the smallest supported window) and 1280x800 every heatmap column heading and the loss plot's epoch
axis title fit on screen: each line of text no wider than its item and inside the part of the view that shows (the
update column's "ΔW: adam step, η = 0.01, with L1" lost its end, the gradients' heading ran into it)."""

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetricsF

from mlp_gui.core import TrainConfig
from mlp_gui.core.run_state import RunState
from mlp_gui.gui.heatmap_overlays import STATE_TEXT
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, press_start, wait_state
from tests.image_axes_checks import label_lines, text_lines

# the tests that only set fields and read the window share one (put back after each); those that train have their own
reused_window = window_reuse.reused_window

CIRCLES = dict(data="circles", layers=(2, 8, 8, 1), activation="tanh", output="sigmoid", loss="cross-entropy",
               init="xavier", batch_size=0)
RUNS = {"gd": TrainConfig(**CIRCLES, stepsize=0.1), "adam+L1": TrainConfig(**CIRCLES, optimizer="adam", l1=0.001, stepsize=0.01)}


def sized(window, qtbot, width: int, height: int) -> None:
    window.showNormal()
    window.resize(width, height)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (width, height), timeout=TIMEOUT_MS)


def start(window, qtbot, config: TrainConfig, *, state: bool = False) -> list:
    """A new run of ``config`` with the update column (and ``state``: the optimizer's state) shown; its headings."""
    window.session.new_run(config, 100)
    qtbot.waitUntil(lambda: window.session.config == config, timeout=TIMEOUT_MS)
    window.actions["show_updates"].setChecked(True)
    if state:
        (action,) = [a for a in window.menus["View"].actions() if a.text() == STATE_TEXT]
        action.setChecked(True)
    heatmaps = window.heatmaps
    overlays = heatmaps.overlays.state
    qtbot.waitUntil(lambda: len(heatmaps.headers) == 3 and heatmaps.rule is not None
                    and (not state or bool(overlays.headers)), timeout=TIMEOUT_MS)
    return heatmaps.headers + overlays.headers


def notes(window, qtbot) -> list:
    """The texts under the columns: the state's note and the zero marks' legend (after a while an L1 run has some: this
    run holds 14 weights at zero at epoch 300, 28 at 1,500; the legend is the same for any number)."""
    window.session.new_run(window.session.config, 300)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    overlays = window.heatmaps.overlays
    qtbot.waitUntil(lambda: overlays.state.note_label is not None and overlays.legend is not None, timeout=TIMEOUT_MS)
    return [overlays.state.note_label, overlays.legend]


def visible_scene_rect(heatmaps) -> QRectF:
    """The part of the heatmaps' scene the scroll area shows."""
    view = heatmaps.view
    shown = heatmaps.viewport().rect().translated(-view.pos())  # the viewport in the view's own coordinates
    return view.mapToScene(shown.intersected(view.rect())).boundingRect()


def assert_fits(headings, visible: QRectF) -> None:
    for heading in headings:
        lines = label_lines(heading)
        assert lines, heading.full_text
        metrics = QFontMetricsF(heading.line_font())
        room = heading.sceneBoundingRect()
        for text, rect in lines:
            assert metrics.horizontalAdvance(text) <= heading.width(), (text, heading.width(), heading.full_text)
            assert room.left() - 1 <= rect.left() and rect.right() <= room.right() + 1, (text, rect, room)
            assert visible.left() - 1 <= rect.left() and rect.right() <= visible.right() + 1, (text, rect, visible)


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800)])
@pytest.mark.parametrize("run", sorted(RUNS))
def test_every_heatmap_heading_fits_over_its_column(reused_window, qtbot, size, run):
    sized(reused_window, qtbot, *size)
    headings = start(reused_window, qtbot, RUNS[run])
    qtbot.waitUntil(lambda: all(label_lines(h) for h in headings), timeout=TIMEOUT_MS)
    assert_fits(headings, visible_scene_rect(reused_window.heatmaps))
    shown = " ".join(" ".join(h.lines) for h in headings)
    needed = ("adam", "η = 0.01", "with L1") if run == "adam+L1" else ("ΔW = −0.1·∂L/∂W",)
    assert all(words in shown for words in needed), shown  # what matters is said, not elided
    assert "…" not in shown, shown
    update = headings[2]
    assert update.full_text in update.toolTip() and ("λ₁·sign(W)" in update.toolTip()) == (run == "adam+L1")


@pytest.mark.parametrize("batch", [0, 7])
def test_the_epoch_axis_title_fits_at_1024x700(reused_window, qtbot, batch):
    sized(reused_window, qtbot, 1024, 700)
    config = TrainConfig(**{**CIRCLES, "batch_size": batch})
    reused_window.session.new_run(config, 100)
    qtbot.waitUntil(lambda: reused_window.session.config == config, timeout=TIMEOUT_MS)
    plot = reused_window.plot
    axis = plot.getPlotItem().getAxis("bottom")
    qtbot.waitUntil(lambda: bool(text_lines(axis.label)), timeout=TIMEOUT_MS)
    shown = plot.mapToScene(plot.viewport().rect()).boundingRect()
    metrics = QFontMetricsF(axis.label.font())
    for text, rect in text_lines(axis.label):
        assert metrics.horizontalAdvance(text) <= axis.width(), (text, axis.width())
        assert shown.left() - 1 <= rect.left() and rect.right() <= shown.right() + 1, (text, rect, shown)
    drawn, whole = axis.label.toPlainText().split(), plot.epoch_axis_title
    assert drawn == whole.split() or axis.label.toolTip() == whole, (drawn, whole)  # shortened: whole on hover
    assert drawn[0] == "epoch" and ("mini-batch" in whole) == (batch == 7)


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800)])
def test_the_state_columns_can_all_be_reached_and_their_headings_fit(window, qtbot, size):
    """Five columns do not fit side by side with readable cells: the panel keeps them readable and scrolls (on a window
    of its own: the cells' widths are laid out when the window shows, and the reused one was laid out before). Then,
    once the run has trained, the state columns' headings and the texts under the columns fit their columns too.
    One window and one run for both claims: each was a test of its own, on the same steps up to its checks."""
    sized(window, qtbot, *size)
    headings = start(window, qtbot, RUNS["adam+L1"], state=True)
    qtbot.waitUntil(lambda: all(label_lines(h) for h in headings), timeout=TIMEOUT_MS)
    # the columns can all be reached
    panel = window.heatmaps
    content = QRectF(0, 0, panel.view.width(), panel.view.height())
    assert_fits(headings, content)  # every heading whole, inside what the panel scrolls over
    right = max(h.sceneBoundingRect().right() for h in headings)
    assert right > panel.viewport().width(), "reached: this size really is too narrow for the five columns"
    assert min(v.plot.vb.width() for v in panel.weights) >= 36, "reached: the cells keep their width"
    bar = panel.horizontalScrollBar()
    qtbot.waitUntil(bar.isVisible, timeout=TIMEOUT_MS)
    assert bar.maximum() >= right - panel.viewport().width() - 2, "reached: the last column is reachable"
    # the state columns' headings fit their columns too, and the texts under them
    everywhere = QRectF(-1e6, -1e6, 2e6, 2e6)
    texts = headings + notes(window, qtbot)
    qtbot.waitUntil(lambda: all(label_lines(t) for t in texts), timeout=TIMEOUT_MS)
    assert_fits(texts, everywhere)  # five columns: the panel scrolls sideways (above) rather than squeeze cells
    for text in texts:
        assert text.full_text in text.toolTip(), ("fit: a shortened text says it all on hover", text.full_text)
        assert "…" not in " ".join(text.lines), ("fit: nothing elided", text.lines)
    update = " ".join(headings[2].lines)
    assert "η = 0.01" in update and "L1" in update, ("fit: the update column says its η and L1", update)
