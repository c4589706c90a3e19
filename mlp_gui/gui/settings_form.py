"""The settings fields: seed, layer sizes, batch size, stepsize, epochs — validated as you type.

Each field is parsed and checked by the core (the same messages the CLI
prints); an invalid field turns red and its tooltip and the line under the
form say why. ``valid`` is False while any field is invalid, and the window
disables Start then. No text a person can type raises.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from mlp_gui.core.config import (
    ConfigError,
    TrainConfig,
    check_batch_size,
    check_epochs,
    check_fits_in_memory,
    check_seed,
    check_stepsize,
    format_value,
    parameter_count,
    parse_float,
    parse_int,
    parse_layers,
)

INVALID_STYLE = "QLineEdit { border: 2px solid #c62828; border-radius: 3px; background: #fff3f3; }"


def _checked(parse: Callable, check: Callable, name: str) -> Callable[[str], object]:
    def convert(text: str) -> object:
        value = parse(text, name)
        check(value)
        return value

    return convert


FIELDS: dict[str, tuple[str, Callable[[str], object], str]] = {
    "seed": ("Seed", _checked(parse_int, check_seed, "seed"), "Seed of the one RandomState that draws weights, inputs and targets."),
    "layers": ("Layer sizes", parse_layers, "Units per layer, inputs to outputs, e.g. 3,4,4,2 (sigmoid hidden layers, linear output)."),
    "batch_size": ("Batch size", _checked(parse_int, check_batch_size, "batch size"), "Columns in the one training batch."),
    "stepsize": ("Stepsize", _checked(parse_float, check_stepsize, "stepsize"), "Gradient-descent step: parameters -= stepsize × gradient."),
    "epochs": ("Epochs", _checked(parse_int, check_epochs, "epochs"), "Updates to run in total."),
}


class SettingsForm(QWidget):
    """Five validated fields; emits ``changed`` on every edit and ``validity_changed`` when it flips."""

    changed = Signal()
    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, str] = {}
        self._help: dict[str, str] = {}
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        for name, (label, _, help_text) in FIELDS.items():
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setToolTip(help_text)
            edit.textChanged.connect(lambda _text, n=name: self._on_edit(n))
            form.addRow(label, edit)
            self.edits[name] = edit
            self._help[name] = help_text
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("settingsSummary")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(form)
        outer.addWidget(self.summary)
        self._valid = True
        self.set_config(TrainConfig())

    # ------------------------------------------------------------ values

    @property
    def valid(self) -> bool:
        return self._valid

    def set_config(self, config: TrainConfig) -> None:
        """Fill every field from ``config``."""
        for name, edit in self.edits.items():
            edit.blockSignals(True)
            edit.setText(format_value(name, getattr(config, name)))
            edit.blockSignals(False)
        self._validate_all()
        self.changed.emit()

    def config(self) -> TrainConfig | None:
        """The settings typed, or None while any is invalid."""
        values = self._parse_all()
        if values is None:
            return None
        return TrainConfig(**values)

    def set_field(self, name: str, text: str) -> None:
        self.edits[name].setText(text)

    # ------------------------------------------------------------ validation

    def _parse_all(self) -> dict | None:
        values = {}
        for name, (_, convert, _) in FIELDS.items():
            try:
                values[name] = convert(self.edits[name].text())
            except ConfigError:
                return None
        return values

    def _on_edit(self, name: str) -> None:
        self._validate_all()
        self.changed.emit()

    def _validate_all(self) -> None:
        self.errors = {}
        for name, (_, convert, _) in FIELDS.items():
            try:
                convert(self.edits[name].text())
            except ConfigError as exc:
                self.errors[name] = str(exc)
        values = self._parse_all()
        if values is not None:
            try:
                check_fits_in_memory(TrainConfig(**values))
            except ConfigError as exc:
                self.errors["layers"] = str(exc)
        for name, edit in self.edits.items():
            error = self.errors.get(name)
            edit.setStyleSheet(INVALID_STYLE if error else "")
            edit.setToolTip(f"⚠ {error}" if error else self._help[name])
        self._show_summary(values)
        valid = not self.errors
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)

    def _show_summary(self, values: dict | None) -> None:
        if self.errors:
            first = next(iter(self.errors.values()))
            self.summary.setText(f"<span style='color:#c62828'>⚠ {first}</span>")
        elif values is not None:
            n = parameter_count(values["layers"])
            self.summary.setText(f"<span style='color:#555'>{n:,} parameters in {len(values['layers']) - 1} layers</span>")
