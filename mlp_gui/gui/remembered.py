"""Settings, window geometry and splitter sizes remembered between sessions (QSettings).

Whatever is stored is read field by field through the core's checks, so a
missing, stale or hand-edited value falls back to the notebook's default for
that field alone and never stops the window from opening.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from mlp_gui.core.config import ConfigError, TrainConfig, format_value
from mlp_gui.gui.settings_form import FIELDS

GROUP = "settings"


def store() -> QSettings:
    """The app's settings file (an INI file in the user's config folder, e.g. ~/.config/mlp-gui/)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "mlp-gui", "mlp-gui")


def load_config(settings: QSettings | None = None) -> TrainConfig:
    """The last settings used, each invalid or missing one replaced by its default."""
    settings = settings or store()
    defaults = TrainConfig()
    values = {}
    for name, (_, convert, _) in FIELDS.items():
        text = settings.value(f"{GROUP}/{name}")
        try:
            values[name] = convert(str(text)) if text is not None else getattr(defaults, name)
        except (ConfigError, TypeError, ValueError):
            values[name] = getattr(defaults, name)
    config = TrainConfig(**values)
    # too big for this machine's memory: reset the size-giving fields one at a time
    for culprit in ((), ("epochs",), ("layers",), ("layers", "batch_size", "epochs")):
        candidate = config.with_changes(**{name: getattr(defaults, name) for name in culprit})
        try:
            return candidate.validated()
        except ConfigError:
            continue
    return defaults


def save_config(config: TrainConfig, settings: QSettings | None = None) -> None:
    settings = settings or store()
    for name in FIELDS:
        settings.setValue(f"{GROUP}/{name}", format_value(name, getattr(config, name)))
    settings.sync()


def load_bytes(key: str, settings: QSettings | None = None) -> QByteArray | None:
    value = (settings or store()).value(f"window/{key}")
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def save_bytes(key: str, value: QByteArray, settings: QSettings | None = None) -> None:
    settings = settings or store()
    settings.setValue(f"window/{key}", value)
    settings.sync()
