"""Ending worker threads: a worker still busy after the bounded wait must not take the process down."""

from __future__ import annotations

import subprocess
import sys

BUSY_WORKER = r"""
import gc, os, sys, threading, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from mlp_gui.gui.worker_threads import end_worker_thread, start_worker_thread

app = QCoreApplication([])
release, ended = threading.Event(), threading.Event()

class Worker(QObject):
    def request_stop(self):
        pass  # a read between two checks of its flag does not hear it yet

    @Slot()
    def work(self):
        release.wait(10)
        ended.set()

class Owner(QObject):
    go = Signal()

    def shutdown(self, timeout_ms=1000):
        return end_worker_thread(self.thread, self.worker.request_stop, timeout_ms)

owner = Owner()
owner.worker = Worker()
owner.thread = start_worker_thread(owner, owner.worker, "busy")
owner.go.connect(owner.worker.work)
owner.go.emit()
time.sleep(0.2)  # the worker is inside work()
print("ended in time" if owner.shutdown(50) else "still busy")
del owner
gc.collect()  # the owner, its QThread wrapper and worker are gone from here
release.set()
print("worker finished" if ended.wait(10) else "worker hung")
"""


def test_a_worker_busy_past_the_wait_is_kept_alive_until_it_ends():
    result = subprocess.run([sys.executable, "-c", BUSY_WORKER], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["still", "busy", "worker", "finished"], result.stdout


def test_a_job_says_once_how_it_ended(caplog):
    from mlp_gui.core.hessian import CancelledError
    from mlp_gui.gui.worker_threads import run_job

    def ended(compute, **options):
        heard: list = []
        run_job(compute, what="the slice", done=lambda r: heard.append(("done", r)), failed=lambda line: heard.append(
            ("failed", line)), cancelled=lambda: heard.append(("cancelled",)), **options)
        return heard

    def raising(exc):
        def compute():
            raise exc
        return compute

    assert ended(lambda: 41) == [("done", 41)]
    assert ended(raising(CancelledError("stop"))) == [("cancelled",)]
    assert ended(raising(KeyError("k")), expected=(KeyError,)) == [("failed", "'k'")]
    assert ended(raising(MemoryError()), memory="lower the grid") == [("failed", "lower the grid")]
    assert ended(raising(ZeroDivisionError("x"))) == [("failed", "computing the slice failed: ZeroDivisionError: x")]
    assert any(record.exc_info for record in caplog.records)  # the traceback is logged
