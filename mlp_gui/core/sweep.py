"""Sweeps: one setting tried at several values, e.g. ``stepsize: 0.01, 0.1, 1``, and how to train them.

Any setting of the schema can be swept. Runs that share their network and
batch size train together as one stacked computation; the others one after
another. Either way :func:`run_sweep` drives them with the one driver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.config import ConfigError, TrainConfig, check_fits_in_memory
from mlp_gui.core.driver import drive
from mlp_gui.core.settings import BY_NAME, SETTINGS
from mlp_gui.core.stacked import StackedTrainer, can_stack
from mlp_gui.core.trainer import Trainer

MAX_RUNS = 12
SWEEPABLE = tuple(s.name for s in SETTINGS)


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: its settings and planned epochs."""

    config: TrainConfig
    epochs: int


@dataclass(frozen=True)
class SweepResult:
    """A finished (or cancelled) run of a sweep: its whole loss history."""

    run: SweepRun
    losses: np.ndarray
    diverged_at: int | None


def parse_values(name: str, text: str) -> list:
    """Values for one setting: comma-separated (layers separated by ``;``, e.g. ``3,4,2; 3,8,8,2``)."""
    if name not in SWEEPABLE:
        raise ConfigError(f"cannot sweep {name!r}; choose one of {', '.join(SWEEPABLE)}")
    s = BY_NAME[name]
    lists = name in ("layers", "features")  # values that are lists themselves: separated by ;
    parts = [p.strip() for p in text.split(";" if lists else ",") if p.strip()]
    if len(parts) < 2:
        hint = {"layers": "3,4,2; 3,8,2", "features": "x1,x2; x1sq,x2sq,x1x2"}.get(name, "0.01, 0.1, 1")
        raise ConfigError(f"a sweep needs at least two values, e.g. {hint}")
    if len(parts) > MAX_RUNS:
        raise ConfigError(f"a sweep takes at most {MAX_RUNS} values, got {len(parts)}")
    values = []
    for part in parts:
        try:
            values.append(s.from_text(part))
        except ConfigError as exc:
            raise ConfigError(f"{s.title} {part}: {exc}") from None
    return values


def sweep_runs(base: TrainConfig, epochs: int, name: str, text: str) -> list[SweepRun]:
    """``base`` (trained ``epochs``) with setting ``name`` at each value; ConfigError naming a bad value."""
    runs = []
    for value in parse_values(name, text):
        if name == "epochs":
            runs.append(SweepRun(base, int(value)))
        elif name == "features":  # the first layer takes one input per feature
            runs.append(SweepRun(base.with_changes(features=value, layers=(len(value.split(",")), *base.layers[1:])), epochs))
        else:
            runs.append(SweepRun(base.with_changes(**{name: value}), epochs))
    if len(set(runs)) < len(runs):
        raise ConfigError("the sweep repeats a value")
    for run in runs:
        run.config.validated()
    check_fits_in_memory(runs[0].config, max(r.epochs for r in runs), runs=len(runs))
    return runs


def stackable(runs: list[SweepRun]) -> bool:
    return can_stack([r.config for r in runs])


def run_sweep(runs: list[SweepRun], should_stop: Callable[[], bool], on_progress: Callable[[float], None]) -> list[SweepResult]:
    """Train every run (stacked when they share a shape); ``on_progress`` gets the fraction done."""
    if stackable(runs):
        trainer = StackedTrainer([r.config for r in runs], [r.epochs for r in runs])
        total = max(r.epochs for r in runs) or 1
        drive(trainer, max(trainer.ends), should_stop, lambda p: on_progress(p.epoch / total))
        return [SweepResult(r, trainer.loss_history(k).copy(), trainer.diverged_at[k]) for k, r in enumerate(runs)]
    results, total, done = [], sum(r.epochs for r in runs) or 1, 0
    for run in runs:
        trainer = Trainer.new(run.config, capacity=run.epochs)
        drive(trainer, run.epochs, should_stop, lambda p, before=done: on_progress((before + p.epoch) / total))
        done += run.epochs
        results.append(SweepResult(run, trainer.loss_history.copy(), trainer.diverged_at))
    return results
