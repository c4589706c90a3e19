"""A heatmap's title: its name with the power of ten its cells print in, or the outlier note in red under it, in a
one-line and a narrow form; the title rows of the plot and its colour bar made tall enough for the lines; and the
names and titles of the heatmap panel's matrices, place by place."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from mlp_gui.core.color_scale import format_exponent
from mlp_gui.gui import palette
from mlp_gui.gui.image_axes import TICK_FONT_PT, tick_font

TITLE_ROW_PX = 30  # pyqtgraph's title row; taller when a title takes more lines


def title_forms(title: str, exponent: int | None, note: str) -> tuple[str, str | None]:
    """(one line, narrow form or None): ``W1 | b1 (×1e-3)``, or ``W1 | b1`` over ``scale set by W1[0, 1] = -1.2``;
    narrow, the note's name and value go on a line of their own (they ran over the next column's title)."""
    factor = "" if exponent is None else f"({format_exponent(exponent)})"
    text = f"{title}&nbsp; {factor}" if factor else title
    wrapped = f"<div align='center'>{title}<br>{factor}</div>" if factor else None
    if note:
        red = f"<span style='font-size:{TICK_FONT_PT}pt; color:{palette.ERROR}'>{{}}</span>"
        left, _, value = note.partition(" = ")
        prefix = "outlier:" if left.startswith("outlier:") else "scale set by"
        lines = (prefix, f"{left[len(prefix):].strip()} = {value}")
        text = f"<div align='center'>{text}<br>{red.format(note)}</div>"
        wrapped = f"<div align='center'>{title}<br>{'<br>'.join(red.format(line) for line in lines)}</div>"
    return text, wrapped


def reserve_title_rows(plot: pg.PlotItem, bar: pg.PlotItem, *, note: bool) -> None:
    """Make the title rows of ``plot`` and its colour ``bar`` as tall as the plot's title needs (the bar's empty one
    too, so the bar starts where the image does); with a ``note``, half a line more, clear of the bar's top tick."""
    clear = math.ceil(QFontMetricsF(tick_font()).height()) // 2 + 1 if note else 0
    height = max(TITLE_ROW_PX, math.ceil(plot.titleLabel.needed_height()) + clear)
    for item in (plot, bar):
        item.layout.setRowFixedHeight(0, height)
        item.titleLabel.setMaximumHeight(height)


def matrix_places(snap, *, updates: bool) -> list[tuple[int, int, str, tuple[str, str], str]]:
    """``(layer, layout column, kind, (matrix name, bias name), title)`` of every matrix view of a Snapshot ``snap``, row
    by row: weights, their gradients and (``updates``) the update; with three columns, titles short enough to leave the
    colour bar room."""
    places = []
    for n, layer in enumerate(snap.layers, start=1):
        rows, cols = layer.W.shape
        places += [(n, 0, "W", (f"W{n}", f"b{n}"), f"W{n} | b{n}   ({cols}→{rows})"),
                   (n, 2, "dW", (f"∂L/∂W{n}", f"∂L/∂b{n}"), f"∂L/∂(W{n} | b{n})" if updates else f"∂L/∂W{n} | ∂L/∂b{n}"),
                   (n, 4, "uW", (f"ΔW{n}", f"Δb{n}"), f"Δ(W{n} | b{n})")][:3 if updates else 2]
    return places
