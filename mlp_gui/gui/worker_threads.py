"""Worker QThreads, started and ended the same way for every object that owns one.

The training session, the sweep runner, the gradient check and the CSV reads
each move a worker onto a thread of its own; each must end it on window close,
on application quit, and at interpreter exit if a script never closed its
window — otherwise Qt prints 'QThread: Destroyed while thread is still
running' and aborts.
"""

from __future__ import annotations

import atexit
import weakref
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread

_thread_owners: weakref.WeakSet = weakref.WeakSet()


def start_worker_thread(owner: QObject, worker: QObject, name: str) -> QThread:
    """Run ``worker`` on a new thread called ``name``; ``owner.shutdown(timeout_ms)`` is called at quit and exit."""
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.start()
    stop_at_exit(owner)
    return thread


def end_worker_thread(thread: QThread, request_stop: Callable[[], None], timeout_ms: int) -> bool:
    """Ask the worker to stop, end the thread's event loop, and wait at most ``timeout_ms``; True if it ended."""
    if not thread.isRunning():
        return True
    request_stop()
    thread.quit()
    return thread.wait(timeout_ms)


def stop_at_exit(owner: QObject) -> None:
    """Call ``owner.shutdown(timeout_ms)`` when the application quits, and at interpreter exit if it never did."""
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(owner.shutdown)
    _thread_owners.add(owner)


@atexit.register
def _stop_threads_at_exit() -> None:
    for owner in list(_thread_owners):
        try:
            owner.shutdown(1000)
        except RuntimeError:  # the Qt object is already gone
            pass
