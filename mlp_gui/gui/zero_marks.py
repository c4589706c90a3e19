"""Weights at zero drawn apart from small ones: hatched cells (L1 regularisation sets weights to zero).

A white cell is a value near zero on the diverging map; a hatched one is zero: exactly 0.0, or, with an L1
penalty, *held* at zero (:func:`held_by_l1`: the data's pull on the weight is weaker than λ₁ and the weight is
within one step of 0, so the sign(w) step keeps flipping it across 0 — where plain L1 descent leaves a weight
that the penalty has set to zero). :class:`ZeroHatch` is a child
of a matrix view's image, in its cell coordinates: where cells are at least :data:`HATCH_PX` wide each zero cell gets
three diagonal lines and a thin frame, smaller cells are filled grey (one image of the mask, scaled). Only the
weight matrices are marked (biases carry no penalty and often start at 0).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPen
from PySide6.QtWidgets import QGraphicsItem

HATCH_PX = 6  # cells at least this wide on screen are hatched; smaller ones filled
COLOUR = "#6a6a6a"
LEGEND = "▨ weights at 0: exactly, or held there by L1 (|∂L/∂w| < λ₁, |w| ≤ |Δw| and under 1% of the largest)"


class ZeroHatch(QGraphicsItem):
    """The exact zeros of one ``rows × cols`` matrix (:attr:`mask`), drawn over its cells."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.mask = np.zeros((0, 0), dtype=bool)
        self._cells: list[tuple[int, int]] = []
        self._image: QImage | None = None
        self.setZValue(5)  # over the colours, under the cells' values

    @property
    def zeros(self) -> int:
        """How many cells are marked."""
        return len(self._cells)

    def set_mask(self, mask: np.ndarray) -> None:
        """Mark the True cells of ``mask`` (rows × cols); nothing is redrawn when it did not change."""
        mask = np.asarray(mask, dtype=bool)
        if mask.shape == self.mask.shape and np.array_equal(mask, self.mask):
            return
        self.prepareGeometryChange()
        self.mask = mask.copy()
        rows, cols = np.nonzero(mask)
        self._cells = list(zip(rows.tolist(), cols.tolist()))
        self._image = None
        if self._cells:
            grey = QColor(COLOUR).rgba()
            argb = np.where(mask, np.uint32(grey), np.uint32(0)).astype(np.uint32)
            self._image = QImage(argb.tobytes(), mask.shape[1], mask.shape[0], 4 * mask.shape[1],
                                 QImage.Format.Format_ARGB32).copy()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt naming
        rows, cols = self.mask.shape
        return QRectF(0, 0, cols, rows)

    def paint(self, painter, option, widget=None) -> None:
        if not self._cells:
            return
        cell_px = abs(painter.worldTransform().m11())
        if cell_px < HATCH_PX and self._image is not None:
            painter.drawImage(self.boundingRect(), self._image)  # nearest: no smoothing hint set
            return
        pen = QPen(QColor(COLOUR), 1)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        lines: list[QLineF] = []
        for row, col in self._cells:
            x, y = float(col), float(row)
            lines += [QLineF(x, y + 0.5, x + 0.5, y), QLineF(x, y + 1, x + 1, y), QLineF(x + 0.5, y + 1, x + 1, y + 0.5)]
            painter.drawRect(QRectF(x + 0.04, y + 0.04, 0.92, 0.92))
        painter.drawLines(lines)


NEAR_ZERO = 0.01  # of the matrix's largest |w|: a weight this small is white on its colour scale


def held_by_l1(weights: np.ndarray, gradient: np.ndarray, update: np.ndarray, l1: float) -> np.ndarray:
    """The weights an L1 penalty ``l1`` holds at zero: the data gradient's pull ``|∂L/∂w|`` is below λ₁ (so at the
    penalised optimum the weight is 0), the weight is within its next step ``|Δw|`` of 0, and it is near zero
    (NEAR_ZERO of the matrix's largest): an adaptive rule's step is about η whatever the gradient, so at η = 1 the
    step alone would take in weights of 0.9."""
    if l1 <= 0:
        return np.zeros(np.shape(weights), dtype=bool)
    size = np.abs(weights)
    small = size <= NEAR_ZERO * (size.max() if size.size else 0.0)
    return (np.abs(gradient) < l1) & (size <= np.abs(update)) & small


def mark_zeros(view, held: np.ndarray | None = None) -> int:
    """Hatch the zeros of a weights view's matrix (a MatrixView; its hatch made once): exact zeros, and the ``held``
    ones (see :func:`held_by_l1`); how many there are."""
    hatch = getattr(view, "zero_hatch", None)
    if hatch is None or hatch.parentItem() is not view.image:
        hatch = ZeroHatch(view.image)
        view.zero_hatch = hatch
    zeros = np.asarray(view.matrix) == 0.0
    hatch.set_mask(zeros if held is None or held.shape != zeros.shape else zeros | held)
    return hatch.zeros


__all__ = ["LEGEND", "ZeroHatch", "held_by_l1", "mark_zeros"]
