"""``mlp-gui train``: headless training with the same core and driver the window uses.

A run is never lost: divergence, Ctrl+C, SIGTERM and SIGHUP stop it between
epochs, and what was computed is saved when ``--save`` (or ``--resume``) names
a file. A second signal during the save waits for the save to finish. A signal
before training begins stops it with one line (nothing trained, nothing saved).
Exit codes: 0 done; 1 diverged, or not saved where asked (saved in the temporary
folder instead, and the path printed); 2 bad input, nothing changed; 128 + the
signal's number when stopped by one (130 for Ctrl+C), what was computed saved.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlp_gui.cli_args import config_from_args
from mlp_gui.closed_output import print_out
from mlp_gui.command_checks import target_problem
from mlp_gui.core import notebook
from mlp_gui.core.config import CONTINUABLE, ConfigError, TrainConfig, check_fits_in_memory, format_value
from mlp_gui.core.driver import Halt, drive
from mlp_gui.core.explain import fingerprint, layer_norms
from mlp_gui.core.guard import Guard, GuardReport
from mlp_gui.core.run_checks import check_flags_match, earlier_version_note
from mlp_gui.core.run_lock import LockedError, LockPathError, RunFileLock
from mlp_gui.core.runfile import (
    MAX_EPOCHS_IN_FILE,
    RunFileError,
    SavedRun,
    fallback_folder,
    load_run,
    run_from_trainer,
    save_run,
)
from mlp_gui.core.safe_write import TargetError
from mlp_gui.core.settings import RUN_SETTINGS
from mlp_gui.core.trainer import Trainer
from mlp_gui.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from mlp_gui.progress import ProgressBar, count

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class UsageError(Exception):
    """Bad input discovered after argument parsing (a file, a mismatch)."""


@dataclass
class Plan:
    """What to train: the trainer, how many epochs to add, where to save, and a note on how it starts."""

    trainer: Trainer
    epochs: int
    save_path: Path | None
    note: str = ""

    def saved_elsewhere(self, saved: Path | None | bool) -> bool:
        """Whether the run went to the fallback folder instead of the file asked for."""
        return isinstance(saved, Path) and self.save_path is not None and os.path.realpath(saved) != os.path.realpath(self.save_path)


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
    """Run ``mlp-gui train`` with parsed arguments; returns the exit code.

    Signals are caught from here on (a Ctrl+C even earlier, while Python starts, is one line too, see
    :mod:`mlp_gui.entry`). The run file being resumed (and the save target) stays locked until the run
    is saved, so two processes can never continue the same file and lose each other's epochs.
    """
    try:
        with StopRequests().installed() as stops:
            return _locked_train(args, stops)
    except KeyboardInterrupt:  # after the handlers were put back: while reporting
        print("mlp-gui train: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print("mlp-gui train: error: out of memory (the run needs more than this process may use); "
              "use smaller layers, batch size or fewer epochs", file=sys.stderr)
        return EXIT_USAGE


def _locked_train(args: argparse.Namespace, stops: StopRequests) -> int:
    held: list[RunFileLock] = []
    try:
        for path in _files_to_lock(args):
            lock = RunFileLock(path, f"mlp-gui train, pid {os.getpid()}")
            try:
                lock.acquire()
            except (LockedError, LockPathError):
                raise
            except OSError:  # no folder, or one we cannot write: the checks before training say so
                continue
            held.append(lock)
        return _train(args, stops)
    except (LockedError, LockPathError) as exc:
        print(f"mlp-gui train: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        for lock in held:
            lock.release()


def _files_to_lock(args: argparse.Namespace) -> list[Path]:
    paths = [p for p in (args.resume, args.save) if p is not None]
    real = {os.path.realpath(p): p for p in paths if not Path(p).is_dir()}
    return list(real.values())


def _train(args: argparse.Namespace, stops: StopRequests) -> int:
    """Prepare, train, save, report; signals stop the run between epochs (never mid-save)."""
    try:
        plan = _prepare(args)
    except (UsageError, ConfigError, RunFileError, TargetError) as exc:
        print(f"mlp-gui train: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if stops.signum is not None:
        print(f"mlp-gui train: {signal.Signals(stops.signum).name} before training began: nothing trained, nothing saved",
              file=sys.stderr)
        return 128 + stops.signum
    if plan.note:
        print(f"mlp-gui train: {plan.note}", file=sys.stderr)
    trainer = plan.trainer
    start_epoch = trainer.epoch
    if args.notebook:
        print_out(notebook.initial_report(trainer.loss, trainer.flat_grads), end="")
    progress = ProgressBar(plan.epochs, enabled=not args.no_progress and sys.stderr.isatty())
    began = time.perf_counter()
    guard = Guard(trainer) if args.guard else None
    halt = drive(trainer, start_epoch + plan.epochs, lambda: stops.requested, lambda p: progress.update(p.done, trainer.loss),
                 guard=guard)
    seconds = time.perf_counter() - began
    progress.close()
    if args.notebook:
        print_out(notebook.training_report(trainer.loss_history[start_epoch:], trainer.epoch - start_epoch), end="")
    saved = _save(trainer, plan.save_path)
    ended = Ending(halt, stops.signum, guard.report if guard else None, plan.saved_elsewhere(saved))
    return _report(args, trainer, start_epoch, seconds, saved, ended)


@dataclass(frozen=True)
class Ending:
    """How training ended: the driver's halt, the signal that stopped it, the guard's report, where it was saved."""

    halt: Halt
    signum: int | None
    guarded: GuardReport | None
    saved_elsewhere: bool


def _report(args: argparse.Namespace, trainer: Trainer, start_epoch: int, seconds: float,
            saved: Path | None | bool, ended: Ending) -> int:
    """Say how the run ended (one line on stderr for trouble, a summary line always) and choose the exit code."""
    halt, signum, guarded = ended.halt, ended.signum, ended.guarded
    done = trainer.epoch - start_epoch
    if guarded is not None:
        print(f"mlp-gui train: stopped by the divergence guard: {guarded.line(trainer.config.stepsize)}{_saved_note(saved)}",
              file=sys.stderr)
    elif halt is Halt.DIVERGED:
        print(
            f"mlp-gui train: diverged at epoch {trainer.diverged_at}: the loss became "
            f"{trainer.diverged_loss} (try a smaller stepsize){_saved_note(saved)}",
            file=sys.stderr,
        )
    elif signum is not None:
        name = signal.Signals(signum).name
        print(f"mlp-gui train: {name}: stopped after {count(done, 'epoch')}{_saved_note(saved)}", file=sys.stderr)
    summary = _summary(trainer, start_epoch, done, seconds, saved) | {"divergence": guarded.as_json() if guarded else None}
    if args.json:
        print_out(json.dumps(summary))
    line = (f"mlp-gui train: {count(done, 'epoch')} in {seconds:.2f} s "
            f"({summary['epochs_per_second'] or 0:,.0f} epochs/s), loss {float(trainer.loss_history[start_epoch])!r} -> {trainer.loss!r}")
    if isinstance(saved, Path):
        line += f"; saved to {saved}"
    if args.json or args.notebook:
        print(line, file=sys.stderr)
    else:
        print_out(line)
    if saved is False or ended.saved_elsewhere:
        return EXIT_FAILED  # a script must not take the file it named for updated
    if signum is not None:
        return 128 + signum
    return EXIT_FAILED if halt in (Halt.DIVERGED, Halt.GUARDED) else EXIT_OK


def _prepare(args: argparse.Namespace) -> Plan:
    """The trainer to run, how many epochs, and where to save."""
    config, epochs, given = config_from_args(args)
    config.validated()  # settings that do not go together (each alone was checked by its flag)
    if args.from_epoch is not None and args.resume is None:
        raise UsageError("--from-epoch goes back in a saved run: give the run with --resume RUN.npz")
    save_path = args.save
    if save_path is not None:
        _check_writable(save_path, "--save")
    if args.resume is None:
        _check_file_holds(save_path, epochs)
        check_fits_in_memory(config, epochs)
        return Plan(Trainer.new(config, capacity=epochs), epochs, save_path)
    run = load_run(args.resume)
    notes = list(run.notes)
    if args.from_epoch is not None:
        run, note = _went_back(run, args)
        notes.append(note)
    check_flags_match(run.config, config, given)
    epochs = epochs if "epochs" in given else run.epochs
    resumed = run.config.with_changes(stepsize=config.stepsize if "stepsize" in given else run.config.stepsize)
    earlier = earlier_version_note(run.config)  # settings an earlier version trained with and this one refuses
    if earlier:
        raise UsageError(f"{args.resume}: {earlier}")
    _check_file_holds(save_path or args.resume, run.epochs + epochs)
    check_fits_in_memory(resumed, run.epochs + epochs)
    notes.append(_diverged_note(run, resumed, given))
    trainer = run.with_config(resumed).trainer(extra_epochs=epochs)
    _continue_with_settings(trainer, config, given)
    if save_path is None:
        save_path = args.resume
        _check_writable(save_path, "--resume")
    return Plan(trainer, epochs, save_path, "; ".join(n for n in notes if n))


def _continue_with_settings(trainer: Trainer, config: TrainConfig, given: frozenset[str]) -> None:
    """The optimizer's numbers, penalty and decay given with ``--resume``: the run goes on with them from its end."""
    changes = {name: getattr(config, name) for name in CONTINUABLE if name in given}
    if changes:
        trainer.set_settings(**changes)


