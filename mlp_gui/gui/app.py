"""Open the window as the command line asked: prefilled, started, screenshotted, closed when done."""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QStyleFactory

from mlp_gui import __version__
from mlp_gui.core.config import CONTINUABLE, ConfigError, check_fits_in_memory
from mlp_gui.core.run_checks import check_flags_match, earlier_version_note
from mlp_gui.core.runfile import RunFileError
from mlp_gui.core.safe_write import atomic_write
from mlp_gui.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from mlp_gui.gui import desktop_scheme
from mlp_gui.gui.session import RunState
from mlp_gui.gui.window import MainWindow
from mlp_gui.launch import LaunchOptions

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


def configure_pyqtgraph() -> None:
    """pyqtgraph's global options, set once at start (not on import): no antialiasing (cheaper live redraws)."""
    pg.setConfigOptions(antialias=False)


def app_icon() -> QIcon:
    """The application icon, from every size shipped in mlp_gui/resources."""
    icon = QIcon()
    for path in sorted(RESOURCES.glob("icon*.png")) + sorted(RESOURCES.glob("icon.svg")):
        icon.addFile(str(path))
    return icon


def application(qt_args: Sequence[str] = ()) -> QApplication:
    """The QApplication, created once with the app's name and icon; ``qt_args``: Qt's own options from the command
    line (``-style Fusion``), read by Qt when it is created."""
    app = QApplication.instance() or QApplication([*sys.argv[:1], *qt_args])
    app.setApplicationName("mlp-gui")
    app.setOrganizationName("mlp-gui")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("mlp-gui")
    app.setWindowIcon(app_icon())
    configure_pyqtgraph()
    collect_between_events(app)
    desktop_scheme.follow_desktop(app)
    return app


def collect_between_events(app: QApplication) -> None:
    """Collect cyclic garbage from a timer on the GUI thread, never whenever an allocation happens to trigger it.

    Python's automatic collection can run in the middle of building or painting a Qt item (or on a worker
    thread) and free another item's wrapper there, which crashes the process; pyqtgraph's GarbageCollector
    turns it off and collects once a second between events instead.
    """
    if getattr(app, "garbage_collector", None) is None:
        app.garbage_collector = GarbageCollector(interval=1.0)


def unknown_style(qt_args: Sequence[str]) -> str | None:
    """Why ``-style NAME`` among ``qt_args`` cannot be had here (Qt would only warn and ignore it), or None."""
    names = [qt_args[i + 1] for i, word in enumerate(qt_args[:-1]) if word == "-style"]
    available = QStyleFactory.keys()
    for name in names:
        if name.lower() not in (key.lower() for key in available):
            return f"-style {name}: no such style here; this Qt has {', '.join(available)}"
    return None


