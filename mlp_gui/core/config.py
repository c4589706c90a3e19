"""Training settings, their validation, and the memory estimate made before allocating.

Every front end (CLI flags, window fields, saved-run files) turns text into a
:class:`TrainConfig` through the parsers here, so one message names what is
wrong wherever the bad value came from.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field, replace

#: The course notebook's settings.
DEFAULT_SEED = 12345
DEFAULT_LAYERS: tuple[int, ...] = (3, 4, 4, 2)
DEFAULT_BATCH_SIZE = 5
DEFAULT_STEPSIZE = 0.1
DEFAULT_EPOCHS = 100_000

MAX_SEED = 2**32 - 1  # what numpy's legacy RandomState accepts
MAX_LAYERS = 64


class ConfigError(ValueError):
    """A setting is invalid; the message names the setting and says why."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a run: same config, same numbers."""

    seed: int = DEFAULT_SEED
    layers: tuple[int, ...] = field(default=DEFAULT_LAYERS)
    batch_size: int = DEFAULT_BATCH_SIZE
    stepsize: float = DEFAULT_STEPSIZE
    epochs: int = DEFAULT_EPOCHS

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))

    def validated(self) -> TrainConfig:
        """Return self if every setting is valid and the run fits in memory, else raise ConfigError."""
        check_seed(self.seed)
        check_layers(self.layers)
        check_batch_size(self.batch_size)
        check_stepsize(self.stepsize)
        check_epochs(self.epochs)
        check_fits_in_memory(self)
        return self

    def with_changes(self, **changes: object) -> TrainConfig:
        """A copy with some settings replaced (not validated)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_json(self) -> str:
        """The settings as a JSON object string (layers as a list)."""
        data = asdict(self)
        data["layers"] = list(self.layers)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        """Parse and validate settings written by :meth:`to_json`."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"config is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError("config is not a JSON object")
        unknown = set(data) - {"seed", "layers", "batch_size", "stepsize", "epochs"}
        if unknown:
            raise ConfigError(f"config has unknown settings: {', '.join(sorted(unknown))}")
        try:
            cfg = cls(
                seed=_as_int(data.get("seed", DEFAULT_SEED), "seed"),
                layers=tuple(_as_int(v, "layers") for v in _as_list(data.get("layers", DEFAULT_LAYERS))),
                batch_size=_as_int(data.get("batch_size", DEFAULT_BATCH_SIZE), "batch size"),
                stepsize=_as_float(data.get("stepsize", DEFAULT_STEPSIZE), "stepsize"),
                epochs=_as_int(data.get("epochs", DEFAULT_EPOCHS), "epochs"),
            )
        except TypeError as exc:
            raise ConfigError(f"config is malformed: {exc}") from None
        check_seed(cfg.seed)
        check_layers(cfg.layers)
        check_batch_size(cfg.batch_size)
        check_stepsize(cfg.stepsize)
        check_epochs(cfg.epochs)
        return cfg

    def differences(self, other: TrainConfig) -> dict[str, str]:
        """Settings that differ from ``other``, formatted for a legend, e.g. ``{'stepsize': '1'}``."""
        out = {}
        for name in ("seed", "layers", "batch_size", "stepsize", "epochs"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine != theirs:
                out[name] = format_value(name, mine)
        return out


def format_value(name: str, value: object) -> str:
    """A setting as a person would type it (layers as ``3,4,4,2``, floats with ``%g``)."""
    if name == "layers":
        return ",".join(str(v) for v in value)  # type: ignore[union-attr]
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)  # never lose digits
    return str(value)


def _as_list(value: object) -> list:
    if not isinstance(value, (list, tuple)):
        raise ConfigError("layers must be a list of integers")
    return list(value)


def _as_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    return value


