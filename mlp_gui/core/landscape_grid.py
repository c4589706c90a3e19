"""The loss at many parameter points of a plane or a line at once: stacked over a leading axis, in blocks.

Every point is an affine combination ``θ = Σᵢ cᵢ·basisᵢ`` of a few flat parameter vectors: the centre and two
directions for a slice (``c = (1, α, β)``), the two ends for a line (``c = (1 − t, t)``). The first layer's
pre-activation ``W1·x + b1`` is linear in θ, so it is computed once per basis vector and combined per point
(for a 784-input net that is three quarters of the arithmetic saved); the layers after it run through the
kernel (:class:`~mlp_gui.core.network.Kernel` with ``np.matmul`` over the stack, as the sweep does) on blocks of
points sized so one block stays within :data:`BLOCK_BYTES` (less when the machine has less free).
"""

from __future__ import annotations

import numpy as np

from mlp_gui.core import platform
from mlp_gui.core.features import feature_inputs
from mlp_gui.core.hessian import Progress, report
from mlp_gui.core.model import Model
from mlp_gui.core.network import Kernel, bias_columns, quiet_float

BLOCK_BYTES = 32 * 2**20  # the arrays of one block of points stay within this


class AffineLosses:
    """The data loss of ``model`` on ``(x, y)`` at ``coefficients @ basis`` (one row of coefficients per point)."""

    def __init__(self, model: Model, x: np.ndarray, y: np.ndarray, basis: np.ndarray) -> None:
        layout = model.layout
        self.model = model
        self.basis = np.ascontiguousarray(basis, dtype=np.float64)
        if self.basis.ndim != 2 or self.basis.shape[1] != layout.size:
            raise ValueError(f"a basis of {layout.size}-parameter rows is needed, got shape {self.basis.shape}")
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self.samples = self.y.shape[-1]
        first = layout.views(self.basis)[0]
        made = feature_inputs(model.features)  # the network's inputs: x, or the features the model makes of it
        inputs = np.ascontiguousarray(x if made is None else made(np.asarray(x, dtype=np.float64)), dtype=np.float64)
        with quiet_float():
            z = np.matmul(first.W, inputs) + first.b[..., None]
        self.z_shape = z.shape[1:]
        self.z_basis = z.reshape(len(self.basis), -1)  # each basis vector's W1·x + b1, flattened
        self.tail = self.basis[:, layout.spans[1].stop :]  # W2, b2, ... of each basis vector
        self.first = model.hidden[0].value if model.n_layers > 1 else model.head.value
        if model.n_layers > 1:
            tail_model = Model(model.sizes[1:], model.activations[1:], model.output, model.loss)
            self.tail_layout, self.kernel = tail_model.layout, Kernel(tail_model, dot=np.matmul)

    def point_bytes(self) -> int:
        """About how many bytes one point's arrays take: its later layers' parameters, every z and a, the loss's."""
        sizes = self.model.sizes
        activations = 2 * self.samples * sum(sizes[1:]) + 3 * sizes[-1] * self.samples
        return 8 * (self.tail.shape[1] + activations)

    def block_size(self, budget: int | None = None) -> int:
        """Points per stacked computation: as many as fit in ``budget`` bytes (default :data:`BLOCK_BYTES`; a quarter
        of the free memory at most)."""
        budget = BLOCK_BYTES if budget is None else budget
        free = platform.available_memory()
        if free is not None:
            budget = min(budget, free // 4)
        return max(1, budget // self.point_bytes())

    def losses(self, coefficients: np.ndarray, *, progress: Progress | None = None, what: str = "the landscape",
               block: int | None = None) -> np.ndarray:
        """The loss at each row of ``coefficients`` (``(N, len(basis))``), ``block`` points at a time.

        ``progress(points_done, N)`` after each block; returning False cancels (:class:`~mlp_gui.core.hessian.CancelledError`).
        """
        coefficients = np.ascontiguousarray(coefficients, dtype=np.float64)
        n = len(coefficients)
        out = np.empty(n)
        block = block or self.block_size()
        for start in range(0, n, block):
            stop = min(n, start + block)
            out[start:stop] = self._block(coefficients[start:stop])
            report(progress, stop, n, what)
        return out

    def _block(self, c: np.ndarray) -> np.ndarray:
        with quiet_float():
            z = np.matmul(c, self.z_basis).reshape((len(c), *self.z_shape))
            a = self.first(z)
            if self.model.n_layers == 1:
                return np.asarray(self.model.head.loss_and_delta(z, a, self.y)[0])
            layers = bias_columns(self.tail_layout.views(np.matmul(c, self.tail)))
            zs, acts = self.kernel.forward(layers, a)
            return np.asarray(self.kernel.loss_and_delta(zs[-1], acts[-1], self.y)[0])


def slice_losses(model: Model, x: np.ndarray, y: np.ndarray, center: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                 alphas: np.ndarray, betas: np.ndarray, *, progress: Progress | None = None) -> np.ndarray:
    """The loss at ``center + α·d1 + β·d2`` for every α in ``alphas`` and β in ``betas``: ``(len(betas), len(alphas))``."""
    beta_grid, alpha_grid = np.meshgrid(np.asarray(betas, dtype=np.float64), np.asarray(alphas, dtype=np.float64), indexing="ij")
    coefficients = np.column_stack([np.ones(alpha_grid.size), alpha_grid.ravel(), beta_grid.ravel()])
    evaluate = AffineLosses(model, x, y, np.stack([center, d1, d2]))
    return evaluate.losses(coefficients, progress=progress, what="the slice").reshape(beta_grid.shape)


def line_losses(model: Model, x: np.ndarray, y: np.ndarray, theta_a: np.ndarray, theta_b: np.ndarray, ts: np.ndarray, *,
                progress: Progress | None = None) -> np.ndarray:
    """The loss at ``(1 − t)·θ_A + t·θ_B`` for every ``t`` in ``ts`` (at t = 0 and 1 exactly θ_A's and θ_B's)."""
    ts = np.asarray(ts, dtype=np.float64)
    evaluate = AffineLosses(model, x, y, np.stack([theta_a, theta_b]))
    return evaluate.losses(np.column_stack([1.0 - ts, ts]), progress=progress, what="the line")


__all__ = ["BLOCK_BYTES", "AffineLosses", "line_losses", "slice_losses"]
