"""Qt's own command-line options (``-style Fusion``, ``-platform offscreen``, ``-reverse``, …) in ``mlp-gui``'s line.

They are taken out of the window's command line before argparse reads the rest, and handed to QApplication,
which reads them as every Qt program does. Only the options Qt documents for all programs are taken, in Qt's
spelling (one dash; ``-style=Fusion`` or ``-style Fusion``); everything else is ours and argparse judges it.
``mlp-gui train`` and the other commands take none. No Qt is imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: options followed by a value: ``-style Fusion`` or ``-style=Fusion``
WITH_VALUE = frozenset({"style", "stylesheet", "platform", "platformpluginpath", "platformtheme", "plugin",
                        "qwindowgeometry", "qwindowicon", "qwindowtitle", "session", "display", "geometry"})
#: options that stand alone
ALONE = frozenset({"reverse", "widgetcount", "nograb", "dograb"})
#: options Qt reads only as ``-name=value``
EQUALS_ONLY = frozenset({"qmljsdebugger"})

HELP = ("Qt's own options are passed on to Qt: e.g. -style Fusion (or -style=Fusion), -platform offscreen, "
        "-reverse, -stylesheet FILE.qss")


class QtOptionError(ValueError):
    """A Qt option given without the value it needs, or with two dashes; the message is the one line to print."""


@dataclass(frozen=True)
class SplitLine:
    """The window's command line split in two: ``ours`` for argparse, ``qt`` for QApplication (Qt's spelling)."""

    ours: list[str]
    qt: list[str]

    def value(self, name: str) -> str | None:
        """The last value given for Qt's option ``name`` (``"platform"``), or None."""
        found = None
        for i, word in enumerate(self.qt):
            if word == f"-{name}" and i + 1 < len(self.qt):
                found = self.qt[i + 1]
            elif word.startswith(f"-{name}="):
                found = word.split("=", 1)[1]
        return found


def split_qt_options(argv: Sequence[str]) -> SplitLine:
    """Take Qt's options out of ``argv`` (up to a ``--``, after which every word is ours); QtOptionError if one
    that needs a value has none."""
    ours: list[str] = []
    qt: list[str] = []
    words = list(argv)
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            ours.extend(words[i:])
            break
        name, equals, value = word[1:].partition("=") if word.startswith("-") and not word.startswith("--") else ("", "", "")
        if (name in ALONE and not equals) or (name in EQUALS_ONLY and equals):
            qt.append(word)
        elif name in WITH_VALUE:
            if not equals:
                following = words[i + 1] if i + 1 < len(words) else ""
                value = "" if following.startswith("-") else following  # a flag next is not a value: Qt's would eat it
                i += 1 if value else 0
            if not value:
                raise QtOptionError(f"Qt's option -{name} needs a value, e.g. {_example(name)}")
            qt.extend((f"-{name}", value))
        else:
            ours.append(word)
        i += 1
    return SplitLine(ours, qt)


def refuse_two_dashes(ours: Sequence[str]) -> None:
    """QtOptionError for a Qt option spelt with two dashes (``--style``) in our words before any ``--``: Qt would
    not read it, and argparse would only guess at one of ours."""
    for word in ours:
        if word == "--":
            return
        name = word[2:].partition("=")[0] if word.startswith("--") else ""
        if name in WITH_VALUE | ALONE | EQUALS_ONLY:
            example = f"-{name}" if name in ALONE else _example(name)
            raise QtOptionError(f"--{name}: Qt's option is -{name} (one dash), e.g. {example}")


def _example(name: str) -> str:
    return {"style": "-style Fusion", "platform": "-platform offscreen",
            "stylesheet": "-stylesheet look.qss"}.get(name, f"-{name}=VALUE")
