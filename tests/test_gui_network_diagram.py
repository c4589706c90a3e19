"""The network diagram on its own: units and weights as drawn, edge colours and widths, wide layers cut to
MAX_NODES with a marker, thumbnails equal to the kernel's activations, hovering, and paced redraws."""


import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QColor, QFont, QFontMetricsF
from PySide6.QtWidgets import QApplication

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.network import Kernel, bias_columns
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.gui.decision_view import GRID
from mlp_gui.gui.diagram_parts import wrap_runs
from mlp_gui.gui.network_diagram import CAPTION_MARGIN, HOVER_MIN, MAX_NODES, SMALL_PT, WIDE_EDGES, NetworkDiagram
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, shown
from tests.test_gui_decision_view import SINE, SPIRAL, reset_of

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

WIDE = TrainConfig(layers=(784, 256, 256, 10), batch_size=5)


@pytest.fixture
def diagram(qtbot):
    return shown(qtbot, NetworkDiagram(), 620, 650)


def trained(config: TrainConfig, epochs: int) -> tuple[Trainer, object]:
    trainer = Trainer.new(config)
    reset = reset_of(trainer)
    trainer.step(epochs)
    return trainer, reset


def test_a_small_network_draws_every_unit_and_every_weight(diagram):
    trainer, reset = trained(SPIRAL.with_changes(layers=(2, 12, 12, 2)), 200)
    diagram.set_run(reset)
    snap = trainer.snapshot()
    diagram.show_snapshot(snap, now=True)
    assert [len(c.units) for c in diagram.columns] == [2, 12, 12, 2] and not any(c.more for c in diagram.columns)
    assert len(diagram.nodes) == 28
    assert len(diagram.edges) == 2 * 12 + 12 * 12 + 12 * 2 > WIDE_EDGES
    assert {(e.layer, e.source, e.target) for e in diagram.edges} == {
        (layer, s, t) for layer, (W, _) in enumerate(snap.layers, start=1) for t in range(W.shape[0]) for s in range(W.shape[1])}
    for edge in diagram.edges:
        assert edge.weight == snap.layers[edge.layer - 1].W[edge.target, edge.source]
    # units left to right by layer, top to bottom by index, none overlapping
    for column in diagram.columns:
        rects = [diagram.node(column.layer, int(u)).rect for u in column.units]
        assert all(a.bottom() < b.top() for a, b in zip(rects, rects[1:]))
    lefts = [diagram.node(c.layer, int(c.units[0])).rect.left() for c in diagram.columns]
    assert lefts == sorted(lefts)
    assert diagram.node(1, 3).name == "layer 1, unit 3 (tanh)"
    assert diagram.node(3, 1).name == "output layer 3, unit 1 (softmax)"
    assert diagram.node(0, 1).name == "input 1 (x₁)"
    assert [column.detail for column in diagram.columns][0] == "x₀, x₁"  # as the weight panel names them
    assert f"from input {diagram.node(0, 1).name.split('(')[1].rstrip(')')}" in WeightRef(1, 3, 1).meaning


def test_edge_colour_is_the_weights_sign_and_width_its_size_within_the_layer(diagram):
    trainer, reset = trained(SPIRAL, 200)
    diagram.set_run(reset)
    diagram.show_snapshot(trainer.snapshot(), now=True)
    signs = {np.sign(e.weight) for e in diagram.edges}
    assert signs == {-1.0, 1.0}
    for edge in diagram.edges:
        colour = QColor(edge.colour)
        assert (colour.red() > colour.blue()) == (edge.weight > 0), (edge, colour.name())
    for layer in range(1, 4):
        edges = sorted((e for e in diagram.edges if e.layer == layer), key=lambda e: abs(e.weight))
        widths = [e.width for e in edges]
        assert widths == sorted(widths) and widths[-1] > 3 * widths[0]
    # and the biases: a positive bias fills red, a negative one blue
    for node in diagram.nodes:
        if node.layer and abs(node.bias) > 0.05:
            assert (node.fill.red() > node.fill.blue()) == (node.bias > 0)


