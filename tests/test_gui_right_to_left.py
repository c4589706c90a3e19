"""Under Qt's -reverse (right-to-left layout) numbers stay left to right: the progress bar's "0 / 2,000,000 epochs"
and a heatmap cell's "-0.04" (not "0.04-")."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from mlp_gui.gui.image_axes import CellLabels
from mlp_gui.gui.run_panel import RunPanel


def test_the_progress_bar_reads_left_to_right_in_a_right_to_left_window(qtbot) -> None:
    panel = RunPanel()
    qtbot.addWidget(panel)
    panel.setLayoutDirection(Qt.LayoutDirection.RightToLeft)  # what -reverse gives every widget
    panel.show_progress(0, 2_000_000, 0.5, 0.0)
    assert panel.progress.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert panel.progress.text() == "0 / 2,000,000 epochs"


def _painted(cells: CellLabels, direction: Qt.LayoutDirection) -> QImage:
    image = QImage(120, 40, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setLayoutDirection(direction)  # a painter on a right-to-left view starts right to left
    painter.scale(120, 40)  # one cell, 120 x 40 pixels
    cells.paint(painter, None)
    painter.end()
    return image


def test_a_negative_cell_value_keeps_its_minus_in_front_in_a_right_to_left_view(qtbot) -> None:
    cells = CellLabels()
    cells.set_cells([(0.5, 0.5, "-0.04", False)], QRectF(0, 0, 1, 1))
    left_to_right = _painted(cells, Qt.LayoutDirection.LeftToRight)
    assert cells.drawn_points is not None  # it drew
    assert _painted(cells, Qt.LayoutDirection.RightToLeft) == left_to_right  # the same pixels: "-0.04" both ways
