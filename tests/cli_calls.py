"""Calling a command's ``main`` in the test's own process: its exit status whether it returns it or argparse exits
with it, and what it printed."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def exit_code(main: Callable[[list[str]], int], argv: Sequence[str]) -> int:
    """``main(argv)``'s exit status (argparse's usage errors raise SystemExit with theirs)."""
    try:
        return main(list(argv))
    except SystemExit as exc:
        return int(exc.code)


def called(capsys, main: Callable[[list[str]], int], argv: Sequence[str]) -> tuple[int, str, str]:
    """``main(argv)``'s exit status, standard output and standard error."""
    code = exit_code(main, argv)
    out, err = capsys.readouterr()
    return code, out, err
