"""The settings fields, generated from the core's settings schema and validated as you type.

Each field is parsed and checked by the core (the same messages the CLI
prints); an invalid field turns red and its tooltip and the line under the
form say why. A run too large for memory marks the field that drives the
estimate (layers, batch size or epochs). ``valid`` is False while any field is
invalid, and the window disables Start then. No text a person can type raises.
"""

from __future__ import annotations

import html
import os
from functools import lru_cache

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from mlp_gui.core.config import TrainConfig, check_combination, check_fits_in_memory, parameter_count
from mlp_gui.core.parse import ConfigError
from mlp_gui.core.settings import RUN_SETTINGS, SETTINGS, Setting, setting
from mlp_gui.gui import palette

DATA_ONLY = ("samples", "noise", "test_fraction")
CSV_ONLY = ("target", "standardize")
INVALID_STYLE = f"border: 2px solid {palette.ERROR}; border-radius: 3px; background: {palette.ERROR_FILL};"


def _field(s: Setting) -> tuple[QWidget, QLineEdit]:
    """The widget for a setting and the line edit its text lives in: a line edit, or for named choices an
    editable list, so per-layer activations (``tanh,relu``) can be written as well as picked."""
    if not s.choices:
        edit = QLineEdit()
        return edit, edit
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(list(s.choices))
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    return combo, combo.lineEdit()


class SettingsForm(QWidget):
    """A validated field per setting; emits ``changed`` on every edit and ``validity_changed`` when it flips."""

    changed = Signal()
    validity_changed = Signal(bool)
    return_pressed = Signal()  # Enter in any field

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edits: dict[str, QLineEdit] = {}
        self._widgets: dict[str, QWidget] = {}
        self.errors: dict[str, str] = {}
        self.layout_form = form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        for s in SETTINGS:
            widget, edit = _field(s)
            form.addRow(s.label, widget)
            self._widgets[s.name] = widget
            edit.setObjectName(s.name)
            edit.setToolTip(s.help)
            edit.textChanged.connect(self._on_edit)
            edit.returnPressed.connect(self.return_pressed)
            self.edits[s.name] = edit
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("settingsSummary")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(form)
        outer.addWidget(self.summary)
        self._valid = True
        self.preview = ""  # a CSV's summary and first rows, shown under the fields
        self.set_values(TrainConfig(), setting("epochs").default)

    # ------------------------------------------------------------ values

    @property
    def valid(self) -> bool:
        return self._valid

    def set_values(self, config: TrainConfig, epochs: int | None = None) -> None:
        """Fill the fields from ``config`` (and the epochs field from ``epochs``, if given)."""
        values = {s.name: getattr(config, s.name) for s in RUN_SETTINGS}
        if epochs is not None:
            values["epochs"] = epochs
        for name, value in values.items():
            with QSignalBlocker(self.edits[name]):
                self.edits[name].setText(setting(name).format(value))
        self._validate_all()
        self._show_data_fields()
        self.changed.emit()

    def set_config(self, config: TrainConfig) -> None:
        self.set_values(config)

    def set_epochs(self, epochs: int) -> None:
        with QSignalBlocker(self.edits["epochs"]):
            self.edits["epochs"].setText(setting("epochs").format(epochs))
        self._validate_all()

    def config(self) -> TrainConfig | None:
        """The run settings typed, or None while any field is invalid."""
        values = self._parse_all()
        return None if values is None else TrainConfig(**{s.name: values[s.name] for s in RUN_SETTINGS})

    def epochs(self) -> int | None:
        """The planned epochs typed, or None while any field is invalid."""
        values = self._parse_all()
        return None if values is None else values["epochs"]

    def set_field(self, name: str, text: str) -> None:
        self.edits[name].setText(text)

    # ------------------------------------------------------------ validation

    def _parse_all(self) -> dict | None:
        try:
            return {s.name: s.from_text(self.edits[s.name].text()) for s in SETTINGS}
        except ConfigError:
            return None

    def _on_edit(self, _text: str = "") -> None:
        self._validate_all()
        self._show_data_fields()
        self.changed.emit()

    def _show_data_fields(self) -> None:
        """Samples, noise and test fraction only matter for generated or CSV data: hidden with the notebook's batch."""
        data = self.edits["data"].text().strip().lower()
        for name in DATA_ONLY:
            self.layout_form.setRowVisible(self._widgets[name], data != "notebook")
        for name in CSV_ONLY:
            self.layout_form.setRowVisible(self._widgets[name], data.endswith(".csv"))

    def _validate_all(self) -> None:
        self.errors = {}
        for s in SETTINGS:
            try:
                s.from_text(self.edits[s.name].text())
            except ConfigError as exc:
                self.errors[s.name] = str(exc)
        values = self._parse_all()
        if values is not None:
            config = TrainConfig(**{s.name: values[s.name] for s in RUN_SETTINGS})
            try:
                check_combination(config)
                check_fits_in_memory(config, values["epochs"])
                self.preview = _csv_preview(config) if config.data.endswith(".csv") else ""
            except ConfigError as exc:
                self.errors[exc.setting or "layers"] = str(exc)
                values = None
        for s in SETTINGS:
            error = self.errors.get(s.name)
            self.edits[s.name].setStyleSheet(INVALID_STYLE if error else "")
            self.edits[s.name].setToolTip(f"⚠ {error}" if error else s.help)
        self._show_summary(values)
        valid = not self.errors
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)

    def _show_summary(self, values: dict | None) -> None:
        if self.errors:
            first = next(iter(self.errors.values()))
            self.summary.setText(f"<span style='color:{palette.ERROR}'>⚠ {first}</span>")
        elif values is not None:
            n = parameter_count(values["layers"])
            text = f"{n:,} parameters in {len(values['layers']) - 1} layers"
            if self.preview:  # your CSV, before training: its rows, each column's role, its classes
                text += "<br>" + html.escape(self.preview.splitlines()[0])
            self.summary.setText(f"<span style='color:{palette.MUTED}'>{text}</span>")
            self.summary.setToolTip(f"<pre>{html.escape(self.preview)}</pre>" if self.preview else "")


def _csv_preview(config: TrainConfig) -> str:
    """The CSV's preview, read again only when the file or the settings that shape it change (typing stays instant)."""
    try:
        stat = os.stat(config.data)
    except OSError:
        raise ConfigError(f"data {config.data}: no such file", "data") from None
    return _cached_preview(config.data, stat.st_mtime_ns, stat.st_size, config.target, config.output)


@lru_cache(maxsize=8)
def _cached_preview(path: str, _mtime: int, _size: int, target: str, output: str) -> str:
    from mlp_gui.core.csv_data import preview

    return preview(TrainConfig(data=path, target=target, output=output))
