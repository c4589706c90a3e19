"""A reader that stops reading a command's output early (``mlp-gui train --notebook | head``): what is left to print
is dropped, and nothing else changes (the run is still saved, the exit code is the run's).

:func:`print_out` prints a report line on stdout; :func:`silence_stdout` sends the rest of stdout to the null device
(without it, Python fails again flushing stdout at exit and prints a traceback).
"""

from __future__ import annotations

import os
import sys


def silence_stdout() -> None:
    """From now on, what is printed on stdout goes nowhere."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture): replace the object
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stdout for the rest of the process
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def print_out(*values: object, end: str = "\n") -> bool:
    """``print`` on stdout, flushed at once; False (and stdout silenced) if its reader has gone."""
    try:
        print(*values, end=end, flush=True)
    except BrokenPipeError:
        silence_stdout()
        return False
    return True
