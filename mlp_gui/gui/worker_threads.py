"""Worker QThreads, started and ended the same way for every object that owns one.

The training session, the sweep runner, the gradient check and the CSV reads
each move a worker onto a thread of its own; each must end it on window close,
on application quit, and at interpreter exit if a script never closed its
window — otherwise Qt prints 'QThread: Destroyed while thread is still
running' and aborts.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread

_thread_owners: weakref.WeakSet = weakref.WeakSet()
_lingering: set[tuple[QThread, Callable[[], None]]] = set()  # threads asked to end that had not yet (see below)


class StoppableWorker(QObject):
    """A worker that lives on its own thread and hears a stop request from the GUI thread between jobs
    (and, through :attr:`stopping`, inside a long one)."""

    def __init__(self) -> None:
        super().__init__()
        self._stop = threading.Event()

    def request_stop(self) -> None:
        """Called from the GUI thread at shutdown: jobs still queued are skipped."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()


def start_worker_thread(owner: QObject, worker: QObject, name: str) -> QThread:
    """Run ``worker`` on a new thread called ``name``; ``owner.shutdown(timeout_ms)`` is called at quit and exit."""
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.start()
    stop_at_exit(owner)
    return thread


def end_worker_thread(thread: QThread, request_stop: Callable[[], None], timeout_ms: int) -> bool:
    """Ask the worker to stop, end the thread's event loop, and wait at most ``timeout_ms``; True if it ended.

    A thread still busy after that (a long read between two checks of its stop flag, on a loaded machine)
    is kept alive here, with its worker (``request_stop`` holds it), until a later call finds it finished: its
    owner may be freed meanwhile, and a QThread destroyed while running aborts the process.
    """
    if not thread.isRunning():
        return True
    request_stop()
    thread.quit()
    if thread.wait(timeout_ms):
        return True
    for done in [entry for entry in _lingering if not entry[0].isRunning()]:  # freed here, never from their own thread
        _lingering.discard(done)
    _lingering.add((thread, request_stop))
    return False


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
    for thread, _ in list(_lingering):
        try:
            thread.wait(5000)
        except RuntimeError:
            pass
