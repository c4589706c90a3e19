"""What a network *is*: layer sizes and the named pieces it is built from, each written once.

A :class:`Model` names its hidden activation(s), output function, loss and
initialisation; each name is a small table entry below holding the value and
the derivative side by side, so adding an activation is one entry here and
nothing else. The kernel (:mod:`mlp_gui.core.network`) reads these entries;
so do the gradient check and the explanations shown in the window.

Parameters are a list of :class:`~mlp_gui.core.flat_layout.Layer` ``(W, b)``
pairs; :attr:`Model.layout` says where each sits in the flat buffers trainers
keep them in (:mod:`mlp_gui.core.flat_layout`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mlp_gui.core.features import FEATURES
from mlp_gui.core.flat_layout import FlatLayout, Layer, Params, copy_layers

# ---------------------------------------------------------------- activations


@dataclass(frozen=True)
class Activation:
    """``a = value(z)`` and its slope ``f'(z)``, written in terms of what the forward pass already has (a and z)."""

    name: str
    value: Callable[[np.ndarray], np.ndarray]
    slope: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (a, z) -> f'(z)
    formula: str


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, as the notebook writes it (``1/(1+exp(-z))``), so results agree to the last bit.

    The constants are written as floats: the same arithmetic, but NumPy skips converting a Python int
    for each operation, which is a quarter of the time on the notebook's tiny arrays.
    """
    return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_slope(a: np.ndarray, z: np.ndarray) -> np.ndarray:
    return a * (1.0 - a)


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _identity(z: np.ndarray) -> np.ndarray:
    return z


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", _sigmoid, _sigmoid_slope, "σ(z) = 1/(1+e^−z);  σ′ = a(1−a)"),
        Activation("tanh", np.tanh, lambda a, z: 1.0 - a * a, "tanh(z);  tanh′ = 1−a²"),
        Activation("relu", _relu, lambda a, z: (z > 0).astype(a.dtype), "max(z, 0);  relu′ = [z > 0]"),
        Activation("linear", _identity, lambda a, z: np.ones_like(a), "z;  linear′ = 1"),
    )
}

# ---------------------------------------------------------------- output and loss


_add_reduce = np.add.reduce


def _mean_over_samples(per_entry: np.ndarray) -> np.ndarray | float:
    """``(1/M) Σ_samples Σ_outputs``: outputs are the second-to-last axis, samples the last."""
    return (1.0 / per_entry.shape[-1]) * _add_reduce(_add_reduce(per_entry, -2), -1)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-2, keepdims=True))
    return e / e.sum(axis=-2, keepdims=True)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-2, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-2, keepdims=True))


@dataclass(frozen=True)
class Head:
    """The output function with the loss on top: the loss and ``δ_L = ∂L/∂z_L`` together.

    Pairing them is what makes sigmoid/softmax with cross-entropy stable and
    simple (``δ = (p − y)/M``), and it is where the notebook's
    ``(1/M) Σ ½(pred − y)²`` lives.
    """

    output: str
    loss: str
    value: Callable[[np.ndarray], np.ndarray]  # the output function g(z)
    loss_and_delta: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple]  # (z, p, y) -> (L, δ)
    formula: str


def _mse_identity(z: np.ndarray, p: np.ndarray, y: np.ndarray) -> tuple:
    """The notebook's loss. Called every epoch on tiny arrays, so the mean is written out here (a call saved)."""
    err = p - y
    m = float(y.shape[-1])  # a float divides faster than an int, with the same result
    return (1.0 / m) * _add_reduce(_add_reduce(0.5 * err**2, -2), -1), err / m


def _mse_sigmoid(z: np.ndarray, p: np.ndarray, y: np.ndarray) -> tuple:
    err = p - y
    return _mean_over_samples(0.5 * err**2), err * (p * (1 - p)) / y.shape[-1]


def _mse_softmax(z: np.ndarray, p: np.ndarray, y: np.ndarray) -> tuple:
    err = (p - y) / y.shape[-1]
    # softmax's Jacobian applied to err: p ⊙ (err − Σ_k err_k p_k)
    return _mean_over_samples(0.5 * (p - y) ** 2), p * (err - (err * p).sum(axis=-2, keepdims=True))


def _xent_sigmoid(z: np.ndarray, p: np.ndarray, y: np.ndarray) -> tuple:
    # −[y log p + (1−y) log(1−p)] from the logit: max(z,0) − y·z + log(1 + e^−|z|), never log(0)
    per_entry = np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))
    return _mean_over_samples(per_entry), (p - y) / y.shape[-1]


def _xent_softmax(z: np.ndarray, p: np.ndarray, y: np.ndarray) -> tuple:
    # ∂/∂z of −Σ_k y_k log p_k is p·Σ_k y_k − y: the familiar p − y when each column of y sums to 1 (one-hot)
    return _mean_over_samples(-y * _log_softmax(z)), (p * y.sum(axis=-2, keepdims=True) - y) / y.shape[-1]


