"""The heatmap panel on its own: scales, cell text, skipped redraws, hidden panels, deep networks,
and numbers that stay readable whatever their magnitude (colour-bar labels, cell values, outliers);
the update column ΔW = −stepsize·∂L/∂W, the shared and log colour scales, and cell clicks."""

import re

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage, QPainter

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.color_scale import LOG_DECADES, nice_limit
from mlp_gui.gui.heatmaps import HeatmapPanel
from mlp_gui.gui.image_axes import CellPlot, index_ticks
from tests.gui_helpers import shown
from tests.hover_checks import Hover, hover_text
from tests.image_axes_checks import label_lines, overlaps, plot_texts

LEGIBLE_POINTS = 7.0  # cell text smaller than this is a blur at 96 dpi


@pytest.fixture
def panel(qtbot):
    return shown(qtbot, HeatmapPanel(), 600, 700)


@pytest.fixture
def window_sized_panel(qtbot):
    """The default run's panel at the size it has beside the loss plot in a 1280x800 window."""
    panel = shown(qtbot, HeatmapPanel(), 573, 723)
    panel.show_snapshot(Trainer.new(TrainConfig()).snapshot(), now=True)
    wait_for_layout(qtbot, panel)
    return panel


def wait_for_layout(qtbot, panel) -> None:
    """Wait until the plots have their final sizes (nested pyqtgraph layouts settle over a few event-loop passes)."""
    seen: list[list[tuple[float, float]]] = []

    def settled() -> bool:
        sizes = [(v.plot.vb.width(), v.plot.vb.height()) for v in panel.weights + panel.gradients]
        seen.append(sizes)
        return len(seen) >= 3 and seen[-3] == seen[-2] == sizes

    qtbot.waitUntil(settled, timeout=2000)


def drawn_bar_labels(view) -> list[str]:
    """The tick labels the colour bar's axis would paint now: pyqtgraph leaves out any that overflow the axis."""
    axis = view.bar.axis
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        painter.setFont(axis.style["tickFont"])
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in texts]


def painted_cell_points(panel, view) -> float | None:
    """Paint the panel and return the smallest font size the view's cell values were drawn in (None: not drawn)."""
    panel.grab()
    return view.labels.drawn_points


def test_scales_are_symmetric_nice_and_centred_on_zero(panel):
    trainer = Trainer.new(TrainConfig())
    trainer.step(300)  # trained: the gradients are no longer the initial ones
    panel.show_snapshot(trainer.snapshot(), now=True)
    for view, array in zip(panel.gradients, [g.W for g in trainer.grads]):
        low, high = view.bar.levels()
        assert low == -high == -view.limit
        assert view.limit >= np.abs(array).max()
        assert view.limit == nice_limit(view.limit)
        assert view.image.levels is not None and tuple(view.image.levels) == (low, high)


def test_unchanged_values_are_not_redrawn(panel):
    trainer = Trainer.new(TrainConfig())
    snap = trainer.snapshot()
    panel.show_snapshot(snap, now=True)
    view = panel.weights[0]
    assert view.show(snap.params[0], snap.params[1], None) is False
    changed = snap.params[0] * 3
    assert view.show(changed, snap.params[1], None) is True


def test_a_hidden_panel_catches_up_when_shown(qtbot):
    # the claim is the catch-up, not the rate: no waiting out the second-long interval a costly first draw sets
    panel = shown(qtbot, HeatmapPanel(refresh_ms=20, max_refresh_ms=20), 600, 700)
    trainer = Trainer.new(TrainConfig())
    panel.show_snapshot(trainer.snapshot(), now=True)
    panel.hide()
    trainer.step(100)
    panel.show_snapshot(trainer.snapshot(), now=True)
    assert panel.shown.epoch == 0  # hidden: nothing drawn
    panel.show()
    qtbot.waitUntil(lambda: panel.shown.epoch == 100, timeout=5000)


