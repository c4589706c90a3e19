"""Sweep plans: one setting tried at several values, e.g. ``stepsize: 0.01, 0.1, 1``, as TrainConfigs.

Pure Python on top of :mod:`mlp_gui.core.config` (no Qt), so the CLI could
share it; it belongs in ``mlp_gui/core/`` (see the report that came with it).
Every value goes through the same parser and check as the settings form, and
every message names the setting, the value and what is wrong with it. The
runs are the base settings with only the swept one changed; the window's
worker trains them one after another.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlp_gui.core.config import (
    ConfigError,
    TrainConfig,
    check_batch_size,
    check_epochs,
    check_seed,
    check_stepsize,
    format_value,
    parse_float,
    parse_int,
    parse_layers,
)

#: what can be swept, in the order a dialog offers them, with the words people use for each
SETTINGS = {"seed": "seed", "layers": "layers", "batch_size": "batch size", "stepsize": "stepsize", "epochs": "epochs"}
ALIASES = {"batch": "batch_size", "batchsize": "batch_size", "step_size": "stepsize", "step": "stepsize",
           "learning_rate": "stepsize", "lr": "stepsize", "epoch": "epochs", "layer_sizes": "layers"}
EXAMPLES = {"seed": "1, 2, 3", "layers": "3,4,2; 3,4,4,2; 3,8,8,2", "batch_size": "5, 20, 100",
            "stepsize": "0.01, 0.1, 1", "epochs": "1000, 10000, 100000"}
MIN_RUNS, MAX_RUNS = 2, 12


@dataclass(frozen=True)
class SweepPlan:
    """The runs of one sweep: ``base`` with ``setting`` set to each of ``values``."""

    setting: str
    values: tuple
    configs: tuple[TrainConfig, ...]

    def __len__(self) -> int:
        return len(self.configs)

    def labels(self) -> list[str]:
        """``stepsize=0.01`` ... one per run, as legends and lists show them."""
        name = SETTINGS[self.setting]
        return [f"{name}={format_value(self.setting, v)}" for v in self.values]

    @property
    def total_epochs(self) -> int:
        return sum(c.epochs for c in self.configs)


def canonical_setting(name: str) -> str:
    """``'batch size'``, ``'Batch-Size'`` or ``'batch'`` -> ``'batch_size'``; ConfigError if not sweepable."""
    key = "_".join(str(name).strip().lower().replace("-", " ").split())
    key = ALIASES.get(key, key)
    if key not in SETTINGS:
        raise ConfigError(f"cannot sweep {str(name).strip()!r}: choose one of {', '.join(SETTINGS.values())}")
    return key


def split_values(setting: str, text: str) -> list[str]:
    """The typed values: comma-separated, but ``;`` between layer lists (``3,4,2; 3,8,2``)."""
    separator = ";" if setting == "layers" else ","
    text = str(text) if setting == "layers" else str(text).replace(";", ",")
    return [part.strip() for part in text.split(separator) if part.strip()]


def parse_value(setting: str, text: str) -> object:
    """One value, parsed and checked as the settings form would (ConfigError names what is wrong)."""
    name = SETTINGS[setting]
    if setting == "layers":
        return parse_layers(text)
    if setting == "stepsize":
        value = parse_float(text, name)
        check_stepsize(value)
        return value
    value = parse_int(text, name)
    {"seed": check_seed, "batch_size": check_batch_size, "epochs": check_epochs}[setting](value)
    return value


def plan_sweep(base: TrainConfig, setting: str, values_text: str) -> SweepPlan:
    """``base`` with ``setting`` at each typed value, every run validated (memory included)."""
    setting = canonical_setting(setting)
    name = SETTINGS[setting]
    parts = split_values(setting, values_text)
    if len(parts) < MIN_RUNS:
        how = " (separate layer lists with ;)" if setting == "layers" else ""
        raise ConfigError(f"a sweep needs at least {MIN_RUNS} values of {name}{how}, e.g. {EXAMPLES[setting]}")
    if len(parts) > MAX_RUNS:
        raise ConfigError(f"a sweep runs at most {MAX_RUNS} values, got {len(parts)}")
    values = []
    for i, part in enumerate(parts, start=1):
        try:
            values.append(parse_value(setting, part))
        except ConfigError as exc:
            raise ConfigError(f"value {i} of {len(parts)} ({part!r}): {exc}") from None
    for i, value in enumerate(values):
        if value in values[:i]:
            raise ConfigError(f"{name} {format_value(setting, value)} appears twice: each run needs its own value")
    configs = []
    for value in values:
        try:
            configs.append(base.with_changes(**{setting: value}).validated())
        except ConfigError as exc:
            raise ConfigError(f"{name} {format_value(setting, value)}: {exc}") from None
    return SweepPlan(setting, tuple(values), tuple(configs))


def parse_sweep(text: str, base: TrainConfig) -> SweepPlan:
    """A sweep written as one line: ``stepsize: 0.01, 0.1, 1`` or ``layers: 3,4,2; 3,8,8,2``."""
    name, colon, values = str(text).partition(":")
    if not colon or not name.strip():
        raise ConfigError("write the setting, a colon and the values, e.g. stepsize: 0.01, 0.1, 1")
    return plan_sweep(base, name, values)
