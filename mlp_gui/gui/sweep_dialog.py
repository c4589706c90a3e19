"""The sweep dialog: pick a setting, type its values, see the runs it makes (or why it cannot).

*Run sweep* stays disabled while the values are invalid, with the reason in
red under the field and in the button's tooltip, as the settings form does.
The dialog only plans (:mod:`mlp_gui.gui.sweep_plan`); the window's worker
trains the runs one after another.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mlp_gui.core.config import ConfigError, TrainConfig, format_value
from mlp_gui.gui.sweep_plan import EXAMPLES, SETTINGS, SweepPlan, plan_sweep

ERROR_STYLE = "color: #b71c1c;"
HINT_STYLE = "color: #505050;"


def describe_base(base: TrainConfig) -> str:
    """The settings every run shares, as a person would type them."""
    names = ("seed", "layers", "batch_size", "stepsize", "epochs")
    return ", ".join(f"{SETTINGS[n]} {format_value(n, getattr(base, n))}" for n in names)


class SweepDialog(QDialog):
    """Choose one setting and its values; :meth:`plan` is the result once accepted."""

    plan_changed = Signal(object)  # SweepPlan, or None while invalid

    def __init__(self, base: TrainConfig, parent: QWidget | None = None, *, setting: str = "stepsize",
                 values: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Sweep a setting")
        self.setMinimumWidth(500)
        self.base = base
        self._plan: SweepPlan | None = None
        self._reason = ""
        self.setting_combo = QComboBox()
        for key, label in SETTINGS.items():
            self.setting_combo.addItem(label[0].upper() + label[1:], key)
        self.setting_combo.setCurrentIndex(max(0, self.setting_combo.findData(setting)))
        self.values_edit = QLineEdit(values)
        self.values_edit.setMinimumWidth(320)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.base_label = QLabel()
        self.base_label.setWordWrap(True)
        self.base_label.setStyleSheet(HINT_STYLE)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Run sweep")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Setting:", self.setting_combo)
        form.addRow("Values:", self.values_edit)
        form.addRow("", self.message)
        layout = QVBoxLayout(self)
        layout.addWidget(self.base_label)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setting_combo.currentIndexChanged.connect(self._setting_changed)
        self.values_edit.textChanged.connect(self._validate)
        self.set_base(base)
        self._setting_changed()

    # ------------------------------------------------------------ public

    def plan(self) -> SweepPlan | None:
        """The runs to train, or None while the values are invalid."""
        return self._plan

    def configs(self) -> list[TrainConfig]:
        return list(self._plan.configs) if self._plan else []

    def reason(self) -> str:
        """Why *Run sweep* is disabled (``''`` when it is enabled)."""
        return self._reason

    def setting(self) -> str:
        return self.setting_combo.currentData()

    def set_base(self, base: TrainConfig) -> None:
        """The current settings, which every run shares except the swept one."""
        self.base = base
        self.base_label.setText(
            f"Each run starts from the current settings ({describe_base(base)}) with only the chosen "
            "setting changed. The runs train one after another and are kept on the plot."
        )
        self._validate()

    @classmethod
    def get_plan(cls, base: TrainConfig, parent: QWidget | None = None) -> SweepPlan | None:
        """Ask (modally) and return the accepted plan, or None if cancelled."""
        dialog = cls(base, parent)
        return dialog.plan() if dialog.exec() == QDialog.DialogCode.Accepted else None

    # ------------------------------------------------------------ validation

    @Slot()
    def _setting_changed(self) -> None:
        example = EXAMPLES[self.setting()]
        self.values_edit.setPlaceholderText(f"e.g. {example}")
        sep = "semicolons between layer lists" if self.setting() == "layers" else "commas between values"
        self.values_edit.setToolTip(f"Two to twelve values, {sep}: {example}")
        self._validate()

    @Slot()
    def _validate(self) -> None:
        text = self.values_edit.text()
        try:
            plan = plan_sweep(self.base, self.setting(), text) if text.strip() else None
            reason = "" if plan else f"Type at least two values, e.g. {EXAMPLES[self.setting()]}"
        except ConfigError as exc:
            plan, reason = None, str(exc)[0].upper() + str(exc)[1:]
        self._plan, self._reason = plan, reason
        self.ok_button.setEnabled(plan is not None)
        self.ok_button.setToolTip(reason or f"Train {len(plan)} runs one after another")
        if plan is None:
            self.message.setStyleSheet(ERROR_STYLE if text.strip() else HINT_STYLE)
            self.message.setText(reason)
        else:
            self.message.setStyleSheet(HINT_STYLE)
            self.message.setText(f"{len(plan)} runs, {plan.total_epochs:,} epochs in all:  {'  ·  '.join(plan.labels())}")
        self.plan_changed.emit(plan)
