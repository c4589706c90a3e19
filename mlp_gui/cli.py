"""The ``mlp-gui`` command: open the window, or train headless with ``mlp-gui train`` (also ``landscape``, ``export``).

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
from mlp_gui.core.config import ConfigError, check_fits_in_memory
from mlp_gui.core.guard_rule import DEFAULT_FACTOR, LEAP, STAY_EPOCHS, STAY_SHARE
from mlp_gui.core.safe_write import TargetError, check_target
from mlp_gui.core.settings import DEFAULT_EPOCHS
from mlp_gui.exits import EXIT_USAGE
from mlp_gui.qt_options import HELP as QT_OPTIONS_HELP
from mlp_gui.qt_options import QtOptionError, refuse_two_dashes, split_qt_options

#: --epochs in the window and in ``train``: the one flag whose meaning differs between a new run and a continued one
WINDOW_EPOCHS_HELP = (f"epochs to train in total, counted from epoch 0: the Epochs field (default {DEFAULT_EPOCHS}). With RUN.npz: "
                      "epochs to add to the opened run's, as 'mlp-gui train' adds them to a run it resumes")
TRAIN_EPOCHS_HELP = (f"epochs to train (default {DEFAULT_EPOCHS}). With --resume: epochs to add to the saved run's, not a total "
                     "(default: as many as it has)")
#: the guard as core/guard_rule.py judges and core/guard.py reports
GUARD_HELP = (
    f"stop a run whose loss blows up: it rises {DEFAULT_FACTOR:,.0f} times above its best so far and above where it "
    f"started, stays up (not back at its start for {STAY_EPOCHS} epochs, in {STAY_SHARE * 100:.0f}%% of them above {LEAP:g} "
    "times it), or stops being finite. The line says where, names the layer whose gradient grew most and a smaller "
    "stepsize that trained when tried from the last good epoch, or that none did (default: on; with --no-guard "
    "only a loss that is no longer finite stops the run)"
)
TRAIN_EXIT_CODES = (
    "exit codes: 0 done; 1 diverged or stopped by the guard, or the run could not be saved where asked (it was then "
    "saved to the temporary folder, and the line printed says where); 2 bad input, nothing changed; 130 Ctrl+C "
    "(143 SIGTERM, 129 SIGHUP), what was computed saved"
)


def build_window_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="mlp-gui",
        description="Watch backpropagation happen: train a small neural network (a multilayer perceptron) and see its "
        "loss, weights and gradients change live. To train without a window see 'mlp-gui train --help'; "
        "for the loss landscape around a saved run, 'mlp-gui landscape --help'; to write a saved run as NumPy code, "
        "'mlp-gui export --help'.",
        epilog=QT_OPTIONS_HELP,
    )
    parser.add_argument("--version", action="version", version=f"mlp-gui {__version__}")
    parser.add_argument("run_file", nargs="?", type=Path, metavar="RUN.npz",
                        help="a saved run to open and continue (from File > Save run or 'mlp-gui train --save')")
    add_setting_flags(
        parser, "settings", {"epochs": WINDOW_EPOCHS_HELP},
        description="The window starts from the settings you used last; the first time, and with --run, --screenshot "
        "or --exit-when-done, from the defaults shown (the course notebook's). A flag given here overrides either.",
    )
    window = parser.add_argument_group("unattended use (lectures, scripts, smoke tests)")
    window.add_argument("--run", action="store_true", help="start training at once")
    window.add_argument("--screenshot", type=Path, metavar="PATH",
                        help="start at once (as --run) and save a PNG of the window when the run ends")
    window.add_argument(
        "--exit-when-done", action="store_true",
        help="start at once (as --run) and quit when the run ends: exit code 0 on success, 1 on divergence or error",
    )
    return parser


def build_train_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="mlp-gui train",
        description="Train without a window (the same numbers as the window) and print one summary line, the course "
        "notebook's output (--notebook) or a JSON summary (--json); --save keeps the run to open in the window.",
        epilog=TRAIN_EXIT_CODES,
    )
    add_setting_flags(
        parser, "settings", {"epochs": TRAIN_EPOCHS_HELP},
        description="Defaults: the course notebook's. With --resume: the saved run's; of those only --stepsize may differ.",
    )
    parser.add_argument("--notebook", action="store_true",
                        help="print what the course notebook prints: its first report, then its 'Loss after N epochs' lines")
    parser.add_argument(
        "--save", type=Path, metavar="RUN.npz",
        help="save the run to this file (plain .npz, no pickle; open it with 'mlp-gui RUN.npz'). If the file cannot be "
        "written at the end, the run goes to the temporary folder and the line printed says where",
    )
    parser.add_argument(
        "--resume", type=Path, metavar="RUN.npz",
        help="continue a saved run for --epochs more epochs and save it back to the same file (unless --save names another)",
    )
    parser.add_argument(
        "--from-epoch", type=int, metavar="K",
        help="with --resume: continue from the run's latest snapshot at or before epoch K (it says which)",
    )
    parser.add_argument("--json", action="store_true",
                        help="print one JSON summary object on stdout at the end (the summary line then goes to stderr)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar (it is drawn on stderr, and only when that is a terminal)")
    parser.add_argument(
        "--guard", action=argparse.BooleanOptionalAction, default=True,
        help=GUARD_HELP,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mlp-gui`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train":
        from mlp_gui.train_command import run_train

        return run_train(build_train_parser().parse_args(argv[1:]))
    if argv and argv[0] == "landscape":
        from mlp_gui.landscape_command import build_landscape_parser, run_landscape

        return run_landscape(build_landscape_parser().parse_args(argv[1:]))
    if argv and argv[0] == "export":
        from mlp_gui.export_command import build_export_parser, run_export

        return run_export(build_export_parser().parse_args(argv[1:]))
    try:  # Qt's own options (-style Fusion, -platform offscreen, -reverse) go to Qt; the rest is ours
        line = split_qt_options(argv)
        refuse_two_dashes(line.ours)
    except QtOptionError as exc:
        print(f"mlp-gui: error: {exc} (see mlp-gui --help)", file=sys.stderr)
        return EXIT_USAGE
    return _open_window(build_window_parser().parse_args(line.ours), qt_args=line.qt,
                        qt_platform=line.value("platform"))


def _open_window(args: argparse.Namespace, *, qt_args: Sequence[str] = (), qt_platform: str | None = None) -> int:
    from mlp_gui.launch import LaunchOptions

    config, epochs, explicit = config_from_args(args)
    try:
        if args.run_file is None:  # with a run file, the app checks against the file's settings once it is read
            check_fits_in_memory(config, epochs)  # before Qt, before a history of that many epochs is allocated
        if args.screenshot is not None:
            check_target(args.screenshot)  # a FIFO, folder or device would hang or swallow it after the run
    except (ConfigError, TargetError) as exc:
        flag = "--screenshot " if isinstance(exc, TargetError) else ""
        print(f"mlp-gui: error: {flag}{exc}", file=sys.stderr)
        return EXIT_USAGE
    problem = None if qt_platform else _display_problem()  # -platform names where the window goes
    if problem:
        print(f"mlp-gui: {problem}", file=sys.stderr)
        return EXIT_USAGE
    options = LaunchOptions(
        config=config, epochs=epochs, explicit=explicit, run_file=args.run_file,
        run=args.run or args.exit_when_done or args.screenshot is not None,  # unattended means started: nothing else ends it
        screenshot=args.screenshot, exit_when_done=args.exit_when_done,
    )
    from mlp_gui.gui.app import run_window

    return run_window(options, qt_args=qt_args)


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
