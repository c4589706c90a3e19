"""Where the loss plot's view goes as its curves grow, in coarse steps so the axes are redrawn rarely.

The x axis ends at the next 1, 2 or 5 times a power of ten past the data (capped at the planned epochs while the
run is within them); a log y axis moves by whole decades with one to spare below the data, a linear one spans 0 to
the next 1, 2 or 5 times a power of ten.
"""

from __future__ import annotations

import math

MIN_X_SPAN = 10  # epochs shown at least (so Step 1 draws a visible segment)
SPARE_DECADES = 1  # room left below the lowest loss, so the y axis moves every other decade at most

View = tuple[float, float, float]  # lowest and highest y shown (log10 of the loss on a log axis), last epoch shown


def round_up_125(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value`` (1 when ``value`` is not positive)."""
    if not value > 0:
        return 1.0
    decade = 10.0 ** math.floor(math.log10(value))
    return next(step * decade for step in (1.0, 2.0, 5.0, 10.0) if step * decade >= value * (1 - 1e-12))


def nice_span(epochs: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``epochs`` (and at least MIN_X_SPAN)."""
    return round_up_125(max(float(epochs), MIN_X_SPAN))


def x_end(last_epoch: float, planned_epochs: int) -> float:
    """Where the x axis ends: a round number past the data, the plan once near it, beyond it if need be."""
    span = nice_span(1.1 * last_epoch)
    return min(span, float(planned_epochs)) if last_epoch <= planned_epochs else span


def data_bounds(ranges: list[tuple[float, float] | None], ends: list[float]) -> View | None:
    """Lowest and highest loss over ``ranges`` (None entries: curves with nothing a log axis can show) and the
    last of ``ends``; None when there is no curve; the starting decade (1, 1) when no curve has a loss to show."""
    known = [r for r in ranges if r is not None]
    if not ends:
        return None
    if not known:  # every curve diverged at once
        return 1.0, 1.0, max(ends)
    return min(r[0] for r in known), max(r[1] for r in known), max(ends)


def next_view(bounds: View, *, planned_epochs: int, log_scale: bool, shown: View | None) -> View | None:
    """The view that holds ``bounds`` (lowest loss, highest loss, last epoch), or None while ``shown`` still does."""
    low, high, last_epoch = bounds
    end = x_end(last_epoch, planned_epochs)
    if log_scale:
        low, high = math.log10(low), math.log10(high)
    if shown is not None:
        lo, hi, shown_end = shown
        if lo <= low and high <= hi and shown_end == end:
            return None
    if log_scale:
        lo = math.floor(low) - SPARE_DECADES
        return lo, max(math.ceil(high), lo + 1), end
    return 0.0, round_up_125(high), end
