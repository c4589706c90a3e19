"""Every setting described once: name, label, default, parser, check, JSON form and help text.

The command line's flags, the window's settings form, the remembered settings
and the run file's JSON are all generated from :data:`SETTINGS`, so a new
setting is one entry here (plus a field of :class:`~mlp_gui.core.config.TrainConfig`
when it changes the numbers).

Two scopes: ``run`` settings determine the numbers (two runs with the same
ones are the same run); the ``plan`` setting, epochs, only says how long to
train, and is kept apart from the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from mlp_gui.core import optimizer_settings as opt
from mlp_gui.core.data import GENERATED
from mlp_gui.core.features import FEATURES, RAW, parse_features
from mlp_gui.core.model import ACTIVATIONS, INITS, LOSSES, OUTPUTS
from mlp_gui.core.optimizer_settings import OPTIMIZERS
from mlp_gui.core.parse import ConfigError, parse_float, parse_int, parse_sizes

MAX_SEED = 2**32 - 1  # what numpy's legacy RandomState accepts
MAX_LAYERS = 64
MAX_UNITS = 1_000_000
MAX_EPOCHS = 10**12


@dataclass(frozen=True)
class Setting:
    """One setting: how it is typed, checked, shown, stored and explained."""

    name: str  # field name, e.g. "batch_size"
    label: str  # the form's label
    default: object
    parse: Callable[[str, str], object]  # (text, name) -> value; raises ConfigError
    check: Callable[[object], None]  # raises ConfigError naming the setting
    help: str
    metavar: str = "N"
    scope: str = "run"  # "run": determines the numbers; "plan": how long to train
    choices: tuple[str, ...] = ()  # named choices (the form shows a list); empty: typed text
    since_files: bool = True  # False: added after run files existed, so a file may lack it (its default then)
    advanced: bool = False  # changed less often: the window's form keeps it under "More settings"

    @property
    def title(self) -> str:
        """The name as messages use it: ``batch size``."""
        return self.name.replace("_", " ")

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def from_text(self, text: str) -> object:
        """Parse and check typed text; ConfigError (naming the setting) if it is not a valid value."""
        value = self.parse(text, self.title)
        self.check(value)
        return value

    def format(self, value: object) -> str:
        """The value as a person would type it (layers as ``3,4,4,2``; floats never lose digits)."""
        if self.name == "batch_size" and value == 0:
            return "all"
        if isinstance(value, tuple):
            return ",".join(str(v) for v in value)
        if isinstance(value, float):
            short = f"{value:g}"
            return short if float(short) == value else repr(value)
        return str(value)

    def to_json(self, value: object) -> object:
        return list(value) if isinstance(value, tuple) else value

    def from_json(self, value: object) -> object:
        """A value read from a run file's JSON, type-checked and checked; ConfigError otherwise."""
        kind = type(self.default)
        if kind is str:
            if not isinstance(value, str):
                raise ConfigError(f"{self.title} must be text, got {_short(value)}", self.name)
            value = self.parse(value, self.title)
        elif kind is tuple:
            if not isinstance(value, list) or not all(_is_int(v) for v in value):
                raise ConfigError(f"{self.title} must be a list of whole numbers, got {_short(value)}", self.name)
            value = tuple(value)
        elif kind is int and not _is_int(value):
            raise ConfigError(f"{self.title} must be a whole number, got {_short(value)}", self.name)
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{self.title} must be a number, got {_short(value)}", self.name)
            try:
                value = float(value)
            except OverflowError:
                raise ConfigError(f"{self.title} is too large", self.name) from None
        self.check(value)
        return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------- checks


def check_seed(seed: int) -> None:
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"seed must be between 0 and {MAX_SEED}, got {seed}", "seed")


def check_layers(layers: tuple[int, ...]) -> None:
    if len(layers) < 2:
        raise ConfigError(f"layers needs at least two sizes (inputs and outputs), got {len(layers)}: e.g. 3,4,4,2", "layers")
    if len(layers) > MAX_LAYERS:
        raise ConfigError(f"layers: at most {MAX_LAYERS} sizes, got {len(layers)}", "layers")
    for i, n in enumerate(layers, start=1):
        if n < 1:
            raise ConfigError(f"layers: size {i} is {n}; every layer needs at least 1 unit", "layers")
        if n > MAX_UNITS:
            raise ConfigError(f"layers: size {i} is {n:,}; at most {MAX_UNITS:,} units a layer", "layers")


def parse_batch_size(text: str, name: str = "batch size") -> int:
    """A number of samples, or ``all`` (0): the whole training set in every step (full-batch gradient descent)."""
    return 0 if str(text).strip().lower() == "all" else parse_int(text, name)


def check_batch_size(batch_size: int) -> None:
    if batch_size < 0:
        raise ConfigError(f"batch size must be at least 1 (or all), got {batch_size}", "batch_size")
    if batch_size > 10**9:
        raise ConfigError(f"batch size {batch_size:,} is too large (at most 1,000,000,000)", "batch_size")


