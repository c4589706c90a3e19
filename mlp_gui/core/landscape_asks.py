"""What to compute of a run's loss landscape, a slice or a line, and :func:`compute_ask` computing it on one BLAS
thread: the Landscape tab's jobs and ``mlp-gui landscape`` ask the same way (:mod:`mlp_gui.core.landscape`)."""

from __future__ import annotations

from dataclasses import dataclass

from mlp_gui.core.blas_threads import blas_threads
from mlp_gui.core.hessian import Progress
from mlp_gui.core.landscape import DEFAULT_GRID, Line, Slice, Trajectory, compute_line, compute_slice


@dataclass(frozen=True)
class SliceAsk:
    """A slice: ``plane`` (pca, random, hessian), ``grid`` points per axis, ``span`` (None: the core's default), centred
    at or before epoch ``at`` (None: the end), with λ_max at the centre if ``with_sharpness``."""

    plane: str = "pca"
    grid: int = DEFAULT_GRID
    span: float | None = None
    seed: int = 0
    at: int | None = None
    with_sharpness: bool = False

    @property
    def what(self) -> str:
        return f"the {self.plane} slice"


@dataclass(frozen=True)
class LineAsk:
    """The line between the points kept at or before epochs ``a`` and ``b`` (None: the end), on ``grid`` points."""

    a: int | None
    b: int | None
    grid: int = DEFAULT_GRID

    @property
    def what(self) -> str:
        return f"the line from epoch {self.a:,} to {self.b:,}"


def compute_ask(trajectory: Trajectory, ask: SliceAsk | LineAsk, *, progress: Progress | None = None) -> Slice | Line:
    """``ask`` of ``trajectory``, computed on one BLAS thread (:mod:`mlp_gui.core.blas_threads`: two wait for each
    other whenever anything else keeps a core busy); ``progress(done, total)`` False cancels: CancelledError."""
    with blas_threads(1):
        if isinstance(ask, LineAsk):
            return compute_line(trajectory, ask.a, ask.b, grid=ask.grid, progress=progress)
        return compute_slice(trajectory, ask.plane, grid=ask.grid, span=ask.span, at=ask.at, seed=ask.seed,
                             with_sharpness=ask.with_sharpness, progress=progress)
