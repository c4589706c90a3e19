"""The gradient check panel's tables and labels: read-only tables whose numbers are right-aligned in a fixed font,
whose cells take their rating's colours, and whose selected row keeps its colour under an outline.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QPainter, QPalette, QPen
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

from mlp_gui.core.gradcheck import ArrayCheck, entry_relative_errors, rating
from mlp_gui.gui.gradcheck_texts import entry_cells, grade_meaning, summary_cells
from mlp_gui.gui.palette import RATINGS, TEXT


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


def fill_summary_row(table: QTableWidget, row: int, check: ArrayCheck) -> None:
    """One array's row, filled with its rating's colour; the relative error in the rating's ink, the rest in
    dark text (both colours set: a dark desktop's white text was unreadable on the pale fills)."""
    grade = check.rating
    fill, ink = RATINGS[grade]
    tip = f"{check.name}: relative error {check.rel_error:.3e} — {grade} ({grade_meaning(grade)})"
    for col, (text, numeric) in enumerate(summary_cells(check)):
        item = table_item(text, numeric)
        item.setBackground(QBrush(QColor(fill)))
        item.setForeground(QBrush(QColor(TEXT)))
        item.setToolTip(tip)
        if col == 3:  # the relative error: the rating's ink, bold
            item.setForeground(QBrush(QColor(ink)))
            item.setFont(bold(item.font()))
        if col == 6:  # the worst entry's own relative error, by the same rule
            entry_grade = rating(check.worst_entry[1])
            item.setForeground(QBrush(QColor(RATINGS[entry_grade][1])))
            item.setToolTip(f"{text[2:]}: {entry_grade} ({grade_meaning(entry_grade)})")
        table.setItem(row, col, item)


def fill_entries(table: QTableWidget, check: ArrayCheck) -> None:
    """The checked entries of one array, each relative error in its rating's colours, the worst entry in bold."""
    table.setRowCount(len(check.indices))
    for row, (index, b, n) in enumerate(zip(check.indices, check.backprop, check.numeric)):
        for col, (text, numeric) in enumerate(entry_cells(check.name, index, b, n)):
            item = table_item(text, numeric)
            if col == 4:  # the entry's own relative error, in its rating's colours
                fill, ink = RATINGS[rating(float(entry_relative_errors(b, n)))]
                item.setBackground(QBrush(QColor(fill)))
                item.setForeground(QBrush(QColor(ink)))
            if index == check.worst_index:
                item.setFont(bold_fixed() if numeric else bold(table.font()))
                item.setToolTip("The entry with the largest absolute difference in this array")
            table.setItem(row, col, item)