def check_stepsize(stepsize: float) -> None:
    if not math.isfinite(stepsize):
        raise ConfigError(f"stepsize must be a finite number, got {stepsize}", "stepsize")
    if stepsize <= 0:
        raise ConfigError(f"stepsize must be positive, got {stepsize:g}", "stepsize")


def check_epochs(epochs: int) -> None:
    if epochs < 1:
        raise ConfigError(f"epochs must be at least 1, got {epochs}", "epochs")
    if epochs > MAX_EPOCHS:
        raise ConfigError(f"epochs {epochs:,} is too large (at most {MAX_EPOCHS:,})", "epochs")


def _choice(choices: tuple[str, ...]) -> Callable[[str, str], str]:
    """A parser accepting one of ``choices`` (any case, surrounding spaces ignored)."""

    def parse(text: str, name: str) -> str:
        value = str(text).strip().lower()
        if value not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {str(text).strip()!r}", name.replace(" ", "_"))
        return value

    return parse


def parse_activations(text: str, name: str = "activation") -> str:
    """``sigmoid`` (every hidden layer) or ``tanh,relu`` (one per hidden layer), names checked."""
    names = [part.strip().lower() for part in str(text).replace(";", ",").split(",")]
    if not names or not all(names):
        raise ConfigError(f"{name} is empty: give one of {', '.join(ACTIVATIONS)}, or one per hidden layer", "activation")
    for i, part in enumerate(names, start=1):
        if part not in ACTIVATIONS:
            where = f" {i}" if len(names) > 1 else ""
            raise ConfigError(f"{name}{where} is {part!r}; choose from {', '.join(ACTIVATIONS)}", "activation")
    return ",".join(names)


def parse_data(text: str, name: str = "data") -> str:
    """``notebook``, a generated set's name, or the path of a ``.csv`` file (read when the run starts)."""
    value = str(text).strip()
    if value.lower() in ("notebook",) + GENERATED:
        return value.lower()
    if value.lower().endswith(".csv"):
        return value
    raise ConfigError(f"{name} must be notebook, {', '.join(GENERATED)} or a file name ending in .csv; got {value!r}", "data")


def parse_test_fraction(text: str, name: str = "test fraction") -> str:
    """``auto`` (0.2 for generated and CSV data, none for the notebook's) or a share from 0 to 0.9."""
    value = str(text).strip().lower()
    if value == "auto":
        return value
    share = parse_float(value, name)
    if not 0 <= share <= 0.9:
        raise ConfigError(f"{name} must be auto or between 0 and 0.9, got {value}", "test_fraction")
    return repr(share) if float(f"{share:g}") != share else f"{share:g}"


def check_samples(samples: int) -> None:
    if not 4 <= samples <= 1_000_000:
        raise ConfigError(f"samples must be between 4 and 1,000,000, got {samples:,}", "samples")


def check_noise(noise: float) -> None:
    if not 0 <= noise <= 2:
        raise ConfigError(f"noise must be between 0 and 2, got {noise:g}", "noise")


def _no_check(value: object) -> None:
    """Choices are checked by their parser; combinations by :meth:`TrainConfig.validated`."""


# ---------------------------------------------------------------- the schema

