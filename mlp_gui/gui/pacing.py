"""Pacing views that follow a live run: redraw the newest snapshot at a bounded rate, only while shown.

Deliveries arrive up to 15 times a second; a view whose redraw costs milliseconds cannot follow every one
without taking the interpreter from the training thread. A :class:`Pacer` coalesces them: it keeps the
newest snapshot and draws it at most every REFRESH_MS, less often when redraws (their paint included,
which :class:`TimedPaint` measures) cost more than TIME_BUDGET of the GUI thread's time, and not at all
while the view is hidden (it catches up when shown). Used by the decision surface, the network diagram,
the gradient flow and the weight panel.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from mlp_gui.core.trainer import Snapshot

REFRESH_MS = 200  # at most five redraws a second
MAX_REFRESH_MS = 2000  # at least one every two seconds, however costly
TIME_BUDGET = 0.05  # share of the GUI thread's time a view's redraws may take


class Pacer(QObject):
    """Draws the newest of many snapshots, at most every ``interval_ms``, and only while ``widget`` is visible.

    :meth:`request` keeps the newest snapshot and starts a single-shot timer if none is running; the
    timer fires REFRESH_MS after the last redraw (at once if that is past), and draws whatever is newest
    then. While the widget is hidden nothing is drawn; :meth:`catch_up` (from its ``showEvent``) draws
    what arrived meanwhile. The snapshot drawn last is not drawn again unless what else the view draws from
    (``drawn_from``: the weight panel's weight) changed. The interval grows when redraws (with their paint, ``paint_seconds``) cost
    more than TIME_BUDGET of the time.
    """

    def __init__(self, widget: QWidget, draw: Callable[[Snapshot], None], painted: object | None = None, *,
                 drawn_from: Callable[[], object] | None = None) -> None:
        """``draw``: a method of ``widget``; ``painted``: what times its paint (``last_paint_seconds``), if anything;
        ``drawn_from``: a method of ``widget`` saying what else than the snapshot the drawing shows (the weight
        explained): a snapshot already drawn is drawn again when that changed.

        The pacer holds them all weakly: a view and its pacer form no reference cycle, so a closed view goes
        the moment its last reference does, not at some later garbage collection, which could come in the
        middle of another view's paint (a crash with PySide6 6.11: seen in the tests).
        """
        super().__init__(widget)
        self._widget = weakref.ref(widget)
        self._draw = weakref.WeakMethod(draw)  # type: ignore[arg-type]
        self._painted = weakref.ref(painted) if painted is not None else None
        self._drawn_from = weakref.WeakMethod(drawn_from) if drawn_from is not None else None  # type: ignore[arg-type]
        self.pending: Snapshot | None = None
        self.shown: Snapshot | None = None
        self._shown_from: object = None  # what drawn_from said when ``shown`` was drawn
        self.redraws = 0
        self.last_seconds = 0.0  # CPU time of the last redraw on this thread (paint not included)
        self.interval_ms = REFRESH_MS
        self._last_draw = -math.inf
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    def request(self, snapshot: Snapshot, now: bool = False) -> None:
        self.pending = snapshot
        if now:
            self._timer.stop()
            self._fire()
        else:
            self._schedule()

    def forget(self) -> None:
        """A new run: what was drawn or waiting belongs to the old one."""
        self.pending = self.shown = None
        self._timer.stop()

    def redraw(self) -> None:
        """Draw the newest snapshot again now (what the view draws from it changed, e.g. the stepsize)."""
        snap = self.pending or self.shown
        if snap is not None:
            self.shown = None
            self.request(snap, now=True)

    def catch_up(self) -> None:
        self._schedule()

    def _schedule(self) -> None:
        if self.pending is None or self._timer.isActive():
            return
        wait = self._last_draw + self.interval_ms / 1000 - time.monotonic()  # -inf before the first redraw
        self._timer.start(math.ceil(1000 * wait) if wait > 0 else 0)

    def _fire(self) -> None:
        snap = self.pending
        widget, draw = self._widget(), self._draw()
        if snap is None or widget is None or draw is None or not widget.isVisible():
            return  # nothing new, gone, or hidden: kept for catch_up
        self.pending = None
        source = self._source()
        if snap is self.shown and source == self._shown_from:
            return
        began = time.thread_time()
        draw(snap)
        self.last_seconds = time.thread_time() - began
        self.shown, self._shown_from = snap, source
        self.redraws += 1
        self._last_draw = time.monotonic()
        painted = self._painted() if self._painted is not None else None
        wanted = 1000 * (self.last_seconds + getattr(painted, "last_paint_seconds", 0.0)) / TIME_BUDGET
        self.interval_ms = int(min(max(wanted, REFRESH_MS), MAX_REFRESH_MS))


    def _source(self) -> object:
        drawn_from = self._drawn_from() if self._drawn_from is not None else None
        return drawn_from() if drawn_from is not None else None


class Paced:
    """What a view redrawn by a :class:`Pacer` (``self._pacer``) tells the window and the tests."""

    _pacer: Pacer

    @property
    def shown(self) -> Snapshot | None:
        """The snapshot drawn last (None: nothing drawn for this run yet)."""
        return self._pacer.shown

    @property
    def redraws(self) -> int:
        return self._pacer.redraws

    @property
    def last_redraw_seconds(self) -> float:
        return self._pacer.last_seconds


class TimedPaint:
    """Mixed into a Qt view: remembers the CPU time of its last paint (the pacer counts it)."""

    last_paint_seconds = 0.0

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt naming
        began = time.thread_time()
        super().paintEvent(event)  # type: ignore[misc]
        self.last_paint_seconds = time.thread_time() - began


class TimedLayoutWidget(TimedPaint, pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that times its paint."""


class TimedPlotWidget(TimedPaint, pg.PlotWidget):
    """A PlotWidget that times its paint."""


__all__ = ["Paced", "Pacer", "TimedLayoutWidget", "TimedPaint", "TimedPlotWidget"]