class Launcher:
    """Carries out the unattended options once the window is up; holds the exit code."""

    def __init__(self, window: MainWindow, options: LaunchOptions) -> None:
        self.window, self.options = window, options
        self.exit_code = EXIT_OK
        window.run_ended.connect(self._on_run_ended)
        window.session.failed.connect(self._on_failed)

    def open_file(self) -> bool:
        """Open ``options.run_file`` if given; False (after saying why) if it cannot be read."""
        if self.options.run_file is None:
            return True
        try:
            run = self.window.files.read_run(self.options.run_file)
        except RunFileError as exc:
            print(f"mlp-gui: error: {exc}", file=sys.stderr)
            if self.options.exit_when_done:
                self.exit_code = EXIT_USAGE  # unattended: the script must hear of it; a person saw the message
            else:
                QMessageBox.warning(self.window, "Cannot open run", str(exc))
            return False
        explicit = self.options.explicit
        try:  # as train --resume: a flag contradicting the file is refused, epochs to add must fit in memory
            check_flags_match(run.config, self.options.config, explicit)
            if "epochs" in explicit:
                check_fits_in_memory(run.config, run.epochs + self.options.epochs)
        except ConfigError as exc:
            print(f"mlp-gui: error: {self.options.run_file}: {exc}", file=sys.stderr)
            self.exit_code = EXIT_USAGE
            return False
        for note in (*run.notes, earlier_version_note(run.config)):  # e.g. snapshots beyond the budget left out
            if note:
                print(f"mlp-gui: {self.options.run_file}: {note}", file=sys.stderr)
        self.window.open_saved_run(run, self.options.run_file)
        return self._apply_flags_to_opened_run(run)

    def _apply_flags_to_opened_run(self, run) -> bool:
        """Flags given with RUN.npz continue it as ``train --resume`` does: epochs to add, a new stepsize, the optimizer's
        numbers, the penalty, the decay (the others were checked against the file before it was opened)."""
        explicit, window = self.options.explicit, self.window
        if "epochs" in explicit:
            window.session.set_plan(run.epochs + self.options.epochs)
        changes = {name: getattr(self.options.config, name) for name in ("stepsize", *CONTINUABLE) if name in explicit}
        if changes:  # the session tells every view that shows ΔW or the next value; the plot marks each change
            window.settings.continue_with(changes)
        window.form.set_values(window.session.config, window.session.target_epoch)
        return True

    def begin(self) -> None:
        """Start the run if asked to; a CSV file still being read is waited for (the form reads it off the GUI thread)."""
        form = self.window.form
        if form.reading:
            form.read_finished.connect(self._begin_once_read)
            return
        if self.options.run and not form.valid:  # nothing that could train: say why, as train does
            print(f"mlp-gui: error: {next(iter(form.errors.values()), 'the settings are not valid')}", file=sys.stderr)
            self.exit_code = EXIT_USAGE
            if self.options.exit_when_done:
                QTimer.singleShot(0, self.window.close)
            return
        if self.options.run:
            if self.window.session.state is not RunState.DIVERGED:  # a diverged run cannot go on (Start would begin anew)
                self.window.start_or_pause()
            if self.window.session.state is not RunState.RUNNING:  # nothing to train (0 epochs, diverged)
                self._on_run_ended(self.window.session.state)

    def _begin_once_read(self) -> None:
        self.window.form.read_finished.disconnect(self._begin_once_read)
        self.begin()

    def _on_run_ended(self, state: RunState) -> None:
        if not self.options.run:
            return
        if state is RunState.DIVERGED or self.window.session.guard_report is not None:
            self.exit_code = EXIT_FAILED
        if self.options.screenshot is not None:
            QTimer.singleShot(300, self._screenshot_then_maybe_quit)  # let the last delivery paint
        elif self.options.exit_when_done:
            QTimer.singleShot(0, self.window.close)

    def _screenshot_then_maybe_quit(self) -> None:
        self.window.heatmaps.show_snapshot(self.window.session.snapshot, now=True)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        try:  # written as run files are: only a regular file (never a FIFO), atomically
            if not self.window.grab().save(buffer, "PNG"):
                raise OSError("the image could not be drawn")
            atomic_write(self.options.screenshot, lambda f: f.write(bytes(data)))
        except OSError as exc:
            why = str(exc).removeprefix(f"{self.options.screenshot}: ")  # a refused target names itself
            print(f"mlp-gui: error: could not write screenshot {self.options.screenshot}: {why}", file=sys.stderr)
            self.exit_code = EXIT_FAILED
        if self.options.exit_when_done:
            self.window.close()

    def close_on_signals(self) -> None:
        """Ctrl+C (SIGINT) or SIGTERM in the terminal close the window as Ctrl+Q does; the exit code says which.

        Python runs signal handlers only between bytecodes, and Qt's event loop runs in C++: a light timer
        hands control back to Python a few times a second so the handler runs promptly.
        """
        def handler(signum: int, _frame: object) -> None:
            self.exit_code = 128 + signum
            QTimer.singleShot(0, self.window.close)

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, handler)
        self._wake = QTimer(self.window)
        self._wake.timeout.connect(lambda: None)
        self._wake.start(200)

    def _on_failed(self, message: str) -> None:
        self.exit_code = EXIT_FAILED
        print(f"mlp-gui: error: {message}", file=sys.stderr)
        if self.options.exit_when_done:
            self.window.close()


def run_window(options: LaunchOptions, *, qt_args: Sequence[str] = ()) -> int:
    """Show the window and run the event loop; the process's exit code. ``qt_args``: Qt's own options (``-style
    Fusion``, ``-reverse``) for the QApplication; a style this Qt does not have is refused in one line."""
    problem = unknown_style(qt_args)
    if problem:
        print(f"mlp-gui: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    app = application(qt_args)
    explicit = None if options.unattended else options.explicit  # a script gets the notebook's defaults + its flags
    window = MainWindow(options.config, explicit=explicit, epochs=options.epochs)
    launcher = Launcher(window, options)
    window.show()
    launcher.close_on_signals()
    if not launcher.open_file() and (options.exit_when_done or launcher.exit_code == EXIT_USAGE):
        window.close()
        return launcher.exit_code
    QTimer.singleShot(0, launcher.begin)
    app.exec()
    return launcher.exit_code
