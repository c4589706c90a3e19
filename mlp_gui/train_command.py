"""``mlp-gui train``: headless training with the same core the window uses.

A run is never lost: divergence, Ctrl+C and errors still save what was
computed when ``--save`` (or ``--resume``) names a file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from mlp_gui.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, SETTINGS, config_from_args
from mlp_gui.core import notebook
from mlp_gui.core.config import ConfigError, TrainConfig, check_fits_in_memory, format_value
from mlp_gui.core.runfile import RunFileError, load_run, run_from_trainer, save_run
from mlp_gui.core.trainer import Trainer
from mlp_gui.progress import ProgressBar

#: Epochs per ``Trainer.step`` call: small enough for a lively progress bar and prompt Ctrl+C.
CHUNK = 2_000


class UsageError(Exception):
    """Bad input discovered after argument parsing (a file, a mismatch)."""


def run_train(args: argparse.Namespace) -> int:
    """Run ``mlp-gui train`` with parsed arguments; returns the exit code."""
    try:
        trainer, epochs, save_path = _prepare(args)
    except (UsageError, ConfigError, RunFileError) as exc:
        print(f"mlp-gui train: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    start_epoch = trainer.epoch
    if args.notebook:
        print(notebook.initial_report(trainer.loss, trainer.grads), end="")

    interrupted = False
    progress = ProgressBar(epochs, enabled=not args.no_progress and sys.stderr.isatty())
    started = time.perf_counter()
    try:
        while trainer.epoch - start_epoch < epochs and trainer.diverged_at is None:
            trainer.step(min(CHUNK, epochs - (trainer.epoch - start_epoch)))
            progress.update(trainer.epoch - start_epoch, trainer.loss)
    except KeyboardInterrupt:
        interrupted = True
    seconds = time.perf_counter() - started
    progress.close()
    done = trainer.epoch - start_epoch

    if args.notebook:
        print(notebook.training_report(trainer.loss_history[start_epoch:], done), end="")
    saved = _save(trainer, save_path)
    if trainer.diverged_at is not None:
        print(
            f"mlp-gui train: diverged at epoch {trainer.diverged_at}: the loss became "
            f"{trainer.loss} (try a smaller stepsize){_saved_note(saved)}",
            file=sys.stderr,
        )
    elif interrupted:
        print(f"mlp-gui train: interrupted after {done} epochs{_saved_note(saved)}", file=sys.stderr)
    if args.json:
        print(json.dumps(_summary(trainer, start_epoch, done, seconds, saved)))
    if saved is False:
        return EXIT_FAILED
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if trainer.diverged_at is not None else EXIT_OK


def _prepare(args: argparse.Namespace) -> tuple[Trainer, int, Path | None]:
    """The trainer to run, how many epochs, and where to save."""
    config, given = config_from_args(args)
    save_path = args.save
    if save_path is not None:
        _check_writable(save_path)
    if args.resume is None:
        config.validated()
        return Trainer(config), config.epochs, save_path
    run = load_run(args.resume)
    _check_resume_matches(run.config, config, given)
    epochs = config.epochs if "epochs" in given else run.config.epochs
    resumed = run.config.with_changes(stepsize=config.stepsize if "stepsize" in given else run.config.stepsize)
    check_fits_in_memory(resumed, extra_epochs=epochs)
    trainer = run.with_config(resumed).trainer(extra_epochs=epochs)
    if save_path is None:
        save_path = args.resume
        _check_writable(save_path)
    return trainer, epochs, save_path


def _check_resume_matches(saved: TrainConfig, asked: TrainConfig, given: frozenset[str]) -> None:
    """Settings fixed by the saved run must not be contradicted on the command line."""
    for name in ("layers", "seed", "batch_size"):
        if name in given and getattr(asked, name) != getattr(saved, name):
            flag = "--" + name.replace("_", "-")
            raise UsageError(
                f"{flag} {format_value(name, getattr(asked, name))} differs from the saved run's "
                f"{format_value(name, getattr(saved, name))}; a resumed run keeps its network and data"
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
        "settings": {name: (list(cfg.layers) if name == "layers" else getattr(cfg, name)) for name in SETTINGS}
        | {"epochs": done},
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
