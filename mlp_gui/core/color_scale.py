"""Colour scales of the heatmaps and the Backprop tab, and the short numbers written on them (pure NumPy).

A linear scale is symmetric around zero and snaps to :func:`nice_limit`; :func:`follow_limit` keeps it
while the data fill enough of it. A log scale (:func:`signed_log`, :func:`log_top`) colours
``sign(v)·log10(|v|/floor)`` over LOG_DECADES powers of ten.

Numbers stay short whatever their magnitude, because a tick label wider than its axis is hidden and a
cell's text shrinks to illegible:

* Colour bars label their ends, zero and halves (:func:`bar_ticks`). A scale from 0.01 up to 100 reads in
  plain decimals (``-0.02`` … ``0.02``); any other shows its power of ten once (``×1e-5``) and mantissas at
  the ticks (``-1.5``, ``-0.75``, ``0``, ``0.75``, ``1.5``). No label is wider than WIDEST_BAR_LABEL.
* Cells of a matrix on such a scale print mantissas to two decimals (:func:`format_cell` with an exponent),
  the power of ten written once in the title, as MATLAB prints ``1.0e-05 *`` above a matrix: a student
  compares ``3.53`` with ``0.42`` at a glance, where ``3.5e-6`` against ``4.2e-7`` makes them read exponents
  first. On a plain scale values keep their own form (``-0.30``, ``-6.4e-4``).
"""

from __future__ import annotations

import math
import sys

import numpy as np

#: the widest colour-bar tick label written (the end of a 0.015 scale); a bar's axis is made to fit it
WIDEST_BAR_LABEL = "-0.015"
KEEP_ABOVE = 0.4  # a colour scale stays while the data fill at least this much of it
COLOUR_STEPS = 127.5  # a value's colour is one of 256 steps across the symmetric range
PLAIN_DECADES = range(-2, 2)  # scales from 0.01 up to (not including) 100 are written in plain decimals
LOG_DECADES = 6  # a log scale spans this many powers of ten below its top; smaller |values| draw white
LOG_KEEP_DECADES = 2  # a log scale's top stays while the largest |value| is within this many powers of ten below it
NICE_STEPS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
NO_SCALE = 1e-12  # the limit of a scale for data that are all zero (or not finite)


# ---------------------------------------------------------------- choosing a scale


