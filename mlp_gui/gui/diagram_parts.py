"""What the network diagram draws, apart from its drawing: its units, weights and layers, which units of a wide
layer are drawn and their names, the colours of the units' thumbnails, and its caption broken into lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage

from mlp_gui.core.features import input_label
from mlp_gui.core.model import Model
from mlp_gui.core.trainer import Snapshot
from mlp_gui.gui import palette

MAX_NODES = 16  # units drawn per layer at most
INPUT_FILL = QColor("#eeeeee")
#: a piece of text and its colour (a colour name)
Run = tuple[str, str]


@dataclass
class Node:
    """One unit drawn: where, what it is, and its colours and thumbnail at the snapshot drawn."""

    layer: int  # 0: the inputs; len(sizes) - 1: the outputs
    unit: int
    name: str
    rect: QRectF = field(default_factory=QRectF)
    bias: float | None = None
    fill: QColor = field(default_factory=lambda: QColor(INPUT_FILL))
    values: np.ndarray | None = None  # the unit's output over the grid, (GRID, GRID), y up the rows
    levels: tuple[float, float] = (0.0, 1.0)  # the values at the colour map's ends
    image: QImage | None = None  # the thumbnail at about the size drawn, top row = highest x₁


@dataclass
class Edge:
    """A weight drawn: ``W{layer}[target, source]``, from unit ``source`` of layer-1 to unit ``target`` of layer."""

    layer: int
    source: int
    target: int
    weight: float
    colour: QColor
    width: float
    level: int = 0  # which of EDGE_LEVELS steps of |w| it is drawn at


@dataclass
class Column:
    """A layer as drawn: which of its units, how many are left out, and where its marker goes."""

    layer: int
    units: np.ndarray
    title: str
    detail: str
    more: int = 0
    marker: QPointF = field(default_factory=QPointF)


def mixed_with_white(colour: QColor, share: float) -> QColor:
    """``share`` of ``colour``, the rest white: opaque, since blending translucent lines made painting 9x slower."""
    r, g, b = (round(share * v + (1.0 - share) * 255) for v in colour.getRgb()[:3])
    return QColor(r, g, b)


def unit_name(model: Model, layer: int, unit: int) -> str:
    """``input 0 (x₀)`` (``input 2 (x₀²)`` for a feature), ``layer 1, unit 3 (tanh)``, ``output layer 3, unit 1 (softmax)``."""
    last = len(model.sizes) - 1
    if layer == 0:
        return f"input {unit} ({input_label(model.features, unit)})"
    if layer == last:
        return f"output layer {layer}, unit {unit} ({model.output})"
    return f"layer {layer}, unit {unit} ({model.activations[layer - 1]})"


def inputs_detail(model: Model) -> str:
    """The inputs column's second line: ``x₀, x₁`` (up to three named), their count, or ``4 features`` (each feature
    is named beside its unit, :func:`side_labels`)."""
    n = model.sizes[0]
    if model.features:
        return f"{n} feature{'s' if n > 1 else ''}"
    return ", ".join(input_label((), i) for i in range(n)) if n <= 3 else f"{n:,}"


def side_labels(columns: list[Column], features: dict[int, str]) -> dict[tuple[int, int], Run]:
    """What is written left of a unit, by ``(layer, unit)``: each input's feature (``features``, its name), and the
    number of each unit drawn of a layer cut to MAX_NODES (which units it shows)."""
    out: dict[tuple[int, int], Run] = {(0, unit): (text, palette.TEXT) for unit, text in features.items()}
    for column in columns:
        if column.more:
            out.update({(column.layer, int(unit)): (str(int(unit)), palette.MUTED) for unit in column.units})
    return out


def strongest_units(snap: Snapshot, layer: int, count: int = MAX_NODES) -> np.ndarray:
    """The ``count`` units of ``layer`` with the largest weights in and out (squared sums), in index order."""
    layers = snap.layers
    n = layers[0].W.shape[1] if layer == 0 else layers[layer - 1].W.shape[0]
    if n <= count:
        return np.arange(n)
    strength = np.zeros(n)
    if layer > 0:
        strength += np.nan_to_num(layers[layer - 1].W ** 2).sum(axis=1)
    if layer < len(layers):
        strength += np.nan_to_num(layers[layer].W ** 2).sum(axis=0)
    return np.sort(np.argsort(-strength, kind="stable")[:count])


def activation_levels(model: Model, layer: int, values: np.ndarray, bounds: list[tuple[float, float]]) -> np.ndarray:
    """``(lo, hi)`` per unit of ``layer`` (rows of ``values``) for its thumbnail's colours.

    Inputs: their range on the grid (a ramp; a feature's own lowest to highest there). Bounded functions their
    range: tanh -1..1, sigmoid and softmax 0..1 (white at 0.5). Unbounded ones (relu, linear, an identity output)
    ±the layer's largest |value|.
    """
    n = values.shape[0]
    if layer == 0 and model.features:
        rows = values.reshape(n, -1)
        lo, hi = rows.min(axis=1), rows.max(axis=1)
        return np.column_stack([lo, np.where(hi > lo, hi, lo + 1.0)])
    if layer == 0:
        return np.array(bounds[:n], dtype=float)
    last = len(model.sizes) - 1
    name = model.output if layer == last else model.activations[layer - 1]
    if name == "tanh":
        lo, hi = -1.0, 1.0
    elif name in ("sigmoid", "softmax"):
        lo, hi = 0.0, 1.0
    else:
        finite = np.abs(values[np.isfinite(values)])
        peak = float(finite.max()) if finite.size else 0.0
        lo, hi = (-peak, peak) if peak > 0 else (-1.0, 1.0)
    return np.tile([lo, hi], (n, 1))


def thumbnails(values: np.ndarray, levels: np.ndarray, table: np.ndarray, stride: int = 1) -> list[QImage]:
    """One RGBA image per row of ``values`` ((units, GRID, GRID), y up the rows) on ``table``'s colours.

    ``stride``: every stride-th grid point along each side (a thumbnail 30 pixels wide needs no 100 of them).
    """
    values = values[:, ::stride, ::stride]
    lo, hi = levels[:, 0, None, None], levels[:, 1, None, None]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        scaled = (values - lo) / (hi - lo) * 255.0
    index = np.clip(np.nan_to_num(scaled, nan=127.5), 0.0, 255.0).astype(np.uint8)
    rgba = np.ascontiguousarray(table[index][:, ::-1])  # image rows run downwards: highest x₁ first
    size_y, size_x = values.shape[1:]
    return [QImage(image.data, size_x, size_y, 4 * size_x, QImage.Format.Format_RGBA8888).copy() for image in rgba]


def wrap_runs(runs: list[Run], width: float, advance: Callable[[str], float]) -> list[list[Run]]:
    """Coloured runs of text laid out in lines at most ``width`` wide (``advance``: a text's width; a line is as wide
    as the sum of its runs'), broken at spaces only (a no-break space binds): a word is never cut, one wider than
    ``width`` gets a line of its own."""
    lines: list[list[Run]] = [[]]
    space = ""  # the white space before the next word
    for text, colour in runs:
        for gap, word in re.findall(r"( *)([^ ]+)", text):
            longer = _joined(lines[-1], space + gap + word, colour)
            if lines[-1] and sum(advance(t) for t, _ in longer) > width:
                lines.append(_joined([], word, colour))
            else:
                lines[-1] = longer
            space = ""
        space = space + text if not text.strip(" ") else text[len(text.rstrip(" ")):]
    return [line for line in lines if line]


def _joined(line: list[Run], piece: str, colour: str) -> list[Run]:
    """``line`` with ``piece`` added (to its last run if that has the same colour); a line starts with no space."""
    if not line:
        return [(piece.lstrip(" "), colour)]
    if line[-1][1] == colour:
        return line[:-1] + [(line[-1][0] + piece, colour)]
    return line + [(piece, colour)]
