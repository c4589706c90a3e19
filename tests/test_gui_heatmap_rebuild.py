"""A heatmap panel whose network changes keeps the matrix views it still has places for (making one is most of a
rebuild's cost) and draws exactly what a panel made for the new network draws: same pixels, same texts, same state.
"""

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGraphicsItem

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.gui.heatmaps import HeatmapPanel
from tests.gui_helpers import shown
from tests.test_gui_heatmaps import wait_for_layout

SIZE = (700, 720)
NOTEBOOK = TrainConfig()


def snapshot(config: TrainConfig, epochs: int = 0):
    trainer = Trainer.new(config)
    trainer.step(epochs)
    return trainer.snapshot()


def drawn(qtbot, panel: HeatmapPanel) -> np.ndarray:
    """The panel as painted now (RGB32 pixels), its axes painted afresh: Qt's cache of an axis
    (DeviceCoordinateCache) keeps the subpixel offset it was first drawn at, so a kept axis's texts can land a
    fraction of a pixel from a new one's."""
    wait_for_layout(qtbot, panel)
    for view in panel.overlays.views():
        for axis in [*view.plot.axes.values(), *view.bar.axes.values()]:
            axis.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    image = panel.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    return np.array(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4).copy()


def unmatched(a: np.ndarray, b: np.ndarray) -> int:
    """How many pixels of ``a`` have their colour nowhere within one pixel of the same place in ``b``."""
    ys, xs = np.nonzero(np.any(a != b, axis=2))
    padded = np.pad(b, ((1, 1), (1, 1), (0, 0)), mode="edge")
    found = np.zeros(len(ys), dtype=bool)
    for dy in range(3):
        for dx in range(3):
            found |= np.all(a[ys, xs] == padded[ys + dy, xs + dx], axis=1)
    return int((~found).sum())


#: A layout's last floating-point bit (x = 640.0 against 639.9999999999999) can move a line by a pixel (allowed for)
#: and an anti-aliased glyph's edge (a few dozen pixels). Each difference seen while the views were being kept was
#: far above: a title wrapped otherwise 994 pixels, an axis label centred for an earlier text 4,422, a colour bar's
#: ticks kept from an earlier scale 1,700.
FEW_PIXELS = 100


def geometry(panel: HeatmapPanel) -> list:
    """Where every part of every view is, to a hundredth of a pixel."""
    parts = []
    for v in panel.overlays.views():
        items = [v.plot, v.plot.vb, v.plot.titleLabel, v.bar, v.bar.vb, *v.plot.axes.values(), *v.bar.axes.values()]
        parts.append([tuple(round(x, 2) for x in item.sceneBoundingRect().getRect()) for item in items])
    return parts


def texts(panel: HeatmapPanel) -> list:
    """Every view's title, cell texts, colour-bar factor and scale, and the headings."""
    views = panel.overlays.views()
    return ([(v.title_text, v.labels.cells, v.bar_title, v.bar.factor_text, v.limit, v.scale, v.exponent, v.note,
              v.step_of, v.plot.getAxis("left").labelText) for v in views]
            + [h.text for h in panel.headers])


def fresh_panel(qtbot, *, updates: bool, mode: str, highlight: WeightRef | None) -> HeatmapPanel:
    panel = shown(qtbot, HeatmapPanel(), *SIZE)
    panel.set_show_updates(updates)
    panel.set_scale_mode(mode)
    panel.highlight(highlight)
    return panel


# (what the panel drew first, with the update column or not; then the new network, with the update column or not;
# the colour scales: linear, each matrix its own, or log)
CHANGES = {
    "same depth, other sizes": ((NOTEBOOK.with_changes(stepsize=10.0), 100, True),  # diverging: outlier notes
                                (NOTEBOOK.with_changes(layers=(3, 6, 5, 2)), 0, True), "matrix"),
    "fewer layers, column hidden": ((NOTEBOOK.with_changes(l1=0.2), 2000, True),  # zeros hatched, their legend
                                    (NOTEBOOK.with_changes(layers=(3, 5, 2)), 5, False), "log"),
    "more layers, column shown": ((NOTEBOOK.with_changes(layers=(3, 12, 2)), 300, False),  # rows numbered to 11
                                  (NOTEBOOK.with_changes(layers=(3, 5, 4, 3, 2)), 5, True), "log"),
    "the optimizer's state": ((NOTEBOOK.with_changes(optimizer="adam", stepsize=0.01), 50, True),
                              (NOTEBOOK.with_changes(layers=(3, 2, 2), optimizer="momentum"), 7, True), "matrix"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_panel_whose_network_changed_draws_what_a_new_panel_draws(qtbot, change):
    (first, first_epochs, first_updates), (then, epochs, updates), mode = CHANGES[change]
    outline = WeightRef(layer=1, row=1, col=2)
    panel = fresh_panel(qtbot, updates=first_updates, mode=mode, highlight=outline)
    state = change == "the optimizer's state"
    panel.overlays.state.set_shown(state)
    panel.show_snapshot(snapshot(first, first_epochs), now=True)
    before = texts(panel)
    if change.startswith("same depth"):
        assert any(v.note for v in panel.weights + panel.gradients), "the first run's scales are set by outliers"
    if change.startswith("fewer"):
        assert panel.overlays.zeros, "the first run has hatched zeros"
    kept = {id(v) for v in panel.overlays.views()}

    panel.set_show_updates(updates)
    new = snapshot(then, epochs)
    panel.show_snapshot(new, now=True)
    again = fresh_panel(qtbot, updates=updates, mode=mode, highlight=outline)
    again.overlays.state.set_shown(state)
    again.show_snapshot(new, now=True)

    assert texts(panel) == texts(again) != before
    assert [v.matrix.shape for v in panel.overlays.views()] == [v.matrix.shape for v in again.overlays.views()]
    assert panel.overlays.zeros == again.overlays.zeros
    assert len(panel.ci.items) == len(again.ci.items), "nothing of the first network is left in the layout"
    image, expected = drawn(qtbot, panel), drawn(qtbot, again)
    assert geometry(panel) == geometry(again)
    assert max(unmatched(image, expected), unmatched(expected, image)) < FEW_PIXELS, f"{change}: drawn unlike a new panel"
    reused = [v for v in panel.weights if id(v) in kept]
    assert reused, "the views in places the new network still has are kept, not made again"


def test_a_kept_view_reads_out_and_reports_clicks_for_the_new_network(qtbot):
    panel = fresh_panel(qtbot, updates=False, mode="matrix", highlight=None)
    panel.show_snapshot(snapshot(NOTEBOOK), now=True)
    new = snapshot(NOTEBOOK.with_changes(layers=(3, 7, 4, 2)))
    panel.show_snapshot(new, now=True)
    view = panel.weights[0]
    assert view.title_text.startswith("W1 | b1   (3→7)")
    assert view.cell_at(view.image.mapToScene(2.5, 6.5)) == ("W", 6, 2)  # row 6: only the new W1 has it
    clicks = []
    panel.cell_clicked.connect(lambda *cell: clicks.append(cell))
    assert view.click_at(view.image.mapToScene(2.5, 6.5))
    assert clicks == [("W", 1, 6, 2)]
    assert np.array_equal(view.matrix, new.layers[0].W)
