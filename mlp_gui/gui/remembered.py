"""Settings, window geometry and splitter sizes remembered between sessions (QSettings).

Whatever is stored is read field by field through the core's settings schema,
so a missing, stale or hand-edited value falls back to the notebook's default
for that field alone and never stops the window from opening. Nor does the
file itself: if anything but a regular file sits where Qt would read settings
(a FIFO would block the read forever), this session keeps its settings in a
file of its own, says so once, and remembers nothing.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from mlp_gui.core.config import ConfigError, TrainConfig, check_fits_in_memory
from mlp_gui.core.settings import RUN_SETTINGS, SETTINGS

GROUP = "settings"


def store() -> QSettings:
    """The app's settings file (an INI file in the user's config folder, e.g. ~/.config/mlp-gui/)."""
    unusable = unusable_settings_file()
    if unusable is not None:
        _say_once(f"mlp-gui: {unusable}: settings are not remembered this time (remove it to fix this)")
        return QSettings(str(_stand_in()), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "mlp-gui", "mlp-gui")


def unusable_settings_file() -> str | None:
    """Which file Qt would read settings from is not a regular file (and what it is), or None if all are fine.

    Qt reads the app's file and the organisation's, for the user and for the system; the folders come from a
    QSettings of another name, which reads nothing that exists.
    """
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        probe = Path(QSettings(QSettings.Format.IniFormat, scope, "mlp-gui-path-probe", "probe").fileName())
        for path in (probe.parent.parent / "mlp-gui" / "mlp-gui.ini", probe.parent.parent / "mlp-gui.ini"):
            try:
                mode = os.stat(path).st_mode
            except OSError:
                continue  # absent, or unreadable: Qt reads nothing from it, and does not wait
            if not stat.S_ISREG(mode):
                kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a folder" if stat.S_ISDIR(mode) else "not a regular file"
                return f"{path} is {kind}, not a settings file"
    return None


@lru_cache(maxsize=1)
def _stand_in() -> Path:
    """This session's own settings file, when the real one cannot be read."""
    return Path(tempfile.mkdtemp(prefix="mlp-gui-settings-")) / "mlp-gui.ini"


@lru_cache(maxsize=8)
def _say_once(message: str) -> None:
    print(message, file=sys.stderr)


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
