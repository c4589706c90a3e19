"""The loss plot's legend: below the plot (never over a curve), in as many columns as fit, and never taller than a
quarter of the plot, however many runs are kept.

When the entries do not fit, long names are shortened (…; the full name in the entry's tooltip), and if they
still do not fit, the last place says "+N more" and names the rest in its tooltip (every kept run is also in
the kept-runs list, and the hover read-out names each run under the mouse).
"""

from __future__ import annotations

import html
import math
import re

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem

from mlp_gui.gui import palette

MAX_SHARE = 0.25  # of the plot's height, at most, for the legend
SHORT_NAME_PX = 150  # names are shortened to at most this width when the legend would not fit otherwise...
MIN_NAME_PX = 100  # ...and to less, down to this, if that makes room for more columns
ENTRY_GAP_PX = 14  # between one entry's name and the next entry's line
SAMPLE_PX = 20  # pyqtgraph's legend line sample is 20 x 20
VERTICAL_SPACING = -5  # rows overlap the sample's empty margin


class LegendSample(pg.graphicsItems.LegendItem.ItemSample):
    """A legend entry's line: drawn like pyqtgraph's, but a click does not hide the curve behind the kept-runs
    list's back (its checkboxes do that)."""

    def mouseClickEvent(self, event):  # noqa: N802 - pyqtgraph naming
        event.ignore()


