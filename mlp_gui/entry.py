"""The ``mlp-gui`` command's first code: Ctrl+C while it is still starting is one line and exit 130, too.

Importing the command line takes a fifth of a second (NumPy); an interrupt then would print a
traceback, since the handlers of ``mlp-gui train`` and the window are not in place yet, and one that
lands inside NumPy's C extensions even surfaces as an ImportError. So while the command line is
imported, Ctrl+C ends the process at once with one line (nothing has been trained or saved yet);
after that, a KeyboardInterrupt before the command's own handlers are in place is caught here. This
module imports nothing heavy itself, so the console script and ``python -m mlp_gui`` can start here.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from mlp_gui.exits import EXIT_FAILED, EXIT_INTERRUPTED

INTERRUPTED = "mlp-gui: interrupted while starting; nothing was trained or saved"


def _interrupted_while_importing(signum: int, frame: object) -> None:
    os.write(2, (INTERRUPTED + "\n").encode())
    os._exit(EXIT_INTERRUPTED)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; an interrupt before its own handlers are in place ends it with one line."""
    previous = signal.signal(signal.SIGINT, _interrupted_while_importing)
    try:
        from mlp_gui.cli import main as cli_main
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        return cli_main(argv)
    except BrokenPipeError:  # the reader of stdout went away (| head): the rest goes nowhere, no traceback
        from mlp_gui.closed_output import silence_stdout

        silence_stdout()
        return EXIT_FAILED
    except KeyboardInterrupt:
        try:
            print("mlp-gui: interrupted", file=sys.stderr)
        except KeyboardInterrupt:
            pass
        return EXIT_INTERRUPTED
