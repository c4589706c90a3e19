"""The timeline under the loss plot: move the views to any kept snapshot, and continue the run from there.

The slider keeps a usable width however narrow the plot column: when the row gets too narrow for it, the
epoch and *Continue from here* move to a second row under it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSlider, QWidget

SLIDER_MIN_PX = 160  # the slider is never narrower than this: room to pick among the kept epochs
PAUSE_FIRST = "pause to go back"  # the label while the run trains: its kept epochs are changing
NOTHING_KEPT = "no epochs kept yet"  # the label with no run (or none kept)


class Timeline(QWidget):
    """A slider over the run's snapshot epochs, the epoch it points at, and *Continue from here*."""

    moved = Signal(int)  # the snapshot index the person chose
    continue_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Go back in time: the heatmaps and the other views show the run at a kept epoch")
        self.slider.setMinimumWidth(SLIDER_MIN_PX)
        self.title = QLabel("Back in time:")
        self.label = QLabel("")
        self.label.setMinimumWidth(90)
        self.button = QPushButton("Continue from here")
        self.button.setToolTip("Train on from this epoch (the run as it was is kept on the plot)")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(4, 0, 4, 0)
        self.two_rows = True
        self._arrange(two_rows=False)
        self.epochs: list[int] = []
        self.slider.valueChanged.connect(self._moved)
        self.button.clicked.connect(self._continue_clicked)  # a method, not a lambda: no cycle through the connection
        self.set_epochs([])

    # ------------------------------------------------------------ layout

    def _one_row_width(self) -> int:
        """The width one row needs with the slider at its minimum."""
        margins = self.grid.contentsMargins()
        spacing = max(self.grid.horizontalSpacing(), 0)
        parts = (self.title, self.label, self.button)
        return (sum(max(w.sizeHint().width(), w.minimumWidth()) for w in parts) + SLIDER_MIN_PX + 3 * spacing
                + margins.left() + margins.right())

    def _arrange(self, *, two_rows: bool) -> None:
        """One row (title, slider, epoch, button), or the slider's row over the epoch's and the button's."""
        if two_rows == self.two_rows:
            return
        self.two_rows = two_rows
        for widget in (self.title, self.slider, self.label, self.button):
            self.grid.removeWidget(widget)
        for column in range(4):
            self.grid.setColumnStretch(column, 0)
        self.grid.addWidget(self.title, 0, 0)
        if two_rows:
            self.grid.addWidget(self.slider, 0, 1, 1, 2)
            self.grid.addWidget(self.label, 1, 0, 1, 2)
            self.grid.addWidget(self.button, 1, 2, Qt.AlignmentFlag.AlignRight)
            self.grid.setColumnStretch(1, 1)
        else:
            self.grid.addWidget(self.slider, 0, 1)
            self.grid.addWidget(self.label, 0, 2)
            self.grid.addWidget(self.button, 0, 3)
            self.grid.setColumnStretch(1, 1)

    def minimumSizeHint(self):  # noqa: N802 - Qt naming: narrow enough for two rows, never narrower
        hint = super().minimumSizeHint()
        margins = self.grid.contentsMargins()
        spacing = max(self.grid.horizontalSpacing(), 0)
        rows = (self.title.sizeHint().width() + SLIDER_MIN_PX,
                max(self.label.minimumWidth(), self.label.sizeHint().width()) + self.button.sizeHint().width())
        hint.setWidth(max(rows) + spacing + margins.left() + margins.right())
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().resizeEvent(event)
        self._arrange(two_rows=event.size().width() < self._one_row_width())

    # ------------------------------------------------------------ epochs

    def _continue_clicked(self) -> None:
        self.continue_clicked.emit(self.slider.value())

    def bind(self, session) -> None:
        """Follow ``session``: its kept epochs after each new run and each change of state (none while it trains)."""
        self.session = session
        session.run_reset.connect(self._refresh)
        session.state_changed.connect(self._refresh)

    def _refresh(self, _why: object = None) -> None:
        self.set_epochs(self.session.snapshot_epochs(), training=self.session.state.busy)

    def set_epochs(self, epochs: list[int], *, training: bool = False) -> None:
        """The kept epochs (empty: the run is ``training``, or has none yet); the slider rests on the newest."""
        self.epochs = list(epochs)
        usable = len(self.epochs) > 1
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(self.epochs) - 1, 0))
        self.slider.setValue(max(len(self.epochs) - 1, 0))
        self.slider.blockSignals(False)
        for widget in (self.slider, self.button):
            widget.setEnabled(usable)
        if self.epochs:
            self.label.setText(f"epoch {self.epochs[-1]:,}")
            self.label.setToolTip("The run's newest epoch: move the slider to go back")
        else:
            self.label.setText(PAUSE_FIRST if training else NOTHING_KEPT)
            self.label.setToolTip("The kept epochs can be gone back to while the run is paused or finished")
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
