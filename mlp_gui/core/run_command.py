"""The ``mlp-gui train …`` line that makes a run's settings again: Edit ▸ Copy as command, and every exported script's
first line.

Only the settings that differ from the defaults (the course notebook's) are written, each as its flag with the
value a person would type (:meth:`~mlp_gui.core.settings.Setting.format`: floats never lose digits), quoted for a
POSIX shell; a CSV file's path is written as the run names it. Parsing the line with ``mlp-gui train``'s own
parser gives the same settings back (the tests check it for many).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from mlp_gui.core import setting_changes, stepsize_history
from mlp_gui.core.config import TrainConfig
from mlp_gui.core.settings import SETTINGS


def train_argv(config: TrainConfig, epochs: int | None = None) -> list[str]:
    """``["mlp-gui", "train", "--flag", "value", ...]``: the settings of ``config`` that are not the defaults, and
    ``--epochs`` when ``epochs`` is given, at least 1 and not the default."""
    argv = ["mlp-gui", "train"]
    for s in SETTINGS:
        value = epochs if s.scope == "plan" else getattr(config, s.name, None)
        if value is None or value == s.default or (s.scope == "plan" and value < 1):  # a run of 0 epochs: no plan
            continue
        argv += [s.flag, s.format(value)]
    return argv


def train_command(config: TrainConfig, epochs: int | None = None, *, fingerprint: str = "",
                  stepsizes: Sequence[tuple[int, float]] = (), changes: setting_changes.Rows = ()) -> str:
    """The shell line of :func:`train_argv`, with ``# run FINGERPRINT`` after it when there is one.

    ``stepsizes``: the run's stepsize history, when it changed midway; ``changes``: the other settings changed midway
    (:mod:`mlp_gui.core.setting_changes`). The comment then says so (the line trains with the config's values, the
    last ones, throughout).
    """
    line = shlex.join(train_argv(config, epochs))
    notes = [f"run {fingerprint}"] if fingerprint else []
    if len(stepsizes) > 1:
        rows = tuple((int(e), float(s)) for e, s in stepsizes)
        notes.append(f"stepsize changed midway: {stepsize_history.describe(rows)}")
    if len(changes) > 1:
        notes.append(f"settings changed midway: {setting_changes.describe(tuple(changes))}")
    return f"{line}  # {'; '.join(notes)}" if notes else line


__all__ = ["train_argv", "train_command"]