def _as_float(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    return float(value)


# ---------------------------------------------------------------- parsing text


def parse_int(text: str, name: str) -> int:
    """Parse an integer typed by a person (``100000``, ``100_000`` and ``1e5`` are accepted)."""
    s = str(text).strip()
    if not s:
        raise ConfigError(f"{name} is empty")
    try:
        return int(s.replace("_", ""))
    except ValueError:
        pass
    try:
        f = float(s)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {s!r}") from None
    if not math.isfinite(f) or f != int(f):
        raise ConfigError(f"{name} must be a whole number, got {s!r}")
    return int(f)


def parse_float(text: str, name: str) -> float:
    """Parse a real number typed by a person."""
    s = str(text).strip()
    if not s:
        raise ConfigError(f"{name} is empty")
    try:
        return float(s.replace("_", ""))
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {s!r}") from None


def parse_layers(text: str) -> tuple[int, ...]:
    """Parse layer sizes like ``3,4,4,2`` (spaces, ``;`` or ``x`` also separate) and validate them."""
    s = str(text).strip()
    if not s:
        raise ConfigError("layers is empty: give sizes like 3,4,4,2")
    for sep in ("x", "X", ";", " "):
        s = s.replace(sep, ",")
    parts = [p for p in s.split(",") if p != ""]
    sizes = []
    for i, part in enumerate(parts, start=1):
        try:
            sizes.append(int(part))
        except ValueError:
            raise ConfigError(f"layers: size {i} is {part!r}, not a whole number") from None
    check_layers(sizes)
    return tuple(sizes)


# ---------------------------------------------------------------- checks


def check_seed(seed: int) -> None:
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"seed must be between 0 and {MAX_SEED}, got {seed}")


def check_layers(layers: tuple[int, ...] | list[int]) -> None:
    if len(layers) < 2:
        raise ConfigError(
            f"layers needs at least two sizes (inputs and outputs), got {len(layers)}: e.g. 3,4,4,2"
        )
    if len(layers) > MAX_LAYERS:
        raise ConfigError(f"layers: at most {MAX_LAYERS} sizes, got {len(layers)}")
    for i, n in enumerate(layers, start=1):
        if n < 1:
            raise ConfigError(f"layers: size {i} is {n}; every layer needs at least 1 unit")


def check_batch_size(batch_size: int) -> None:
    if batch_size < 1:
        raise ConfigError(f"batch size must be at least 1, got {batch_size}")


def check_stepsize(stepsize: float) -> None:
    if not math.isfinite(stepsize):
        raise ConfigError(f"stepsize must be a finite number, got {stepsize}")
    if stepsize <= 0:
        raise ConfigError(f"stepsize must be positive, got {stepsize:g}")


def check_epochs(epochs: int) -> None:
    if epochs < 0:
        raise ConfigError(f"epochs cannot be negative, got {epochs}")


# ---------------------------------------------------------------- memory


def parameter_count(layers: tuple[int, ...] | list[int]) -> int:
    """Number of weights and biases in a network with these layer sizes."""
    return sum(n_out * n_in + n_out for n_in, n_out in zip(layers[:-1], layers[1:]))


def estimate_bytes(cfg: TrainConfig, extra_epochs: int = 0) -> int:
    """Bytes a run needs: parameters, gradients and an update buffer, activations, data, loss history."""
    params = parameter_count(cfg.layers)
    activations = sum(cfg.layers) * cfg.batch_size * 4  # z, a, delta, scratch per layer
    data = (cfg.layers[0] + cfg.layers[-1]) * cfg.batch_size
    history = cfg.epochs + extra_epochs + 1
    return 8 * (3 * params + activations + data + history)


def available_bytes() -> int:
    """Memory this process may reasonably use (physical memory available now)."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not on every platform
        return 8 * 1024**3


def check_fits_in_memory(cfg: TrainConfig, extra_epochs: int = 0) -> None:
    need = estimate_bytes(cfg, extra_epochs)
    have = available_bytes()
    if need > 0.8 * have:
        raise ConfigError(
            f"this run needs about {format_bytes(need)} "
            f"({parameter_count(cfg.layers):,} parameters, {cfg.epochs + extra_epochs:,} epochs of loss history) "
            f"but only {format_bytes(have)} of memory is free: use smaller layers, batch or epochs"
        )


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # unreachable
