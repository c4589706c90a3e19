"""The notebook's network as plain functions: initialisation, loss, and backprop.

This is the readable reference: sigmoid on every hidden layer, identity on the
output, loss ``(1/M) * sum(0.5 * (pred - y)**2)``. :mod:`mlp_gui.core.trainer`
runs the same arithmetic in a tighter loop and is tested to agree bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlp_gui.core.config import TrainConfig

Arrays = list[np.ndarray]


def parameter_names(n_layers: int) -> list[str]:
    """``['W1', 'b1', ..., 'WL', 'bL']`` for a network with ``n_layers`` weight layers."""
    return [f"{kind}{i}" for i in range(1, n_layers + 1) for kind in ("W", "b")]


def initialize(cfg: TrainConfig) -> tuple[Arrays, np.ndarray, np.ndarray]:
    """Parameters ``[W1, b1, ..., WL, bL]``, inputs ``x`` and targets ``y``, drawn as the notebook does.

    One legacy ``RandomState(seed)``: every ``W = randn(out, in) * 0.01`` in
    layer order (biases are zeros and draw nothing), then ``x = rand(n_in, M)``,
    then ``y = randn(n_out, M)``. With the defaults this is exactly the
    notebook's ``initialize(3, 4, 2, 5)`` after ``np.random.seed(12345)``.
    """
    rng = np.random.RandomState(cfg.seed)
    params: Arrays = []
    for n_in, n_out in zip(cfg.layers[:-1], cfg.layers[1:]):
        params.append(rng.randn(n_out, n_in) * 0.01)
        params.append(np.zeros((n_out,)))
    x = rng.rand(cfg.layers[0], cfg.batch_size)
    y = rng.randn(cfg.layers[-1], cfg.batch_size)
    return params, x, y


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, written as in the notebook so results agree to the last bit."""
    return 1 / (1 + np.exp(-z))


def forward(params: Sequence[np.ndarray], x: np.ndarray) -> Arrays:
    """Activations of every layer, input first and prediction last."""
    acts = [x]
    n_layers = len(params) // 2
    a = x
    for i in range(n_layers):
        z = np.dot(params[2 * i], a) + params[2 * i + 1][:, None]
        a = sigmoid(z) if i < n_layers - 1 else z
        acts.append(a)
    return acts


def loss(pred: np.ndarray, y: np.ndarray) -> float:
    """Mean over the batch of half the squared error, summed over outputs."""
    m = y.shape[1]
    return float((1.0 / m) * np.sum(np.sum(0.5 * (pred - y) ** 2, axis=0)))


def loss_and_grads(params: Sequence[np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, Arrays]:
    """The loss at ``params`` and its gradient with respect to each array, by backprop."""
    acts = forward(params, x)
    n_layers = len(params) // 2
    delta = (acts[-1] - y) / y.shape[1]
    grads: Arrays = [np.empty(0)] * len(params)
    for i in range(n_layers - 1, -1, -1):
        grads[2 * i] = np.dot(delta, acts[i].T)
        grads[2 * i + 1] = np.sum(delta, axis=1)
        if i > 0:
            a = acts[i]
            delta = np.dot(params[2 * i].T, delta) * (a * (1 - a))
    return loss(acts[-1], y), grads
