"""The app collects cyclic garbage from a timer on the GUI thread, not whenever an allocation triggers it."""

from __future__ import annotations

import gc
import weakref


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_application_collects_cycles_between_events(qtbot):
    from mlp_gui.gui.app import application

    app = application()
    assert not gc.isenabled()  # no collection at a random allocation (inside a Qt item's paint, say)
    assert app.garbage_collector.timer.interval() == 1000  # once a second
    app.garbage_collector.timer.start(50)  # here twenty times a second: the test waits for one
    try:
        cycle = _Cycle()
        gone = weakref.ref(cycle)
        del cycle
        kept = [[] for _ in range(3 * gc.get_threshold()[0])]  # enough allocations to be due for a collection
        assert gone() is not None  # nothing collected it in the middle
        # the timer did, between events (allocating as a live app does: objects an earlier test's windows free while
        # we wait lower the count of young objects, and the collector only collects when the count is due)
        churn: list = []
        qtbot.waitUntil(lambda: churn.append([[] for _ in range(gc.get_threshold()[0])]) or gone() is None, timeout=5000)
        del kept
        churn.clear()
    finally:
        app.garbage_collector.timer.stop()
        app.garbage_collector = None
        gc.enable()
