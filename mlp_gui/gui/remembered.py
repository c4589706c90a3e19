"""Settings, window geometry and splitter sizes remembered between sessions (QSettings).

Whatever is stored is read field by field through the core's settings schema,
so a missing, stale or hand-edited value falls back to the notebook's default
for that field alone and never stops the window from opening.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from mlp_gui.core.config import ConfigError, TrainConfig, check_fits_in_memory
from mlp_gui.core.settings import RUN_SETTINGS, SETTINGS

GROUP = "settings"


def store() -> QSettings:
    """The app's settings file (an INI file in the user's config folder, e.g. ~/.config/mlp-gui/)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "mlp-gui", "mlp-gui")


def load_values(settings: QSettings | None = None) -> dict[str, object]:
    """The last value of every setting in the schema, each invalid or missing one replaced by its default."""
    settings = settings or store()
    values = {}
    for s in SETTINGS:
        text = settings.value(f"{GROUP}/{s.name}")
        try:
            values[s.name] = s.from_text(str(text)) if text is not None else s.default
        except (ConfigError, TypeError, ValueError):
            values[s.name] = s.default
    # too big for this machine's memory: reset the size-giving fields one at a time
    for culprit in ((), ("epochs",), ("layers",), ("layers", "batch_size", "epochs")):
        candidate = values | {s.name: s.default for s in SETTINGS if s.name in culprit}
        try:
            check_fits_in_memory(config_of(candidate), candidate["epochs"])  # type: ignore[arg-type]
            return candidate
        except ConfigError:
            continue
    return {s.name: s.default for s in SETTINGS}


def config_of(values: dict[str, object]) -> TrainConfig:
    """The run settings among ``values``."""
    return TrainConfig(**{s.name: values[s.name] for s in RUN_SETTINGS})  # type: ignore[arg-type]


def load_config(settings: QSettings | None = None) -> TrainConfig:
    return config_of(load_values(settings))


def save_values(values: dict[str, object], settings: QSettings | None = None) -> None:
    settings = settings or store()
    for s in SETTINGS:
        if s.name in values:
            settings.setValue(f"{GROUP}/{s.name}", s.format(values[s.name]))
    settings.sync()


def save_config(config: TrainConfig, epochs: int | None = None, settings: QSettings | None = None) -> None:
    values: dict[str, object] = {s.name: getattr(config, s.name) for s in RUN_SETTINGS}
    if epochs is not None:
        values["epochs"] = epochs
    save_values(values, settings)


def kept_runs_path(settings: QSettings | None = None) -> Path:
    """Where the runs kept for comparison are stored between sessions: beside the settings file."""
    return Path((settings or store()).fileName()).parent / "kept-runs.npz"


def load_bytes(key: str, settings: QSettings | None = None) -> QByteArray | None:
    value = (settings or store()).value(f"window/{key}")
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def save_bytes(key: str, value: QByteArray, settings: QSettings | None = None) -> None:
    settings = settings or store()
    settings.setValue(f"window/{key}", value)
    settings.sync()
