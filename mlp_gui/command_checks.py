"""What the commands that write files (``mlp-gui train``, ``landscape``, ``export``) share: a target checked before any
work is done, and an error that ends a command as one line on stderr with its exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from mlp_gui.core.safe_write import TargetError, check_target
from mlp_gui.exits import EXIT_INTERRUPTED, EXIT_USAGE


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file (links and ``..`` resolved)."""
    return os.path.realpath(a) == os.path.realpath(b)


def target_problem(path: Path, flag: str, *, like: str = "", run_file: Path | None = None) -> str:
    """Why ``path`` (given as ``flag``) cannot be written, in one line: a folder (``like``: a name to suggest), a folder
    that does not exist, the ``run_file`` itself, or what :func:`check_target` refuses; "" if it can."""
    if path.is_dir():
        return f"{flag} {path}: is a folder; give a file name" + (f" like {like}" if like else "")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return f"{flag} {path}: folder {folder} does not exist"
    if run_file is not None and same_file(path, run_file):
        return f"{flag} {path} is the run file itself: writing there would replace the run"
    try:
        check_target(path)
    except TargetError as exc:
        return f"{flag} {exc}"
    return ""


def run_reporting(prog: str, body: Callable[[], int], *, expected: tuple[type[Exception], ...], memory: str) -> int:
    """``body()``'s exit code; an ``expected`` error, or running out of memory (``memory`` says what needs it), is one
    line on stderr and exit 2; Ctrl+C is one line and exit 130."""
    try:
        return body()
    except expected as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
    except MemoryError:
        print(f"{prog}: error: out of memory ({memory})", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_USAGE
