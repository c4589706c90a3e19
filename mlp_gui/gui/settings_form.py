"""The settings fields, generated from the core's settings schema and validated as you type.

Each field is parsed and checked by the core (the same messages the CLI
prints); an invalid field turns red and its tooltip and the line under the
form say why. A run too large for memory marks the field that drives the
estimate (layers, batch size or epochs); layer sizes that do not fit the data
(a built-in set or a CSV file) mark the layers. ``valid`` is False while any
field is invalid, and the window disables Start then. No text a person can type raises.

A CSV file is read off the GUI thread (:mod:`mlp_gui.gui.csv_reads`), once per
file and settings that shape it: while it is read the form waits (``reading``
names it, Start is disabled, a bar and Cancel show under the summary) and fills
in (layer sizes, proposals, checks) when it is read.

The settings used less often (the schema's ``advanced`` ones) sit under *More
settings*, which opens by itself when one of them is invalid. When the data
changes, the first and last layer sizes are fitted to it; when a person
chooses a data set, the form proposes settings that train it
(:mod:`mlp_gui.core.data_presets`) in every field the person has not set
themselves (here or on the command line), and the line under the form says which.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

from mlp_gui.core.config import TrainConfig, check_combination, check_fits_in_memory, parameter_count
from mlp_gui.core.csv_data import CsvDescription
from mlp_gui.core.data import GENERATED
from mlp_gui.core.data_presets import CsvShape, check_csv_layers, fit_ends, propose, propose_for_csv
from mlp_gui.core.parse import ConfigError
from mlp_gui.core.plural import count
from mlp_gui.core.settings import RUN_SETTINGS, SETTINGS, Setting, setting
from mlp_gui.gui import palette
from mlp_gui.gui.csv_reads import CsvReads, ReadingRow

DATA_ONLY = ("samples", "noise", "test_fraction")
CSV_ONLY = ("target", "standardize")
MAIN_ORDER = ("data", "target", "standardize", "layers", "activation", "stepsize", "batch_size", "epochs")
INVALID_STYLE = (f"border: 2px solid {palette.ERROR}; border-radius: 3px; background: {palette.ERROR_FILL}; "
                 f"color: {palette.TEXT};")  # both colours: a dark palette's white text is unreadable on the pale fill
PROPOSED_NAMES = {"layers": "layers", "activation": "activation", "output": "output", "loss": "loss", "init": "init",
                  "batch_size": "batch", "stepsize": "stepsize", "epochs": "epochs", "noise": "noise",
                  "standardize": "standardise"}


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
    combo.setObjectName(f"{s.name}Choices")
    return combo, combo.lineEdit()


class SettingsForm(QWidget):
    """A validated field per setting; emits ``changed`` on every edit (:attr:`typed`: the edit was a person's typing)
    and ``validity_changed`` when it flips."""

    changed = Signal()
    field_left = Signal()  # a field's editing finished: Return, or the focus went elsewhere
    validity_changed = Signal(bool)
    return_pressed = Signal()  # Enter in any field
    read_finished = Signal()  # the CSV file the form waited for is read (or refused, or its reading cancelled)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edits: dict[str, QLineEdit] = {}
        self._widgets: dict[str, QWidget] = {}
        self._forms: dict[str, QFormLayout] = {}
        self.errors: dict[str, str] = {}
        self.person_set: set[str] = set()  # fields a person set (here or on the command line): never proposed over
        self.typed = False  # the last change was a person typing in a field (not filled in, proposed or chosen)
        self._flags: set[str] = set()  # given on the command line and not edited since: a misfit is marked, never fitted
        self.main_form, self.more_form = QFormLayout(), QFormLayout()
        self.more = QWidget()
        self.more.setObjectName("moreSettings")
        self.more.setLayout(self.more_form)
        by_name = {s.name: s for s in SETTINGS}
        ordered = [by_name[n] for n in MAIN_ORDER] + [s for s in SETTINGS if s.name not in MAIN_ORDER]
        for s in ordered:
            self._add_field(s, self.more_form if s.advanced else self.main_form)
        self.more_button = QToolButton()
        self.more_button.setObjectName("moreButton")
        self.more_button.setText("More settings")
        self.more_button.setCheckable(True)
        self.more_button.setAutoRaise(True)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_button.toggled.connect(self.show_more)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("settingsSummary")
        self.note = QLabel()  # what the form changed by itself: layer sizes fitted, settings proposed for a data set
        self.note.setWordWrap(True)
        self.note.setObjectName("settingsNote")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        for form in (self.main_form, self.more_form):
            form.setContentsMargins(0, 0, 0, 0)
            form.setVerticalSpacing(3)
        outer.addLayout(self.main_form)
        outer.addWidget(self.more_button)
        outer.addWidget(self.more)
        outer.addWidget(self.summary)
        outer.addWidget(self.note)
        self._valid = True
        self._fitted_for: tuple[str, str, str] | None = None  # (data, target, output) the layer ends were fitted for
        self._proposed: dict[str, str] = {}  # field -> the text proposed; the note lists those still standing
        self._proposed_for = ""  # the data set they were proposed for
        self._fitted: tuple[str, str] | None = None  # (layers text, what the note says) after fitting the layer ends
        self.preview = ""  # a CSV's summary and first rows, shown under the fields
        self.reads = CsvReads(self)  # CSV files are read off the GUI thread; the form waits for them, never blocks
        self.reads.finished.connect(self._on_read)
        self.reading_row = ReadingRow(self.reads)
        outer.insertWidget(outer.indexOf(self.note), self.reading_row)
        self._waiting = ""  # the CSV file a check waits for, while it is read
        self._propose_pending = ""  # the data text whose proposal waits for its file to be read
        self.show_more(False)
        self.set_values(TrainConfig(), setting("epochs").default)

    def _add_field(self, s: Setting, form: QFormLayout) -> None:
        widget, edit = _field(s)
        form.addRow(s.label, widget)
        self._widgets[s.name], self._forms[s.name] = widget, form
        edit.setObjectName(s.name)
        edit.setToolTip(s.help)
        edit.textChanged.connect(self._on_edit)
        edit.textEdited.connect(self._person_edited)
        if s.name == "data":  # Return in Data reads a file again whose reading was cancelled
            edit.returnPressed.connect(self._read_again)
        edit.returnPressed.connect(self.return_pressed)
        edit.editingFinished.connect(self.field_left)
        if isinstance(widget, QComboBox):
            widget.activated.connect(self._person_edited)
        self.edits[s.name] = edit

    # ------------------------------------------------------------ values

    @property
    def valid(self) -> bool:
        """Every field valid, together too, and no CSV file still being read."""
        return self._valid

    @property
    def reading(self) -> str:
        """The name of the CSV file the form waits for while it is read ("" when it waits for none)."""
        return self._waiting

    def shutdown(self) -> None:
        """Stop reading (the window closes)."""
        self.reads.shutdown()

    def set_values(self, config: TrainConfig, epochs: int | None = None) -> None:
        """Fill the fields from ``config`` (and the epochs field from ``epochs``, if given)."""
        values = {s.name: getattr(config, s.name) for s in RUN_SETTINGS}
        if epochs is not None:
            values["epochs"] = epochs
        for name, value in values.items():
            with QSignalBlocker(self.edits[name]):
                self.edits[name].setText(setting(name).format(value))
        self._refresh()

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

    def show_stepsize(self, stepsize: float) -> None:
        """The run's stepsize changed elsewhere (an opened run's override, going back): the field shows it."""
        text = setting("stepsize").format(stepsize)
        if self.edits["stepsize"].text() != text:
            self.set_field("stepsize", text)

    def mark_person_set(self, names) -> None:
        """Settings a person chose elsewhere (the command line's flags): no proposal replaces them."""
        self.person_set |= set(names) & set(self.edits)
        self._flags |= set(names) & set(self.edits)

    def forget_person_set(self) -> None:
        """Every field may be proposed for again, and nothing was proposed yet (the notebook's settings were restored:
        choosing the data set proposed for before proposes for it again)."""
        self.person_set.clear()
        self._flags.clear()
        self._proposed_for, self._proposed, self._fitted = "", {}, None

    def show_more(self, shown: bool) -> None:
        """Open (True) or close *More settings*: the settings used less often."""
        with QSignalBlocker(self.more_button):
            self.more_button.setChecked(shown)
        self.more_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.more.setVisible(shown)
        values = ", ".join(f"{s.title} {self.edits[s.name].text()}" for s in SETTINGS
                           if s.advanced and self._forms[s.name].isRowVisible(self._widgets[s.name]))
        self.more_button.setToolTip(values)

    # ------------------------------------------------------------ the person's choices, and what the form proposes

    def _person_edited(self, *_args: object) -> None:
        """A person typed in a field or picked from its list: that field is theirs; a data set chosen gets a proposal."""
        name = self.sender().objectName().removesuffix("Choices")
        self.person_set.add(name)
        self._flags -= {name, "layers"} if name == "data" else {name}  # data chosen here: its layer ends fitted
        if name == "data":
            self.propose_for_data()

    def propose_for_data(self) -> None:
        """Propose settings that train the data shown, in the fields no person set (a person chose it: here or on the
        command line); the note under the form says which."""
        try:
            data = setting("data").from_text(self.edits["data"].text())
            current = {n: setting(n).from_text(self.edits[n].text()) for n in PROPOSED_NAMES}
            current["features"] = setting("features").from_text(self.edits["features"].text())  # they fix the first size
        except ConfigError:
            return
        if self.edits["data"].text() == self._proposed_for:
            return  # the same choice confirmed (Return, the list): what the person changed since stays
        keep = self.person_set - {"data"}
        if data in GENERATED or data == "notebook":
            values = propose(data, current, keep)
        else:
            found = self._csv_description(data)
            if found is None:  # still being read: proposed once it has been
                self._propose_pending = self.edits["data"].text()
                return
            values = propose_for_csv(CsvShape.of(found), current, keep, rows=found.rows) if isinstance(found, CsvDescription) else {}
        self._propose_pending = ""
        self._proposed = {name: setting(name).format(value) for name, value in values.items()}
        self._proposed_for = self.edits["data"].text()
        for name, text in self._proposed.items():
            with QSignalBlocker(self.edits[name]):
                self.edits[name].setText(text)
        self._fitted_for = None  # fit the layer ends again, for the output proposed
        self._refresh()

    def _fit_layer_ends(self) -> None:
        """The data, its target or the output changed: fit the first and last layer sizes to the data."""
        key = tuple(self.edits[n].text().strip() for n in ("data", "target", "output", "features"))
        if key == self._fitted_for or "layers" in self._flags:  # the command line's sizes: checked, never rewritten
            return
        self._fitted_for = key
        try:
            data, output = setting("data").from_text(key[0]), setting("output").from_text(key[2])
            features = setting("features").from_text(key[3])
            layers = setting("layers").from_text(self.edits["layers"].text())
        except ConfigError:
            return
        shape = self._csv_shape(data) if data.endswith(".csv") else None
        if data.endswith(".csv") and shape is None:
            self._fitted_for = None  # being read (or it will not do): fitted once it is read
            return
        fitted = fit_ends(layers, data, output, shape, features=features)
        if fitted != layers:
            text = setting("layers").format(fitted)
            with QSignalBlocker(self.edits["layers"]):
                self.edits["layers"].setText(text)
            self._proposed.pop("layers", None)
            ins, outs = fitted[0], fitted[-1]
            where = shape.name if shape else data
            self._fitted = text, f"Layer sizes set to {text} to fit {where}: {count(ins, 'input')}, {count(outs, 'output')}"

    def _csv_description(self, data: str) -> CsvDescription | ConfigError | None:
        """The CSV file ``data`` for the target and output shown; None while it is being read (off the GUI thread)."""
        return self.reads.description(TrainConfig(data=data, target=self.edits["target"].text().strip() or "last",
                                                  output=self.edits["output"].text().strip().lower()))

    def _csv_shape(self, data: str) -> CsvShape | None:
        """What a network needs for the CSV file ``data``; None while it is read, or if it will not do."""
        found = self._csv_description(data)
        return CsvShape.of(found) if isinstance(found, CsvDescription) else None

    def _on_read(self) -> None:
        """A read ended: propose and fit for the file if that waited for it, and check the fields again."""
        if self._propose_pending and self._propose_pending == self.edits["data"].text():
            self.propose_for_data()
        self._refresh()

    def _read_again(self) -> None:
        """Return in Data: a file whose reading was cancelled is read again."""
        self.reads.forget_cancelled()
        self._refresh()

    def _show_note(self) -> None:
        """The line under the form: the layer sizes fitted, the settings proposed (those a person has not changed since)."""
        same_data = self.edits["data"].text() == self._proposed_for
        self._proposed = {n: t for n, t in self._proposed.items() if same_data and self.edits[n].text() == t}
        if self._fitted is not None and self._fitted[0] != self.edits["layers"].text():
            self._fitted = None
        parts = [self._fitted[1]] if self._fitted else []
        if self._proposed:
            listed = ", ".join(f"{label} {self._proposed[n]}" for n, label in PROPOSED_NAMES.items() if n in self._proposed)
            parts.append(f"Proposed for {os.path.basename(self._proposed_for.strip())}: {listed} — change them if you like")
        quiet = palette.secondary_text_color(self.note).name()
        self.note.setText(f"<span style='color:{quiet}'>{html.escape('. '.join(parts))}</span>" if parts else "")

    # ------------------------------------------------------------ validation

    def _parse_all(self) -> dict | None:
        try:
            return {s.name: s.from_text(self.edits[s.name].text()) for s in SETTINGS}
        except ConfigError:
            return None

    def _on_edit(self, _text: str = "") -> None:
        edit = self.sender()
        self._refresh(typed=isinstance(edit, QLineEdit) and edit.isModified())  # setText() clears isModified

    def _refresh(self, *, typed: bool = False) -> None:
        self.typed = typed
        waited = self._waiting
        self._fit_layer_ends()
        self._validate_all()
        self._show_data_fields()
        self._show_note()
        self.changed.emit()
        if waited and not self._waiting:
            self.read_finished.emit()

    def _show_data_fields(self) -> None:
        """Samples, noise and test fraction only matter for generated or CSV data: hidden with the notebook's batch."""
        data = self.edits["data"].text().strip().lower()
        for name in DATA_ONLY:
            self._forms[name].setRowVisible(self._widgets[name], data != "notebook")
        for name in CSV_ONLY:
            self._forms[name].setRowVisible(self._widgets[name], data.endswith(".csv"))
        self.show_more(self.more_button.isChecked() or any(setting(n).advanced for n in self.errors))

    def _validate_all(self) -> None:
        self.errors = {}
        for s in SETTINGS:
            try:
                s.from_text(self.edits[s.name].text())
            except ConfigError as exc:
                self.errors[s.name] = str(exc)
        values = self._parse_all()
        self.preview, self._waiting = "", ""
        if values is not None:
            config = TrainConfig(**{s.name: values[s.name] for s in RUN_SETTINGS})
            try:
                check_combination(config)
                check_fits_in_memory(config, values["epochs"])
                if config.data.endswith(".csv"):
                    self._check_csv(config)
            except ConfigError as exc:
                self.errors[exc.setting or "layers"] = str(exc)
                values = None
        for s in SETTINGS:
            error = self.errors.get(s.name)
            self.edits[s.name].setStyleSheet(INVALID_STYLE if error else "")
            self.edits[s.name].setToolTip(f"⚠ {error}" if error else s.help)
        self.reading_row.show_reading(self._waiting)
        self._show_summary(values)
        valid = not self.errors and not self._waiting
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)

    def _check_csv(self, config: TrainConfig) -> None:
        """Everything a run will check of the CSV file (its cells, the layer sizes, classes for the output, targets for
        the loss, rows for the test share), from reads off the GUI thread; ConfigError names the setting. While a read
        it needs is under way, the form waits (:attr:`reading`)."""
        found = self.reads.description(config)
        if found is None:
            self._waiting = Path(config.data).name
            return
        self.preview = _raised(found).preview
        check_csv_layers(config.layers, CsvShape.of(found), config.output, features=config.features)
        if _raised(self.reads.prepared(config)) is None:  # the data the run will start from, read as it will be
            self._waiting = Path(config.data).name

    def _show_summary(self, values: dict | None) -> None:
        if self.errors:
            first = next(iter(self.errors.values()))
            red = palette.error_text_color(self.summary).name()
            self.summary.setText(f"<span style='color:{red}'>⚠ {html.escape(first)}</span>")
        elif self._waiting:
            quiet = palette.secondary_text_color(self.summary).name()
            self.summary.setText(f"<span style='color:{quiet}'>Reading {html.escape(self._waiting)}…</span>")
        elif values is not None:
            n, layers = parameter_count(values["layers"]), len(values["layers"]) - 1
            text = f"{count(n, 'parameter')} in {count(layers, 'layer')}"
            if self.preview:  # your CSV, before training: its rows, each column's role, its classes
                text += "<br>" + html.escape(self.preview.splitlines()[0])
            self.summary.setText(f"<span style='color:{palette.secondary_text_color(self.summary).name()}'>{text}</span>")
            self.summary.setToolTip(f"<pre>{html.escape(self.preview)}</pre>" if self.preview else "")


def _raised(result):
    if isinstance(result, ConfigError):
        raise result
    return result
