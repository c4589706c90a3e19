"""``mlp-gui train``: headless training with the same core and driver the window uses.

A run is never lost: divergence, Ctrl+C, SIGTERM and SIGHUP stop it between
epochs, and what was computed is saved when ``--save`` (or ``--resume``) names
a file. A second signal during the save waits for the save to finish.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mlp_gui.cli_args import config_from_args
from mlp_gui.core import notebook
from mlp_gui.core.config import ConfigError, TrainConfig, check_fits_in_memory, format_value
from mlp_gui.core.driver import Halt, drive
from mlp_gui.core.runfile import RunFileError, load_run, run_from_trainer, save_run
from mlp_gui.core.settings import RUN_SETTINGS
from mlp_gui.core.trainer import Trainer
from mlp_gui.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from mlp_gui.progress import ProgressBar

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class UsageError(Exception):
    """Bad input discovered after argument parsing (a file, a mismatch)."""


@dataclass
class Plan:
    """What to train: the trainer, how many epochs to add, where to save."""

    trainer: Trainer
    epochs: int
    save_path: Path | None


class StopRequests:
    """The first SIGINT/SIGTERM/SIGHUP asks the run to stop between epochs; later ones are noted, not obeyed mid-save."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, _frame: object) -> None:
        if self.signum is None:
            self.signum = signum
        else:
            print(f"mlp-gui train: {signal.Signals(signum).name} again: finishing the save first", file=sys.stderr)

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @contextmanager
    def installed(self) -> Iterator[StopRequests]:
        previous = {s: signal.signal(s, self) for s in SIGNALS}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)


def run_train(args: argparse.Namespace) -> int:
    """Run ``mlp-gui train`` with parsed arguments; returns the exit code."""
    try:
        plan = _prepare(args)
    except (UsageError, ConfigError, RunFileError) as exc:
        print(f"mlp-gui train: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    trainer = plan.trainer
    start_epoch = trainer.epoch
    if args.notebook:
        print(notebook.initial_report(trainer.loss, trainer.flat_grads), end="")
    progress = ProgressBar(plan.epochs, enabled=not args.no_progress and sys.stderr.isatty())
    with StopRequests().installed() as stops:
        began = time.perf_counter()
        halt = drive(trainer, start_epoch + plan.epochs, lambda: stops.requested,
                     lambda p: progress.update(p.done, trainer.loss))
        seconds = time.perf_counter() - began
        progress.close()
        done = trainer.epoch - start_epoch
        if args.notebook:
            print(notebook.training_report(trainer.loss_history[start_epoch:], done), end="")
        saved = _save(trainer, plan.save_path)
    return _report(args, trainer, start_epoch, seconds, saved, halt, stops.signum)


def _report(args: argparse.Namespace, trainer: Trainer, start_epoch: int, seconds: float,
            saved: Path | None | bool, halt: Halt, signum: int | None) -> int:
    """Say how the run ended (one line on stderr for trouble, a summary line always) and choose the exit code."""
    done = trainer.epoch - start_epoch
    if halt is Halt.DIVERGED:
        print(
            f"mlp-gui train: diverged at epoch {trainer.diverged_at}: the loss became "
            f"{trainer.loss} (try a smaller stepsize){_saved_note(saved)}",
            file=sys.stderr,
        )
    elif signum is not None:
        name = signal.Signals(signum).name
        print(f"mlp-gui train: {name}: stopped after {done} epochs{_saved_note(saved)}", file=sys.stderr)
    summary = _summary(trainer, start_epoch, done, seconds, saved)
    if args.json:
        print(json.dumps(summary))
    line = (f"mlp-gui train: {done:,} epochs in {seconds:.2f} s "
            f"({summary['epochs_per_second'] or 0:,.0f} epochs/s), loss {float(trainer.loss_history[start_epoch])!r} -> {trainer.loss!r}")
    print(line, file=sys.stderr if (args.json or args.notebook) else sys.stdout)
    if saved is False:
        return EXIT_FAILED
    if signum is not None:
        return 128 + signum
    return EXIT_FAILED if halt is Halt.DIVERGED else EXIT_OK


def _prepare(args: argparse.Namespace) -> Plan:
    """The trainer to run, how many epochs, and where to save."""
    config, epochs, given = config_from_args(args)
    save_path = args.save
    if save_path is not None:
        _check_writable(save_path)
    if args.resume is None:
        check_fits_in_memory(config, epochs)
        return Plan(Trainer(config, capacity=epochs), epochs, save_path)
    run = load_run(args.resume)
    _check_resume_matches(run.config, config, given)
    epochs = epochs if "epochs" in given else run.epochs
    resumed = run.config.with_changes(stepsize=config.stepsize if "stepsize" in given else run.config.stepsize)
    check_fits_in_memory(resumed, run.epochs + epochs)
    trainer = run.with_config(resumed).trainer(extra_epochs=epochs)
    if save_path is None:
        save_path = args.resume
        _check_writable(save_path)
    return Plan(trainer, epochs, save_path)


def _check_resume_matches(saved: TrainConfig, asked: TrainConfig, given: frozenset[str]) -> None:
    """Settings fixed by the saved run must not be contradicted on the command line."""
    for s in RUN_SETTINGS:
        if s.name != "stepsize" and s.name in given and getattr(asked, s.name) != getattr(saved, s.name):
            raise UsageError(
                f"{s.flag} {format_value(s.name, getattr(asked, s.name))} differs from the saved run's "
                f"{format_value(s.name, getattr(saved, s.name))}; a resumed run keeps its network and data"
            )


def _check_writable(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"--save {path}: is a folder; give a file name like run.npz")
    if not folder.is_dir():
        raise UsageError(f"--save {path}: folder {folder} does not exist")


def _save(trainer: Trainer, path: Path | None) -> Path | None | bool:
    """Save the run if asked; the path on success, None if not asked, False on failure."""
    if path is None:
        return None
    try:
        return save_run(path, run_from_trainer(trainer))
    except OSError as exc:
        print(f"mlp-gui train: error: could not save {path}: {exc.strerror or exc}", file=sys.stderr)
        return False


def _saved_note(saved: Path | None | bool) -> str:
    return f"; saved what was computed to {saved}" if isinstance(saved, Path) else ""


def _summary(trainer: Trainer, start_epoch: int, done: int, seconds: float, saved: Path | None | bool) -> dict:
    history = trainer.loss_history
    cfg = trainer.config
    return {
        "settings": {s.name: s.to_json(getattr(cfg, s.name)) for s in RUN_SETTINGS} | {"epochs": done},
        "initial_loss": _json_float(history[0]),
        "start_loss": _json_float(history[start_epoch]),
        "final_loss": _json_float(history[-1]),
        "epochs": done,
        "total_epochs": trainer.epoch,
        "seconds": round(seconds, 6),
        "epochs_per_second": round(done / seconds, 1) if seconds > 0 else None,
        "diverged_at": trainer.diverged_at,
        "saved": str(saved) if isinstance(saved, Path) else None,
    }


def _json_float(value: float) -> float | str:
    """Floats for JSON; inf and NaN as strings (JSON has no literal for them)."""
    value = float(value)
    return value if value == value and abs(value) != float("inf") else str(value)
