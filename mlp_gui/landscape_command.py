"""``mlp-gui landscape``: the loss over a plane through a saved run's parameters, with its path, or along the
straight line between two of its points, written to an ``.npz`` (see :mod:`mlp_gui.core.landscape`).

The arithmetic runs on one BLAS thread (:mod:`mlp_gui.core.blas_threads`): two of them wait for each other on every
product whenever anything else keeps a core busy, and were up to six times slower than one on a loaded two-core
machine (a 41 x 41 slice of a 784,256,256,10 net: 8.7 s against 1.3 s).

Exit codes: 0 written; 1 computed but not written (disk full, folder gone: one line says so); 2 bad input, one
line naming it, nothing written; 130 on Ctrl+C. The output is written atomically: the old file or the new one,
never half of one.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np

from mlp_gui.cli_args import Parser
from mlp_gui.command_checks import run_reporting, target_problem
from mlp_gui.core.landscape import (
    DEFAULT_GRID,
    LINE_FROM,
    LINE_TO,
    MAX_GRID,
    MIN_GRID,
    PLANES,
    LandscapeError,
    Line,
    Slice,
    Trajectory,
)
from mlp_gui.core.landscape_asks import LineAsk, SliceAsk, compute_ask
from mlp_gui.core.runfile import RunFileError, load_run
from mlp_gui.core.safe_write import TargetError, atomic_write
from mlp_gui.exits import EXIT_FAILED, EXIT_OK

PROG = "mlp-gui landscape"
SLICE_ONLY = ("plane", "span", "at", "seed")  # flags that shape a slice and mean nothing for --line


class UsageError(Exception):
    """Bad input found after parsing (the files, flags that do not go together)."""


def _grid(text: str) -> int:
    value = _int(text, "grid")
    if not MIN_GRID <= value <= MAX_GRID:
        raise argparse.ArgumentTypeError(f"a grid of {value} points per axis: it must be from {MIN_GRID} to {MAX_GRID}")
    return value


def _span(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"a span of {text}: it must be a positive number")
    return value


def _epoch(text: str) -> int:
    value = _int(text, "epoch")
    if value < 0:
        raise argparse.ArgumentTypeError(f"epoch {value} is before the run (it starts at epoch 0)")
    return value


def _seed(text: str) -> int:
    value = _int(text, "seed")
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"a seed of {value}: it must be from 0 to 2^63 - 1")
    return value


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({what})") from None


def _ends(text: str) -> tuple[int | None, int | None]:
    """``A:B`` with each an epoch, ``init`` (epoch 0) or ``end`` (None)."""
    parts = text.split(":")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not A:B (two epochs, 'init' or 'end', e.g. init:end or 100:2000)")
    ends = []
    for part in (p.strip().lower() for p in parts):
        if part in ("init", "end"):
            ends.append(0 if part == "init" else None)
            continue
        try:
            ends.append(_epoch(part))
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    return ends[0], ends[1]


def build_landscape_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="The loss over a plane through a saved run's parameters with the path the run took drawn on it "
        "(Li et al. 2018), or along the straight line between two of its snapshots (--line, Goodfellow et al. 2015), "
        "on the run's training data. Written to an .npz that NumPy reads (np.load).",
        epilog="exit codes: 0 written; 1 computed but could not be written; 2 bad input, nothing written; 130 Ctrl+C",
    )
    parser.add_argument("run_file", type=Path, metavar="RUN.npz", help="a saved run ('mlp-gui train --save', File > Save run)")
    parser.add_argument("--plane", choices=PLANES,
                        help="pca (default): the two leading principal directions of the kept snapshots around the centre; "
                        "random: two random directions from --seed, filter-normalised (each unit's incoming weights "
                        "scaled to that unit's weight norm, biases not moved); hessian: the eigenvectors of the two "
                        "largest Hessian eigenvalues at the centre")
    parser.add_argument("--grid", type=_grid, default=DEFAULT_GRID, metavar="N",
                        help=f"points per axis ({MIN_GRID} to {MAX_GRID}; default {DEFAULT_GRID})")
    parser.add_argument("--span", type=_span, metavar="S",
                        help="half-width of the slice in units of the directions (default: the path with a margin for "
                        "pca, 1 otherwise)")
    parser.add_argument("--at", type=_epoch, metavar="EPOCH",
                        help="centre the slice on the latest snapshot at or before EPOCH (default: the run's end)")
    parser.add_argument("--seed", type=_seed, metavar="S", help="seed of the random directions (default 0)")
    parser.add_argument("--line", type=_ends, metavar="A:B",
                        help=f"instead of a slice: the loss along (1-t)·θ_A + t·θ_B for t from {LINE_FROM} to {LINE_TO}, "
                        "between the snapshots at or before epochs A and B ('init' and 'end' allowed, e.g. init:end)")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT.npz",
                        help="where to write the result (slice: center, d1, d2, alphas, betas, loss, path, path_epochs; "
                        "line: ts, loss, theta_a, theta_b and their epochs and losses)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON summary object on stdout (the summary line then goes to stderr)")
    return parser


def main(argv: Sequence[str]) -> int:
    """Parse ``argv`` (the words after ``landscape``) and run; a usage error exits 2 (SystemExit) as every parser does."""
    return run_landscape(build_landscape_parser().parse_args(list(argv)))


def run_landscape(args: argparse.Namespace) -> int:
    """Run ``mlp-gui landscape`` with parsed arguments; returns the exit code."""
    return run_reporting(PROG, partial(_landscape, args), expected=(UsageError, RunFileError, TargetError, LandscapeError),
                         memory="the run's network and data need more than this process may use")


def _landscape(args: argparse.Namespace) -> int:
    if args.line is not None:
        given = [f"--{name}" for name in SLICE_ONLY if getattr(args, name) is not None]
        if given:
            them = "it" if len(given) == 1 else "them"
            raise UsageError(f"{', '.join(given)} shape{'s' if len(given) == 1 else ''} a slice, not the --line: leave {them} out")
    if args.seed is not None and args.plane != "random":
        raise UsageError("--seed chooses the random directions: give it with --plane random")
    problem = target_problem(args.out, "--out", like="slice.npz", run_file=args.run_file)
    if problem:
        raise UsageError(problem)
    run = load_run(args.run_file)
    for note in run.notes:
        print(f"{PROG}: {note}", file=sys.stderr)
    trajectory = Trajectory.of_run(run)
    ask = LineAsk(*args.line, grid=args.grid) if args.line is not None else SliceAsk(
        args.plane or "pca", args.grid, args.span, args.seed or 0, at=args.at, with_sharpness=True)
    began = time.perf_counter()
    result = compute_ask(trajectory, ask)
    seconds = time.perf_counter() - began
    arrays = result.arrays()
    try:
        atomic_write(args.out, lambda f: np.savez(f, **arrays))
    except OSError as exc:
        print(f"{PROG}: error: could not write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    summary = _line_summary(result, args.grid, seconds) if isinstance(result, Line) else _slice_summary(result, trajectory, seconds)
    if args.json:
        print(json.dumps(summary))
    print(f"{PROG}: {_sentence(result, summary)}; written to {args.out}", file=sys.stderr if args.json else sys.stdout)
    return EXIT_OK


def _slice_summary(s: Slice, trajectory: Trajectory, seconds: float) -> dict:
    finite = s.loss[np.isfinite(s.loss)]
    return {"plane": s.plane, "grid": len(s.alphas), "center_epoch": s.center_epoch, "center_loss": _json_float(s.center_loss),
            "min_loss": _json_float(finite.min()) if finite.size else None,
            "sharpness": _json_float(s.sharpness) if s.sharpness is not None else None,
            "two_over_stepsize": _json_float(2.0 / trajectory.stepsize) if trajectory.stepsize > 0 else None,
            "seconds": round(seconds, 6)}


def _line_summary(line: Line, grid: int, seconds: float) -> dict:
    finite = line.loss[np.isfinite(line.loss)]
    between = line.loss[(line.ts >= 0) & (line.ts <= 1)]
    return {"plane": "line", "grid": grid, "epoch_a": line.epoch_a, "epoch_b": line.epoch_b,
            "loss_a": _json_float(line.loss_a), "loss_b": _json_float(line.loss_b),
            "min_loss": _json_float(finite.min()) if finite.size else None,
            "max_between": _json_float(between.max()) if between.size else None, "seconds": round(seconds, 6)}


def _sentence(result: Slice | Line, summary: dict) -> str:
    """The summary line's words."""
    took = f"in {summary['seconds']:.2f} s"
    if isinstance(result, Line):
        return (f"line from epoch {result.epoch_a:,} (loss {result.loss_a:.4g}) to epoch {result.epoch_b:,} (loss "
                f"{result.loss_b:.4g}), {len(result.ts)} points for t from {LINE_FROM} to {LINE_TO}, lowest "
                f"{_g(summary['min_loss'])} {took}")
    n, span = len(result.alphas), float(result.alphas[-1])
    sharp = ""
    if result.sharpness is not None:
        known = f"{result.sharpness:.4g}" if math.isfinite(result.sharpness) else "unknown (too large a loss to resolve)"
        sharp = f"; sharpness {known}, 2/stepsize {_g(summary['two_over_stepsize'])}"
    return (f"{result.plane} slice, {n}x{n} points within ±{span:.3g} around epoch {result.center_epoch:,} (loss "
            f"{result.center_loss:.4g}, lowest {_g(summary['min_loss'])}{sharp}) {took}")


def _g(value: float | str | None) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _json_float(value: float) -> float | str:
    """Floats for JSON; inf and NaN as strings (JSON has no literal for them)."""
    value = float(value)
    return value if math.isfinite(value) else str(value)


__all__ = ["build_landscape_parser", "main", "run_landscape"]
