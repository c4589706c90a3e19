"""The gradient check panel's tables and labels: read-only tables whose numbers are right-aligned in a fixed font,
and whose selected row keeps its rating colour under an outline.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
)


class OutlineSelectionDelegate(QStyledItemDelegate):
    """Draws a selected row with its own (rating) colour and an outline, so selection never hides a colour."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        plain = QStyleOptionViewItem(option)
        plain.state &= ~QStyle.StateFlag.State_Selected
        plain.state &= ~QStyle.StateFlag.State_HasFocus
        super().paint(painter, plain, index)
        if selected:
            self._outline(painter, option, index)

    @staticmethod
    def _outline(painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        painter.save()
        painter.setPen(QPen(option.palette.color(QPalette.ColorRole.Highlight), 2))
        rect = option.rect.adjusted(0, 1, 0, -1)
        painter.drawLine(rect.topLeft(), rect.topRight())
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        if index.column() == 0:
            painter.drawLine(rect.topLeft(), rect.bottomLeft())
        if index.column() == index.model().columnCount() - 1:
            painter.drawLine(rect.topRight(), rect.bottomRight())
        painter.restore()


def fixed_font() -> QFont:
    """The system's fixed-width font: digits of numbers in a column line up."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def bold(font: QFont) -> QFont:
    """A bold copy of ``font``."""
    bold = QFont(font)
    bold.setBold(True)
    return bold


def bold_fixed() -> QFont:
    """The fixed-width font, bold (the worst entry's numbers)."""
    return bold(fixed_font())


def table_item(text: str, numeric: bool) -> QTableWidgetItem:
    """A cell; a ``numeric`` one right-aligned in the fixed-width font."""
    item = QTableWidgetItem(text)
    if numeric:
        item.setFont(fixed_font())
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def wrapping_label(text: str, style: str = "") -> QLabel:
    """A label that wraps its text and lets it be selected (copied into a report)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if style:
        label.setStyleSheet(style)
    return label


def read_only_table(headers: list[str], numeric_columns: Sequence[int] = ()) -> QTableWidget:
    """A table of whole rows, one selected at a time, not editable; ``numeric_columns`` have right-aligned headers."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    for col in range(len(headers)):
        right = Qt.AlignmentFlag.AlignRight if col in numeric_columns else Qt.AlignmentFlag.AlignLeft
        table.horizontalHeaderItem(col).setTextAlignment(right | Qt.AlignmentFlag.AlignVCenter)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    return table
