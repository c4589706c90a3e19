"""Worker QThreads, started and ended the same way for every object that owns one.

The training session, the sweep runner, the gradient check, the CSV reads and
the :class:`JobRunner` s (the Landscape and sharpness computations) each move a
worker onto a thread of its own; each must end it on window close, on
application quit, and at interpreter exit if a script never closed its
window — otherwise Qt prints 'QThread: Destroyed while thread is still
running' and aborts.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

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


class JobRunner(QObject):
    """One job at a time on a worker thread of its own (started at the first job); a new job cancels the one under
    way. ``finished(result)`` and ``failed(line)`` on the GUI thread, for the current job only (the worker's
    ``done(job, result)`` and ``failed(job, line)``). A subclass names the thread and its worker's type, connects the
    worker's other signals in :meth:`_wire`, and stops the current job in :meth:`cancel`.
    """

    finished = Signal(object)
    failed = Signal(str)
    _run = Signal(object)  # the job, queued to the worker
    thread_name = "mlp-gui jobs"
    worker_type: type[StoppableWorker] = StoppableWorker  # a subclass with a ``run(job)`` slot

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.current: object | None = None
        self._thread: QThread | None = None
        self._worker: StoppableWorker | None = None
        self._shut_down = False

    @property
    def busy(self) -> bool:
        return self.current is not None

    @property
    def thread_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def cancel(self) -> object:
        """Stop the job under way."""
        raise NotImplementedError

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel and end the thread (window close, quit, exit); True if it ended within ``timeout_ms``."""
        self._shut_down = True
        self.cancel()
        self.current = None
        if self._thread is None:
            return True
        return end_worker_thread(self._thread, self._worker.request_stop, timeout_ms)

    def _wire(self, worker: StoppableWorker) -> None:
        """Connect ``worker``'s signals other than ``done`` and ``failed`` to this runner's slots."""

    def _submit(self, job: object) -> bool:
        """Cancel the job under way and hand ``job`` to the worker as the current one; False once shut down."""
        if self._shut_down:
            return False
        self.cancel()
        self.current = job
        if self._thread is None:
            self._worker = worker = self.worker_type()
            self._thread = start_worker_thread(self, worker, self.thread_name)
            self._run.connect(worker.run)
            worker.done.connect(self._on_done)
            worker.failed.connect(self._on_failed)
            self._wire(worker)
            # freed without shutdown (a view dropped mid-job): end the thread first, or Qt aborts on a running QThread
            self.destroyed.connect(partial(end_thread_of_gone_owner, self._thread, worker.request_stop))
        self._run.emit(job)
        return True

    def _ended(self, job: object) -> bool:
        """Whether ``job`` is the current one (then it is over); an older job's end is not reported."""
        if job is not self.current:
            return False
        self.current = None
        return True

    @Slot(object, object)
    def _on_done(self, job: object, result: object) -> None:
        if self._ended(job):
            self.finished.emit(result)

    @Slot(object, str)
    def _on_failed(self, job: object, line: str) -> None:
        if self._ended(job):
            self.failed.emit(line)
