"""The loss landscape of a run: the loss over a plane through its parameters with its path drawn on it (Li et al.
2018), along the straight line between two of its points (Goodfellow et al. 2015), and its sharpness.

A :class:`Trajectory` is what it is computed from: the model, its training data and the kept parameter points
(snapshots, the initial ones and the end). The plane's centre is the point at or before an epoch; its directions:

- ``pca``: the two leading right singular vectors of the kept points minus the centre (orthonormal; the path is
  every point's projection, coordinates ``(θ − centre)·d``). Signs: the path starts at negative coordinates.
- ``random``: two Gaussian directions from a seed, filter-normalised: each unit's incoming weights (a row of W)
  scaled to the norm of that unit's weights at the centre, bias directions zero. Path: least-squares coordinates.
- ``hessian``: the eigenvectors of the two largest Hessian eigenvalues at the centre (Lanczos, :mod:`hessian`).

The losses are the data loss on the training data, evaluated many points at once (:mod:`landscape_grid`).
Every long step takes ``progress(done, total)``; returning False raises :class:`CancelledError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.flat_layout import FlatLayout
from mlp_gui.core.hessian import CancelledError, Curvature, Progress, lanczos_top, products_for, sharpness
from mlp_gui.core.landscape_grid import line_losses, slice_losses
from mlp_gui.core.model import Model
from mlp_gui.core.runfile import SavedRun
from mlp_gui.core.trainer import Trainer

PLANES = ("pca", "random", "hessian")
DEFAULT_GRID = 41
MIN_GRID, MAX_GRID = 2, 401
MARGIN = 1.25  # the pca span: the path's farthest coordinate times this
LINE_FROM, LINE_TO = -0.5, 1.5
EXACT_SVD_WORK = 2 * 10**9  # a thin SVD of the points up to this many flops; beyond, Lanczos on their Gram operator


class LandscapeError(ValueError):
    """A landscape that cannot be computed from this run as asked; the message says why, in one line."""


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A run's kept parameter points (flat, ``[W1, b1, ...]``) at increasing ``epochs``, with its model and data."""

    model: Model
    x: np.ndarray
    y: np.ndarray
    epochs: np.ndarray  # (k,) int64, increasing
    points: np.ndarray  # (k, P)
    stepsize: float

    @classmethod
    def of_run(cls, run: SavedRun) -> Trajectory:
        """The snapshots of a saved run, its initial parameters and its end (a diverged run: its last finite epoch)."""
        layout = run.config.model.layout
        kept: dict[int, np.ndarray] = {}
        if run.initial is not None:
            kept[0] = layout.pack(run.initial)
        if run.snapshots is not None:
            kept.update({int(e): np.asarray(r, dtype=np.float64) for e, r in zip(run.snapshots.epochs, run.snapshots.rows)})
        end = run.epochs - (1 if run.diverged_at is not None else 0)
        kept = {e: r for e, r in kept.items() if e <= end}
        kept[end] = layout.pack(run.layers)
        return cls._of(run.config.model, run.x, run.y, kept, run.config.stepsize)

    @classmethod
    def of_trainer(cls, trainer: Trainer) -> Trajectory:
        """The same from a live trainer (copies: safe to hand to another thread)."""
        layout = trainer.config.model.layout
        kept = {int(e): np.array(r, dtype=np.float64) for e, r in zip(trainer.snapshots.epochs, trainer.snapshots.rows)}
        if trainer.initial_layers is not None:
            kept.setdefault(0, layout.pack(trainer.initial_layers))
        kept = {e: r for e, r in kept.items() if e <= trainer.epoch}
        kept[trainer.epoch] = layout.pack(trainer.layers)
        return cls._of(trainer.config.model, trainer.x.copy(), trainer.y.copy(), kept, trainer.stepsize)

    @classmethod
    def _of(cls, model: Model, x: np.ndarray, y: np.ndarray, kept: dict[int, np.ndarray], stepsize: float) -> Trajectory:
        epochs = sorted(kept)
        return cls(model, x, y, np.array(epochs, dtype=np.int64), np.stack([kept[e] for e in epochs]), float(stepsize))

    @property
    def layout(self) -> FlatLayout:
        return self.model.layout

    @property
    def end_epoch(self) -> int:
        return int(self.epochs[-1])

    def index_at(self, epoch: int | None) -> int:
        """The index of the latest point at or before ``epoch`` (None: the end)."""
        if epoch is None:
            return len(self.epochs) - 1
        if epoch < 0:
            raise LandscapeError(f"epoch {epoch} is before the run (it starts at epoch 0)")
        found = np.flatnonzero(self.epochs <= epoch)
        if not found.size:
            raise LandscapeError(f"no kept parameters at or before epoch {epoch:,} (the first kept is epoch {self.epochs[0]:,})")
        return int(found[-1])


# ---------------------------------------------------------------- directions


