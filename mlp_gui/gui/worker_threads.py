"""Worker QThreads, started and ended the same way for every object that owns one.

The training session, the sweep runner, the gradient check and the CSV reads
each move a worker onto a thread of its own; each must end it on window close,
on application quit, and at interpreter exit if a script never closed its
window — otherwise Qt prints 'QThread: Destroyed while thread is still
running' and aborts.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread

from mlp_gui.core.hessian import CancelledError

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


log = logging.getLogger(__name__)


def run_job(compute: Callable[[], object], *, what: str, done: Callable[[object], None],
            failed: Callable[[str], None], cancelled: Callable[[], None] = lambda: None,
            expected: tuple[type[Exception], ...] = (), memory: str = "") -> None:
    """Run ``compute()`` on a worker thread and say how it ended, once: ``done(result)``; ``cancelled()`` (it raised
    CancelledError); ``failed(line)``: an ``expected`` error's own message, ``memory`` for a MemoryError, or any other
    error named in one line (its traceback logged): the view hears of every failure and the thread lives on."""
    try:
        result = compute()
    except CancelledError:
        cancelled()
    except expected as exc:
        failed(str(exc))
    except MemoryError:
        failed(memory or f"not enough memory for {what}")
    except Exception as exc:  # noqa: BLE001 - the view must hear of any failure, not lose the thread
        log.exception("computing %s failed", what)
        failed(f"computing {what} failed: {type(exc).__name__}: {exc}")
    else:
        done(result)


def end_thread_of_gone_owner(thread: QThread, request_stop: Callable[[], None], *_: object) -> None:
    """End ``thread`` whose owner is being destroyed (connect it to the owner's ``destroyed``); nothing to do if Qt
    already deleted the thread (at exit)."""
    try:
        end_worker_thread(thread, request_stop, 3000)
    except RuntimeError:
        pass
