"""``mlp-gui export``: a saved run as plain NumPy code, a Python script or a Jupyter notebook laid out like the course
notebook (see :mod:`mlp_gui.core.export_code`). Running the code trains the run again and asserts its final loss is
the run's, to the last bit.

Exit codes: 0 written; 1 a file could not be written (disk full, folder gone: one line says so); 2 bad input, one
line naming it, nothing written. A target that exists is replaced, as ``mlp-gui train --save`` replaces its file
(atomically: the old file or the new one, never half of one).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from mlp_gui.cli_args import Parser
from mlp_gui.command_checks import run_reporting, same_file, target_problem
from mlp_gui.core.export_checks import ExportError, data_plan, export_problem
from mlp_gui.core.export_files import Exported, write_export
from mlp_gui.core.runfile import RunFileError, SavedRun, load_run
from mlp_gui.core.safe_write import TargetError
from mlp_gui.exits import EXIT_FAILED, EXIT_OK

PROG = "mlp-gui export"


class UsageError(Exception):
    """Bad input found after parsing (the files, flags that do not go together)."""


def build_export_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Write a saved run as plain NumPy code laid out like the course notebook (initialize, the NN class "
        "with the run's forward pass, loss and hand-written backward pass, the training loop). Running it trains the "
        "run again from its seed, prints what the notebook prints and asserts that the final loss is the run's, to the "
        "last bit. Every optimizer (gd, momentum, nesterov, rmsprop, adam), the L1/L2 penalty, stepsize decay, input "
        "features and the stepsize or settings changed midway are written out. The first line is the 'mlp-gui train' "
        "command of the run's settings.",
        epilog="not exported yet (one line says so, exit 2): runs with weights typed in midway, and an update rule added "
        "by a plug-in. exit codes: 0 written; 1 a file could not be written; 2 bad input, nothing written",
    )
    parser.add_argument("run_file", type=Path, metavar="RUN.npz",
                        help="a saved run ('mlp-gui train --save', File > Save run)")
    parser.add_argument("--script", type=Path, metavar="RUN.py",
                        help="write a Python script that needs only NumPy (python RUN.py); replaced if it exists")
    parser.add_argument("--notebook", type=Path, metavar="RUN.ipynb",
                        help="write a Jupyter notebook (nbformat 4) with the course notebook's cells; replaced if it exists")
    return parser


def main(argv: Sequence[str]) -> int:
    """Parse ``argv`` (the words after ``export``) and run; a usage error exits 2 (SystemExit) as every parser does."""
    return run_export(build_export_parser().parse_args(list(argv)))


def run_export(args: argparse.Namespace) -> int:
    """Run ``mlp-gui export`` with parsed arguments; returns the exit code."""
    return run_reporting(PROG, partial(_export, args), expected=(UsageError, RunFileError, ExportError, TargetError),
                         memory="the run's data needs more than this process may use")


def _targets(args: argparse.Namespace) -> list[tuple[str, Path]]:
    targets = [(kind, path) for kind, path in (("script", args.script), ("notebook", args.notebook)) if path is not None]
    if not targets:
        raise UsageError("say what to write: --script RUN.py, --notebook RUN.ipynb, or both")
    if len(targets) == 2 and same_file(args.script, args.notebook):
        raise UsageError(f"--script and --notebook both name {args.script}: give each its own file")
    return targets


def _export(args: argparse.Namespace) -> int:
    targets = _targets(args)
    for kind, path in targets:
        _check_out(path, f"--{kind}", args.run_file)
    run = load_run(args.run_file)
    for note in run.notes:
        print(f"{PROG}: {note}", file=sys.stderr)
    problem = export_problem(run)
    if problem:
        raise UsageError(f"{args.run_file} cannot be exported: {problem}")
    for kind, path in targets:
        if data_plan(run, stem=path.stem).source == "file":
            _check_out(path.with_name(f"{path.stem}-data.npz"), f"--{kind}'s data file", args.run_file)
    written: list[Exported] = []
    for kind, path in targets:
        try:
            written.append(write_export(path, run, kind=kind))
        except ExportError as exc:
            raise UsageError(f"{args.run_file} cannot be exported: {exc}") from None
        except OSError as exc:
            print(f"{PROG}: error: could not write {path}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_FAILED
    print(f"{PROG}: {_sentence(run, written)}")
    return EXIT_OK


def _sentence(run: SavedRun, written: list[Exported]) -> str:
    files = " and ".join(str(w.path) + (f" (with {w.data_path.name})" if w.data_path else "") for w in written)
    ending = f"ends at loss {float(run.loss[-1])!r}" if run.diverged_at is None else f"diverges at epoch {run.diverged_at}"
    return f"wrote {files}: {run.epochs:,} epochs of NumPy code; it checks the run {ending}, to the last bit"


def _check_out(out: Path, flag: str, run_file: Path) -> None:
    """Before reading the run: ``out`` can be written (a regular file or none, in a folder we may write) and is not the
    run file."""
    problem = target_problem(out, flag, run_file=run_file)
    if problem:
        raise UsageError(problem)


__all__ = ["build_export_parser", "main", "run_export"]