def test_wide_layers_draw_at_most_16_units_with_a_marker_and_few_edges(diagram):
    trainer = Trainer.new(WIDE)
    diagram.set_run(reset_of(trainer))
    diagram.grab()
    assert [len(c.units) for c in diagram.columns] == [MAX_NODES, MAX_NODES, MAX_NODES, 10]
    assert [c.more for c in diagram.columns] == [784 - 16, 256 - 16, 256 - 16, 0]
    assert len(diagram.nodes) == 3 * MAX_NODES + 10
    per_layer = [sum(e.layer == layer for e in diagram.edges) for layer in (1, 2, 3)]
    assert per_layer == [WIDE_EDGES, WIDE_EDGES, WIDE_EDGES]
    # the units drawn are the ones with the strongest weights, and the edges the strongest among them
    w1, w2 = trainer.layers[0].W, trainer.layers[1].W
    strength = (w1**2).sum(axis=1) + (w2**2).sum(axis=0)
    np.testing.assert_array_equal(diagram.columns[1].units, np.sort(np.argsort(-strength)[:MAX_NODES]))
    block = np.abs(w2[np.ix_(diagram.columns[2].units, diagram.columns[1].units)])
    drawn = sorted(abs(e.weight) for e in diagram.edges if e.layer == 2)
    np.testing.assert_array_equal(drawn, np.sort(block.ravel())[-WIDE_EDGES:])
    # the next snapshot redraws the same bounded picture (speed is bench/bench_gui.py's to measure, not a test's)
    trainer.step(1)
    diagram.show_snapshot(trainer.snapshot(), now=True)
    diagram.repaint()
    assert len(diagram.nodes) == 3 * MAX_NODES + 10 and diagram.shown.epoch == 1


