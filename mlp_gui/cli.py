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
from typing import NoReturn

from mlp_gui import __version__
from mlp_gui.core.config import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_LAYERS,
    DEFAULT_SEED,
    DEFAULT_STEPSIZE,
    ConfigError,
    TrainConfig,
    check_batch_size,
    check_epochs,
    check_seed,
    check_stepsize,
    parse_float,
    parse_int,
    parse_layers,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

SETTINGS = ("seed", "layers", "batch_size", "stepsize", "epochs")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _typed(parse, check, name: str):
    """An argparse ``type=`` that parses with ``parse`` and validates with ``check``."""

    def convert(text: str):
        try:
            value = parse(text, name)
            check(value)
            return value
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name  # argparse names the type in its messages
    return convert


def _layers(text: str) -> tuple[int, ...]:
    try:
        return parse_layers(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_settings(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (defaults: the course notebook's)")
    group.add_argument("--seed", type=_typed(parse_int, check_seed, "seed"), help=f"random seed (default {DEFAULT_SEED})")
    group.add_argument(
        "--layers", type=_layers, metavar="N,N,...",
        help=f"layer sizes, inputs to outputs (default {','.join(map(str, DEFAULT_LAYERS))})",
    )
    group.add_argument(
        "--batch-size", dest="batch_size", type=_typed(parse_int, check_batch_size, "batch size"),
        help=f"columns in the training batch (default {DEFAULT_BATCH_SIZE})",
    )
    group.add_argument(
        "--stepsize", type=_typed(parse_float, check_stepsize, "stepsize"),
        help=f"gradient-descent step size (default {DEFAULT_STEPSIZE})",
    )
    group.add_argument(
        "--epochs", type=_typed(parse_int, check_epochs, "epochs"),
        help=f"epochs to train (default {DEFAULT_EPOCHS}; with --resume: epochs to add)",
    )


def config_from_args(args: argparse.Namespace) -> tuple[TrainConfig, frozenset[str]]:
    """Settings from the flags given, defaults for the rest; and which were given."""
    given = {name: getattr(args, name) for name in SETTINGS if getattr(args, name) is not None}
    return TrainConfig().with_changes(**given), frozenset(given)


def build_window_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mlp-gui",
        description="Watch backpropagation happen: train a small sigmoid MLP live. "
        "For headless training see 'mlp-gui train --help'.",
    )
    parser.add_argument("--version", action="version", version=f"mlp-gui {__version__}")
    parser.add_argument("run_file", nargs="?", type=Path, metavar="RUN.npz", help="a saved run to open")
    _add_settings(parser)
    window = parser.add_argument_group("unattended use (lectures, scripts, smoke tests)")
    window.add_argument("--run", action="store_true", help="start training at once")
    window.add_argument("--screenshot", type=Path, metavar="PATH", help="save a PNG of the window when the run ends")
    window.add_argument(
        "--exit-when-done", action="store_true",
        help="quit when the run ends: exit code 0 on success, 1 on divergence or error",
    )
    return parser


def build_train_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mlp-gui train",
        description="Train headless and print the notebook's numbers, a JSON summary, or save the run.",
    )
    _add_settings(parser)
    parser.add_argument("--notebook", action="store_true", help="print the course notebook's own output format")
    parser.add_argument("--save", type=Path, metavar="RUN.npz", help="save the run (plain .npz, no pickle)")
    parser.add_argument(
        "--resume", type=Path, metavar="RUN.npz",
        help="continue a saved run for --epochs more epochs (saved back to it unless --save is given)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON summary object on stdout at the end")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
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

    config, explicit = config_from_args(args)
    try:
        config.validated()
    except ConfigError as exc:
        print(f"mlp-gui: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    problem = _display_problem()
    if problem:
        print(f"mlp-gui: {problem}", file=sys.stderr)
        return EXIT_USAGE
    options = LaunchOptions(
        config=config, explicit=explicit, run_file=args.run_file, run=args.run,
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
