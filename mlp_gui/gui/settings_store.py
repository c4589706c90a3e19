"""Remembered settings: the last TrainConfig, window geometry and state, splitter sizes (QSettings).

A student reopens the app and finds the settings and layout they left. What
is stored is read back field by field through the same parsers and checks as
the settings form, so a missing, stale or hand-edited value falls back to the
notebook's default for that field alone; nothing stored can stop the window
from opening. Values are written as the text a person would type (stepsize
with ``repr`` so it comes back bit for bit), in an INI file under the user's
config folder (organisation and application "mlp-gui").
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from mlp_gui.core.config import ConfigError, TrainConfig, format_value
from mlp_gui.gui.sweep_plan import parse_value

ORGANIZATION = "mlp-gui"
APPLICATION = "mlp-gui"
TRAINING = "training"  # group of the last TrainConfig's fields
LAYOUT = "layout"  # group of window geometry, window state and splitter states
FIELDS = ("seed", "layers", "batch_size", "stepsize", "epochs")
SIZE_FIELDS = ("epochs", "layers", "batch_size")  # what decides whether a run fits in memory
STATE_VERSION = 1  # QMainWindow.saveState version: bump when docks change so old states are ignored


def default_settings() -> QSettings:
    """The app's own settings file (INI on every platform, e.g. ~/.config/mlp-gui/mlp-gui.ini)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def stored_text(name: str, value: object) -> str:
    """A setting as stored: as a person types it, except stepsize, which must round-trip exactly."""
    return repr(float(value)) if name == "stepsize" else format_value(name, value)


class SettingsStore:
    """Load and save what the window remembers; pass a QSettings to use another file (tests)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings if settings is not None else default_settings()

    # ------------------------------------------------------------ the last settings

    def save_config(self, config: TrainConfig) -> None:
        for name in FIELDS:
            self.settings.setValue(f"{TRAINING}/{name}", stored_text(name, getattr(config, name)))
        self.settings.sync()

    def load_config(self) -> TrainConfig:
        """The last settings saved; each missing or invalid field is the notebook's default instead."""
        defaults = TrainConfig()
        config = TrainConfig(**{name: self._field(name, getattr(defaults, name)) for name in FIELDS})
        try:
            return config.validated()
        except ConfigError:  # each field is fine but together they no longer fit in memory
            return _fit_in_memory(config, defaults)

    def has_config(self) -> bool:
        return any(self.settings.contains(f"{TRAINING}/{name}") for name in FIELDS)

    def _field(self, name: str, default: object) -> object:
        raw = self.settings.value(f"{TRAINING}/{name}")
        if isinstance(raw, (list, tuple)):  # an unquoted "3,4,4,2" in a hand-edited INI reads as a list
            raw = ",".join(str(part) for part in raw)
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            return default
        try:
            return parse_value(name, str(raw))
        except (ConfigError, ValueError, OverflowError):
            return default

    # ------------------------------------------------------------ window layout

    def save_window(self, window: QMainWindow, splitters: Mapping[str, QSplitter] | None = None) -> None:
        """Geometry and dock/toolbar state of ``window``, and the sizes of the named splitters."""
        self.save_bytes("geometry", window.saveGeometry())
        self.save_bytes("state", window.saveState(STATE_VERSION))
        for name, splitter in (splitters or {}).items():
            self.save_bytes(f"splitters/{name}", splitter.saveState())
        self.settings.sync()

    def restore_window(self, window: QMainWindow, splitters: Mapping[str, QSplitter] | None = None) -> bool:
        """Put back what :meth:`save_window` stored; False (and the layout untouched) where nothing valid is."""
        restored = self._restore(window.restoreGeometry, "geometry")
        restored = self._restore(lambda b: window.restoreState(b, STATE_VERSION), "state") and restored
        for name, splitter in (splitters or {}).items():
            restored = self._restore(splitter.restoreState, f"splitters/{name}") and restored
        return restored

    def _restore(self, apply, key: str) -> bool:
        value = self.load_bytes(key)
        return bool(value is not None and apply(value))

    def save_bytes(self, key: str, value: QByteArray) -> None:
        self.settings.setValue(f"{LAYOUT}/{key}", value)

    def load_bytes(self, key: str) -> QByteArray | None:
        """A stored QByteArray, or None if missing, empty or not bytes at all."""
        value = self.settings.value(f"{LAYOUT}/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    # ------------------------------------------------------------ forgetting

    def restore_defaults(self) -> TrainConfig:
        """Forget the remembered settings and layout; returns the defaults to show."""
        for group in (TRAINING, LAYOUT):
            self.settings.remove(group)
        self.settings.sync()
        return TrainConfig()


def _fit_in_memory(config: TrainConfig, defaults: TrainConfig) -> TrainConfig:
    """The stored run with as few size fields as possible back at their defaults so that it fits."""
    one_at_a_time = [{name: getattr(defaults, name)} for name in SIZE_FIELDS]
    all_of_them = {name: getattr(defaults, name) for name in SIZE_FIELDS}
    for changes in one_at_a_time + [all_of_them]:
        try:
            return config.with_changes(**changes).validated()
        except ConfigError:
            continue
    return defaults
