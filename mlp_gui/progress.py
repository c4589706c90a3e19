"""A one-line progress bar for a terminal (epochs, epochs/s, ETA, current loss), in the style of tqdm.

Also the number formats the window shares with it, and :func:`count` (``1 epoch``, ``2 epochs``) from the core.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from mlp_gui.core.plural import count

__all__ = ["ProgressBar", "count", "format_duration", "format_rate"]


def format_duration(seconds: float) -> str:
    """``mm:ss`` or ``h:mm:ss``."""
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_rate(per_second: float) -> str:
    """``55.1k`` style numbers for epochs per second."""
    if per_second >= 1e6:
        return f"{per_second / 1e6:.2f}M"
    if per_second >= 1e3:
        return f"{per_second / 1e3:.1f}k"
    return f"{per_second:.0f}"


class ProgressBar:
    """Redraws at most ten times a second, within the terminal's width; does nothing when disabled (not a terminal)."""

    WIDTH = 24  # the bar itself at most; it shrinks (then the figures are cut) to fit narrow terminals
    MIN_WIDTH = 5

    def __init__(self, total: int, *, enabled: bool = True, stream: TextIO | None = None, columns: int | None = None) -> None:
        self.columns = columns
        self.total = max(total, 0)
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._drawn = False

    def line(self, done: int, loss: float, now: float | None = None) -> str:
        """The bar's text for ``done`` epochs at ``loss``."""
        elapsed = (now or time.perf_counter()) - self._start
        rate = done / elapsed if elapsed > 0 else 0.0
        frac = done / self.total if self.total else 1.0
        eta = (self.total - done) / rate if rate > 0 else 0.0
        figures = (
            f"| {done}/{self.total} "
            f"[{format_duration(elapsed)}<{format_duration(eta)}, {format_rate(rate)} epochs/s, loss {loss:.4g}]"
        )
        room = self._columns() - 1  # never the last column: writing there wraps on some terminals
        width = max(self.MIN_WIDTH, min(self.WIDTH, room - 5 - len(figures)))
        filled = int(round(frac * width))
        return f"{frac:4.0%}|{'█' * filled}{' ' * (width - filled)}{figures}"[:room]

    def _columns(self) -> int:
        return self.columns or shutil.get_terminal_size((80, 24)).columns

    def update(self, done: int, loss: float) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last_draw < 0.1 and done < self.total:
            return
        self._last_draw = now
        self.stream.write("\r" + self.line(done, loss, now) + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
