"""The Landscape tab's log colour scale and contour lines, prepared with the slice on the worker thread.

Colours are ``log10(loss)`` from the slice's smallest loss up to its largest, at most MAX_DECADES above the
smallest (a blow-up's 1e30 would leave the valley one colour); zero is drawn as the smallest, a non-finite
loss not at all. The colour bar's ticks, and the contour lines drawn at them, are losses a student reads:
powers of ten over a wide range, 1, 2 and 5 times them over a few decades, round decimals inside one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyqtgraph import functions as pg_functions

from mlp_gui.core.color_scale import format_short, power_label
from mlp_gui.core.landscape import Slice

MAX_DECADES = 8.0  # colours span at most this many powers of ten above the smallest loss
MIN_TICKS = 3  # ticks wanted on the colour bar at least (finer steps until there are)
MAX_TICKS = 8
CONTOURS_AT_MOST = 9


def colour_range(loss: np.ndarray) -> tuple[float, float]:
    """``(lo, hi)`` of the colours in log10 of the loss (a flat or empty slice: a range one tenth of a decade wide)."""
    finite = loss[np.isfinite(loss) & (loss > 0)]
    if not finite.size:
        return 0.0, 0.1
    lo, hi = math.log10(float(finite.min())), math.log10(float(finite.max()))
    hi = min(hi, lo + MAX_DECADES)
    return (lo, hi) if hi - lo > 1e-12 * max(1.0, abs(lo)) else (lo - 0.05, lo + 0.05)


def log_image(loss: np.ndarray, lo: float) -> np.ndarray:
    """The colours' values: ``log10(loss)``, zero (and below ``10**lo``) at ``lo``, non-finite NaN (not drawn)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        image = np.log10(np.where(loss > 0, loss, 10.0**lo))
    image[~np.isfinite(loss)] = np.nan
    return np.maximum(image, lo, where=np.isfinite(image), out=image)


def scale_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """The colour bar's ticks, ``(log10 of the loss, its label)`` between ``lo`` and ``hi``: decades, or 1-2-5 times
    them, or every mantissa; within a decade too few of those, so evenly spaced round decimals (1, 2 or 5 steps)."""
    first, last = math.floor(lo), math.ceil(hi)
    for mantissas in ((1.0,), (1.0, 2.0, 5.0), (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)):
        values = [m * 10.0**e for e in range(first, last + 1) for m in mantissas]
        inside = [v for v in values if lo <= math.log10(v) <= hi]
        if len(inside) >= MIN_TICKS:
            return [(math.log10(v), tick_label(v)) for v in inside[:: math.ceil(len(inside) / MAX_TICKS)]]
    low, high = 10.0**lo, 10.0**hi
    exponent = math.floor(math.log10((high - low) / MAX_TICKS))
    step = next(m * 10.0**exponent for m in (1, 2, 5, 10) if (high - low) / (m * 10.0**exponent) <= MAX_TICKS)
    values = [k * step for k in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1)]
    return [(math.log10(v), _step_label(v, step, plain=0.001 <= high < 1e4)) for v in values if v > 0]


def _step_label(value: float, step: float, *, plain: bool) -> str:
    """``value`` with as many digits as ``step`` needs: ``1.05`` beside ``1.10``, ``3.15e-7`` beside ``3.2e-7``."""
    step_decade = math.floor(math.log10(step) + 1e-9)
    if plain:
        return f"{value:.{max(0, -step_decade)}f}"
    mantissa, exponent = f"{value:.{max(0, math.floor(math.log10(value) + 1e-9) - step_decade)}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def tick_label(value: float) -> str:
    """A loss on the colour bar: ``0.01``, ``1e-5``, ``0.2``, ``3e-7``, ``150``."""
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = value / 10.0**exponent
    if abs(mantissa - 1.0) < 1e-9:
        return power_label(exponent)
    return format_short(value) if 0.001 <= value < 1000 else f"{mantissa:g}e{exponent}"


@dataclass(frozen=True)
class SliceDrawing:
    """What the plot draws of a slice: its colours' values and range, the bar's ticks, and contour lines at them."""

    image: np.ndarray  # log10 of the loss, rows β, columns α
    lo: float
    hi: float
    ticks: list[tuple[float, str]]
    contours: list[tuple[float, np.ndarray, np.ndarray]]  # (level, α, β) with NaN between pieces

    @classmethod
    def of(cls, s: Slice) -> SliceDrawing:
        lo, hi = colour_range(s.loss)
        image = log_image(s.loss, lo)
        ticks = scale_ticks(lo, hi)
        levels = [v for v, _ in ticks if lo < v < hi][:CONTOURS_AT_MOST]
        return cls(image, lo, hi, ticks, [(level, *contour(image, level, s.alphas, s.betas)) for level in levels])


def contour(image: np.ndarray, level: float, alphas: np.ndarray, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The line where ``image`` (rows β, columns α) crosses ``level``, in plane coordinates, pieces split by NaN."""
    data = np.nan_to_num(image.T, nan=np.nanmax(image) if np.isfinite(image).any() else 0.0)
    xs: list[float] = []
    ys: list[float] = []
    d_alpha = alphas[1] - alphas[0] if len(alphas) > 1 else 1.0
    d_beta = betas[1] - betas[0] if len(betas) > 1 else 1.0
    for piece in pg_functions.isocurve(data, level, connected=True, extendToEdge=False):
        points = np.asarray(piece, dtype=np.float64)  # pixel coordinates: centres at index + 0.5
        xs += list(alphas[0] + (points[:, 0] - 0.5) * d_alpha) + [np.nan]
        ys += list(betas[0] + (points[:, 1] - 0.5) * d_beta) + [np.nan]
    return np.array(xs), np.array(ys)
