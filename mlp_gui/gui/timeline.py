"""The timeline under the loss plot: move the views to any kept snapshot, and continue the run from there."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget


class Timeline(QWidget):
    """A slider over the run's snapshot epochs, the epoch it points at, and *Continue from here*."""

    moved = Signal(int)  # the snapshot index the person chose
    continue_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Go back in time: the heatmaps and the other views show the run at a kept epoch")
        self.label = QLabel("")
        self.label.setMinimumWidth(90)
        self.button = QPushButton("Continue from here")
        self.button.setToolTip("Train on from this epoch (the run as it was is kept on the plot)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel("Back in time:"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        self.epochs: list[int] = []
        self.slider.valueChanged.connect(self._moved)
        self.button.clicked.connect(self._continue_clicked)  # a method, not a lambda: no cycle through the connection
        self.set_epochs([])

    def _continue_clicked(self) -> None:
        self.continue_clicked.emit(self.slider.value())

    def set_epochs(self, epochs: list[int]) -> None:
        """The kept epochs (empty: the run is training, or has none yet); the slider rests on the newest."""
        self.epochs = list(epochs)
        usable = len(self.epochs) > 1
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(self.epochs) - 1, 0))
        self.slider.setValue(max(len(self.epochs) - 1, 0))
        self.slider.blockSignals(False)
        for widget in (self.slider, self.button):
            widget.setEnabled(usable)
        self.label.setText(f"epoch {self.epochs[-1]:,}" if self.epochs else "while idle")
        self.label.setToolTip("The newest kept epoch (the run may be a chunk further on)" if self.epochs else "")
        self.button.setEnabled(False)

    @property
    def at_present(self) -> bool:
        return not self.epochs or self.slider.value() == len(self.epochs) - 1

    def _moved(self, index: int) -> None:
        if not self.epochs:
            return
        now = index == len(self.epochs) - 1
        self.label.setText(f"epoch {self.epochs[index]:,}")
        self.button.setEnabled(not now)
        self.moved.emit(index)
