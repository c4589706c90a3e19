"""Command-line flags for every setting, generated from the core's settings schema.

Both ``mlp-gui`` (the window) and ``mlp-gui train`` take the same setting
flags; a bad value is one line naming the flag's setting and exit code 2.
Flags are never abbreviated (``--out`` is not taken for ``--output``): a flag
that is not spelled out is refused, with the one that was probably meant.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Callable
from typing import NoReturn

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.parse import ConfigError
from mlp_gui.core.settings import RUN_SETTINGS, SETTINGS, Setting
from mlp_gui.exits import EXIT_USAGE


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2), not a usage dump, and no flag is abbreviated."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs["allow_abbrev"] = False  # an abbreviation would silently become whichever flag it starts
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}{self._meant(message)} (see {self.prog} --help)\n")

    def _meant(self, message: str) -> str:
        """``; did you mean --output?`` for an unrecognised flag close to a real one."""
        if not message.startswith("unrecognized arguments:"):
            return ""
        flags = [option for action in self._actions for option in action.option_strings]
        for word in message.split(":", 1)[1].split():
            name = word.split("=", 1)[0]
            if name.startswith("--"):
                near = [f for f in flags if f.startswith(name)] or difflib.get_close_matches(name, flags, n=1)
                if near:
                    return f"; did you mean {' or '.join(near[:3])}?"
        return ""


def _converter(s: Setting) -> Callable[[str], object]:
    """An argparse ``type=`` that parses and checks with the schema."""

    def convert(text: str) -> object:
        try:
            return s.from_text(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = s.title  # argparse names the type in its messages
    return convert


def add_setting_flags(parser: argparse.ArgumentParser, title: str, help_for: dict[str, str] | None = None,
                      description: str | None = None) -> None:
    """One flag per setting (``--batch-size`` for ``batch_size``); ``help_for`` overrides a setting's help."""
    group = parser.add_argument_group(title, description)
    for s in SETTINGS:
        text = (help_for or {}).get(s.name, f"{s.help[0].lower()}{s.help[1:].rstrip('.')} (default {s.format(s.default)})")
        group.add_argument(s.flag, dest=s.name, type=_converter(s), metavar=s.metavar, help=text)


def given_settings(args: argparse.Namespace) -> dict[str, object]:
    """The settings given on the command line, by name."""
    return {s.name: getattr(args, s.name) for s in SETTINGS if getattr(args, s.name, None) is not None}


def config_from_args(args: argparse.Namespace) -> tuple[TrainConfig, int, frozenset[str]]:
    """The run's settings (the flags given over the notebook's defaults), planned epochs, and which flags were given."""
    given = given_settings(args)
    config = TrainConfig(**{s.name: given[s.name] for s in RUN_SETTINGS if s.name in given})
    epochs = given.get("epochs", next(s.default for s in SETTINGS if s.name == "epochs"))
    return config, int(epochs), frozenset(given)  # type: ignore[call-overload]
