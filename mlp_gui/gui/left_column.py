"""The window's left column: the run controls on top, the settings under them, then the kept runs.

Ordered so that what a person watches and presses most (Start, the loss, the accuracy) is on top, and
sized so that at 1280x800 everything shows without scrolling: the settings used less often fold away
under *More settings*. On a shorter screen (down to 1024x700) the column scrolls, Start and the
figures staying in view.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QGroupBox, QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

WIDTH = 300


class LeftColumn(QScrollArea):
    """Holds the run panel, the settings form and the compare box; scrolls only when the screen is too short."""

    def __init__(self, run_panel: QWidget, form: QWidget, kept_list: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keep_button = QPushButton("Keep this run")
        self.keep_button.setToolTip("Keep the current curve on the plot, faded and labelled (Ctrl+K)")
        self.sweep_button = QPushButton("Sweep…")
        self.sweep_button.setToolTip("Train one setting at several values and overlay the curves")
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(2)  # the boxes' frames part them; at 1280x800 every pixel of height counts
        layout.addWidget(_box("Run", run_panel))
        layout.addWidget(_box("Settings", form))
        compare = _box("Compare runs")
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.sweep_button)
        compare.layout().addLayout(buttons)
        compare.layout().addWidget(_Compact(kept_list), 1)
        layout.addWidget(compare, 1)
        self.setWidget(side)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedWidth(WIDTH)


class _Compact(QWidget):
    """Holds a widget that asks for no more height than its minimum: the scrolled column is as tall as the
    preferred heights of what it holds (its labels wrap), so a list's roomy preferred height would make it scroll."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(content)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt naming
        return self.minimumSizeHint()


def _box(title: str, content: QWidget | None = None) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 4, 6, 4)
    layout.setSpacing(4)
    if content is not None:
        layout.addWidget(content)
    return box
