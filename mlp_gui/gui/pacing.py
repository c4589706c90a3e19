"""Pacing views that follow a live run: redraw the newest snapshot at a bounded rate, only while shown.

Deliveries arrive up to 15 times a second; a view whose redraw costs milliseconds cannot follow every one
without taking the interpreter from the training thread. A :class:`Pacer` coalesces them: it keeps the
newest snapshot and draws it at most every ``min_interval_ms``, less often when redraws (their paint
included, which :class:`TimedPaint` measures) cost more than ``time_budget`` of the GUI thread's time, and
not at all while the view is hidden (it catches up when shown). Every view that follows the run has one:
the heatmaps, the Backprop tab, the decision surface, the network diagram, the gradient flow and the
weight panel.
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
from mlp_gui.gui.still_items import StillPlotWidget

REFRESH_MS = 200  # at most five redraws a second
MAX_REFRESH_MS = 2000  # at least one every two seconds, however costly
TIME_BUDGET = 0.03  # share of the GUI thread's time a view's redraws (with their paints) may take


class Pacer(QObject):
    """Draws the newest of many snapshots, at most every ``interval_ms``, and only while ``widget`` is visible.

    :meth:`request` keeps the newest snapshot and, while the widget is visible, starts a single-shot timer
    if none is running; the timer fires ``interval_ms`` after the last redraw (at once if that is past) and
    draws whatever is newest then. While the widget is hidden nothing is drawn or scheduled (but see
    ``first_while_hidden``); :meth:`catch_up` (from its ``showEvent``) draws what arrived meanwhile. The
    snapshot drawn last is not drawn again unless :meth:`redraw` says the drawing is out of date, or what
    else the view draws from (``drawn_from``: the weight panel's weight) changed. ``interval_ms`` starts at
    ``min_interval_ms`` and grows, up to ``max_interval_ms``, while redraws (with their paint) cost more
    than ``time_budget`` of the time.
    """

    def __init__(self, widget: QWidget, draw: Callable[[Snapshot], None], painted: object | None = None, *,
                 drawn_from: Callable[[], object] | None = None, min_interval_ms: int = REFRESH_MS,
                 max_interval_ms: int = MAX_REFRESH_MS, time_budget: float = TIME_BUDGET,
                 first_while_hidden: bool = False) -> None:
        """``draw``: a method of ``widget``; ``painted``: what times its paint (``last_paint_seconds``), if anything;
        ``drawn_from``: a method of ``widget`` saying what else than the snapshot the drawing shows (the weight
        explained): a snapshot already drawn is drawn again when that changed. ``first_while_hidden``: a widget
        with nothing drawn yet draws its first snapshot even while hidden (the heatmaps build their plots then).

        The pacer holds them all weakly: a view and its pacer form no reference cycle, so a closed view goes
        the moment its last reference does, not at some later garbage collection, which could come in the
        middle of another view's paint (a crash with PySide6 6.11: seen in the tests).
        """
        super().__init__(widget)
        if min_interval_ms <= 0 or not 0 < time_budget <= 1:
            raise ValueError(f"a pacer needs min_interval_ms > 0 and 0 < time_budget <= 1, not {min_interval_ms} and {time_budget}")
        self._widget = weakref.ref(widget)
        self._draw = weakref.WeakMethod(draw)  # type: ignore[arg-type]
        self._painted = weakref.ref(painted) if painted is not None else None
        self._drawn_from = weakref.WeakMethod(drawn_from) if drawn_from is not None else None  # type: ignore[arg-type]
        self.min_interval_ms, self.time_budget = min_interval_ms, time_budget
        self.max_interval_ms = max(max_interval_ms, min_interval_ms)  # a longer least interval (a test's) raises it
        self.first_while_hidden = first_while_hidden
        self.pending: Snapshot | None = None
        self.shown: Snapshot | None = None
        self._shown_from: object = None  # what drawn_from said when ``shown`` was drawn
        self._stale = False  # the drawing is out of date even if the snapshot is the one drawn (a setting changed)
        self.redraws = 0
        self.last_seconds = 0.0  # CPU time of the last redraw on this thread (paint not included)
        self.interval_ms = min_interval_ms
        self.last_paint_seconds = 0.0  # CPU time of the paints the last redraw caused, as far as known
        self._painted_before = 0.0  # the painted widget's total paint time when the last redraw began
        self._last_draw = -math.inf
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    @property
    def due_in_ms(self) -> int | None:
        """Milliseconds until the next redraw is due (None: none is scheduled)."""
        return self._timer.remainingTime() if self._timer.isActive() else None

    def request(self, snapshot: Snapshot, now: bool = False) -> None:
        """Draw ``snapshot`` at the next redraw (only the newest waiting is drawn); ``now``: at once if it may draw."""
        self.pending = snapshot
        if now:
            self._timer.stop()
            self._fire()
        else:
            self._schedule()

    def redraw(self, snapshot: Snapshot | None = None) -> None:
        """Draw ``snapshot`` (None: the newest) now, even if it is the one drawn: what the view draws from it
        changed (the stepsize, a scale). Hidden, it is drawn when shown."""
        snap = snapshot or self.pending or self.shown
        if snap is not None:
            self._stale = True
            self.request(snap, now=True)

    def flush(self) -> None:
        """Draw the snapshot waiting for the next redraw now (the run halted: show where it stopped)."""
        if self.pending is not None:
            self.request(self.pending, now=True)

    def forget(self) -> None:
        """A new run: what was drawn or waiting belongs to the old one."""
        self.pending = self.shown = None
        self._stale = False
        self._timer.stop()

    def catch_up(self) -> None:
        """The widget is shown again: draw what arrived while it was hidden."""
        self._schedule()

    def _may_draw(self, widget: QWidget) -> bool:
        return widget.isVisible() or (self.first_while_hidden and self.shown is None)

    def _schedule(self) -> None:
        widget = self._widget()
        if self.pending is None or self._timer.isActive() or widget is None or not self._may_draw(widget):
            return
        wait = self._last_draw + self.interval_ms / 1000 - time.monotonic()  # -inf before the first redraw
        self._timer.start(math.ceil(1000 * wait) if wait > 0 else 0)

    def _fire(self) -> None:
        snap = self.pending
        widget, draw = self._widget(), self._draw()
        if snap is None or widget is None or draw is None or not self._may_draw(widget):
            return  # nothing new, gone, or hidden: kept for catch_up
        self.pending = None
        source = self._source()
        if snap is self.shown and source == self._shown_from and not self._stale:
            return
        painted = self._painted() if self._painted is not None else None
        self._count_paints(painted)
        began = time.thread_time()
        draw(snap)
        self.last_seconds = time.thread_time() - began
        self.shown, self._shown_from, self._stale = snap, source, False
        self.redraws += 1
        self._last_draw = time.monotonic()
        wanted = 1000 * (self.last_seconds + self.last_paint_seconds) / self.time_budget
        self.interval_ms = int(min(max(wanted, self.min_interval_ms), self.max_interval_ms))

    def _count_paints(self, painted: object) -> None:
        """The paint time since the last redraw began: every paint it caused (the newest paint's if the widget keeps
        no total)."""
        total = getattr(painted, "paint_seconds", None)
        if total is None:
            self.last_paint_seconds = getattr(painted, "last_paint_seconds", 0.0)
            return
        if self.redraws:
            self.last_paint_seconds = max(total - self._painted_before, 0.0)
        self._painted_before = total

    def _source(self) -> object:
        drawn_from = self._drawn_from() if self._drawn_from is not None else None
        return drawn_from() if drawn_from is not None else None


def _from_pacer(attribute: str, doc: str) -> property:
    """A read-only property of a paced view: its pacer's ``attribute``."""
    return property(lambda view: getattr(view._pacer, attribute), doc=doc)


class Paced:
    """What a view redrawn by a :class:`Pacer` (``self._pacer``) tells the window and the tests."""

    _pacer: Pacer

    shown = _from_pacer("shown", "The snapshot drawn last (None: nothing drawn for this run yet).")
    redraws = _from_pacer("redraws", "How many times the view has drawn a snapshot.")
    last_redraw_seconds = _from_pacer("last_seconds", "CPU time of the last redraw on the GUI thread (paint not included).")
    interval_ms = _from_pacer("interval_ms", "The least time between two redraws now (the view's least, more if its "
                                             "redraws cost more).")
    max_interval_ms = _from_pacer("max_interval_ms", "The largest time between two redraws, however much they cost "
                                                     "(never below the least).")
    redraw_due_ms = _from_pacer("due_in_ms", "Milliseconds until the next redraw (None: none scheduled, e.g. nothing "
                                             "new, or hidden).")


class TimedPaint:
    """Mixed into a Qt view: remembers the CPU time of its last paint and of all its paints so far (the pacer counts
    every paint a redraw causes: a redraw that changes a layout is painted more than once)."""

    last_paint_seconds = 0.0
    paint_seconds = 0.0  # all paints so far

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt naming
        began = time.thread_time()
        super().paintEvent(event)  # type: ignore[misc]
        self.last_paint_seconds = time.thread_time() - began
        self.paint_seconds += self.last_paint_seconds


class TimedLayoutWidget(TimedPaint, pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that times its paint."""


class TimedPlotWidget(TimedPaint, StillPlotWidget):
    """A :class:`~mlp_gui.gui.still_items.StillPlotWidget` (no pyqtgraph menus) that times its paint."""


__all__ = ["Paced", "Pacer", "TimedLayoutWidget", "TimedPaint", "TimedPlotWidget"]