def test_thumbnails_are_each_units_activations_over_the_input_plane(diagram):
    trainer, reset = trained(SPIRAL, 300)
    diagram.set_run(reset)
    snap = trainer.snapshot()
    diagram.show_snapshot(snap, now=True)
    assert diagram.has_thumbnails
    _, acts = Kernel(SPIRAL.model).forward(bias_columns(snap.layers), diagram.grid)
    for node in diagram.nodes:
        np.testing.assert_allclose(node.values, acts[node.layer][node.unit].reshape(GRID, GRID), rtol=1e-12, atol=1e-15)
        assert node.image is not None and not node.image.isNull()
    # the thumbnail's top row is the plane's highest x₁: input x₁ is red at the top, blue at the bottom
    image = diagram.node(0, 1).image
    top, bottom = QColor(image.pixel(image.width() // 2, 0)), QColor(image.pixel(image.width() // 2, image.height() - 1))
    assert top.red() > top.blue() and bottom.blue() > bottom.red()
    # and x₀ grows to the right
    image = diagram.node(0, 0).image
    left, right = QColor(image.pixel(0, image.height() // 2)), QColor(image.pixel(image.width() - 1, image.height() // 2))
    assert left.blue() > left.red() and right.red() > right.blue()


def test_hovering_a_unit_shows_its_thumbnail_four_times_larger_with_its_name(diagram, qtbot):
    trainer, reset = trained(SPIRAL, 100)
    diagram.set_run(reset)
    node = diagram.node(1, 3)
    qtbot.mouseMove(diagram, node.rect.center().toPoint())
    qtbot.waitUntil(lambda: diagram.hovered is node, timeout=2000)
    assert diagram.overlay_rect.width() >= max(4 * node.rect.width(), HOVER_MIN)
    assert diagram.rect().toRectF().contains(diagram.overlay_rect)
    assert diagram.overlay_lines(node)[0] == "layer 1, unit 3 (tanh)"
    big = diagram.hover_image(node)
    assert (big.width(), big.height()) == (GRID, GRID)
    qtbot.mouseMove(diagram, QPoint(2, diagram.height() - 2))  # off the units
    qtbot.waitUntil(lambda: diagram.hovered is None, timeout=2000)
    assert diagram.overlay_rect.isEmpty()
    qtbot.mouseMove(diagram, node.rect.center().toPoint())
    qtbot.waitUntil(lambda: diagram.hovered is node, timeout=2000)
    QApplication.sendEvent(diagram, QEvent(QEvent.Type.Leave))  # out of the widget
    assert diagram.hovered is None and diagram.overlay_rect.isEmpty()


def test_one_input_draws_units_without_thumbnails(diagram, qtbot):
    trainer, reset = trained(SINE, 100)
    diagram.set_run(reset)
    assert not diagram.has_thumbnails and all(n.image is None for n in diagram.nodes)
    assert len(diagram.nodes) == 18 and len(diagram.edges) == 32
    node = diagram.node(1, 0)
    qtbot.mouseMove(diagram, node.rect.center().toPoint())
    qtbot.waitUntil(lambda: diagram.hovered is node, timeout=2000)
    assert diagram.overlay_lines(node)[1].startswith("bias b1[0] = ")


def test_redraws_are_coalesced_and_wait_while_hidden(diagram, qtbot):
    assert diagram.interval_ms >= 200 and diagram.max_interval_ms == 2000  # five a second, one every two at least
    diagram = shown(qtbot, NetworkDiagram(refresh_ms=20, max_refresh_ms=50), 620, 650)  # the same pacing, faster
    trainer = Trainer.new(SPIRAL)
    diagram.set_run(reset_of(trainer))
    snaps = []
    for _ in range(50):
        trainer.step(2)
        snaps.append(trainer.snapshot())
        diagram.show_snapshot(snaps[-1])
    qtbot.waitUntil(lambda: diagram.shown is snaps[-1], timeout=3000)
    assert diagram.redraws <= 3
    assert diagram.epoch == snaps[-1].epoch
    diagram.hide()
    trainer.step(5)
    later = trainer.snapshot()
    diagram.show_snapshot(later, now=True)
    assert diagram.shown is snaps[-1]
    diagram.show()
    qtbot.waitUntil(lambda: diagram.shown is later, timeout=3000)
    _, acts = Kernel(SPIRAL.model).forward(bias_columns(later.layers), diagram.grid)
    np.testing.assert_allclose(diagram.node(2, 5).values.ravel(), acts[2][5], rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- the caption in a narrow pane


def caption_width(diagram, text: str) -> float:
    font = QFont(diagram.font())
    font.setPointSize(SMALL_PT)
    return QFontMetricsF(font).horizontalAdvance(text)


def ink_at_the_right_edge(diagram) -> int:
    """Pixels not white in the caption's rows within CAPTION_MARGIN of the right edge (text cut off there)."""
    image = diagram.grab().toImage()
    rows = range(image.height() - 70, image.height() - 4)
    columns = range(image.width() - int(CAPTION_MARGIN) + 2, image.width())
    return sum(image.pixelColor(x, y) != QColor("white") for y in rows for x in columns)


def test_wrapped_runs_break_between_words_only():
    runs = [("epoch\u00a01,000   ", "black"), ("edges: ", "grey"), ("red", "red"), (" positive, and more words", "grey")]
    for width in (400, 60, 25, 3):
        lines = wrap_runs(runs, width, len)
        texts = ["".join(t for t, _ in line) for line in lines]
        assert " ".join(texts).split() == "".join(t for t, _ in runs).split()  # every word, whole, in order
        assert all(len(text) <= width or " " not in text for text in texts)  # too long only a word on its own
    assert [t for t, _ in wrap_runs(runs, 25, len)[0]] == ["epoch\u00a01,000", "   edges:", " red"]  # no-break space
    assert wrap_runs(runs, 400, len) == [[("epoch\u00a01,000", "black"), ("   edges:", "grey"), (" red", "red"),
                                          (" positive, and more words", "grey")]]  # the words of a colour: one run


@pytest.mark.parametrize("width", [479, 300])
def test_the_caption_wraps_between_words_to_fit_a_narrow_pane(qtbot, width):
    """At 1280x800 the diagram's pane is 479 pixels wide: its caption ended "…unit colo", cut mid-word."""
    wide = shown(qtbot, NetworkDiagram(), 1400, 650)
    diagram = shown(qtbot, NetworkDiagram(), width, 650)
    for view in (wide, diagram):
        trainer, reset = trained(SPIRAL, 10)
        view.set_run(reset)
    qtbot.waitUntil(lambda: diagram.shown is not None and wide.shown is not None, timeout=3000)
    lines = diagram.caption_lines
    assert len(lines) > len(wide.caption_lines)
    assert " ".join(lines).split() == " ".join(wide.caption_lines).split()  # nothing left out, no word cut
    assert all(caption_width(diagram, line) <= width - 2 * CAPTION_MARGIN for line in lines)
    assert any(line.endswith("unit\u00a0colour:\u00a0bias") for line in lines)
    assert ink_at_the_right_edge(diagram) == 0


def test_the_caption_fits_the_window_at_1280_by_800(lent_window, qtbot):
    lent_window.tabs.setCurrentWidget(lent_window.surface_splitter)
    diagram = lent_window.diagram
    qtbot.waitUntil(lambda: diagram.shown is not None and diagram.isVisible(), timeout=TIMEOUT_MS)
    assert diagram.width() < 700  # a narrow pane beside the decision surface
    assert all(caption_width(diagram, line) <= diagram.width() - 2 * CAPTION_MARGIN for line in diagram.caption_lines)
    assert ink_at_the_right_edge(diagram) == 0