def test_deep_network_scrolls_instead_of_squeezing(panel):
    trainer = Trainer.new(TrainConfig(layers=(3, 4, 4, 4, 4, 4, 4, 2)))
    panel.show_snapshot(trainer.snapshot(), now=True)
    assert len(panel.weights) == 7
    assert panel.view.minimumHeight() >= 7 * 150


def test_row_and_column_ticks_number_the_cells():
    assert index_ticks(3) == [[(0.5, "0"), (1.5, "1"), (2.5, "2")]]
    assert [label for _, label in index_ticks(784)[0]] == ["0", "200", "400", "600"]
    assert [label for _, label in index_ticks(8)[0]] == [str(i) for i in range(8)]


@pytest.mark.parametrize("matrix, bias, title, major", [
    (None, None, "×1e-5", ["-1.5", "0", "1.5"]),  # the default run's ∂L/∂W1 at epoch 0, as shown
    (np.array([[2e-12, -1.3e-12, 4e-13]] * 4), np.full(4, -1e-12), "×1e-12", ["-2", "0", "2"]),
    (np.ones((4, 3)), np.array([0.5, -1e156, 0.0, 2.0]), "×1e156", ["-1", "0", "1"]),
    (np.full((4, 3), 0.012), np.zeros(4), "", ["-0.015", "0", "0.015"]),
])
def test_every_colour_bar_draws_its_limits(panel, qtbot, matrix, bias, title, major):
    """pyqtgraph drops a tick label wider than its axis: the launch's ∂L/∂W1 bar showed only "0"."""
    panel.show_snapshot(Trainer.new(TrainConfig()).snapshot(), now=True)
    view = panel.gradients[0]
    if matrix is not None:
        view.show(matrix, bias, None)

    qtbot.waitUntil(lambda: set(major) <= set(drawn_bar_labels(view)), timeout=2000)
    assert all(text for text in major)
    assert view.bar_title == title
    assert view.bar.factor_text == title


def test_every_default_colour_bar_draws_three_labels(window_sized_panel, qtbot):
    """Seed 7 at launch: ∂L/∂W1 and ∂L/∂W2 (scales 1.5e-5 and 1.5e-3) showed only "0"."""
    window_sized_panel.show_snapshot(Trainer.new(TrainConfig(seed=7)).snapshot(), now=True)
    views = window_sized_panel.weights + window_sized_panel.gradients

    def all_drawn() -> bool:
        return all(len([t for t in drawn_bar_labels(view) if t]) >= 3 for view in views)

    qtbot.waitUntil(all_drawn, timeout=2000)
    assert [view.bar_title for view in window_sized_panel.gradients] == ["×1e-5", "×1e-3", ""]


def test_tiny_gradients_print_mantissas_with_the_exponent_in_the_title(window_sized_panel):
    """All ~1e-7: cells print short mantissas, legibly, and the title carries the power of ten once."""
    view = window_sized_panel.gradients[1]  # ∂L/∂W2, a 4x4 matrix: the narrowest cells
    rng = np.random.default_rng(1)
    assert view.show(rng.uniform(-1.4e-7, 1.4e-7, (4, 4)), rng.uniform(-1.4e-7, 1.4e-7, 4), None)

    texts = [text for _, _, text, _ in view.labels.cells]
    assert len(texts) == 4 * 5 and all(re.fullmatch(r"-?\d\.\d\d", text) for text in texts), texts
    assert view.exponent == -7 and "(×1e-7)" in view.title_text
    points = painted_cell_points(window_sized_panel, view)
    assert points is not None and points >= LEGIBLE_POINTS


def test_gradients_after_long_training_print_their_values(panel, qtbot):
    """Stepsize 1 after 100,000 epochs: ∂L/∂W2 and ∂L/∂W3 (about 1e-16, ``-6.6e-17``) printed nothing.
    20,000 epochs bring them to 1e-13, as long to write."""
    trainer = Trainer.new(TrainConfig(stepsize=1.0), capacity=20_001)
    trainer.step(20_000)
    panel.show_snapshot(trainer.snapshot(), now=True)
    wait_for_layout(qtbot, panel)
    panel.grab()
    for view in panel.gradients:
        assert view.exponent is not None and view.exponent < -8
        assert view.labels.drawn_points is not None and view.labels.drawn_points >= LEGIBLE_POINTS, view.name


