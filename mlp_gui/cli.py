"""The ``mlp-gui`` command: open the window, or train headless with ``mlp-gui train``.

Bad input gets one line naming what is wrong and exit code 2, never a
traceback. Qt is imported only when the window is wanted, so ``--help``,
``--version`` and ``train`` work without a display.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mlp_gui import __version__
from mlp_gui.cli_args import Parser, add_setting_flags, config_from_args
from mlp_gui.exits import EXIT_USAGE


def build_window_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="mlp-gui",
        description="Watch backpropagation happen: train a small sigmoid MLP live. "
        "For headless training see 'mlp-gui train --help'.",
    )
    parser.add_argument("--version", action="version", version=f"mlp-gui {__version__}")
    parser.add_argument("run_file", nargs="?", type=Path, metavar="RUN.npz", help="a saved run to open")
    add_setting_flags(
        parser,
        "settings (the window starts from the settings you used last, the notebook's the first time; "
        "with --run, --screenshot or --exit-when-done from the notebook's; flags given here override either)",
        {"epochs": "epochs to train in total (with RUN.npz: the total to reach)"},
    )
    window = parser.add_argument_group("unattended use (lectures, scripts, smoke tests)")
    window.add_argument("--run", action="store_true", help="start training at once")
    window.add_argument("--screenshot", type=Path, metavar="PATH", help="save a PNG of the window when the run ends")
    window.add_argument(
        "--exit-when-done", action="store_true",
        help="quit when the run ends: exit code 0 on success, 1 on divergence or error",
    )
    return parser


def build_train_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="mlp-gui train",
        description="Train headless and print the notebook's numbers, a JSON summary, or save the run.",
    )
    add_setting_flags(
        parser, "settings (defaults: the course notebook's)",
        {"epochs": "epochs to train now (default 100000; with --resume: epochs to add to the saved run)"},
    )
    parser.add_argument("--notebook", action="store_true", help="print the course notebook's own output format")
    parser.add_argument("--save", type=Path, metavar="RUN.npz", help="save the run (plain .npz, no pickle)")
    parser.add_argument(
        "--resume", type=Path, metavar="RUN.npz",
        help="continue a saved run for --epochs more epochs (saved back to it unless --save is given)",
    )
    parser.add_argument(
        "--from-epoch", type=int, metavar="K",
        help="with --resume: continue from the run's latest snapshot at or before epoch K (it says which)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON summary object on stdout at the end")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument(
        "--guard", action=argparse.BooleanOptionalAction, default=True,
        help="stop when the loss rises a million-fold above its best (before it becomes NaN), name the layer whose "
        "gradient grew most and suggest a stable stepsize (default: on)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mlp-gui`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train":
        from mlp_gui.train_command import run_train

        return run_train(build_train_parser().parse_args(argv[1:]))
    return _open_window(build_window_parser().parse_args(argv))


def _open_window(args: argparse.Namespace) -> int:
    from mlp_gui.launch import LaunchOptions

    config, epochs, explicit = config_from_args(args)
    problem = _display_problem()
    if problem:
        print(f"mlp-gui: {problem}", file=sys.stderr)
        return EXIT_USAGE
    options = LaunchOptions(
        config=config, epochs=epochs, explicit=explicit, run_file=args.run_file, run=args.run,
        screenshot=args.screenshot, exit_when_done=args.exit_when_done,
    )
    from mlp_gui.gui.app import run_window

    return run_window(options)


def _display_problem() -> str | None:
    """Why the window cannot open here, said before Qt aborts with a less helpful message."""
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open the window on (DISPLAY is not set). Run it on a desktop, "
        "train headless with 'mlp-gui train', or set QT_QPA_PLATFORM=offscreen."
    )
