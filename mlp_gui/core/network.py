"""The kernel: forward pass, loss and backprop, written once for every model and every caller.

Read it top to bottom as the course notebook's backprop::

    forward   z_l = W_l a_{l-1} + b_l,   a_l = f(z_l)             (a_0 = x or its features, f of the last layer: the output)
    loss      L and δ_L = ∂L/∂z_L         from the model's head (output with loss)
    backward  ∂L/∂W_l = δ_l a_{l-1}ᵀ,   ∂L/∂b_l = Σ_samples δ_l
              δ_{l-1} = (W_lᵀ δ_l) ⊙ f′(z_{l-1})

:meth:`Kernel.trace` runs the three once and keeps every array (a :class:`Trace`): the readable, allocating
form every explainer, the gradient check and the guard use. The trainer calls :meth:`Kernel.forward` and
:meth:`Kernel.backward` in its hot loop with the gradients written into a flat buffer in place (that reuse
is the whole of the "fast path"); the stacked sweep uses the same methods with ``np.matmul`` over a leading
run axis. :func:`quiet_float` is the one floating-point policy: the trace, the stacked sweep and
:func:`predict` run under it.
Arrays hold one column per sample: ``x`` is ``(inputs, M)``. With the notebook's model the arithmetic is the
notebook's, operation for operation, so its printed numbers come out to the last bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.features import feature_inputs
from mlp_gui.core.model import Layer, Model, Params

Arrays = list[np.ndarray]
_add_reduce = np.add.reduce  # Σ over samples; bound once, it runs every epoch


def quiet_float() -> np.errstate:
    """The one floating-point policy of every pass (a context manager): overflow, underflow, invalid operations and
    division by zero are silent.

    ``e^−z`` overflowing only makes ``σ(z)`` exactly 0, and underflow to 0 is harmless. A run that blows up
    produces inf or NaN: the trainers check every epoch's loss and stop at the first that is not finite, and the
    views show such numbers as they are. Warnings would only repeat that, thousands of times a second.
    """
    return np.errstate(all="ignore")


@dataclass(frozen=True)
class Trace:
    """One forward and backward pass, every array kept: the loss, and per layer z, a, δ and the gradients.

    ``acts`` starts with the network's inputs: ``x``, or the model's features of ``x`` (``acts[l]`` is layer l+1's
    input, ``acts[-1]`` the prediction);
    ``zs``, ``deltas`` and ``grads`` have one entry per layer. ``loss`` is what the model's head returns (a
    NumPy scalar, or one per run for a stack).
    """

    loss: np.floating | np.ndarray
    zs: Arrays
    acts: Arrays
    deltas: Arrays
    grads: Params

    @property
    def prediction(self) -> np.ndarray:
        return self.acts[-1]


class Kernel:
    """Forward and backward for one :class:`Model`.

    ``dot`` multiplies a weight matrix by a batch: ``np.dot`` for one run,
    ``np.matmul`` for runs stacked on a leading axis (both then broadcast
    the same code over the stack).
    """

    def __init__(self, model: Model, dot: Callable = np.dot) -> None:
        self.model = model
        self.dot = dot
        self.functions = [f.value for f in model.hidden] + [model.head.value]
        self.slopes = [f.slope for f in model.hidden]
        self.loss_and_delta = model.head.loss_and_delta
        self.inputs = feature_inputs(model.features)  # None: the network takes x as it is
        self._backward_order = range(model.n_layers - 1, -1, -1)  # made once: backward runs every epoch

    def forward(self, layers: Sequence[Layer], x: np.ndarray) -> tuple[Arrays, Arrays]:
        """Pre-activations ``zs`` (one per layer) and activations ``acts`` (the inputs first, prediction last).

        ``x`` is the raw inputs: a model with features takes their features (``acts[0]``). Biases are taken as given;
        trainers pass them as columns (``b[..., None]``) once per chunk.
        """
        dot = self.dot
        a = x if self.inputs is None else self.inputs(x)
        zs, acts = [], [a]
        for (W, b), f in zip(layers, self.functions):
            z = dot(W, a) + b
            a = f(z)
            zs.append(z)
            acts.append(a)
        return zs, acts

    def backward(self, layers: Sequence[Layer], zs: Arrays, acts: Arrays, delta: np.ndarray, grads: Sequence[Layer],
                 deltas: list | None = None) -> None:
        """Write ``∂L/∂W`` and ``∂L/∂b`` of every layer into ``grads``, starting from ``δ_L = delta``.

        ``deltas``: a list of one slot per layer that receives each layer's δ (to explain a step).
        """
        dot, slopes = self.dot, self.slopes
        for i in self._backward_order:
            if deltas is not None:
                deltas[i] = delta
            dot(delta, acts[i].mT, out=grads[i].W)
            _add_reduce(delta, -1, None, grads[i].b)
            if i:
                delta = dot(layers[i].W.mT, delta) * slopes[i - 1](acts[i], zs[i - 1])

    def trace(self, layers: Sequence[Layer], x: np.ndarray, y: np.ndarray) -> Trace:
        """Forward, loss and backward at ``layers`` on ``(x, y)``, every array new and kept (see :class:`Trace`)."""
        columns = bias_columns(layers)
        grads = [Layer(np.empty_like(W, order="C"), np.empty_like(b, order="C")) for W, b in layers]
        deltas: Arrays = [None] * len(grads)
        with quiet_float():
            zs, acts = self.forward(columns, x)
            loss, delta = self.loss_and_delta(zs[-1], acts[-1], y)
            self.backward(columns, zs, acts, delta, grads, deltas)
        return Trace(loss, zs, acts, deltas, grads)

    def loss_and_grads(self, layers: Sequence[Layer], x: np.ndarray, y: np.ndarray) -> tuple[np.floating, Params]:
        """The loss at ``layers`` and new arrays holding its gradient (:meth:`trace`, the rest left out)."""
        traced = self.trace(layers, x, y)
        return traced.loss, traced.grads


def bias_columns(layers: Sequence[Layer]) -> Params:
    """The layers with each bias as a column (``b[..., None]``), ready to add to ``W a`` for every sample."""
    return [Layer(W, b[..., None]) for W, b in layers]


def loss_and_grads(model: Model, layers: Sequence[Layer], x: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
    """The loss of ``model`` at ``layers`` on ``(x, y)`` and its gradient with respect to each layer's W and b."""
    loss, grads = Kernel(model).loss_and_grads(layers, x, y)
    return float(loss), grads


def predict(model: Model, layers: Sequence[Layer], x: np.ndarray) -> np.ndarray:
    """The network's output for inputs ``x`` (one column per sample)."""
    with quiet_float():
        return Kernel(model).forward(bias_columns(layers), x)[1][-1]
