"""The heatmap panel on its own: scales, cell text, skipped redraws, hidden panels, deep networks,
and numbers that stay readable whatever their magnitude (colour-bar labels, cell values, outliers)."""

import re

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.gui.heatmaps import (
    HeatmapPanel,
    bar_ticks,
    format_cell,
    format_scale,
    index_ticks,
    nice_ceiling,
    symmetric_limit,
)
from tests.gui_helpers import shown

LEGIBLE_POINTS = 7.0  # cell text smaller than this is a blur at 96 dpi


@pytest.fixture
def panel(qtbot):
    return shown(qtbot, HeatmapPanel(), 600, 700)


@pytest.fixture
def window_sized_panel(qtbot):
    """The default run's panel at the size it has beside the loss plot in a 1280x800 window."""
    panel = shown(qtbot, HeatmapPanel(), 573, 723)
    panel.show_snapshot(Trainer(TrainConfig()).snapshot(), now=True)
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
    trainer = Trainer(TrainConfig())
    trainer.step(5000)
    panel.show_snapshot(trainer.snapshot(), now=True)
    for view, array in zip(panel.gradients, [g.W for g in trainer.grads]):
        low, high = view.bar.levels()
        assert low == -high == -view.limit
        assert view.limit >= np.abs(array).max()
        assert view.limit == nice_ceiling(view.limit)
        assert view.image.levels is not None and tuple(view.image.levels) == (low, high)


def test_unchanged_values_are_not_redrawn(panel):
    trainer = Trainer(TrainConfig())
    snap = trainer.snapshot()
    panel.show_snapshot(snap, now=True)
    view = panel.weights[0]
    assert view.show(snap.params[0], snap.params[1], None) is False
    changed = snap.params[0] * 3
    assert view.show(changed, snap.params[1], None) is True


def test_a_hidden_panel_catches_up_when_shown(panel, qtbot):
    trainer = Trainer(TrainConfig())
    panel.show_snapshot(trainer.snapshot(), now=True)
    panel.hide()
    trainer.step(100)
    panel.show_snapshot(trainer.snapshot(), now=True)
    assert panel.shown.epoch == 0  # hidden: nothing drawn
    panel.show()
    qtbot.waitUntil(lambda: panel.shown.epoch == 100, timeout=5000)


def test_deep_network_scrolls_instead_of_squeezing(panel):
    trainer = Trainer(TrainConfig(layers=(3, 4, 4, 4, 4, 4, 4, 2)))
    panel.show_snapshot(trainer.snapshot(), now=True)
    assert len(panel.weights) == 7
    assert panel.view.minimumHeight() >= 7 * 150


def test_values_and_ticks_are_short():
    assert [format_cell(v) for v in (0.0, 1.234, -7.96, 1.7e-4, 123.0, np.nan, np.inf, -1.04e156)] == [
        "0.00", "1.23", "-7.96", "1.7e-4", "1.2e2", "nan", "inf", "-1e156"]
    assert [format_cell(v, -6) for v in (-3.553e-6, 4.19e-7, 0.0, 2e-9, np.nan)] == ["-3.55", "0.42", "0.00", "0.00", "nan"]
    assert [format_scale(v) for v in (0.0, 0.5, 8.0, 4e-4, -2e-9, 1500.0, 0.0075)] == ["0", "0.5", "8", "4e-4", "-2e-9", "1.5e3", "0.0075"]
    assert [format_scale(v, -5) for v in (-1.5000000000000002e-05, 7.5e-6, 0.0)] == ["-1.5", "0.75", "0"]
    assert symmetric_limit(np.array([0.3, -0.7]), np.array([np.nan])) == 0.8
    assert index_ticks(3) == [[(0.5, "0"), (1.5, "1"), (2.5, "2")]]
    assert [label for _, label in index_ticks(784)[0]] == ["0", "200", "400", "600"]
    assert [label for _, label in index_ticks(8)[0]] == [str(i) for i in range(8)]


@pytest.mark.parametrize("limit, title, labels", [
    (1.5e-5, "×1e-5", ["-1.5", "0", "1.5", "-0.75", "0.75"]),
    (2e-12, "×1e-12", ["-2", "0", "2", "-1", "1"]),
    (8e156, "×1e156", ["-8", "0", "8", "-4", "4"]),
    (0.015, "", ["-0.015", "0", "0.015", "", ""]),  # the widest plain labels; 0.0075 keeps its tick, not its text
    (0.8, "", ["-0.8", "0", "0.8", "-0.4", "0.4"]),
])
def test_colour_bar_labels_are_short_at_any_magnitude(limit, title, labels):
    bar_title, (major, minor) = bar_ticks(limit)
    assert bar_title == title
    assert [text for _, text in major + minor] == labels
    assert [value for value, _ in major] == [-limit, 0.0, limit]


@pytest.mark.parametrize("matrix, bias, title, major", [
    (None, None, "×1e-5", ["-1.5", "0", "1.5"]),  # the default run's ∂L/∂W1 at epoch 0, as shown
    (np.array([[2e-12, -1.3e-12, 4e-13]] * 4), np.full(4, -1e-12), "×1e-12", ["-2", "0", "2"]),
    (np.ones((4, 3)), np.array([0.5, -1e156, 0.0, 2.0]), "×1e156", ["-1", "0", "1"]),
    (np.full((4, 3), 0.012), np.zeros(4), "", ["-0.015", "0", "0.015"]),
])
def test_every_colour_bar_draws_its_limits(panel, qtbot, matrix, bias, title, major):
    """pyqtgraph drops a tick label wider than its axis: the launch's ∂L/∂W1 bar showed only "0"."""
    panel.show_snapshot(Trainer(TrainConfig()).snapshot(), now=True)
    view = panel.gradients[0]
    if matrix is not None:
        view.show(matrix, bias, None)

    qtbot.waitUntil(lambda: set(major) <= set(drawn_bar_labels(view)), timeout=2000)
    assert all(text for text in major)
    assert view.bar_title == title
    assert view.bar.titleLabel.text == title


def test_every_default_colour_bar_draws_three_labels(window_sized_panel, qtbot):
    """Seed 7 at launch: ∂L/∂W1 and ∂L/∂W2 (scales 1.5e-5 and 1.5e-3) showed only "0"."""
    window_sized_panel.show_snapshot(Trainer(TrainConfig(seed=7)).snapshot(), now=True)
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
    trainer = Trainer(TrainConfig(stepsize=1.0), capacity=20_001)
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
    trainer = Trainer(TrainConfig(layers=(784, 256, 256, 10)))
    trainer.step(20)
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
