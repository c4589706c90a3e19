"""Runs kept for comparison: the model the views follow (:class:`KeptRunsModel`), each run in the colour the
others use least and labelled by the settings that differ from the run it is compared with (:func:`label_for`), and
the list to show, hide or remove them (:class:`KeptRunsList`). The loss plot draws them (:mod:`~mlp_gui.gui.plot_curves`).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from mlp_gui.core import setting_changes, stepsize_history
from mlp_gui.core.config import TrainConfig, format_value
from mlp_gui.gui import palette

#: the palette's eight, then seven more told apart from them and from the live run's blue on white (CIELAB distance
#: at least 22 between any two): fifteen kept runs get colours of their own
KEPT_COLOURS = [*palette.KEPT_RUNS, "#117733", "#AA4499", "#999933", "#661100", "#FF4F7B", "#00B3B3", "#8C564B"]


def next_colour(in_use: list[str]) -> str:
    """The first colour of KEPT_COLOURS that the kept runs use least (a free one while there is one)."""
    counts = Counter(c.lower() for c in in_use)
    return min(KEPT_COLOURS, key=lambda c: counts[c.lower()])


@dataclass
class KeptRun:
    key: int
    config: TrainConfig
    epochs: np.ndarray
    losses: np.ndarray
    colour: str
    label: str
    visible: bool = True


def label_for(config: TrainConfig, reference: TrainConfig | None, epochs_done: int, *,
              stepsizes: stepsize_history.Rows = (), changes: setting_changes.Rows = ()) -> str:
    """``stepsize=1`` style: the settings that differ from ``reference`` (or the main ones if none do); a stepsize
    that changed midway (``stepsizes``, see :mod:`mlp_gui.core.stepsize_history`) as ``stepsize 0.1 → 2 at 2,000``,
    other settings (``changes``, :mod:`mlp_gui.core.setting_changes`) as ``momentum 0.9 → 0.5 at 100``."""
    differs = config.differences(reference) if reference is not None else {}
    if not differs:
        differs = {"stepsize": format_value("stepsize", config.stepsize), "layers": format_value("layers", config.layers)}
    changed = {name for _, values in changes for name, _ in values} | ({"stepsize"} if len(stepsizes) > 1 else set())
    parts = [f"{k.replace('_', ' ')}={v}" for k, v in differs.items() if k not in changed]
    if changes:
        parts.insert(0, setting_changes.describe(changes))
    if len(stepsizes) > 1:
        parts.insert(0, f"stepsize {stepsize_history.describe(stepsizes)}")
    return ", ".join(parts) + f" ({epochs_done:,} ep.)"


class KeptRunsModel(QObject):
    """The kept runs, in the order kept; views follow its signals."""

    added = Signal(object)  # KeptRun
    removed = Signal(int)  # key
    visibility_changed = Signal(int, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs: dict[int, KeptRun] = {}
        self._keys = itertools.count(1)

    def keep(self, config: TrainConfig, epochs: np.ndarray, losses: np.ndarray, label: str) -> KeptRun:
        """Keep a run, in a colour no other kept run has while there is one (see :func:`next_colour`)."""
        colour = next_colour([r.colour for r in self.runs.values()])
        run = KeptRun(next(self._keys), config, np.asarray(epochs).copy(), np.asarray(losses).copy(), colour, label)
        self.runs[run.key] = run
        self.added.emit(run)
        return run

    def remove(self, key: int) -> None:
        if self.runs.pop(key, None) is not None:
            self.removed.emit(key)

    def clear(self) -> None:
        for key in list(self.runs):
            self.remove(key)

    def set_visible(self, key: int, visible: bool) -> None:
        run = self.runs.get(key)
        if run is not None and run.visible != visible:
            run.visible = visible
            self.visibility_changed.emit(key, visible)


class KeptRunsList(QWidget):
    """A checkbox per kept run (show/hide), its colour and label; Remove and Clear buttons."""

    def __init__(self, model: KeptRunsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.list = QListWidget()
        self.list.setMinimumHeight(60)  # a few rows; it grows with the window
        self.list.setToolTip("Kept runs: tick to show, untick to hide")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected run from the plot")
        self.clear_button = QPushButton("Clear all")
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        model.added.connect(self._on_added)
        model.removed.connect(self._on_removed)
        self.list.itemChanged.connect(self._on_item_changed)
        self.remove_button.clicked.connect(self._remove_selected)
        self.clear_button.clicked.connect(model.clear)

    def _on_added(self, run: KeptRun) -> None:
        swatch = QPixmap(12, 12)
        swatch.fill(QColor(run.colour))
        item = QListWidgetItem(QIcon(swatch), run.label)
        item.setData(Qt.ItemDataRole.UserRole, run.key)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        item.setToolTip(run.label)
        self.list.addItem(item)

    def _on_removed(self, key: int) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.list.takeItem(row)
                return

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        self.model.set_visible(item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked)

    def _remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.model.remove(item.data(Qt.ItemDataRole.UserRole))