def test_an_outlier_that_sets_the_scale_is_named(window_sized_panel):
    """A diverged run: a bias of -1e156 whitens W3 (the other bias, 3e153, too); the title says so and the cells
    still print every value."""
    view = window_sized_panel.weights[2]  # W3 | b3, 2x4
    weights = np.array([[-5.4e5, -1.1e6, -1.2e5, -8.6e4], [-1.1e3, -2.3e3, -2.5e2, -1.8e2]])
    assert view.show(weights, np.array([3.0e153, -1.04e156]), None)

    assert view.note == "scale set by b3[1] = -1.0e156"
    assert "scale set by b3[1] = -1.0e156" in view.plot.titleLabel.text
    texts = [text for _, _, text, _ in view.labels.cells]
    assert texts[:4] == ["-5.4e5", "-1.1e6", "-1.2e5", "-8.6e4"] and texts[4] == "3e153" and texts[-1] == "-1e156"
    assert painted_cell_points(window_sized_panel, view) is not None

    view.show(weights, np.array([3.0e153, -1.04e156]), view.limit)  # locked: the value no longer set the scale
    assert view.note == "outlier: b3[1] = -1.0e156"
    view.show(weights, np.array([2.0e5, -3.0e5]), None)
    assert view.note == "" and "scale set by" not in view.plot.titleLabel.text


def test_a_large_gradient_matrix_names_what_sets_its_scale(panel):
    """784→256→256→10: the output biases' gradients dwarf ∂L/∂W3's weights a billionfold."""
    trainer = Trainer.new(TrainConfig(layers=(784, 256, 256, 10)))
    trainer.step(5)  # by epoch 5 ∂L/∂W3 is already about 1e-8 beside biases' gradients near 0.4
    panel.show_snapshot(trainer.snapshot(), now=True)
    view = panel.gradients[2]
    assert re.fullmatch(r"scale set by ∂L/∂b3\[\d\] = -?0\.\d+", view.note), view.note
    assert all(v.labels.cells == [] for v in panel.weights + panel.gradients)  # too many cells to print


def test_long_titles_do_not_squeeze_the_other_column(window_sized_panel):
    """Titles carrying ``(×1e-5)`` or a note overhang their plot rather than widen it at the weights' expense."""
    weights, gradients = window_sized_panel.weights, window_sized_panel.gradients
    assert "(×1e-5)" in gradients[0].title_text
    assert abs(weights[0].plot.vb.width() - gradients[0].plot.vb.width()) < 2
    assert painted_cell_points(window_sized_panel, weights[1]) is not None  # W2's 4x4 cells still print


# ---------------------------------------------------------------- the update column, scale modes, clicks


def trained_snapshot(epochs: int = 300, **settings):
    trainer = Trainer.new(TrainConfig(**settings))
    trainer.step(epochs)
    return trainer.snapshot()


def test_the_update_column_shows_minus_stepsize_times_the_gradient(panel):
    snap = trained_snapshot()
    panel.set_stepsize(0.3)
    panel.set_show_updates(True)
    panel.show_snapshot(snap, now=True)
    assert len(panel.updates) == len(snap.grads) == 3
    for n, (view, grad) in enumerate(zip(panel.updates, snap.grads), start=1):
        np.testing.assert_array_equal(view.matrix, -0.3 * grad.W)
        np.testing.assert_array_equal(view.bias, -0.3 * grad.b)
        rows, cols = grad.W.shape
        np.testing.assert_array_equal(view.image.image[:, :cols], -0.3 * grad.W)  # drawn, on a linear scale
        np.testing.assert_array_equal(view.image.image[:, cols + 1], -0.3 * grad.b)
        assert view.title == f"Δ(W{n} | b{n})"
    view = panel.updates[0]
    value = float(-0.3 * snap.grads[0].W[2, 0])
    assert hover_text(view, 2, 0) == f"ΔW1[2, 0] = {value!r} = −0.3 × ∂L/∂W1[2, 0]   (what the next step adds to W1[2, 0])"
    assert hover_text(view, 1, 4).startswith(f"Δb1[1] = {float(-0.3 * snap.grads[0].b[1])!r} = −0.3 × ∂L/∂b1[1]")
    assert "ΔW = −0.3·∂L/∂W" in panel.headers[2].text

    panel.set_stepsize(0.05)  # the window changed the stepsize: the next step's change is redrawn at once
    np.testing.assert_array_equal(panel.updates[2].matrix, -0.05 * snap.grads[2].W)
    assert "−0.05 ×" in hover_text(panel.updates[0], 0, 0)