def _went_back(run: SavedRun, args: argparse.Namespace) -> tuple[SavedRun, str]:
    """The run at its snapshot at or before ``--from-epoch``; the source's later epochs are only replaced if
    ``--save`` names the source itself (and then we say what is dropped)."""
    back, at = run.from_epoch(args.from_epoch)
    note = f"continuing from epoch {at:,}, the latest snapshot at or before {args.from_epoch:,}"
    if at == run.epochs:
        return back, note
    if args.save is None:
        raise UsageError(
            f"--from-epoch {args.from_epoch:,} goes back to epoch {at:,} of {args.resume}'s {run.epochs:,}: saving back "
            f"would drop epochs {at + 1:,} to {run.epochs:,}; give --save NEW.npz to keep {args.resume}, "
            f"or --save {args.resume} to replace it")
    if os.path.realpath(args.save) == os.path.realpath(args.resume):
        note += f"; replacing {args.resume}: its epochs {at + 1:,} to {run.epochs:,} are dropped"
    return back, note


def _check_file_holds(path: Path | None, epochs: int) -> None:
    """A run that will be saved must fit in a run file (its loss history is read back in one piece)."""
    if path is not None and epochs > MAX_EPOCHS_IN_FILE:
        raise UsageError(f"a run file holds at most {MAX_EPOCHS_IN_FILE:,} epochs and this run would have {epochs:,}: "
                         "train fewer epochs")


