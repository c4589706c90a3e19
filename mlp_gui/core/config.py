"""A run's settings (:class:`TrainConfig`), their JSON form, and the memory a run needs.

The fields are the schema's ``run`` settings (:mod:`mlp_gui.core.settings`);
planned epochs are not among them: how long to train is the caller's plan,
not part of what the run is. The memory check is not part of validation: it
is made by the code about to allocate (the CLI, the settings form, sweeps),
against what the kernel will really allocate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace

from mlp_gui.core import platform
from mlp_gui.core.data import GENERATED, inputs_outputs
from mlp_gui.core.features import RAW, feature_names
from mlp_gui.core.model import Model
from mlp_gui.core.parse import ConfigError, parse_float, parse_int, parse_sizes, strict_json
from mlp_gui.core.plural import count
from mlp_gui.core.settings import BY_NAME, DEFAULT_EPOCHS, MAX_SEED, RUN_SETTINGS, check_layers

MAX_JSON_CHARS = 64 * 1024
MAX_JSON_DEPTH = 16  # a run's settings nest two deep (a list of layer sizes in an object)
#: data whose targets are any numbers, not probabilities: no cross-entropy on them (earlier versions allowed it)
VALUE_TARGETS = ("notebook", "sine", "plane", "bumps")

__all__ = [
    "DEFAULT_EPOCHS", "MAX_SEED", "ConfigError", "TrainConfig", "available_bytes", "check_fits_in_memory",
    "VALUE_TARGETS", "estimate_bytes", "format_bytes", "format_value", "parameter_count", "parse_float", "parse_int",
    "parse_layers", "saved_only_problem",
]


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a run's numbers: same config, same numbers."""

    seed: int = BY_NAME["seed"].default  # type: ignore[assignment]
    layers: tuple[int, ...] = BY_NAME["layers"].default  # type: ignore[assignment]
    batch_size: int = BY_NAME["batch_size"].default  # type: ignore[assignment]
    stepsize: float = BY_NAME["stepsize"].default  # type: ignore[assignment]
    # issue 19: the optimizer (core/optimizers.py), the penalty (core/penalty.py), the decay (core/schedule.py)
    optimizer: str = BY_NAME["optimizer"].default  # type: ignore[assignment]
    momentum: float = BY_NAME["momentum"].default  # type: ignore[assignment]
    rho: float = BY_NAME["rho"].default  # type: ignore[assignment]
    beta1: float = BY_NAME["beta1"].default  # type: ignore[assignment]
    beta2: float = BY_NAME["beta2"].default  # type: ignore[assignment]
    eps: float = BY_NAME["eps"].default  # type: ignore[assignment]
    l1: float = BY_NAME["l1"].default  # type: ignore[assignment]
    l2: float = BY_NAME["l2"].default  # type: ignore[assignment]
    decay_every: int = BY_NAME["decay_every"].default  # type: ignore[assignment]
    decay_factor: float = BY_NAME["decay_factor"].default  # type: ignore[assignment]
    activation: str = BY_NAME["activation"].default  # type: ignore[assignment]
    output: str = BY_NAME["output"].default  # type: ignore[assignment]
    loss: str = BY_NAME["loss"].default  # type: ignore[assignment]
    init: str = BY_NAME["init"].default  # type: ignore[assignment]
    data: str = BY_NAME["data"].default  # type: ignore[assignment]
    features: str = BY_NAME["features"].default  # type: ignore[assignment]  # issue 19: core/features.py
    samples: int = BY_NAME["samples"].default  # type: ignore[assignment]
    noise: float = BY_NAME["noise"].default  # type: ignore[assignment]
    target: str = BY_NAME["target"].default  # type: ignore[assignment]
    standardize: str = BY_NAME["standardize"].default  # type: ignore[assignment]
    test_fraction: str = BY_NAME["test_fraction"].default  # type: ignore[assignment]

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))

    @property
    def model(self) -> Model:
        return Model(self.layers, tuple(self.activation.split(",")), self.output, self.loss, self.init,
                     feature_names(self.features))

    def validated(self, *, saved: bool = False) -> TrainConfig:
        """Return self if every setting is valid, and valid together, else raise ConfigError naming the first bad one.

        ``saved``: settings of a run already made (a file), which may hold what earlier versions allowed."""
        for s in RUN_SETTINGS:
            s.check(getattr(self, s.name))
        check_combination(self, saved=saved)
        return self

    def with_changes(self, **changes: object) -> TrainConfig:
        """A copy with some settings replaced (not validated)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_json(self) -> str:
        """The settings as a JSON object string, generated from the schema."""
        return json.dumps({s.name: s.to_json(getattr(self, s.name)) for s in RUN_SETTINGS}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, legacy: tuple[str, ...] = ("epochs",)) -> tuple[TrainConfig, dict]:
        """Parse and check settings written by :meth:`to_json`: ``(config, legacy_values)``.

        Every setting must be present exactly once; unknown keys are refused.
        Keys in ``legacy`` (``epochs``, which older files kept in the config)
        are returned apart, unchecked, for the caller to reconcile. Settings
        earlier versions trained with and this one refuses for new runs
        (:func:`saved_only_problem`) are read as they are: the run can be
        looked at, not continued (:meth:`validated` refuses it).
        """
        data = _json_object(text)
        missing = [s.name for s in RUN_SETTINGS if s.name not in data and s.since_files]
        if missing:
            raise ConfigError(f"config is missing {', '.join(missing)}")
        unknown = sorted(set(data) - {s.name for s in RUN_SETTINGS} - set(legacy))
        if unknown:
            raise ConfigError(f"config has unknown settings: {', '.join(unknown)}")
        values = {s.name: s.from_json(data[s.name]) for s in RUN_SETTINGS if s.name in data}
        return cls(**values).validated(saved=True), {k: data[k] for k in legacy if k in data}

    def differences(self, other: TrainConfig) -> dict[str, str]:
        """Settings that differ from ``other``, formatted for a legend, e.g. ``{'stepsize': '1'}``."""
        return {
            f.name: format_value(f.name, getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        }


def check_combination(cfg: TrainConfig, *, saved: bool = False) -> None:
    """Settings valid one by one but not together: activations per hidden layer, the output with the loss, the loss
    with the data. ``saved``: settings read from a run file, where what earlier versions allowed is let through
    (see :func:`saved_only_problem`)."""
    hidden = len(cfg.layers) - 2
    names = cfg.activation.split(",")
    if len(names) > 1 and len(names) != hidden:
        raise ConfigError(f"activation names {len(names)} activations but layers {format_value('layers', cfg.layers)} "
                          f"has {count(hidden, 'hidden layer')}: give one, or one per hidden layer", "activation")
    _check_features(cfg)
    _check_data_shape(cfg)
    if cfg.loss == "cross-entropy" and cfg.output == "identity":
        raise ConfigError("cross-entropy needs probabilities: choose output sigmoid (one 0/1 target per output) "
                          "or softmax (classes)", "loss")
    problem = None if saved else saved_only_problem(cfg)
    if problem:
        raise ConfigError(problem, "loss")


def saved_only_problem(cfg: TrainConfig) -> str | None:
    """Why settings that earlier versions trained with cannot make a new run (None: nothing): cross-entropy on data
    whose targets are any numbers (the notebook's ``y`` is ``randn``; sine's are its values) trains to a loss below 0."""
    if cfg.loss == "cross-entropy" and cfg.data in VALUE_TARGETS:
        return (f"loss cross-entropy needs targets that are probabilities, but data {cfg.data}'s targets are any numbers: "
                "choose loss mse, or data xor, circles, spiral, gaussians or a CSV file of classes")
    return None


def test_share(cfg: TrainConfig) -> float:
    """The share of the data held out for testing: ``auto`` is none for the notebook's batch, else 0.2."""
    if cfg.test_fraction == "auto":
        return 0.0 if cfg.data == "notebook" else 0.2
    return float(cfg.test_fraction)