HEADS: dict[tuple[str, str], Head] = {
    (h.output, h.loss): h
    for h in (
        Head("identity", "mse", _identity, _mse_identity, "L = (1/M) Σ ½(ŷ − y)²;  δ_L = (ŷ − y)/M"),
        Head("sigmoid", "mse", _sigmoid, _mse_sigmoid, "L = (1/M) Σ ½(σ(z) − y)²;  δ_L = (ŷ − y)·ŷ(1−ŷ)/M"),
        Head("softmax", "mse", _softmax, _mse_softmax, "L = (1/M) Σ ½(softmax(z) − y)²;  δ_L = J_softmax·(ŷ − y)/M"),
        Head("sigmoid", "cross-entropy", _sigmoid, _xent_sigmoid, "L = −(1/M) Σ [y log ŷ + (1−y) log(1−ŷ)];  δ_L = (ŷ − y)/M"),
        Head("softmax", "cross-entropy", _softmax, _xent_softmax, "L = −(1/M) Σ y log ŷ;  δ_L = (ŷ − y)/M"),
    )
}
OUTPUTS = ("identity", "sigmoid", "softmax")
LOSSES = ("mse", "cross-entropy")

# ---------------------------------------------------------------- initialisation

#: scale of ``randn(out, in)`` for each initialisation, from (fan_in, fan_out)
INITS: dict[str, Callable[[int, int], float]] = {
    "notebook": lambda n_in, n_out: 0.01,
    "xavier": lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out)),
    "he": lambda n_in, n_out: math.sqrt(2.0 / n_in),
}

# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class Model:
    """A network: sizes from inputs to outputs, one activation per hidden layer, output, loss, initialisation, and
    the input features it makes of two raw inputs (() : it takes its inputs as they are; see :mod:`~mlp_gui.core.features`)."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...] = field(default=())  # one per hidden layer; () means all sigmoid
    output: str = "identity"
    loss: str = "mse"
    init: str = "notebook"
    features: tuple[str, ...] = ()  # one name per input of the first layer, made from two raw inputs

    def __post_init__(self) -> None:
        sizes = tuple(int(n) for n in self.sizes)
        object.__setattr__(self, "sizes", sizes)
        hidden = len(sizes) - 2
        acts = tuple(self.activations) or ("sigmoid",)
        if len(acts) == 1:
            acts = acts * hidden
        object.__setattr__(self, "activations", acts)
        if len(acts) != hidden:
            raise ValueError(f"{hidden} hidden layers need {hidden} activations, got {len(acts)}")
        unknown = [a for a in acts if a not in ACTIVATIONS]
        if unknown:
            raise ValueError(f"unknown activation {unknown[0]!r}; choose one of {', '.join(ACTIVATIONS)}")
        if (self.output, self.loss) not in HEADS:
            raise ValueError(f"output {self.output!r} with loss {self.loss!r} is not supported")
        if self.init not in INITS:
            raise ValueError(f"unknown initialisation {self.init!r}; choose one of {', '.join(INITS)}")
        object.__setattr__(self, "features", tuple(self.features))
        if self.features and (len(self.features) != sizes[0] or not all(f in FEATURES for f in self.features)):
            raise ValueError(f"features {','.join(self.features)} do not fit a first layer of {sizes[0]} inputs")

    @property
    def n_inputs(self) -> int:
        """Rows of the raw ``x`` the network is given: 2 when it makes features of them, else the first layer's size."""
        return 2 if self.features else self.sizes[0]

    @property
    def n_layers(self) -> int:
        """Weight layers (sizes minus one)."""
        return len(self.sizes) - 1

    @property
    def layout(self) -> FlatLayout:
        """Where every W and b sits in the flat parameter, gradient and update-state buffers."""
        return FlatLayout.of(self.sizes)

    @property
    def hidden(self) -> list[Activation]:
        return [ACTIVATIONS[name] for name in self.activations]

    @property
    def head(self) -> Head:
        return HEADS[(self.output, self.loss)]

    def init_weights(self, rng: np.random.RandomState) -> Params:
        """Every ``W = randn(out, in) * scale`` in layer order from ``rng``; biases zero (they draw nothing)."""
        scale = INITS[self.init]
        pairs = zip(self.sizes[:-1], self.sizes[1:])
        return [Layer(rng.randn(n_out, n_in) * scale(n_in, n_out), np.zeros((n_out,))) for n_in, n_out in pairs]


# copy_layers is re-exported only for gui/session.py (its home is core.flat_layout): drop it once that imports it there.
__all__ = ["ACTIVATIONS", "HEADS", "INITS", "LOSSES", "OUTPUTS", "Activation", "Head", "Layer", "Model", "Params", "copy_layers"]
