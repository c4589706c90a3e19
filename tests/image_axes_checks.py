"""Where the image plots' ticks and texts land on screen (scene coordinates), for the tests of the heatmaps and
the Backprop tab: no tick may enter a cell, and no text may be printed over another."""

from __future__ import annotations

import itertools

import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QImage, QPainter


def _draw_specs(axis: pg.AxisItem):
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        if axis.style["tickFont"] is not None:
            painter.setFont(axis.style["tickFont"])
        return axis.generateDrawSpecs(painter)
    finally:
        painter.end()


def tick_lines(axis: pg.AxisItem) -> list[QLineF]:
    """The tick marks the axis draws, in scene coordinates."""
    if not axis.isVisible():
        return []
    _, ticks, _ = _draw_specs(axis)
    return [QLineF(axis.mapToScene(p1), axis.mapToScene(p2)) for _, p1, p2 in ticks]


def tick_label_rects(axis: pg.AxisItem) -> list[tuple[str, QRectF]]:
    """The axis's tick labels that are drawn, with their rectangles in scene coordinates."""
    if not axis.isVisible() or not axis.style["showValues"]:
        return []
    _, _, texts = _draw_specs(axis)
    return [(text, axis.mapRectToScene(rect)) for rect, _, text in texts if text]


def text_lines(item) -> list[tuple[str, QRectF]]:
    """A QGraphicsTextItem's lines of text, each with the rectangle its glyphs take, in scene coordinates."""
    document = item.document()
    lines = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            text = block.text()[line.textStart(): line.textStart() + line.textLength()].strip()
            if text:
                lines.append((text, item.mapRectToScene(line.naturalTextRect().translated(layout.position()))))
        block = block.next()
    return lines


def label_lines(label: pg.LabelItem) -> list[tuple[str, QRectF]]:
    """A LabelItem's lines and where they are (none if it is hidden)."""
    return text_lines(label.item) if label.isVisible() else []


def plot_texts(plot: pg.PlotItem, bar) -> list[tuple[str, QRectF]]:
    """Every text of an image plot and its colour bar: title, tick labels, axis labels, the bar's factor."""
    texts = label_lines(plot.titleLabel) + label_lines(bar.titleLabel) + label_lines(bar.factor)
    for axis in (plot.getAxis("left"), plot.getAxis("bottom"), bar.axis):
        texts += tick_label_rects(axis)
        if axis.isVisible() and axis.label.isVisible():
            texts += text_lines(axis.label)
    return texts


def overlaps(texts: list[tuple[str, QRectF]], slack: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of texts whose rectangles overlap by more than ``slack`` pixels each way."""
    found = []
    for (a, ra), (b, rb) in itertools.combinations(texts, 2):
        common = ra.intersected(rb)
        if common.width() > slack and common.height() > slack:
            found.append((a, b))
    return found


def ticks_entering(image_rect: QRectF, lines: list[QLineF], inset: float = 0.5) -> list[QLineF]:
    """Tick marks with an end inside the image (further in than ``inset`` pixels from its edge)."""
    inner = image_rect.adjusted(inset, inset, -inset, -inset)
    return [line for line in lines if inner.contains(line.p1()) or inner.contains(line.p2())]