class Legend(pg.LegendItem):
    """The legend, laid out by :meth:`fit` into the room the plot gives it."""

    def __init__(self) -> None:
        super().__init__(labelTextColor=palette.TEXT, sampleType=LegendSample, frame=False, horSpacing=4,
                         verSpacing=VERTICAL_SPACING)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, False)  # scales with an export
        self.setMinimumWidth(0)  # never holds the plot wider than its window: fit() re-flows it instead
        self.layout.setContentsMargins(4, 4, 4, 2)
        self.more = pg.LabelItem("", color=palette.MUTED, justify="left")
        self.more.setVisible(False)
        self._names: dict[int, str] = {}  # full names by id(label): a shortened label shows less
        self._room = (400.0, 200.0)  # width and height the plot gives the legend
        self.shown_count = 0  # entries laid out (the rest are summed up in self.more)
        self._placed = False

    @property
    def placed(self) -> bool:
        """Whether the legend is in its plot's layout (see :meth:`place`)."""
        return self._placed

    def place(self, layout, shown: bool) -> None:
        """Put the legend in a plot item's ``layout`` below the plot (``shown``), or take it out (the plot gets
        its room)."""
        if shown != self._placed:
            if shown:
                layout.addItem(self, 4, 1, alignment=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            else:
                layout.removeItem(self)
            self.setVisible(shown)
            self._placed = shown

    def mouseDragEvent(self, ev):  # noqa: N802 - pyqtgraph naming: it stays in its place in the layout
        ev.ignore()

    # ------------------------------------------------------------ pyqtgraph's hooks

    def _addItemToLayout(self, sample, label):  # noqa: N802 - pyqtgraph naming: every entry goes through fit()
        self._names[id(label)] = label.text
        label.setToolTip(label.text)
        sample.setToolTip(label.text)
        self.fit(*self._room)

    def _removeItemFromLayout(self, *items):  # noqa: N802 - pyqtgraph naming: an entry may not be laid out
        for item in items:
            if any(self.layout.itemAt(i) is item for i in range(self.layout.count())):
                self.layout.removeItem(item)
            self._names.pop(id(item), None)
            item.close()
            if item.scene() is not None:  # PySide does not take a closed item off its scene (pyqtgraph's note)
                item.scene().removeItem(item)

    def removeItem(self, item):  # noqa: N802 - pyqtgraph naming
        super().removeItem(item)
        self.fit(*self._room)

    # ------------------------------------------------------------ layout

    def names(self) -> list[str]:
        """Every entry's full name, in order (shown or summed up in "+N more")."""
        return [self._names.get(id(label), label.text) for _, label in self.items]

    def fit(self, width: float, max_height: float) -> None:
        """Lay the entries out in ``width`` pixels, at most ``max_height`` tall: as many columns as fit, names
        shortened if need be, and "+N more" for those that still find no room."""
        self._room = (float(width), float(max_height))
        for i in range(self.layout.count() - 1, -1, -1):
            self.layout.removeAt(i)
        if not self.items:
            self.more.setVisible(False)
            self.shown_count = 0
            self.updateSize()
            return
        names = self.names()
        short = self._height(self._columns_and_rows(names, None)[1]) > max_height
        limit = self._name_limit(width) if short else None
        columns, rows = self._columns_and_rows(names, limit)
        fit_rows = max(1, next((n for n in range(rows, 0, -1) if self._height(n) <= max_height), 1))
        count = len(names) if rows <= fit_rows else max(1, fit_rows * columns - 1)
        for index, ((sample, label), name) in enumerate(zip(self.items, names)):
            label.setText(html.escape(self._shortened(label, name, limit)))
            shown = index < count
            sample.setVisible(shown)
            label.setVisible(shown)
            if shown:
                row, col = divmod(index, columns)
                self.layout.addItem(sample, row, 2 * col, alignment=Qt.AlignmentFlag.AlignVCenter)
                self.layout.addItem(label, row, 2 * col + 1)
        self._sum_up(names[count:], count, columns)
        self.shown_count = count
        self.columnCount, self.rowCount = columns, math.ceil((count + (count < len(names))) / columns)
        self.updateSize()

    def _sum_up(self, rest: list[str], count: int, columns: int) -> None:
        """The "+N more" entry in the next free place, its tooltip naming them; hidden when every entry is shown."""
        self.more.setVisible(bool(rest))
        if rest:
            self.more.setText(f"+{len(rest)} more…")
            self.more.setToolTip("Also on the plot (see the kept-runs list; hover a curve to read it out):\n"
                                 + "\n".join(rest))
            row, col = divmod(count, columns)
            self.layout.addItem(self.more, row, 2 * col + 1)

    @staticmethod
    def _name_limit(width: float) -> float:
        """The width names are shortened to: as many columns as fit names at least MIN_NAME_PX wide."""
        columns = max(1, int(width // (SAMPLE_PX + MIN_NAME_PX + ENTRY_GAP_PX)))
        return max(min(SHORT_NAME_PX, width / columns - SAMPLE_PX - ENTRY_GAP_PX), 1.0)

    def _height(self, rows: int) -> float:
        """How tall the legend is with ``rows`` rows."""
        row = max(SAMPLE_PX, self.items[0][1].preferredHeight())
        _, top, _, bottom = self.layout.getContentsMargins()
        return top + bottom + rows * row + (rows - 1) * VERTICAL_SPACING

    def _columns_and_rows(self, names: list[str], limit: float | None) -> tuple[int, int]:
        widths = [self._name_width(label, name, limit) for (_, label), name in zip(self.items, names)]
        entry = SAMPLE_PX + max(widths) + ENTRY_GAP_PX
        columns = max(1, min(len(names), int(self._room[0] // entry)))
        return columns, math.ceil(len(names) / columns)

    @staticmethod
    def _metrics(label: pg.LabelItem) -> QFontMetricsF:
        return QFontMetricsF(label.item.font())

    def _name_width(self, label: pg.LabelItem, name: str, limit: float | None) -> float:
        margin = 2 * label.item.document().documentMargin()
        width = self._metrics(label).horizontalAdvance(name) + margin
        return width if limit is None else min(width, limit)

    def _shortened(self, label: pg.LabelItem, name: str, limit: float | None) -> str:
        """``name`` cut to ``limit`` pixels with "…", keeping a " #2" at its end (which tells same-named runs apart)."""
        if limit is None:
            return name
        metrics = self._metrics(label)
        base, number = re.fullmatch(r"(.*?)( #\d+)?", name, flags=re.DOTALL).groups()
        room = limit - 2 * label.item.document().documentMargin() - metrics.horizontalAdvance(number or "")
        return metrics.elidedText(base, Qt.TextElideMode.ElideRight, max(room, 0.0)) + (number or "")
