"""A one-line progress bar for a terminal (epochs, epochs/s, ETA, current loss), in the style of tqdm."""

from __future__ import annotations

import sys
import time
from typing import TextIO


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
    """Redraws at most ten times a second; does nothing when disabled (not a terminal)."""

    WIDTH = 24

    def __init__(self, total: int, *, enabled: bool = True, stream: TextIO | None = None) -> None:
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
        filled = int(round(frac * self.WIDTH))
        eta = (self.total - done) / rate if rate > 0 else 0.0
        return (
            f"{frac:4.0%}|{'█' * filled}{' ' * (self.WIDTH - filled)}| {done}/{self.total} "
            f"[{format_duration(elapsed)}<{format_duration(eta)}, {format_rate(rate)} epochs/s, loss {loss:.4g}]"
        )

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
