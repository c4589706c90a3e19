"""One parameter outlined in every heatmap column: ``W2[1, 3]`` (or ``b2[1]``) in the weights, gradients, updates and
the optimizer's state at once (the Predict panel points at the weight its question is about).

Each outline is a :class:`QGraphicsRectItem` with a 2 px cosmetic pen, a child of the matrix view's image, so it sits
on the cell at any zoom: ``W[row, col]`` at ``QRectF(col, row, 1, 1)``, a bias at column ``cols + 1`` (after the
matrix and the blank gap column, as :func:`~mlp_gui.gui.heatmaps.with_bias_strip` lays it out). The views are made
again when the panel rebuilds: :meth:`CellHighlight.place` puts the outlines back on the new ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from mlp_gui.core.one_weight import WeightRef

COLOUR = "#00a651"  # green: apart from the map's blues, reds and white
WIDTH_PX = 2


def cell_rect(ref: WeightRef, matrix_shape: tuple[int, int]) -> QRectF | None:
    """The cell of ``ref`` in a view of its layer's ``(rows, cols)`` matrix with the bias strip, None if outside it."""
    rows, cols = matrix_shape
    if not 0 <= ref.row < rows:
        return None
    if ref.is_bias:
        return QRectF(cols + 1, ref.row, 1, 1)
    return QRectF(ref.col, ref.row, 1, 1) if 0 <= ref.col < cols else None


class CellHighlight:
    """The outlined parameter (:attr:`ref`, None: none) and its outlines (:attr:`items`, one per view holding it)."""

    def __init__(self) -> None:
        self.ref: WeightRef | None = None
        self.items: list[QGraphicsRectItem] = []

    def place(self, ref: WeightRef | None, views: Iterable) -> None:
        """Outline ``ref`` in every view of its layer among ``views`` (MatrixViews), the old outlines removed (nothing
        changes when they are already there)."""
        targets = [(view.image, cell_rect(ref, view.matrix.shape)) for view in views
                   if ref is not None and view.layer == ref.layer]
        targets = [(image, rect) for image, rect in targets if rect is not None]
        if ref == self.ref and [(item.parentItem(), item.rect()) for item in self.items] == targets:
            return
        self.ref = ref
        for item in self.items:
            scene = item.scene()
            if scene is not None:
                scene.removeItem(item)
            item.setParentItem(None)
        self.items = []
        if ref is None:
            return
        pen = QPen(QColor(COLOUR), WIDTH_PX)
        pen.setCosmetic(True)  # 2 px on screen whatever the cells' size
        for image, rect in targets:
            item = QGraphicsRectItem(rect, image)
            item.setPen(pen)
            item.setZValue(20)  # above the cells' values
            self.items.append(item)


__all__ = ["CellHighlight", "cell_rect"]
