"""Sweeps: one setting tried at several values, e.g. ``stepsize: 0.01, 0.1, 1``."""

from __future__ import annotations

from mlp_gui.core.config import ConfigError, TrainConfig, parse_float, parse_int, parse_layers

MAX_RUNS = 12
SWEEPABLE = ("stepsize", "seed", "batch_size", "layers", "epochs")


def parse_values(setting: str, text: str) -> list:
    """Values for one setting: comma-separated (layers separated by ``;``, e.g. ``3,4,2; 3,8,8,2``)."""
    if setting not in SWEEPABLE:
        raise ConfigError(f"cannot sweep {setting!r}; choose one of {', '.join(SWEEPABLE)}")
    parts = [p.strip() for p in text.split(";" if setting == "layers" else ",") if p.strip()]
    if len(parts) < 2:
        hint = "3,4,2; 3,8,2" if setting == "layers" else "0.01, 0.1, 1"
        raise ConfigError(f"a sweep needs at least two values, e.g. {hint}")
    if len(parts) > MAX_RUNS:
        raise ConfigError(f"a sweep takes at most {MAX_RUNS} values, got {len(parts)}")
    name = setting.replace("_", " ")
    if setting == "layers":
        return [parse_layers(p) for p in parts]
    if setting == "stepsize":
        return [parse_float(p, name) for p in parts]
    return [parse_int(p, name) for p in parts]


def sweep_configs(base: TrainConfig, setting: str, text: str) -> list[TrainConfig]:
    """``base`` with ``setting`` set to each value, each validated (the message names the bad value)."""
    configs = []
    for value in parse_values(setting, text):
        cfg = base.with_changes(**{setting: value})
        try:
            configs.append(cfg.validated())
        except ConfigError as exc:
            raise ConfigError(f"{setting.replace('_', ' ')} {value}: {exc}") from None
    if len(set(configs)) < len(configs):
        raise ConfigError("the sweep repeats a value")
    return configs
