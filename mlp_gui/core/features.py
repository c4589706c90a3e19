"""Input features: what a two-input network takes in, made from the raw inputs (TensorFlow Playground's X1², sin X1, …).

A feature is a table entry: its name as typed (``x1sq``), its label on screen and a function of the two raw
inputs. The names are Playground's, counting from 1 (``x1`` is the first input); the labels are the window's own
symbols, counting from 0 as every other view does (the first input is ``x₀``, the plane's horizontal axis), so
``x1sq`` is drawn ``x₀²``. :func:`feature_inputs` turns raw ``x`` (``(2, M)``, or with leading run axes) into the
network's inputs, one row per feature in the order given; :class:`~mlp_gui.core.network.Kernel` applies it at the
start of every forward pass, so run files keep the raw inputs and every caller agrees. No features (the default
``x1,x2``) is no transform at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.parse import ConfigError

#: the setting's default: the raw inputs as they are (no transform)
RAW = "x1,x2"


@dataclass(frozen=True)
class Feature:
    """One input the network can take: ``value(x0, x1)`` of the raw inputs' rows (any leading axes)."""

    name: str
    label: str
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str  # what it is, in the flag's names (for help texts)


FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("x1", "x₀", lambda a, b: a, "x1"),
        Feature("x2", "x₁", lambda a, b: b, "x2"),
        Feature("x1sq", "x₀²", lambda a, b: a * a, "x1²"),
        Feature("x2sq", "x₁²", lambda a, b: b * b, "x2²"),
        Feature("x1x2", "x₀x₁", lambda a, b: a * b, "x1·x2"),
        Feature("sinx1", "sin x₀", lambda a, b: np.sin(a), "sin x1"),
        Feature("sinx2", "sin x₁", lambda a, b: np.sin(b), "sin x2"),
    )
}

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def parse_features(text: str, name: str = "features") -> str:
    """``x1,x2`` or any of :data:`FEATURES` separated by commas, each once; ConfigError naming the bad one."""
    names = [part.strip().lower() for part in str(text).replace(";", ",").split(",")]
    if not all(names):
        raise ConfigError(f"{name} is empty or has an empty name: give some of {', '.join(FEATURES)}", "features")
    for part in names:
        if part not in FEATURES:
            raise ConfigError(f"{name}: unknown feature {part!r}; choose from {', '.join(FEATURES)}", "features")
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice:
        raise ConfigError(f"{name} names {twice} twice: give each feature once", "features")
    return ",".join(names)


def feature_names(text: str) -> tuple[str, ...]:
    """The features a model carries for the setting's ``text``: () for the raw inputs (``x1,x2``, no transform)."""
    return () if text == RAW else tuple(text.split(","))


def feature_inputs(names: tuple[str, ...]) -> Callable[[np.ndarray], np.ndarray] | None:
    """The function turning raw ``x`` (two rows on its second-to-last axis) into the network's inputs, one row per
    feature of ``names`` in order; None for no features (the network takes ``x`` as it is)."""
    if not names:
        return None
    functions = [FEATURES[n].value for n in names]

    def inputs(x: np.ndarray) -> np.ndarray:
        a, b = x[..., 0, :], x[..., 1, :]
        return np.stack([f(a, b) for f in functions], axis=-2)

    return inputs


def input_label(names: tuple[str, ...], index: int) -> str:
    """What input ``index`` of the network is on screen: a feature's label (``x₀²``), else ``x₀``, ``x₁``, …"""
    if names:
        return FEATURES[names[index]].label
    return "x" + str(index).translate(_SUBSCRIPTS)


__all__ = ["FEATURES", "RAW", "Feature", "feature_inputs", "feature_names", "input_label", "parse_features"]
