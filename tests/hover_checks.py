"""The mouse resting on a cell of an image plot (heatmaps, the Backprop tab), as pyqtgraph reports it: for tests
that read what a cell says through its tooltip instead of asking the view privately."""

from __future__ import annotations

from PySide6.QtCore import QPointF


class Hover:
    """What pyqtgraph hands hoverEvent: a position in the image's cells, or the mouse leaving."""

    def __init__(self, col: float, row: float, exit: bool = False) -> None:
        self.position, self.exit = QPointF(col, row), exit

    def isExit(self) -> bool:  # noqa: N802 - pyqtgraph naming
        return self.exit

    def pos(self) -> QPointF:
        return self.position


def hover_text(view, row: int, col: int) -> str:
    """What the mouse resting on a cell of ``view`` is told (its tooltip, also sent to the status bar; "" off the
    cells)."""
    view.image.hoverEvent(Hover(col + 0.5, row + 0.5))
    return view.image.toolTip()