def _check_data_shape(cfg: TrainConfig) -> None:
    """Generated sets fix the inputs (2, or 1 for sine) and allow 1 output (or 2, one per class): name both numbers."""
    if cfg.data == "notebook" and cfg.test_fraction not in ("auto", "0"):
        raise ConfigError("the notebook's batch has no test set: leave test fraction at auto", "test_fraction")
    if cfg.data == "notebook" and cfg.batch_size < 1:
        raise ConfigError("batch size must be at least 1 with the notebook's data (it is its batch; all is for data sets)",
                          "batch_size")
    if cfg.data not in GENERATED:
        return
    held_out = int(round(test_share(cfg) * cfg.samples))
    if cfg.samples - held_out < 1:
        raise ConfigError(f"a test fraction of {test_share(cfg):g} holds out all {cfg.samples} samples and leaves none to "
                          "train on: lower it or give more samples", "test_fraction")
    n_in, outs = inputs_outputs(cfg.data)
    first = n_in if cfg.features == RAW else len(cfg.features.split(","))  # features: one input each (checked first)
    if cfg.layers[0] != first or cfg.layers[-1] not in outs:
        want = f"{first},...," + " or ".join(str(o) for o in outs)
        raise ConfigError(f"data {cfg.data} has {count(n_in, 'input')} and takes {' or '.join(map(str, outs))} "
                          f"output{'s' if max(outs) > 1 else ''}; layers {format_value('layers', cfg.layers)} "
                          f"has {cfg.layers[0]} and {cfg.layers[-1]}: use {want}", "layers")


