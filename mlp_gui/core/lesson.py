"""A lesson a teacher hands out: a title and a few lines shown in a pane, which controls are hidden or locked, and
whether the app asks predict-then-see questions.

A lesson travels inside a run file, so it is read as hostile input: bounded size, one JSON object with known fields of
checked types, no duplicated key, no control characters, and only known control names (one line names the unknown
ones). Nothing in it is ever executed; its text is shown as plain text.

Control names are: every setting's name (:data:`mlp_gui.core.settings.SETTINGS`), the run buttons
(:data:`RUN_BUTTONS`), and the window's tab keys. The tabs are the GUI's (:data:`mlp_gui.gui.tabs.TABS`); the core
keeps their keys in :data:`TAB_KEYS` so a file can be checked without Qt (a GUI test keeps the two lists equal),
and every reader may pass its own ``tab_keys``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mlp_gui.core.parse import strict_json
from mlp_gui.core.settings import SETTINGS

MAX_TITLE = 200
MAX_TEXT = 5_000
MAX_JSON_CHARS = 64_000  # the longest text escaped as \\uXXXX, and every control named twice over
MAX_NAMES = 200
MAX_DEPTH = 8  # a lesson nests two deep (lists of names in an object)
RUN_BUTTONS = ("start", "step", "reset", "stop", "sweep", "keep")
TAB_KEYS = ("training", "gradcheck", "notebook", "backprop", "surface", "flow", "landscape")
FIELDS = ("title", "text", "hidden", "locked", "questions")


class LessonError(ValueError):
    """A lesson that will not do, in one line."""


def control_names(tab_keys: Iterable[str] = TAB_KEYS) -> tuple[str, ...]:
    """Every name a lesson may hide or lock: the settings, the run buttons, then the tabs."""
    names = tuple(s.name for s in SETTINGS) + RUN_BUTTONS
    tabs = tuple(tab_keys)
    clash = sorted(set(names) & set(tabs))
    if clash:
        raise ValueError(f"tab keys {', '.join(clash)} are also settings or run buttons")
    return names + tabs


@dataclass(frozen=True)
class Lesson:
    """One lesson block; make it with :meth:`checked` (or :meth:`from_json`), which refuse what will not do."""

    title: str
    text: str = ""
    hidden: tuple[str, ...] = ()
    locked: tuple[str, ...] = ()
    questions: bool = False

    @classmethod
    def checked(cls, title: str, text: str = "", hidden: Sequence[str] = (), locked: Sequence[str] = (),
                questions: bool = False, *, tab_keys: Iterable[str] = TAB_KEYS) -> Lesson:
        """A lesson from these values, each checked; LessonError naming the first that will not do."""
        return cls.from_dict({"title": title, "text": text, "hidden": list(hidden), "locked": list(locked),
                              "questions": questions}, tab_keys=tab_keys)

    def is_hidden(self, name: str) -> bool:
        return name in self.hidden

    def is_locked(self, name: str) -> bool:
        """Locked or hidden: either way, not to be changed."""
        return name in self.locked or name in self.hidden

    def to_dict(self) -> dict:
        return {"title": self.title, "text": self.text, "hidden": list(self.hidden), "locked": list(self.locked),
                "questions": self.questions}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes, *, tab_keys: Iterable[str] = TAB_KEYS) -> Lesson:
        """Read a lesson written by :meth:`to_json` (or by hand), refusing anything else with one LessonError line."""
        if isinstance(text, bytes):
            if len(text) > 4 * MAX_JSON_CHARS:
                raise LessonError(f"the lesson is {len(text):,} bytes long; at most {MAX_JSON_CHARS:,} characters")
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise LessonError("the lesson is not UTF-8 text") from None
        if not isinstance(text, str):
            raise LessonError(f"the lesson must be JSON text, not {type(text).__name__}")
        if len(text) > MAX_JSON_CHARS:
            raise LessonError(f"the lesson is {len(text):,} characters long; at most {MAX_JSON_CHARS:,}")
        return cls.from_dict(_json_object(text), tab_keys=tab_keys)

    @classmethod
    def from_dict(cls, data: object, *, tab_keys: Iterable[str] = TAB_KEYS) -> Lesson:
        """A lesson from a parsed JSON object, every field's type and value checked."""
        if not isinstance(data, dict):
            raise LessonError(f"the lesson must be a JSON object, not {_kind(data)}")
        unknown = sorted(str(k)[:40] for k in data if k not in FIELDS)
        if unknown:
            raise LessonError(f"the lesson has unknown fields: {', '.join(unknown[:10])}; it may have {', '.join(FIELDS)}")
        if "title" not in data:
            raise LessonError("the lesson has no title")
        title = _text(data["title"], "title", MAX_TITLE, lines=False)
        if not title.strip():
            raise LessonError("the lesson's title is empty")
        text = _text(data.get("text", ""), "text", MAX_TEXT, lines=True)
        known = control_names(tab_keys)
        hidden = _names(data.get("hidden", []), "hidden", known)
        locked = _names(data.get("locked", []), "locked", known)
        tabs = [k for k in known if k in set(tab_keys)]
        if tabs and all(k in hidden for k in tabs):
            raise LessonError("the lesson hides every tab: leave at least one to look at")
        questions = data.get("questions", False)
        if not isinstance(questions, bool):
            raise LessonError(f"the lesson's questions must be true or false, not {_kind(questions)}")
        return cls(title, text, hidden, locked, questions)


def _json_object(text: str) -> object:
    return strict_json(text, what="the lesson", error=LessonError, max_depth=MAX_DEPTH,
                       too_deep="the lesson is nested too deeply", constants=False)


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true or false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _text(value: object, field: str, limit: int, *, lines: bool) -> str:
    if not isinstance(value, str):
        raise LessonError(f"the lesson's {field} must be text, not {_kind(value)}")
    if len(value) > limit:
        raise LessonError(f"the lesson's {field} is {len(value):,} characters long; at most {limit:,}")
    allowed = "\n\t" if lines else ""
    bad = next((c for c in value if (ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029") and c not in allowed),
               None)
    if bad is not None:
        where = "a line break" if bad in "\r\n\u2028\u2029" else f"the control character U+{ord(bad):04X}"
        raise LessonError(f"the lesson's {field} holds {where}" + ("" if lines else "; a title is one line"))
    return value


def _names(value: object, field: str, known: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise LessonError(f"the lesson's {field} must be a list of control names, not {_kind(value)}")
    if len(value) > MAX_NAMES:
        raise LessonError(f"the lesson's {field} lists {len(value):,} names; at most {MAX_NAMES}")
    wrong = [v for v in value if not isinstance(v, str)]
    if wrong:
        raise LessonError(f"the lesson's {field} must list names as text, not {_kind(wrong[0])}")
    unknown = [v for v in value if v not in known]
    if unknown:
        shown = ", ".join(repr(v[:40]) for v in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise LessonError(f"the lesson's {field} names unknown controls {shown}; known: {', '.join(known)}")
    return tuple(dict.fromkeys(value))  # each once, in the order given


__all__ = ["FIELDS", "MAX_TEXT", "MAX_TITLE", "RUN_BUTTONS", "TAB_KEYS", "Lesson", "LessonError", "control_names"]
