"""Turning what a person types into numbers, with one line saying what is wrong when it cannot be.

Only ASCII digits count (``３`` is not 3); ``100_000`` and ``1e5`` are
accepted for whole numbers; a number too large for a float says so rather than
becoming ``inf``. Every message starts with the setting's name.
"""

from __future__ import annotations

import json
import math
import re


class ConfigError(ValueError):
    """A setting is invalid; the message names the setting and says why.

    ``setting`` is the schema name of the field to point at (e.g. ``"batch_size"``), when one can be named.
    """

    def __init__(self, message: str, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


_INT = re.compile(r"[+-]?[0-9][0-9_]*")
_FLOAT = re.compile(r"[+-]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?")
_NAMED_FLOATS = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"}
MAX_DIGITS = 100  # longer numbers are refused before any conversion


def _clean(text: object, name: str) -> str:
    s = str(text).strip()
    if not s:
        raise ConfigError(f"{name} is empty", name)
    if len(s) > MAX_DIGITS:
        raise ConfigError(f"{name} is {len(s)} characters long; that is not a number this app can use", name)
    return s


def parse_float(text: object, name: str) -> float:
    """A real number typed by a person (``0.1``, ``1e-3``, ``1_000.5``); ``inf``/``nan`` are left to the checks."""
    s = _clean(text, name)
    if s.lower() in _NAMED_FLOATS:
        return float(s)
    if not _FLOAT.fullmatch(s):
        raise ConfigError(f"{name} must be a number, got {s!r}", name)
    value = float(s.replace("_", ""))
    if math.isinf(value):
        raise ConfigError(f"{name} {s} is too large", name)
    return value


def parse_int(text: object, name: str) -> int:
    """A whole number typed by a person (``100000``, ``100_000`` and ``1e5`` are accepted)."""
    s = _clean(text, name)
    if _INT.fullmatch(s):
        return int(s.replace("_", ""))
    try:
        value = parse_float(s, name)
    except ConfigError:
        raise ConfigError(f"{name} must be a whole number, got {s!r}", name) from None
    if not math.isfinite(value) or value != int(value):
        raise ConfigError(f"{name} must be a whole number, got {s!r}", name)
    return int(value)


def parse_sizes(text: object, name: str = "layers") -> tuple[int, ...]:
    """Layer sizes like ``3,4,4,2`` (spaces, ``;`` or ``x`` also separate; one trailing separator is fine)."""
    s = str(text).strip()
    if not s:
        raise ConfigError(f"{name} is empty: give sizes like 3,4,4,2", name)
    for sep in ("x", "X", ";"):
        s = s.replace(sep, ",")
    parts = [p.strip() for p in s.split(",")]
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()  # "3,4," is 3,4
    sizes: list[int] = []
    for part in parts:
        if not part:
            raise ConfigError(f"{name}: size {len(sizes) + 1} is empty (two separators in a row)", name)
        for word in part.split():
            if not _INT.fullmatch(word) or len(word) > 12:
                raise ConfigError(f"{name}: size {len(sizes) + 1} is {word!r}, not a whole number", name)
            sizes.append(int(word.replace("_", "")))
    return tuple(sizes)


def json_depth(text: str) -> int:
    """How deeply ``[`` and ``{`` nest outside strings: checked before parsing untrusted JSON (a few thousand levels
    exhaust Python's recursion; how deep ``json`` goes differs between Pythons)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped = not escaped and char == "\\"
            in_string = escaped or char != '"'
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def strict_json(text: str, *, what: str, error: type[ValueError], max_depth: int, too_deep: str,
                constants: bool = True) -> object:
    """Untrusted JSON text, parsed with one line for each way it can be wrong, raised as ``error(line)``: nested
    deeper than ``max_depth`` (``too_deep`` says so; checked before parsing), a key named twice, NaN or Infinity
    (refused unless ``constants``), or not JSON at all. ``what`` names the text in the lines (``config``)."""
    if json_depth(text) > max_depth:
        raise error(too_deep)

    def no_duplicates(pairs: list) -> dict:
        seen: dict = {}
        for key, value in pairs:
            if key in seen:
                raise error(f"{what} names {key[:40]!r} twice")
            seen[key] = value
        return seen

    def no_constant(name: str) -> None:
        raise error(f"{what} holds {name}, which is not JSON")

    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=None if constants else no_constant)
    except RecursionError:
        raise error(too_deep) from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, error):
            raise
        raise error(f"{what} is not valid JSON: {exc}") from None