def _check_features(cfg: TrainConfig) -> None:
    """Features other than the raw x1,x2: only on data with two inputs (a CSV's are counted when it is read, in
    :func:`mlp_gui.core.csv_data.load_csv`), and the first layer takes one input per feature."""
    if cfg.features == RAW:
        return
    if cfg.data == "notebook" or (cfg.data in GENERATED and inputs_outputs(cfg.data)[0] != 2):
        inputs = cfg.layers[0] if cfg.data == "notebook" else inputs_outputs(cfg.data)[0]
        raise ConfigError(f"features {cfg.features} are made from two inputs, but data {cfg.data} has "
                          f"{count(inputs, 'input')}: keep features x1,x2 or choose data with two inputs", "features")
    n = len(cfg.features.split(","))
    if cfg.layers[0] != n:
        raise ConfigError(f"features {cfg.features} make {count(n, 'input')}, but layers {format_value('layers', cfg.layers)} "
                          f"has {cfg.layers[0]}: use {format_value('layers', (n, *cfg.layers[1:]))}", "layers")


def _json_object(text: str) -> dict:
    """A flat JSON object, refusing duplicated keys, huge or deeply nested text with one clear line."""
    if len(text) > MAX_JSON_CHARS:
        raise ConfigError(f"config is {len(text):,} characters long; a run's settings take a few hundred")
    data = strict_json(text, what="config", error=ConfigError, max_depth=MAX_JSON_DEPTH,
                       too_deep="config is nested too deeply to be a run's settings")
    if not isinstance(data, dict):
        raise ConfigError("config is not a JSON object")
    return data


def format_value(name: str, value: object) -> str:
    """A setting as a person would type it (layers as ``3,4,4,2``, floats with ``%g``)."""
    return BY_NAME[name].format(value)


def parse_layers(text: str) -> tuple[int, ...]:
    """Parse and check layer sizes like ``3,4,4,2``."""
    sizes = parse_sizes(text)
    check_layers(sizes)
    return sizes


# ---------------------------------------------------------------- memory


def parameter_count(layers: tuple[int, ...] | list[int]) -> int:
    """Number of weights and biases in a network with these layer sizes."""
    return sum(n_out * n_in + n_out for n_in, n_out in zip(layers[:-1], layers[1:]))