def test_a_hidden_update_column_has_no_views(panel):
    snap = trained_snapshot(10)
    panel.show_snapshot(snap, now=True)
    assert panel.updates == [] and len(panel.headers) == 2

    def plots() -> list:
        return [item for item in panel.ci.items if type(item) is CellPlot]  # not the colour bars (PlotItems too)

    assert len(plots()) == 2 * 3
    panel.set_show_updates(True)
    assert len(panel.updates) == 3 and len(plots()) == 3 * 3
    panel.set_show_updates(False)
    assert panel.updates == [] and len(plots()) == 2 * 3
    assert not any("Δ" in item.titleLabel.text for item in plots())
    panel.show_snapshot(trained_snapshot(20), now=True)  # redraws do not make them again
    assert panel.updates == [] and len(plots()) == 2 * 3


def test_shared_mode_puts_every_gradient_on_one_scale(panel):
    """The notebook's run: ∂L/∂W1 is ten to a hundred times smaller than ∂L/∂W3 and shows pale beside it."""
    snap = trained_snapshot(0)
    panel.set_show_updates(True)
    panel.show_snapshot(snap, now=True)
    own_limits = [view.limit for view in panel.weights]
    panel.set_scale_mode("shared")

    limits = {view.limit for view in panel.gradients}
    assert len(limits) == 1
    shared = limits.pop()
    assert all(shared >= np.abs(array).max() for grad in snap.grads for array in grad)
    assert shared == nice_limit(shared) and shared < 1.5 * max(np.abs(a).max() for g in snap.grads for a in g)
    assert all(view.bar.levels() == (-shared, shared) and tuple(view.image.levels) == (-shared, shared) for view in panel.gradients)
    assert [view.limit for view in panel.weights] == own_limits  # the weights keep their own scales
    assert len({view.limit for view in panel.updates}) == 1
    assert panel.updates[0].limit >= max(np.abs(a).max() for g in snap.grads for a in g) * panel.stepsize
    assert np.abs(snap.grads[0].W).max() < 0.1 * shared  # vanishing gradients at a glance: W1's pale
    assert "shared" in panel.headers[1].text

    panel.set_scale_mode("matrix")
    assert len({view.limit for view in panel.gradients}) == 3  # back to one each


def test_log_mode_colours_by_signed_magnitude(panel, qtbot):
    panel.show_snapshot(trained_snapshot(0), now=True)
    panel.set_scale_mode("log")
    view = panel.gradients[1]
    values = np.array([-3.0, -0.4, -5e-3, -2e-5, -1e-7, 0.0, 1e-7, 2e-5, 5e-3, 0.4, 3.0, 10.0])
    assert view.show(values.reshape(4, 3), np.zeros(4), None, "log")

    assert view.scale == "log" and view.limit == 10.0  # the power of ten at the largest |value|
    drawn = view.image.image[:, :3].ravel()
    order = np.argsort(values)
    assert np.all(np.diff(drawn[order]) >= 0)  # monotonic in the value: by magnitude, with its sign
    above = np.abs(values) > 1e-5  # the floor: 1e-6 of the top
    assert np.array_equal(np.sign(drawn), np.sign(values) * above)
    assert np.all(np.diff(drawn[order][above[order]]) > 0)  # strictly, above the floor
    np.testing.assert_allclose(drawn[values == 0.4], LOG_DECADES + np.log10(0.4 / 10))
    assert drawn[values == 10.0] == LOG_DECADES and tuple(view.image.levels) == (-LOG_DECADES, LOG_DECADES)
    assert view.bar_title == "log scale"
    qtbot.waitUntil(lambda: {"-10", "0", "10", "0.01", "-0.01"} <= set(drawn_bar_labels(view)), timeout=2000)
    assert [text for _, _, text, _ in view.labels.cells][:3] == ["-3.00", "-0.40", "-5.0e-3"]  # each value on its own

    assert {v.scale for v in panel.weights + panel.gradients} == {"log"}
    assert len({v.limit for v in panel.gradients[::2]}) == 1  # the untouched gradients share one log scale


