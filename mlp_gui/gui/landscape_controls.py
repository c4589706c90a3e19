"""The Landscape tab's controls: what to draw (a slice or a line), what shapes it, Compute, Cancel and the progress.

Every field has a mnemonic (its label's underlined letter focuses it; Alt+M computes, Alt+C cancels), so the tab is
used from the keyboard alone. :meth:`LandscapeControls.ask` turns the fields into a worker's job description.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mlp_gui.core.landscape import DEFAULT_GRID, MAX_GRID, MIN_GRID
from mlp_gui.gui.landscape_worker import LineAsk, SliceAsk

PLANES = {"pca": "the plane of the path's two main directions (principal components of the kept snapshots)",
          "random": "two random directions, filter-normalised as Li et al. do (the seed draws them)",
          "hessian": "the two most curved directions at the end (the Hessian's leading eigenvectors)"}
MODES = {"slice": "Slice of a plane", "line": "Line between two epochs"}
MAX_SPAN, MAX_SEED = 1000.0, 9999


class LandscapeControls(QWidget):
    """Row 1: the mode, Compute, Cancel, the progress; row 2: the mode's fields; row 3: compute automatically.
    ``mode_changed(str)``: "slice" or "line"."""

    mode_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = _combo(MODES, "What to draw: the loss over a plane, or along the straight line between two epochs")
        self.plane = _combo({key: key for key in PLANES}, "The plane's two directions through the parameters at the run's end")
        for index, meaning in enumerate(PLANES.values()):
            self.plane.setItemData(index, meaning, Qt.ItemDataRole.ToolTipRole)
        self.grid = _spin(QSpinBox(), MIN_GRID, MAX_GRID, DEFAULT_GRID, "Points along each axis (up to 401)")
        self.span = _spin(QDoubleSpinBox(), 0.0, MAX_SPAN, 0.0, "Half-width of the slice in units of its directions "
                          "(at its lowest, auto: fit the path for pca, 1 for the others)")
        self.span.setDecimals(2)
        self.span.setSingleStep(0.5)
        self.span.setSpecialValueText("auto")
        self.seed = _spin(QSpinBox(), 0, MAX_SEED, 0, "The random plane's seed")
        self.epoch_a = QComboBox()
        self.epoch_a.setToolTip("Epoch A: the line's start (t = 0), a kept epoch")
        self.epoch_b = QComboBox()
        self.epoch_b.setToolTip("Epoch B: the line's end (t = 1), a kept epoch")
        self.line_grid = _spin(QSpinBox(), MIN_GRID, MAX_GRID, DEFAULT_GRID, "Points from t = −0.5 to 1.5")
        self.compute_button = QPushButton("Co&mpute")
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setToolTip("Stop the computation under way (Alt+C)")
        self.progress = QProgressBar()
        self.progress.setMinimumWidth(60)
        self.progress.setMaximumWidth(240)
        self.auto = QCheckBox("Compute when the run pa&uses or finishes")
        self.auto.setChecked(True)
        self.auto.setToolTip("Compute again each time training pauses, stops or finishes (while this tab is shown)")
        self._lay_out()
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.plane.currentIndexChanged.connect(self._plane_changed)
        self._plane_changed()

    def _lay_out(self) -> None:
        self.pages = QStackedWidget()
        self.pages.addWidget(_row(("&Plane", self.plane), ("&Grid", self.grid), ("Sp&an", self.span), ("S&eed", self.seed)))
        self.pages.addWidget(_row(("Epoch &A", self.epoch_a), ("Epoch &B", self.epoch_b), ("&Grid", self.line_grid)))
        self.pages.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        top = _row(("Sho&w", self.mode), extra=(self.compute_button, self.cancel_button, self.progress))
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        for widget in (top, self.pages, self.auto):
            rows.addWidget(widget)

    @property
    def mode_key(self) -> str:
        return self.mode.currentData()

    def ask(self) -> SliceAsk | LineAsk:
        """What the fields ask for."""
        if self.mode_key == "line":
            return LineAsk(self.epoch_a.currentData() or 0, self.epoch_b.currentData() or 0, self.line_grid.value())
        return SliceAsk(self.plane.currentData(), self.grid.value(), self.span.value() or None, self.seed.value())

    def fill_epochs(self, epochs: list[int]) -> None:
        """The kept epochs the line can join: A stays where it was (else the first), B too unless it was the newest,
        which it follows."""
        for combo, newest in ((self.epoch_a, False), (self.epoch_b, True)):
            chosen, at_end = combo.currentData(), combo.currentIndex() == combo.count() - 1
            combo.blockSignals(True)
            combo.clear()
            for epoch in epochs:
                combo.addItem(f"{epoch:,}", epoch)
            index = combo.findData(chosen) if chosen is not None and not (newest and at_end) else -1
            combo.setCurrentIndex(index if index >= 0 else (len(epochs) - 1 if newest else 0) if epochs else -1)
            combo.blockSignals(False)

    def show_state(self, *, computing: bool, idle: bool) -> None:
        """Compute while the run is idle and nothing is computed; Cancel and the progress while something is."""
        self.compute_button.setEnabled(idle and not computing)
        self.compute_button.setToolTip("Compute the loss as set, off the window's thread (Alt+M)" if idle or computing
                                       else "Pause the run to compute; meanwhile its path goes on growing on the last slice")
        self.cancel_button.setEnabled(computing)
        self.progress.setVisible(computing)

    def show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))

    def _mode_changed(self) -> None:
        self.pages.setCurrentIndex(int(self.mode_key == "line"))
        self.mode_changed.emit(self.mode_key)

    def _plane_changed(self) -> None:
        self.seed.setEnabled(self.plane.currentData() == "random")


def _combo(items: dict[str, str], tip: str) -> QComboBox:
    combo = QComboBox()
    for key, text in items.items():
        combo.addItem(text, key)
    combo.setToolTip(tip)
    return combo


def _spin(spin, lowest: float, highest: float, value: float, tip: str):
    spin.setRange(lowest, highest)
    spin.setValue(value)
    spin.setToolTip(tip)
    spin.setKeyboardTracking(False)
    return spin


def _row(*fields: tuple[str, QWidget], extra: tuple[QWidget, ...] = ()) -> QWidget:
    """Labelled fields side by side (each label's mnemonic focuses its field), then ``extra`` widgets."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for text, field in fields:
        label = QLabel(f"{text}:")
        label.setBuddy(field)
        layout.addWidget(label)
        layout.addWidget(field)
    for widget in extra:
        layout.addWidget(widget)
    layout.addStretch(1)
    return row