def nice_limit(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 times a power of ten that is >= value (NO_SCALE for none).

    Colour scales snap to these so a colour bar's ticks change only when the
    data outgrows (or shrinks well inside) the scale, not at every update.
    """
    if not np.isfinite(value) or value <= 0:
        return NO_SCALE
    base = 10.0 ** max(np.floor(np.log10(value)), -307.0)  # 1e-308 and below lose digits (1e-324 is 0)
    with np.errstate(over="ignore"):  # 10 * 1e308 is inf, and capped below
        ceiling = next(step * base for step in NICE_STEPS if step * base >= value * (1 - 1e-12))
    return float(min(ceiling, sys.float_info.max))  # 2e308 would be inf


def peak_magnitude(*arrays: np.ndarray) -> float:
    """The largest finite absolute value in the arrays (0 if there is none)."""
    finite = [np.abs(a[np.isfinite(a)]) for a in arrays]
    return max((float(f.max()) for f in finite if f.size), default=0.0)


def symmetric_limit(*arrays: np.ndarray) -> float:
    """A nice symmetric colour limit covering the largest finite magnitude in the arrays."""
    return nice_limit(peak_magnitude(*arrays))


def follow_limit(current: float, peak: float) -> float:
    """The colour limit for data peaking at ``peak``: ``current`` while the peak stays between KEEP_ABOVE of it
    and all of it, else a new nice limit just above the peak.

    The hysteresis keeps the colour bars still while gradients shrink (each change redraws a bar's
    axis); colours keep at least KEEP_ABOVE of their contrast.
    """
    if peak <= 0:
        return NO_SCALE
    if KEEP_ABOVE * current <= peak <= current:
        return current
    return nice_limit(peak)


def log_top(current: float, peak: float) -> float:
    """The top of a log colour scale for data peaking at ``peak``: ``current`` while the peak stays within
    LOG_KEEP_DECADES powers of ten below it, else the power of ten at or above the peak."""
    if not np.isfinite(peak) or peak <= 0:
        return current if current > 0 else 1.0
    if current > 0 and current * 10.0**-LOG_KEEP_DECADES <= peak <= current:
        return current
    return 10.0 ** min(math.ceil(math.log10(peak) - 1e-9), 308)


def signed_log(image: np.ndarray, top: float) -> np.ndarray:
    """``sign(v)·log10(|v|/floor)`` with ``floor = top·10^-LOG_DECADES``, clipped to ±LOG_DECADES: |v| ≤ floor is 0,
    |v| ≥ top is ±LOG_DECADES (NaN stays NaN, drawn transparent)."""
    floor_decade = decade(top) - LOG_DECADES  # in exponents, so a floor below 1e-308 does not underflow
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.clip(np.log10(np.abs(image)) - floor_decade, 0.0, float(LOG_DECADES))
    return np.sign(image) * magnitude


def colour_steps(image: np.ndarray, limit: float) -> np.ndarray:
    """Which of the colour map's steps each cell falls on (NaN and inf kept apart), to spot visible change."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        steps = np.rint(np.clip(image / limit, -1.0, 1.0) * COLOUR_STEPS)
    return np.where(np.isnan(image), 1000.0, steps)


def magnitudes(image: np.ndarray, sample: np.ndarray | None = None) -> tuple[float, int, float]:
    """The largest finite |value| of an image, its flat index, and the typical one: the upper quartile of the
    non-zero finite ones (not the median: an L1 penalty holds half a matrix near 0, and a median of 1e-5 made an
    ordinary weight of 3 an "outlier").

    ``sample`` (flat indices) estimates the quartile from a few thousand values of a large image.
    """
    size = np.abs(image)
    size[~np.isfinite(size)] = 0.0  # the gap column, inf and NaN
    where = int(np.argmax(size))
    sampled = size.ravel() if sample is None else size.ravel()[sample]
    non_zero = sampled[sampled > 0]
    return float(size.flat[where]), where, float(np.percentile(non_zero, 75)) if non_zero.size else 0.0


# ---------------------------------------------------------------- writing its numbers


def decade(value: float) -> int:
    """The power of ten of a positive value: ``decade(1.5e-5) == -5`` (robust to ``1.0000000000000002e-16``)."""
    return math.floor(math.log10(value) + 1e-9)


def scale_exponent(limit: float) -> int | None:
    """The power of ten a scale shows once, or None for a scale written in plain decimals (0.01 ≤ limit < 100)."""
    if not np.isfinite(limit) or limit <= 0:
        return None
    exponent = decade(limit)
    return None if exponent in PLAIN_DECADES else exponent


def format_exponent(exponent: int) -> str:
    """The shared factor, ``×1e-6``: the e-notation the hover text and the printouts use."""
    return f"×1e{exponent}"


def _scientific(value: float, digits: int) -> str:
    """``-1.5e-5`` (``digits`` after the point, no ``+`` or leading zero in the exponent)."""
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _two_decimals(value: float) -> str:
    """``-0.30``; ``0.00`` for any value that rounds to zero (never ``-0.00``)."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def format_cell(value: float, exponent: int | None = None) -> str:
    """A value short enough for a cell.

    Without ``exponent``: 2 decimals, or 2 significant digits with a short exponent (``-2.0e-3``), 1 beside a
    three-digit exponent (``-1e156``: a diverged value's second digit matters less than fitting its cell).
    With it: the mantissa ``value / 10**exponent`` to 2 decimals (``-3.55`` for -3.55e-6 with exponent -6),
    the power of ten being shown once in the matrix's title. A value that rounds to zero is ``0.00``, no sign.
    """
    if not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if exponent is not None:
        return _two_decimals(value / 10.0**exponent)
    if value == 0 or 0.01 <= abs(value) < 100:
        return _two_decimals(value)
    text = _scientific(value, 1)
    return _scientific(value, 0) if len(text.rpartition("e")[2].lstrip("-")) > 2 else text


def format_scale(value: float, exponent: int | None = None) -> str:
    """A colour-bar tick: ``0``, ``0.5``, ``15``, ``0.0075``, ``4e-4`` — short enough for a narrow bar.

    With ``exponent``, the mantissa ``value / 10**exponent`` (``1.5`` for 1.5e-5 with exponent -5).
    """
    if value == 0:
        return "0"
    if exponent is not None:
        value /= 10.0**exponent
    if 0.001 <= abs(value) < 1000:
        return f"{value:.3g}"
    return _scientific(value, 1).replace(".0e", "e")


def format_short(value: float) -> str:
    """Two significant digits for a note: ``0.087``, ``-5.3``, ``120``, ``-1.0e156``."""
    if not np.isfinite(value):
        return format_cell(value)
    if 0.001 <= abs(value) < 1000:
        return np.format_float_positional(value, precision=2, unique=False, fractional=False, trim="-")
    return _scientific(value, 1)


def bar_ticks(limit: float) -> tuple[str, list[list[tuple[float, str]]]]:
    """The colour bar's factor (``×1e-5`` or empty) and its ticks: labelled ends and zero, and halves.

    ``-0.02`` … ``0.02`` for a plain scale, ``-1.5`` … ``1.5`` under ``×1e-5`` for any other. No label
    is longer than WIDEST_BAR_LABEL, so a bar's axis sized for that one draws them all; the halves of a
    0.015 scale (``-0.0075`` would be longer) keep their ticks, not their text.
    """
    exponent = scale_exponent(limit)
    major = [(v, format_scale(v, exponent)) for v in (-limit, 0.0, limit)]
    halves = [(v, format_scale(v, exponent)) for v in (-limit / 2, limit / 2)]
    fits = len(halves[0][1]) <= len(WIDEST_BAR_LABEL)  # the negative half is the longer
    minor = [(v, text if fits else "") for v, text in halves]
    return ("" if exponent is None else format_exponent(exponent)), [major, minor]


def power_label(exponent: int, negative: bool = False) -> str:
    """A power of ten for a log colour bar: ``0.01``, ``1``, ``100`` near 1, else ``1e-5`` (``-1e-5`` if negative)."""
    text = f"{10.0**exponent:g}" if -3 <= exponent <= 2 else f"1e{exponent}"
    return f"-{text}" if negative else text


def log_bar_ticks(top: float) -> list[list[tuple[float, str]]]:
    """A log colour bar's ticks: its ends (±top), zero, and halfway (±top·10^-LOG_DECADES/2) labelled in powers
    of ten, every other power of ten a bare tick. Labels longer than WIDEST_BAR_LABEL keep their ticks only."""
    exponent, half = decade(top), LOG_DECADES // 2

    def fitting(value: float, text: str) -> tuple[float, str]:
        return value, text if len(text) <= len(WIDEST_BAR_LABEL) else ""

    major = [fitting(-LOG_DECADES, power_label(exponent, True)), (0.0, "0"), fitting(LOG_DECADES, power_label(exponent))]
    minor = [fitting(-half, power_label(exponent - half, True)), fitting(half, power_label(exponent - half))]
    minor += [(float(t), "") for t in range(-LOG_DECADES + 1, LOG_DECADES) if t not in (0, half, -half)]
    return [major, minor]
