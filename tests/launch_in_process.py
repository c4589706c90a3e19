"""Launching the window in the test's own process, through the command line's ``main`` or ``run_window``, for the tests
whose claim is not the process itself: a window here costs ~0.4 s, one in a process of its own ~1.3 s (PySide6 and
pyqtgraph are imported again).

The event loop (``app.exec()``) is replaced: by a bounded wait for the launched window to close, or, where a refusal must
come before it, by a failure naming that. What the launch sets for the whole process (its signal handlers, the garbage
collector's timer, the application's names and icon, pyqtgraph's options) is put back afterwards, and a launch that
hangs (opening a FIFO, say) fails the test instead of hanging the run.
"""

from __future__ import annotations

import faulthandler
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from tests.cli_calls import called, exit_code
from tests.gui_helpers import TIMEOUT_MS

#: a launch that has not returned by then hangs: it fails where it is (see _hang_alarm)
HANG_SECONDS = 60


@dataclass
class Launched:
    """What a launch returned and printed, and the main windows it made (closed, readable until the test ends)."""

    code: int
    out: str
    err: str
    windows: list = field(default_factory=list)

    @property
    def window(self):
        """The one main window the launch made."""
        assert len(self.windows) == 1, f"expected the launch to make one main window, it made {len(self.windows)}"
        return self.windows[0]

    def said(self) -> list[str]:
        """The lines mlp-gui printed on stderr; none may be a traceback."""
        assert "Traceback" not in self.err, self.err
        return [line for line in self.err.splitlines() if line.startswith("mlp-gui")]


class LaunchHung(BaseException):
    """Raised where a launch hangs: a BaseException, as KeyboardInterrupt is, so that no ``except OSError`` (a file's
    error said in one line) or ``except Exception`` on the way takes it for an ordinary failure."""


def _hang_alarm() -> Callable[[], None]:
    """Fail a launch that has not returned after HANG_SECONDS (a blocking open of a FIFO is interrupted, and the
    exception raised where it hangs); one hung in C++ past twice that ends the process, its traceback dumped. Returns
    what puts everything back."""
    def hung(signum: int, frame: object) -> None:
        raise LaunchHung(f"the launch has not returned after {HANG_SECONDS} s: it hangs")

    faulthandler.dump_traceback_later(2 * HANG_SECONDS, exit=True, file=sys.__stderr__)
    if not hasattr(signal, "SIGALRM"):  # Windows
        return faulthandler.cancel_dump_traceback_later
    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)

    def put_back() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()

    return put_back


def _main_windows() -> list:
    return [w for w in QApplication.topLevelWidgets() if hasattr(w, "session")]


class InProcessLaunch:
    """Runs launches (see the module's docstring); made by the ``launch_here`` fixture."""

    def __init__(self, qtbot, capsys, monkeypatch) -> None:
        self.qtbot, self.capsys, self.monkeypatch = qtbot, capsys, monkeypatch
        self.made: list = []

    def cli(self, *argv: str, loop: bool = True, timeout_ms: int = TIMEOUT_MS) -> Launched:
        """``mlp-gui ARGV`` (the command line's ``main``). ``loop=False``: it must return before the event loop."""
        from mlp_gui.cli import main

        return self._launch(lambda: exit_code(main, argv), loop=loop, timeout_ms=timeout_ms)

    def window(self, options, *, qt_args: Sequence[str] = (), loop: bool = True, timeout_ms: int = TIMEOUT_MS) -> Launched:
        """``run_window(options)``: the window's own path, without the command line's checks."""
        from mlp_gui.gui.app import run_window

        return self._launch(lambda: run_window(options, qt_args=qt_args), loop=loop, timeout_ms=timeout_ms)

    def _launch(self, call: Callable[[], int], *, loop: bool, timeout_ms: int) -> Launched:
        app = QApplication.instance()
        before = _main_windows()

        def launched() -> list:
            return [w for w in _main_windows() if not any(w is old for old in before)]

        def event_loop(*_args) -> int:
            if not loop:
                raise AssertionError("the launch reached the event loop: the refusal should have come before it")
            windows = launched()
            assert windows, "the event loop started with no main window to wait for"
            self.qtbot.waitUntil(lambda: not any(w.isVisible() for w in windows), timeout=timeout_ms)
            return 0

        handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
        names = (app.applicationName(), app.organizationName(), app.applicationVersion(), app.desktopFileName())
        icon, palette, antialias = app.windowIcon(), app.palette(), pg.getConfigOption("antialias")
        collector = getattr(app, "garbage_collector", None)
        self.monkeypatch.setattr(QApplication, "exec", event_loop)
        self.capsys.readouterr()
        alarm = _hang_alarm()
        try:
            code = call()
        finally:
            alarm()
            windows = launched()
            self.made.extend(windows)
            self.monkeypatch.undo()  # only exec was patched through this monkeypatch (the fixture's own)
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
            if collector is None and getattr(app, "garbage_collector", None) is not None:
                app.garbage_collector.timer.stop()
                app.garbage_collector = None
            app.setApplicationName(names[0]), app.setOrganizationName(names[1])
            app.setApplicationVersion(names[2]), app.setDesktopFileName(names[3])
            app.setWindowIcon(icon)
            if app.palette() != palette:
                app.setPalette(palette)
            pg.setConfigOptions(antialias=antialias)
        out, err = self.capsys.readouterr()
        return Launched(code, out, err, windows)

    def free(self) -> None:
        """Close the windows launched so far and delete them now (a training thread still running then would make Qt
        warn, or abort, as at a process's exit)."""
        for win in self.made:
            if win.isVisible():
                win.close()
            win.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        self.made.clear()


@pytest.fixture
def launch_here(qapp, qtbot, capsys, isolated_settings):
    """Launch the window in this process (:class:`InProcessLaunch`); its windows are closed and freed afterwards."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        launcher = InProcessLaunch(qtbot, capsys, monkeypatch)
        yield launcher
        launcher.free()


def refused_before_window(capsys, monkeypatch, *argv: str) -> tuple[int, str, str]:
    """``mlp-gui ARGV`` called here with the window forbidden: its exit status and what it printed. A launch that gets as
    far as ``run_window`` (which makes the QApplication) fails the test instead of opening a window."""
    from mlp_gui.cli import main
    from mlp_gui.gui import app

    def forbidden(*args, **kwargs):
        raise AssertionError("the window was launched: the refusal should have come before it")

    monkeypatch.setattr(app, "run_window", forbidden)
    return called(capsys, main, argv)