def test_an_unknown_scale_mode_is_refused(panel):
    with pytest.raises(ValueError, match="matrix, shared, log"):
        panel.set_scale_mode("linear")


def test_a_left_click_on_a_cell_reports_it(panel, qtbot):
    panel.set_show_updates(True)
    panel.show_snapshot(trained_snapshot(0), now=True)
    wait_for_layout(qtbot, panel)

    def click(view, row: int, col: int) -> None:
        scene = view.image.mapToScene(QPointF(col + 0.5, row + 0.5))
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=panel.view.mapFromScene(scene))

    cases = [(panel.weights[1], 2, 3, ("W", 2, 2, 3)), (panel.weights[0], 1, 4, ("b", 1, 1, 0)),
             (panel.gradients[2], 1, 0, ("dW", 3, 1, 0)), (panel.gradients[0], 3, 4, ("db", 1, 3, 0)),
             (panel.updates[0], 0, 2, ("uW", 1, 0, 2)), (panel.updates[2], 1, 5, ("ub", 3, 1, 0))]
    for view, row, col, expected in cases:
        with qtbot.waitSignal(panel.cell_clicked, timeout=2000) as blocker:
            click(view, row, col)
        assert tuple(blocker.args) == expected
    with qtbot.assertNotEmitted(panel.cell_clicked):
        assert not panel.weights[0].click_at(panel.weights[0].image.mapToScene(QPointF(3.5, 0.5)))  # the gap column
        assert not panel.weights[0].click_at(panel.weights[0].image.mapToScene(QPointF(0.5, 7.5)))  # below the matrix


def test_the_hover_read_out_follows_new_values_under_a_resting_mouse(qtbot):
    said: list[str] = []
    panel = shown(qtbot, HeatmapPanel(on_hover=said.append), 600, 700)
    panel.show_snapshot(trained_snapshot(0), now=True)
    panel.weights[0].image.hoverEvent(Hover(0.5, 2.5))  # the mouse rests on W1[2, 0]
    first = said[-1]
    assert first.startswith("W1[2, 0] = ")
    later = trained_snapshot(300)
    panel.show_snapshot(later, now=True)
    assert said[-1] == f"W1[2, 0] = {float(later.layers[0].W[2, 0])!r}   (into unit 2 from input x₀)" != first
    panel.weights[0].image.hoverEvent(Hover(0, 0, exit=True))
    panel.show_snapshot(trained_snapshot(10), now=True)
    assert said[-1] == ""  # the mouse left: nothing more is said


def test_outlier_notes_of_neighbouring_columns_never_overlap(qtbot):
    """In a narrow panel (1024x700 with the update column shown) a note takes two short lines under its title
    rather than run over the next column's."""
    panel = shown(qtbot, HeatmapPanel(), 420, 600)
    panel.set_show_updates(True)
    panel.show_snapshot(Trainer.new(TrainConfig()).snapshot(), now=True)
    wait_for_layout(qtbot, panel)
    weights = np.array([[-5.4e5, -1.1e6, -1.2e5, -8.6e4], [-1.1e3, -2.3e3, -2.5e2, -1.8e2]])
    for view in (panel.weights[2], panel.gradients[2], panel.updates[2]):
        assert view.show(weights, np.array([3.0e153, -1.04e156]), None)
    wait_for_layout(qtbot, panel)
    titles = [label_lines(v.plot.titleLabel) for v in (panel.weights[2], panel.gradients[2], panel.updates[2])]
    assert any(text == "scale set by" for text, _ in titles[0])  # the narrow form: the note on two lines
    assert overlaps([line for lines in titles for line in lines]) == []
    for view in (panel.weights[2], panel.gradients[2], panel.updates[2]):  # the note stays above the cells and ticks
        cells = view.plot.vb.sceneBoundingRect()
        assert all(rect.bottom() <= cells.top() + 1 for _, rect in label_lines(view.plot.titleLabel)), view.name
        assert overlaps(plot_texts(view.plot, view.bar)) == [], view.name


