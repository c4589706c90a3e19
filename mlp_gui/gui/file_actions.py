"""File ▸ Open / Save run / Export, and Edit ▸ Copy as command: the dialogs, and what happens after a path is chosen.

A file that cannot be read is refused with a message naming it, and the
current run stays; what reading left out (snapshots beyond the budget) is said
in the status bar. A save pauses a running run first (it can resume) so the
file holds exactly one state. Saving takes the lock ``mlp-gui train`` holds:
while another process holds it the window says who and offers Save As…; a
file someone else saved to since this window opened or saved it is never
replaced without asking. Save run offers the file the run was opened from or
last saved to. A name typed without an extension gets the chosen filter's.
Export as Python script / as notebook writes the session's run as code the way ``mlp-gui export`` writes a
run file's (no save needed), the writing off the GUI thread.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mlp_gui.core.export_checks import export_problem
from mlp_gui.core.run_command import train_command
from mlp_gui.core.run_lock import ChangedOnDiskError, FileStamp, LockedError
from mlp_gui.core.runfile import RunFileError, SavedRun, load_run
from mlp_gui.gui import exports, run_files, save_questions
from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.session import TrainingSession
from mlp_gui.progress import count

RUN_FILTER = "Runs (*.npz)"
IMAGE_FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"
CSV_FILTER = "CSV (*.csv)"
#: File ▸ Export as Python script / as notebook: (dialog title, filter) by kind
CODE_DIALOGS = {"script": ("Export as Python script", "Python script (*.py)"),
                "notebook": ("Export as notebook", "Jupyter notebook (*.ipynb)")}


def _suffixes(filters: str) -> list[str]:
    """``['.png', '.svg']`` from ``"PNG image (*.png);;SVG drawing (*.svg)"``: every ``*.ext`` of every filter."""
    return [suffix.lower() for suffix in re.findall(r"\*(\.[^\s;()*]+)", filters)]


def with_filter_suffix(path: Path, chosen_filter: str, filters: str = "") -> Path:
    """``path`` as typed if it ends in one of the offered extensions, else with the chosen filter's (``plot`` -> ``plot.png``).

    No chosen filter (some dialogs report none): the first offered one's.
    """
    offered = _suffixes(filters or chosen_filter)
    chosen = _suffixes(chosen_filter) or offered
    if not chosen or path.suffix.lower() in offered:
        return path
    return path.with_name(path.name + chosen[0])


class FileActions:
    """The window's file commands; ``show`` puts a message in the status bar, ``opened`` follows an opened run."""

    def __init__(self, parent: QWidget, session: TrainingSession, plot: LossPlot, show: Callable[[str], None],
                 opened: Callable[[SavedRun, Path | None], None], saved: Callable[[], None] = lambda: None) -> None:
        self.parent, self.session, self.plot = parent, session, plot
        self.show, self.opened, self.saved = show, opened, saved
        self._run_path: Path | None = None
        self.folder: Path | None = None  # where the dialogs start: the last file's folder
        self.saved_epoch: int | None = None  # the epoch last saved to run_path (None: never saved)
        #: run_path as this window last read or wrote it (None: no file, or none there then); a save to run_path
        #: refuses to replace a file that is no longer this one
        self.stamp: FileStamp | None = None
        self._stamp_from = "opened"  # how the stamp was taken, for the question: "opened" or "saved"
        self._read: tuple[Path, FileStamp | None] | None = None  # the file last read, stamped before reading
        self.fingerprint = ""  # the current run's name, as the window shows it
        session.run_reset.connect(self._run_reset)
        self.code_writer = exports.CodeWriter(parent)
        self.code_writer.written.connect(show)
        self.code_writer.failed.connect(lambda message: self.error("Cannot export", message))

    def _run_reset(self, reset: object) -> None:
        self.fingerprint = getattr(reset, "fingerprint", "")

    @property
    def run_path(self) -> Path | None:
        """The file the current run was opened from or saved to."""
        return self._run_path

    @run_path.setter
    def run_path(self, path: Path | None) -> None:
        """Set by the window once an opened run is installed: the file's stamp from when it was read goes with it."""
        if path is None:
            self._run_path, self.stamp = None, None
            return
        read, self._read = self._read, None
        stamp = read[1] if read is not None and _same_file(read[0], path) else FileStamp.of(path)
        self._run_path, self.stamp, self._stamp_from = path, stamp, "opened"

    # ------------------------------------------------------------ with a path

    def save_run_to(self, path: Path) -> None:
        """Save the current run (pausing it first if it is training; it can resume)."""
        def save() -> None:
            run = self.session.saved_run()
            lessons = getattr(getattr(self.parent, "lessons", None), "mode", None)
            if run is not None and getattr(lessons, "lesson", None) is not None:
                run = replace(run, lesson=lessons.lesson)  # a lesson saved in lesson mode stays a lesson
            if run is not None:
                mine = self._run_path is not None and _same_file(path, self._run_path)
                self._save(path, run, since=self.stamp if mine else None)
        self.session.pause_then(save)

    def read_run(self, path: Path) -> SavedRun:
        """Read a run file (RunFileError if it cannot be), remembering its stamp from before it was read."""
        stamp = FileStamp.of(path)  # before: a save in between makes the stamp older than what was read, never newer
        run = load_run(path)
        self._read = (path, stamp)
        return run

    def open_run_from(self, path: Path) -> bool:
        """Open a saved run; on a bad file say why and leave the current run as it is."""
        try:
            run = self.read_run(path)
        except RunFileError as exc:
            self.error("Cannot open run", str(exc))
            return False
        self.opened(run, path)
        return True

    def forget_run(self) -> None:
        """A new run replaced the file's: it belongs to no file yet."""
        self.run_path, self.saved_epoch = None, None

    # ------------------------------------------------------------ saving, and what stops it

    def _save(self, path: Path, run: SavedRun, *, since: FileStamp | None) -> None:
        """Write ``run`` to ``path`` under its lock; ``since``: the stamp the file must still have."""
        try:
            message, stamp = run_files.write_run_stamped(path, run, unchanged_since=since)
        except LockedError as exc:
            self._in_use(path, exc)
        except ChangedOnDiskError:
            self._changed_on_disk(path, run)
        except (OSError, RunFileError) as exc:
            self.error("Cannot write file", _one_line(path, exc))
        else:
            self.show(message)
            self._run_path, self.folder, self.saved_epoch = path, path.parent, run.epochs
            self.stamp, self._stamp_from, self._read = stamp, "saved", None
            self.saved()

    def _in_use(self, path: Path, exc: LockedError) -> None:
        holder = f"pid {exc.holder_pid}" if exc.holder_pid is not None else "another process"
        if exc.holder:
            holder += f" ({exc.holder})"
        self.show(f"Not saved: {path} is in use by {holder}")
        text = (f"Cannot save to {path.name}: it is in use by {holder}, which may write it at any moment. "
                "Saving here now would replace that process's run, or it would replace yours.\n\n"
                "Save this run under another name?")
        if save_questions.in_use(self.parent, text) == "save_as":
            self.save_run_dialog(beside=path)

    def _changed_on_disk(self, path: Path, run: SavedRun) -> None:
        self.show(f"Not saved: {path} was changed on disk since this window {self._stamp_from} it")
        text = (f"{path.name} was changed on disk since this window {self._stamp_from} it: another process (or "
                "program) saved to it. Replacing it loses what that process saved.\n\n"
                f"Save this run ({count(run.epochs, 'epoch')}) under another name, or replace the file?")
        answer = save_questions.changed_on_disk(self.parent, text)
        if answer == "replace":
            self._save(path, run, since=None)  # still under the lock: one held meanwhile is refused as ever
        elif answer == "save_as":
            self.save_run_dialog(beside=path)

    def export_csv(self, path: Path) -> None:
        def export() -> None:
            history = self.session.loss_history()
            if history is not None:
                self._do(lambda: exports.write_loss_csv(path, history), path)
        self.session.pause_then(export)

    def export_plot(self, path: Path) -> None:
        self._do(lambda: exports.write_plot_image(path, self.plot), path)

    def export_code(self, path: Path, kind: str) -> None:
        """Write the current run as a ``kind`` (script or notebook) to ``path`` (pausing it first if it is training); a
        run that cannot be exported yet is said in one line."""
        def export() -> None:
            run = self.session.saved_run()
            if run is None:
                return
            problem = export_problem(run)
            if problem:
                self.error("Cannot export", f"This run cannot be exported: {problem}")
                return
            self.show(f"Exporting the run to {path}…")
            self.code_writer.start(path, run, kind)
        self.session.pause_then(export)

    def command_line(self) -> str:
        """The ``mlp-gui train …`` line of the current run's settings and planned epochs (the epochs done, if more)."""
        session = self.session
        return train_command(session.config, max(session.target_epoch, session.epoch), fingerprint=self.fingerprint,
                             stepsizes=session.stepsizes, changes=session.changes)

    def copy_command(self) -> None:
        """Edit ▸ Copy as command: :meth:`command_line` to the clipboard."""
        line = self.command_line()
        QGuiApplication.clipboard().setText(line)
        self.show(f"Copied: {line}")

    @property
    def unsaved_epochs(self) -> bool:
        """Whether the run has epochs that are in no file."""
        return self.session.epoch > 0 and self.session.epoch != self.saved_epoch

    # ------------------------------------------------------------ dialogs

    def save_run_dialog(self, *, beside: Path | None = None) -> None:
        """Ask where to save, offering the file the run was opened from or saved to (else ``run.npz``); ``beside``: a
        file that could not be saved to (the dialog offers a name next to it)."""
        if beside is not None:
            folder, name = beside.parent, f"{beside.stem}-copy{beside.suffix}"
        elif self._run_path is not None:  # saving back goes through the same lock and changed-on-disk check
            folder, name = self._run_path.parent, self._run_path.name
        else:
            folder, name = self.folder, "run.npz"
        path = self._ask("Save run", RUN_FILTER, save=True, default=name, folder=folder)
        if path is not None:
            self.save_run_to(path)

    def open_run_dialog(self, may_replace: Callable[[], bool]) -> None:
        path = self._ask("Open run", f"{RUN_FILTER};;All files (*)", save=False)
        if path is not None and may_replace():
            self.open_run_from(path)

    def export_csv_dialog(self) -> None:
        path = self._ask("Export loss as CSV", CSV_FILTER, save=True, default="loss.csv")
        if path is not None:
            self.export_csv(path)

    def export_plot_dialog(self) -> None:
        path = self._ask("Export loss plot", IMAGE_FILTERS, save=True, default="loss.png")
        if path is not None:
            self.export_plot(path)

    def export_code_dialog(self, kind: str) -> None:
        """File ▸ Export as Python script… (``script``) or as notebook… (``notebook``)."""
        title, filters = CODE_DIALOGS[kind]
        stem = self._run_path.stem if self._run_path is not None else "run"
        path = self._ask(title, filters, save=True, default=stem + _suffixes(filters)[0])
        if path is not None:
            self.export_code(path, kind)

    def _ask(self, title: str, filters: str, *, save: bool, default: str = "", folder: Path | None = None) -> Path | None:
        start = str((folder or self.folder or Path.cwd()) / default)
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, chosen = ask(self.parent, title, start, filters)
        if not path:
            return None
        return with_filter_suffix(Path(path), chosen, filters) if save else Path(path)

    # ------------------------------------------------------------ reporting

    def _do(self, operation: Callable[[], str], path: Path) -> bool:
        try:
            self.show(operation())
            return True
        except (OSError, RunFileError) as exc:
            self.error("Cannot write file", _one_line(path, exc))
            return False

    def error(self, title: str, message: str) -> None:
        self.show(message)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self.parent)
        box.setObjectName("fileError")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # read and closed, it goes: none piles up in the window
        box.open()  # not exec(): the window keeps updating while the message shows


def opened_message(run: SavedRun, path: Path | None) -> str:
    """``Opened 300 epochs from r.npz``, and what reading it left out (``; kept 8 of the file's 16 snapshots…``)."""
    name = f" from {path.name}" if path else ""
    return "; ".join((f"Opened {count(run.epochs, 'epoch')}{name}", *run.notes))


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (symlinks and ``..`` resolved; the file need not exist)."""
    return os.path.realpath(a) == os.path.realpath(b)


def _one_line(path: Path, exc: Exception) -> str:
    """``path: reason``, without the path twice when the reason already names it."""
    reason = getattr(exc, "strerror", None) or str(exc)
    return reason if str(path) in reason else f"{path}: {reason}"
