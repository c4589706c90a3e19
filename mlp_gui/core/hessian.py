"""Curvature of the loss: Hessian-vector products and the Hessian's largest eigenvalues, without the Hessian.

- :class:`Curvature` holds one model's loss on its data. ``hvp(θ, v)`` is the Hessian-vector product by central
  differences of the kernel's own gradients, ``(∇L(θ + εv) − ∇L(θ − εv)) / 2ε``, at ε and ε/2 and extrapolated
  (Richardson), the four gradients in one stacked pass (``np.matmul`` over a leading axis, as the sweep runs).
  ``ε = ∛u · max(1, ‖θ ⊙ v‖ / ‖v‖) / ‖v‖``: u is the float64 unit roundoff, ``‖θ ⊙ v‖ / ‖v‖`` the size of the
  parameters v moves. Where the two differences disagree (blown-up parameters) ε shrinks until they agree.
  About ten correct digits; where the curvature cannot be resolved at all (losses of 1e59 after a blow-up),
  the eigenvalues are NaN rather than noise.
- :func:`lanczos_top` finds the largest (algebraic) eigenvalues of a symmetric operator by **Lanczos with full
  reorthogonalisation**: every new Krylov vector is orthogonalised twice against all earlier ones, so the
  basis stays orthonormal and no ghost eigenvalues appear. Unlike power iteration it finds the largest
  eigenvalue even where a negative one is larger in magnitude (a saddle), gets the second with the first,
  and needs far fewer products. It stops when the wanted Ritz pairs' residuals ``‖Av − λv‖`` are below ``tol``
  times the largest |Ritz value|, or when the Krylov space is the whole space (exact up to the products' error).
- :func:`sharpness` is λ_max at a point: gradient descent with stepsize η is stable there only while λ_max < 2/η.

Long computations take ``progress(done, total)``; returning False cancels with :class:`CancelledError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from mlp_gui.core.flat_layout import Layer
from mlp_gui.core.model import Model
from mlp_gui.core.network import Kernel, bias_columns, quiet_float

Progress = Callable[[int, int], object]
"""``progress(done, total)``, called as the work advances; returning False cancels it (:class:`CancelledError`)."""

ROUNDOFF = np.finfo(np.float64).eps / 2
STEP = ROUNDOFF ** (1 / 3)  # ε for a unit direction at parameters of size about 1
BASIS_BYTES = 96 * 2**20  # the Lanczos basis (one row per product) stays within this
MAX_PRODUCTS = 150  # Hessian-vector products at most for one eigen-computation
TOL = 1e-9  # the Ritz residual, relative to |λ|, at which an eigenvalue counts as found
AGREE = 1e-4  # differences at ε and ε/2 this close (relative) leave ~1e-10 after extrapolation
SHRINKS = 5  # ε shrinks sixteenfold at most this many times for one product
RESOLVED = 1e-3  # the products' rounding error (a generous bound) must stay below this share of the largest |eigenvalue|


class CancelledError(Exception):
    """The progress callback asked to stop."""


def report(progress: Progress | None, done: int, total: int, what: str) -> None:
    """Tell ``progress`` how far ``what`` has come; raise :class:`CancelledError` if it answers False."""
    if progress is not None and progress(done, total) is False:
        raise CancelledError(f"{what} was cancelled")


class Curvature:
    """The loss of ``model`` on ``(x, y)`` as a function of the flat parameters ``θ`` (``[W1, b1, W2, ...]``):
    its gradients, many points at once, and its Hessian-vector products."""

    def __init__(self, model: Model, x: np.ndarray, y: np.ndarray) -> None:
        self.model, self.layout = model, model.layout
        self.x = np.ascontiguousarray(x, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self.kernel = Kernel(model, dot=np.matmul)

    @property
    def size(self) -> int:
        return self.layout.size

    def gradients(self, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The loss and its gradient at each row of ``thetas`` (``(B, P)``): ``(B,)`` and ``(B, P)``, one stacked pass."""
        thetas = np.ascontiguousarray(thetas, dtype=np.float64)
        flat, grads = self.layout.zeros(thetas.shape[:-1])
        layers = bias_columns(self.layout.views(thetas))
        kernel = self.kernel
        with quiet_float():
            zs, acts = kernel.forward(layers, self.x)
            loss, delta = kernel.loss_and_delta(zs[-1], acts[-1], self.y)
            kernel.backward(layers, zs, acts, delta, grads)
        return np.asarray(loss), flat

    def step(self, theta: np.ndarray, v: np.ndarray) -> float:
        """The finite-difference step ε for direction ``v`` at ``θ`` (see the module's docstring)."""
        norm = max(float(np.linalg.norm(v)), np.finfo(np.float64).tiny)
        return STEP * max(1.0, float(np.linalg.norm(theta * v)) / norm) / norm

    def hvp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``H(θ) v``: central differences at ε and ε/2 (four gradients, one stacked pass), extrapolated (Richardson).

        Where the two disagree by more than :data:`AGREE` (ε reaches past the loss's curvature: blown-up
        parameters), ε shrinks sixteenfold and the product is taken again; NaN if no ε down to a millionth of
        the first one agrees (the curvature cannot be resolved in float64 there).
        """
        return self._product(theta, v)[0]

    def _product(self, theta: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, float]:
        """:meth:`hvp` and the rounding error its gradients allow (no ε can do better than that)."""
        with quiet_float():
            eps = self.step(theta, v)
            for _ in range(SHRINKS + 1):
                _, g = self.gradients(theta + np.multiply.outer(np.array([eps, -eps, eps / 2, -eps / 2]), v))
                wide, narrow = (g[0] - g[1]) / (2 * eps), (g[2] - g[3]) / eps
                apart = float(np.linalg.norm(wide - narrow))
                floor = 16 * ROUNDOFF * float(np.sum(np.linalg.norm(g, axis=1))) / eps
                if apart <= AGREE * float(np.linalg.norm(narrow)) + floor:
                    return (4 * narrow - wide) / 3, floor
                if not math.isfinite(apart):
                    break
                eps /= 16
            return np.full_like(v, np.nan), math.inf

    def top(self, theta: np.ndarray, k: int = 2, *, start: np.ndarray | None = None, progress: Progress | None = None,
            tol: float = TOL) -> Eigen:
        """The ``k`` largest eigenvalues of the Hessian at ``θ`` and their eigenvectors (:func:`lanczos_top`).

        NaN where the products' rounding error is not below :data:`RESOLVED` of the Hessian's size (gradients so
        large, after a blow-up, that float64 cannot resolve the curvature): a number would be noise.
        """
        theta = np.asarray(theta, dtype=np.float64)
        floors = []

        def product(v: np.ndarray) -> np.ndarray:
            hv, floor = self._product(theta, v)
            floors.append(floor)
            return hv

        eigen = lanczos_top(product, self.size, k, tol=tol, start=start, progress=progress, max_products=products_for(self.size))
        if max(floors) > RESOLVED * eigen.spread:
            nan = np.full_like(eigen.values, np.nan)
            return Eigen(nan, np.full_like(eigen.vectors, np.nan), nan, eigen.products, False, eigen.spread)
        return eigen


def products_for(size: int) -> int:
    """How many products one eigen-computation may take for ``size`` parameters (its basis within BASIS_BYTES)."""
    return max(2, min(size, MAX_PRODUCTS, BASIS_BYTES // (8 * max(size, 1))))


@dataclass(frozen=True, eq=False)
class Eigen:
    """Eigenvalues, largest first, with unit eigenvectors (rows) and how well each is known."""

    values: np.ndarray  # (k,)
    vectors: np.ndarray  # (k, n)
    residuals: np.ndarray  # (k,) ‖A v − λ v‖ as Lanczos estimates it
    products: int  # operator applications used
    converged: bool  # every residual within tolerance (or the Krylov space was the whole space)
    spread: float  # the largest |Ritz value| found: the operator's size, as far as the iteration saw it


def lanczos_top(matvec: Callable[[np.ndarray], np.ndarray], n: int, k: int = 2, *, tol: float = TOL,
                max_products: int | None = None, start: np.ndarray | None = None, seed: int = 0,
                progress: Progress | None = None) -> Eigen:
    """The ``k`` largest eigenpairs of the symmetric ``n × n`` operator ``matvec`` (Lanczos, full reorthogonalisation).

    ``start``: a first vector (e.g. the previous point's top eigenvector; random from ``seed`` if None).
    Each eigenvector's sign is chosen so that its largest entry is positive. Non-finite products stop the
    iteration with NaN eigenvalues (the loss is not finite there).
    """
    k = max(1, min(k, n))
    limit = n if max_products is None else max(k, min(n, max_products))
    rng = np.random.default_rng(seed)
    basis = np.empty((limit, n))
    alphas: list[float] = []
    betas: list[float] = []
    q = _unit(rng.standard_normal(n) if start is None else np.array(start, dtype=np.float64))
    for j in range(limit):
        basis[j] = q
        w = np.asarray(matvec(q), dtype=np.float64)
        if not np.all(np.isfinite(w)):
            return Eigen(np.full(k, np.nan), np.full((k, n), np.nan), np.full(k, np.nan), j + 1, False, math.nan)
        alphas.append(float(q @ w))
        known = basis[: j + 1]
        for _ in range(2):  # full reorthogonalisation, twice ("twice is enough")
            w -= known.T @ (known @ w)
        beta = float(np.linalg.norm(w))
        ritz = _ritz(alphas, betas, beta, k)
        scale = max(ritz.spread, np.finfo(np.float64).tiny)
        found = j + 1 >= k and bool(np.all(ritz.residuals <= tol * scale))
        if found or j + 1 == limit:
            return _finish(ritz, basis[: j + 1], j + 1, converged=found or j + 1 == n)
        report(progress, j + 1, limit, "the eigenvalue computation")
        if beta <= math.sqrt(ROUNDOFF) * scale:  # an invariant subspace: go on in a fresh direction orthogonal to it
            w = rng.standard_normal(n)
            for _ in range(2):
                w -= known.T @ (known @ w)
            beta = 0.0
        betas.append(beta)
        q = _unit(w)
    raise AssertionError("unreachable: the loop returns at its last step")


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else np.full_like(v, 1.0 / math.sqrt(max(v.size, 1)))


class _Ritz(NamedTuple):
    values: np.ndarray  # the k largest Ritz values, largest first
    coefficients: np.ndarray  # their vectors in the Lanczos basis (columns)
    residuals: np.ndarray  # ‖A v − λ v‖ of each
    spread: float  # the largest |Ritz value| of all


def _ritz(alphas: Sequence[float], betas: Sequence[float], beta: float, k: int) -> _Ritz:
    """The ``k`` largest Ritz pairs of the tridiagonal matrix so far (``beta``: the next off-diagonal entry)."""
    m = len(alphas)
    t = np.diag(np.asarray(alphas))
    if m > 1:
        off = np.asarray(betas[: m - 1])
        t += np.diag(off, 1) + np.diag(off, -1)
    values, vectors = np.linalg.eigh(t)
    order = np.argsort(values)[::-1][:k]
    return _Ritz(values[order], vectors[:, order], np.abs(beta * vectors[-1, order]), float(np.max(np.abs(values))))


def _finish(ritz: _Ritz, basis: np.ndarray, products: int, *, converged: bool) -> Eigen:
    vectors = ritz.coefficients.T @ basis
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for row in vectors:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    return Eigen(ritz.values, vectors, ritz.residuals, products, converged, ritz.spread)


def sharpness(model: Model, layers: Sequence[Layer], x: np.ndarray, y: np.ndarray, *, progress: Progress | None = None) -> float:
    """λ_max: the largest eigenvalue of the loss's Hessian at ``layers`` on ``(x, y)`` (NaN where the loss is not finite)."""
    curvature = Curvature(model, x, y)
    return float(curvature.top(curvature.layout.pack(layers), 1, progress=progress).values[0])


__all__ = ["CancelledError", "Curvature", "Eigen", "Progress", "lanczos_top", "products_for", "sharpness"]