def _diverged_note(run: SavedRun, resumed: TrainConfig, given: frozenset[str]) -> str:
    """How a diverged run continues: from its last finite epoch, and only with another stepsize."""
    if run.diverged_at is None:
        return ""
    if not run.continuable:
        raise UsageError(f"this run diverged at epoch {run.diverged_at} and its parameters are not finite; it cannot be continued")
    if "stepsize" not in given or resumed.stepsize == run.config.stepsize:
        raise UsageError(
            f"this run diverged at epoch {run.diverged_at} with stepsize {format_value('stepsize', run.config.stepsize)}: "
            "give a smaller --stepsize to continue it from its last finite epoch"
        )
    return (f"the run diverged at epoch {run.diverged_at}; continuing from epoch {run.diverged_at - 1}, its last finite one, "
            f"with stepsize {format_value('stepsize', resumed.stepsize)}")


def _check_writable(path: Path, flag: str) -> None:
    """Before training: the run can be saved there (a regular file or none, in a folder we may write)."""
    problem = target_problem(path, flag, like="run.npz")
    if problem:
        raise UsageError(problem)


def _save(trainer: Trainer, path: Path | None) -> Path | None | bool:
    """Save the run if asked: the path it went to, None if not asked, False if it could not be saved anywhere.

    If the target cannot take it after all (disk full, folder gone), it goes to the temporary folder, and we say where.
    """
    if path is None:
        return None
    try:
        saved = save_run(path, run_from_trainer(trainer), fallback_dir=fallback_folder())
    except OSError as exc:
        print(f"mlp-gui train: error: could not save {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    if os.path.realpath(saved) != os.path.realpath(path):
        print(f"mlp-gui train: could not write {path}; the run was saved to {saved} instead", file=sys.stderr)
    return saved


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
        "train_loss": _json_float(trainer.loss),
        "penalty": _json_float(trainer.penalty),  # λ₁·Σ|W| + (λ₂/2)·ΣW² at the final parameters (the loss is the data's)
        "fingerprint": fingerprint(cfg, trainer.initial_layers),
        "grad_norms": [_json_float(n) for n in layer_norms(trainer.grads)],  # per layer, W and b together
        "weight_norms": [_json_float(n) for n in layer_norms(trainer.layers)],
        **{name: _last(trainer.metrics.get(name)) for name in ("test_loss", "accuracy", "test_accuracy")},
    }


def _last(values) -> float | str | None:
    """The newest finite value of a per-epoch measure, or None when the run has none (no test set, regression)."""
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    return _json_float(finite[-1]) if finite.size else None


def _json_float(value: float) -> float | str:
    """Floats for JSON; inf and NaN as strings (JSON has no literal for them)."""
    value = float(value)
    return value if value == value and abs(value) != float("inf") else str(value)