def estimate_parts(cfg: TrainConfig, epochs: int, runs: int = 1) -> dict[str, int]:
    """Bytes by what drives them: parameters (layers), activations and data (batch size), history (epochs).

    What a run holds at its peak, saving included (``bench/bench_memory.py`` checks this against measured
    peaks): parameters, gradients and the update (3 buffers) and a snapshot's copies (2 more); per layer
    z and a kept for backprop plus the temporaries of one activation (about 4 arrays of the widest layer
    by the batch); x and y three times (the run's, the saved copy's, ``np.savez``'s buffer); the loss
    history twice (the run's and the saved copy) plus ``np.savez``'s buffer of at most 16 MiB. ``runs``
    stacked runs (a sweep) need that many of each.
    """
    units = sum(cfg.layers[1:])
    widest = max(cfg.layers[1:])  # the input layer has no activation to compute
    history = 8 * (epochs + 1)
    return {
        "layers": 8 * runs * 5 * parameter_count(cfg.layers),
        "batch_size": 8 * runs * cfg.batch_size * (2 * units + 4 * widest + 3 * (cfg.layers[0] + cfg.layers[-1])),
        "epochs": runs * (2 * history + min(history, 16 * 2**20)),
    }


def estimate_bytes(cfg: TrainConfig, epochs: int = 0, runs: int = 1) -> int:
    """Bytes a run of ``epochs`` needs (see :func:`estimate_parts`)."""
    return sum(estimate_parts(cfg, epochs, runs).values())


def available_bytes() -> int | None:
    """Memory this process may use now: the smallest of the free memory (MemAvailable) and what the process's own
    limits leave (``ulimit -v``/``-d``, its cgroup's ``memory.max``); None where it cannot be known (e.g. macOS)."""
    return platform.available_memory()


def check_fits_in_memory(cfg: TrainConfig, epochs: int = 0, runs: int = 1, have: int | None = None) -> None:
    """ConfigError if the run would take more than 80% of the available memory; it names the setting to reduce.

    Where the free memory cannot be known, the machine's total memory is the ceiling, and the message says so.
    """
    parts = estimate_parts(cfg, epochs, runs)
    need = sum(parts.values())
    have = available_bytes() if have is None else have
    known = have is not None
    if have is None:
        have = platform.total_memory()
        if have is None:
            return  # nothing to judge by: an allocation that fails is still one line (MemoryError is caught)
    if need <= 0.8 * have:
        return
    culprit = max(parts, key=parts.__getitem__)
    share = ", ".join(f"{name.replace('_', ' ')} {format_bytes(n)}" for name, n in sorted(parts.items(), key=lambda p: -p[1]))
    room = (f"only {format_bytes(have)} of memory is available" if known else
            f"this machine has only {format_bytes(have)} of memory in all (how much is free cannot be known here)")
    raise ConfigError(f"this run needs about {format_bytes(need)} ({share}) but {room}: reduce {culprit.replace('_', ' ')}",
                      culprit)


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # unreachable



# ---------------------------------------------------------------- changing settings of a run


class Change:
    """What bringing a run in line with new settings takes (see :func:`change_needed`)."""

    NONE = "none"  # nothing differs
    STEPSIZE = "stepsize"  # only the stepsize differs: the run may continue with it, or start anew
    CONTINUE = "continue"  # the optimizer's numbers, penalty or decay differ (the stepsize may too): the run may
    #                        continue with them (Trainer.set_settings(**continuing_changes(...))), or start anew
    NEW_RUN = "new run"  # the network, data, seed or optimizer differ: only a new run from the seed has them

#: settings a run can continue with when they change (besides the stepsize): see core/setting_changes.py
CONTINUABLE = ("momentum", "rho", "beta1", "beta2", "eps", "l1", "l2", "decay_every", "decay_factor")


def change_needed(current: TrainConfig, wanted: TrainConfig, *, diverged: bool = False) -> str:
    """Whether ``wanted`` can continue the run made with ``current``, or needs a new one.

    A diverged run cannot continue, so any change needs a new run.
    """
    differs = set(wanted.differences(current))
    if not differs:
        return Change.NONE
    if differs == {"stepsize"} and not diverged:
        return Change.STEPSIZE
    if differs <= {"stepsize", *CONTINUABLE} and not diverged:
        return Change.CONTINUE
    return Change.NEW_RUN


def continuing_changes(current: TrainConfig, wanted: TrainConfig) -> dict[str, object]:
    """The settings ``wanted`` changes from ``current``, as keyword arguments of ``Trainer.set_settings``."""
    return {name: getattr(wanted, name) for name in wanted.differences(current)}
