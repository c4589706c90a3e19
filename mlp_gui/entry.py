"""The ``mlp-gui`` command's first code: Ctrl+C while it is still starting is one line and exit 130, too.

Importing the command line takes a fifth of a second (NumPy); an interrupt then would print a
traceback, since the handlers of ``mlp-gui train`` and the window are not in place yet. This module
imports nothing heavy itself, so the console script and ``python -m mlp_gui`` can start here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from mlp_gui.exits import EXIT_INTERRUPTED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; an interrupt before its own handlers are in place ends it with one line."""
    try:
        from mlp_gui.cli import main as cli_main

        return cli_main(argv)
    except KeyboardInterrupt:
        try:
            print("mlp-gui: interrupted", file=sys.stderr)
        except KeyboardInterrupt:
            pass
        return EXIT_INTERRUPTED
