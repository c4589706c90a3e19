"""The loss plot's context menu: Fit, Show blow-ups in full, Log scale, Smoothing ▸, Show legend, Export image…"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

SMOOTHING_CHOICES = (("Off", 0.0), ("0.6", 0.6), ("0.9", 0.9))


class PlotMenu(QMenu):
    """The menu's actions, for the plot to connect: ``fit_action``, ``blowups_action``, ``log_action`` (checkable),
    ``smoothing_group`` (one checkable action per weight in SMOOTHING_CHOICES, the weight as its data),
    ``legend_action`` (checkable) and ``export_action``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fit_action = self.addAction("Fit")
        self.blowups_action = self.addAction("Show blow-ups in full")
        self.blowups_action.setCheckable(True)
        self.blowups_action.setToolTip("Fit a run whose loss blew up in full (unticked: up to where its climb began, "
                                       "the rest marked at the top edge)")
        self.log_action = self.addAction("Log scale")
        self.log_action.setCheckable(True)
        self.log_action.setChecked(True)
        self.smoothing_menu = self.addMenu("Smoothing")
        self.smoothing_group = QActionGroup(self.smoothing_menu)
        for text, weight in SMOOTHING_CHOICES:
            action = QAction(text, self.smoothing_group, checkable=True, checked=weight == 0.0)
            action.setData(weight)
            self.smoothing_menu.addAction(action)
        self.legend_action = self.addAction("Show legend")
        self.legend_action.setCheckable(True)
        self.addSeparator()
        self.export_action = self.addAction("Export image…")

    def check_smoothing(self, weight: float) -> None:
        """Tick the smoothing choice ``weight`` (and no other)."""
        for action in self.smoothing_group.actions():
            action.setChecked(action.data() == weight)