#: The course notebook's settings are the defaults.
SETTINGS: tuple[Setting, ...] = (
    Setting("seed", "Seed", 12345, parse_int, check_seed,
            "Seed of the one RandomState that draws weights, inputs and targets.", advanced=True),
    Setting("layers", "Layer sizes", (3, 4, 4, 2), lambda text, name: parse_sizes(text, name), check_layers,
            "Units per layer, inputs to outputs, e.g. 3,4,4,2 (hidden layers use the activation; the last one the output).",
            "N,N,..."),
    Setting("batch_size", "Batch size", 5, parse_batch_size, check_batch_size,
            "The notebook's data: samples in its one batch. Other data: samples per gradient step, or all (one step an epoch)."),
    Setting("stepsize", "Stepsize", 0.1, parse_float, check_stepsize,
            "Gradient-descent step: parameters -= stepsize × gradient.", "X"),
    # the optimizer, its numbers, the penalty and the decay (issue 19; checks in core/optimizer_settings.py)
    Setting("optimizer", "Optimizer", "gd", _choice(OPTIMIZERS), _no_check,
            "gd (the notebook's plain gradient descent), momentum, nesterov, rmsprop or adam (PyTorch's, applied to every "
            "W and b).", "|".join(OPTIMIZERS), choices=OPTIMIZERS, since_files=False),
    Setting("momentum", "Momentum μ", 0.9, parse_float, opt.check_momentum,
            "momentum and nesterov: v ← μ·v + g, then parameters -= stepsize × v (nesterov: × (g + μ·v)).", "MU",
            since_files=False, advanced=True),
    Setting("rho", "RMSprop ρ", 0.99, parse_float, opt.check_rho,
            "rmsprop: s ← ρ·s + (1−ρ)·g², then parameters -= stepsize × g / (√s + ε).", "RHO",
            since_files=False, advanced=True),
    Setting("beta1", "Adam β₁", 0.9, parse_float, opt.check_beta1,
            "adam: m ← β₁·m + (1−β₁)·g, the running mean of the gradient.", "B1", since_files=False, advanced=True),
    Setting("beta2", "Adam β₂", 0.999, parse_float, opt.check_beta2,
            "adam: v ← β₂·v + (1−β₂)·g², the running mean of its square.", "B2", since_files=False, advanced=True),
    Setting("eps", "ε", 1e-8, parse_float, opt.check_eps,
            "rmsprop and adam: added to the square root in the denominator.", "EPS", since_files=False, advanced=True),
    Setting("l1", "L1 λ₁", 0.0, parse_float, opt.check_l1,
            "L1 penalty: the objective gains λ₁·Σ|W| over the weights (not the biases).", "L1",
            since_files=False, advanced=True),
    Setting("l2", "L2 λ₂", 0.0, parse_float, opt.check_l2,
            "L2 penalty: the objective gains (λ₂/2)·ΣW² over the weights (not the biases).", "L2",
            since_files=False, advanced=True),
    Setting("decay_every", "Decay every (epochs)", 0, parse_int, opt.check_decay_every,
            "Stepsize decay: multiply the stepsize by the decay factor every N epochs (0: never).",
            since_files=False, advanced=True),
    Setting("decay_factor", "Decay factor", 1.0, parse_float, opt.check_decay_factor,
            "Stepsize decay: the update at epoch t steps with stepsize × F^⌊t/N⌋ (F from 0 to 1; 1: no decay).", "F",
            since_files=False, advanced=True),
    Setting("activation", "Activation", "sigmoid", parse_activations, _no_check,
            f"Hidden layers' activation: one of {', '.join(ACTIVATIONS)}, or one per hidden layer (tanh,relu).",
            "NAME[,NAME...]", choices=tuple(ACTIVATIONS), since_files=False),
    Setting("output", "Output", "identity", _choice(OUTPUTS), _no_check,
            "The output layer's function: identity (the notebook's), sigmoid, or softmax.", "|".join(OUTPUTS),
            choices=OUTPUTS, since_files=False, advanced=True),
    Setting("loss", "Loss", "mse", _choice(LOSSES), _no_check,
            "mse: the notebook's (1/M) Σ ½(ŷ−y)²; cross-entropy: with a sigmoid or softmax output.", "|".join(LOSSES),
            choices=LOSSES, since_files=False, advanced=True),
    Setting("init", "Initialisation", "notebook", _choice(tuple(INITS)), _no_check,
            "Weights: notebook (randn × 0.01), xavier (× √(2/(in+out))) or he (× √(2/in)); biases zero.",
            "|".join(INITS), choices=tuple(INITS), since_files=False, advanced=True),
    Setting("data", "Data", "notebook", parse_data, _no_check,
            f"notebook (the course's random batch), {', '.join(GENERATED)}, or your own PATH.csv.", "NAME|PATH.csv",
            choices=("notebook",) + GENERATED, since_files=False),
    # input features (issue 19; core/features.py): checked with the data and layers in config.check_combination
    Setting("features", "Features", RAW, parse_features, _no_check,
            f"Data of two inputs: the network's inputs, made from the first and second (x1, x2; x₀, x₁ on screen), in "
            f"order: any of {', '.join(FEATURES)} (x1², x2², x1·x2, sin x1, sin x2); the first layer size is their number.",
            "NAME[,NAME...]",
            since_files=False),
    Setting("samples", "Samples", 200, parse_int, check_samples, "Points in a generated data set (training and test).",
            since_files=False, advanced=True),
    Setting("noise", "Noise", 0.1, parse_float, check_noise, "Noise added to a generated data set (0: none).", "X",
            since_files=False, advanced=True),
    Setting("target", "CSV target", "last", lambda text, name: str(text).strip() or "last", _no_check,
            "Your CSV's target column(s): last, or names or numbers (from 1) separated by commas; the others are inputs.",
            "COLUMN[,COLUMN...]", since_files=False),
    Setting("standardize", "Standardise", "no", _choice(("no", "yes")), _no_check,
            "Your CSV's inputs shifted and scaled to mean 0, standard deviation 1 over the training part.", "no|yes",
            choices=("no", "yes"), since_files=False),
    Setting("test_fraction", "Test fraction", "auto", parse_test_fraction, _no_check,
            "Share of the data held out to test on, or auto: 0.2 for a data set (built-in or CSV), none for the "
            "notebook's batch.", "F|auto",
            since_files=False, advanced=True),
    Setting("epochs", "Epochs", 100_000, parse_int, check_epochs,
            "Epochs to train in total, counted from epoch 0 (the plan; a run can always be stepped further).", scope="plan"),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
RUN_SETTINGS: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.scope == "run")
DEFAULT_EPOCHS: int = BY_NAME["epochs"].default  # type: ignore[assignment]


def setting(name: str) -> Setting:
    return BY_NAME[name]