@pytest.mark.parametrize("width", [300, 420, 573])
def test_cell_values_share_one_size_and_never_run_together(qtbot, width):
    """Narrow cells (1024x700 with the update column) print every value of a matrix in one size, with a gap to the
    next, or none of them: '3.803.512.00' read as one number, and a small '-4.98' beside a large '5.39' as two kinds."""
    panel = shown(qtbot, HeatmapPanel(), width, 600)
    panel.set_show_updates(width < 573)
    trainer = Trainer.new(TrainConfig(stepsize=1.0))
    trainer.step(3000)
    panel.show_snapshot(trainer.snapshot(), now=True)
    wait_for_layout(qtbot, panel)
    panel.grab()
    printed = [v for v in panel.weights + panel.gradients + panel.updates if v.labels.drawn_rects]
    assert printed or width < 573
    for view in printed:
        rows: dict[float, list] = {}
        for rect in view.labels.drawn_rects:
            rows.setdefault(round(rect.center().y()), []).append(rect)
        for rects in rows.values():
            rects.sort(key=lambda r: r.left())
            gaps = [b.left() - a.right() for a, b in zip(rects, rects[1:])]
            assert min(gaps, default=99) >= 2, (view.name, gaps)
        heights = {round(r.height(), 1) for r in view.labels.drawn_rects}
        assert len(heights) == 1, (view.name, heights)  # one font size


def test_a_bar_says_all_0_only_when_every_value_is_0(panel):
    """Adam's m at epoch 0 is all 0: its bar reads 'all 0' with one tick. Gradients of 1e-15 are not 0: their bar
    keeps a scale (a walkthrough saw 'all 0' under coloured 1e-15 gradients)."""
    panel.show_snapshot(Trainer.new(TrainConfig()).snapshot(), now=True)
    view = panel.weights[0]
    assert view.show(np.zeros((4, 3)), np.zeros(4), None)
    assert view.bar_title == "all 0"
    assert view.show(np.full((4, 3), 3e-15), np.full(4, -2e-15), None)
    assert view.bar_title != "all 0" and "e-15" in view.bar_title
    assert view.show(np.zeros((4, 3)), np.zeros(4), None) and view.bar_title == "all 0"


def test_printed_cells_are_parted_by_white_lines(qtbot):
    """Neighbouring cells of one colour read as one number ('-3.98-4.00'): where values are printed, a white line
    parts every cell from the next; where none are, no lines."""
    panel = shown(qtbot, HeatmapPanel(), 573, 723)
    trainer = Trainer.new(TrainConfig(stepsize=1000))
    trainer.step(2)
    panel.show_snapshot(trainer.snapshot(), now=True)
    wait_for_layout(qtbot, panel)
    image = panel.grab().toImage()
    view = panel.weights[1]  # W2 | b2: rows of nearly equal values after the blow-up
    assert view.labels.drawn_rects and view.labels.drawn_lines == (6 - 1) + (4 - 1)
    left, right = view.labels.drawn_rects[0], view.labels.drawn_rects[1]  # two cells of the first row
    between = view.image.mapToScene(QPointF(1.0, 0.5))  # their common border, in the scene
    at = panel.view.mapTo(panel, panel.view.mapFromScene(between))
    strip = [image.pixelColor(at.x() + dx, at.y()).lightness() for dx in range(-2, 3)]  # the line, within a pixel
    assert left.right() < right.left() and max(strip) > 240, strip