def pca_directions(points: np.ndarray, center: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two leading principal directions of ``points − center`` (orthonormal), signed so the first point's
    coordinates are not positive (the run walks towards +d); LandscapeError if the points span fewer than two."""
    offsets = np.asarray(points, dtype=np.float64) - center
    k, p = offsets.shape
    if k * p * min(k, p) <= EXACT_SVD_WORK:
        _, s, vt = np.linalg.svd(offsets, full_matrices=False)
        s, top = s[:2], vt[:2]
    else:
        small = k <= p
        op: Callable[[np.ndarray], np.ndarray] = (lambda u: offsets @ (offsets.T @ u)) if small else (lambda v: offsets.T @ (offsets @ v))
        eigen = lanczos_top(op, min(k, p), 2, tol=1e-13, max_products=min(k, p, 300))
        s = np.sqrt(np.maximum(eigen.values, 0.0))
        top = eigen.vectors @ offsets if small else eigen.vectors
        top = top / np.maximum(np.linalg.norm(top, axis=1, keepdims=True), np.finfo(np.float64).tiny)
    if len(s) < 2 or not s[1] > 1e-12 * s[0]:
        away = int(np.count_nonzero(np.any(offsets != 0, axis=1)))
        raise LandscapeError(f"the pca plane needs kept snapshots that leave the centre in two directions; this run kept "
                             f"{k} point(s), {away} away from the centre: use the random or hessian plane")
    return _signed(top[0], offsets[0]), _signed(top[1], offsets[0])


def _signed(d: np.ndarray, first: np.ndarray) -> np.ndarray:
    side = float(first @ d)
    if side == 0.0:
        side = -float(d[np.argmax(np.abs(d))])
    return -d if side > 0 else d.copy()


def random_directions(layout: FlatLayout, center: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian directions from ``seed``, filter-normalised at ``center`` (Li et al. 2018; biases zero)."""
    draws = np.random.default_rng(seed).standard_normal((2, layout.size))
    for d in draws:
        for span in layout.spans:
            part = d[span.start : span.stop]
            if not span.is_weight:
                part[:] = 0.0
                continue
            rows, weights = part.reshape(span.shape), center[span.start : span.stop].reshape(span.shape)
            norms = np.linalg.norm(rows, axis=1, keepdims=True)
            rows *= np.linalg.norm(weights, axis=1, keepdims=True) / np.where(norms > 0, norms, 1.0)
    if not np.any(draws[0]) or not np.any(draws[1]):
        raise LandscapeError("every weight at the centre is zero, so filter-normalised random directions are zero: "
                             "use the pca or hessian plane")
    return draws[0], draws[1]


def coordinates(points: np.ndarray, center: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """Each point's ``(α, β)`` on the plane: least squares (for orthonormal directions, the dot products)."""
    d = np.stack([d1, d2])
    gram = d @ d.T
    offsets = np.asarray(points, dtype=np.float64) - center
    return np.linalg.solve(gram, d @ offsets.T).T


# ---------------------------------------------------------------- the slice and the line


@dataclass(frozen=True, eq=False)
class Slice:
    """The loss over ``center + α·d1 + β·d2``: ``loss[j, i]`` at ``(alphas[i], betas[j])``, with the path on it."""

    plane: str
    center_epoch: int
    center: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    path: np.ndarray  # (k, 2)
    path_epochs: np.ndarray  # (k,)
    center_loss: float
    sharpness: float | None = None  # λ_max at the centre, when asked for (the hessian plane always has it)
    curvatures: tuple[float, ...] = ()  # the hessian plane: the two eigenvalues of d1 and d2

    def arrays(self) -> dict[str, np.ndarray]:
        """What SLICE.npz holds."""
        return {"center": self.center, "d1": self.d1, "d2": self.d2, "alphas": self.alphas, "betas": self.betas,
                "loss": self.loss, "path": self.path, "path_epochs": self.path_epochs, "plane": np.array(self.plane),
                "center_epoch": np.array(self.center_epoch, dtype=np.int64)}


@dataclass(frozen=True, eq=False)
class Line:
    """The loss along ``(1 − t)·θ_A + t·θ_B`` at each ``ts``, and at the ends (t = 0 and 1) themselves."""

    ts: np.ndarray
    loss: np.ndarray
    epoch_a: int
    epoch_b: int
    theta_a: np.ndarray
    theta_b: np.ndarray
    loss_a: float
    loss_b: float

    def arrays(self) -> dict[str, np.ndarray]:
        """What LINE.npz holds."""
        return {"ts": self.ts, "loss": self.loss, "theta_a": self.theta_a, "theta_b": self.theta_b,
                "epoch_a": np.array(self.epoch_a, dtype=np.int64), "epoch_b": np.array(self.epoch_b, dtype=np.int64),
                "loss_a": np.array(self.loss_a), "loss_b": np.array(self.loss_b)}


def check_grid(grid: int) -> int:
    if not MIN_GRID <= grid <= MAX_GRID:
        raise LandscapeError(f"a grid of {grid} points per axis: it must be from {MIN_GRID} to {MAX_GRID}")
    return int(grid)


def compute_slice(trajectory: Trajectory, plane: str = "pca", *, grid: int = DEFAULT_GRID, span: float | None = None,
                  at: int | None = None, seed: int = 0, with_sharpness: bool = False,
                  progress: Progress | None = None) -> Slice:
    """The loss on a ``grid × grid`` slice of ``plane`` around the point at or before epoch ``at`` (None: the end).

    ``span``: the half-width in units of the directions (None: the path with a margin for pca, else 1).
    ``progress(done, total)`` counts Hessian-vector products, then grid points; False cancels (:class:`CancelledError`).
    """
    if plane not in PLANES:
        raise LandscapeError(f"unknown plane {plane!r}; choose one of {', '.join(PLANES)}")
    check_grid(grid)
    if span is not None and not (math.isfinite(span) and span > 0):
        raise LandscapeError(f"a span of {span}: it must be a positive number")
    t = trajectory
    index = t.index_at(at)
    center = t.points[index]
    curvature = Curvature(t.model, t.x, t.y)
    products = products_for(t.layout.size) if plane == "hessian" or with_sharpness else 0
    steps = _Steps(progress, products, grid * grid)
    d1, d2, curvatures = _directions(t, plane, index, seed, curvature, steps)
    lam = curvatures[0] if curvatures else None
    if with_sharpness and lam is None:
        lam = float(curvature.top(center, 1, progress=steps.first).values[0])
    path = coordinates(t.points, center, d1, d2)
    if span is None:
        far = float(np.max(np.abs(path))) if plane == "pca" else 0.0
        span = MARGIN * far if far > 0 else 1.0
    axis = np.linspace(-span, span, grid)
    loss = slice_losses(t.model, t.x, t.y, center, d1, d2, axis, axis, progress=steps.second)
    center_loss = float(curvature.gradients(center[None])[0][0])
    return Slice(plane, int(t.epochs[index]), center.copy(), d1, d2, axis, axis.copy(), loss, path, t.epochs.copy(),
                 center_loss, lam, curvatures)


def _directions(t: Trajectory, plane: str, index: int, seed: int, curvature: Curvature,
                steps: _Steps) -> tuple[np.ndarray, np.ndarray, tuple[float, ...]]:
    """The plane's two directions at point ``index``, and for the hessian plane their eigenvalues."""
    center = t.points[index]
    if plane == "pca":
        return (*pca_directions(t.points, center), ())
    if plane == "random":
        return (*random_directions(t.layout, center, seed), ())
    eigen = curvature.top(center, 2, progress=steps.first)
    if not np.all(np.isfinite(eigen.values)):
        raise LandscapeError(f"the Hessian at epoch {t.epochs[index]:,} cannot be resolved (the loss there is not finite, "
                             "or too large for float64: a run that blew up): use the pca or random plane")
    return eigen.vectors[0], eigen.vectors[1], tuple(float(v) for v in eigen.values)


def compute_line(trajectory: Trajectory, a: int | None, b: int | None, *, grid: int = DEFAULT_GRID,
                 progress: Progress | None = None) -> Line:
    """The loss on ``grid`` points from t = −0.5 to 1.5 between the points at or before epochs ``a`` and ``b``
    (None: the end)."""
    check_grid(grid)
    t = trajectory
    i, j = t.index_at(a), t.index_at(b)
    if i == j:
        raise LandscapeError(f"both ends are the point kept at epoch {t.epochs[i]:,}: choose epochs further apart")
    ts = np.linspace(LINE_FROM, LINE_TO, grid)
    losses = line_losses(t.model, t.x, t.y, t.points[i], t.points[j], np.concatenate([ts, [0.0, 1.0]]), progress=progress)
    return Line(ts, losses[:-2], int(t.epochs[i]), int(t.epochs[j]), t.points[i].copy(), t.points[j].copy(),
                float(losses[-2]), float(losses[-1]))


class _Steps:
    """One progress count over two stages: up to ``first`` Hessian-vector products, then ``second`` grid points."""

    def __init__(self, progress: Progress | None, first: int, second: int) -> None:
        self.progress, self.sizes = progress, (first, second)

    def first(self, done: int, total: int) -> object:
        return self.progress is None or self.progress(done, sum(self.sizes))

    def second(self, done: int, total: int) -> object:
        return self.progress is None or self.progress(self.sizes[0] + done, sum(self.sizes))


__all__ = ["DEFAULT_GRID", "MAX_GRID", "MIN_GRID", "PLANES", "CancelledError", "LandscapeError", "Line", "Slice", "Trajectory",
           "check_grid", "compute_line", "compute_slice", "coordinates", "line_losses", "pca_directions",
           "random_directions", "sharpness", "slice_losses"]
