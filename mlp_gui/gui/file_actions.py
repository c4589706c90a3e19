"""File ▸ Open / Save run / Export: the dialogs, and what happens after a path is chosen.

A file that cannot be read is refused with a message naming it, and the
current run stays; a save pauses a running run first (it can resume) so the
file holds exactly one state. A name typed without an extension gets the
chosen filter's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mlp_gui.core.runfile import RunFileError, SavedRun, load_run
from mlp_gui.gui import exports, run_files
from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.session import TrainingSession

RUN_FILTER = "Runs (*.npz)"
IMAGE_FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"
CSV_FILTER = "CSV (*.csv)"


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
        self.run_path: Path | None = None  # the file the current run was opened from or saved to
        self.folder: Path | None = None  # where the dialogs start: the last file's folder
        self.saved_epoch: int | None = None  # the epoch last saved to run_path (None: never saved)

    # ------------------------------------------------------------ with a path

    def save_run_to(self, path: Path) -> None:
        """Save the current run (pausing it first if it is training; it can resume)."""
        def save() -> None:
            run = self.session.saved_run()
            if run is not None and self._do(lambda: run_files.write_run(path, run), path):
                self.run_path, self.folder, self.saved_epoch = path, path.parent, run.epochs
                self.saved()
        self.session.pause_then(save)

    def open_run_from(self, path: Path) -> bool:
        """Open a saved run; on a bad file say why and leave the current run as it is."""
        try:
            run = load_run(path)
        except RunFileError as exc:
            self.error("Cannot open run", str(exc))
            return False
        self.opened(run, path)
        return True

    def forget_run(self) -> None:
        """A new run replaced the file's: it belongs to no file yet."""
        self.run_path, self.saved_epoch = None, None

    def export_csv(self, path: Path) -> None:
        def export() -> None:
            history = self.session.loss_history()
            if history is not None:
                self._do(lambda: exports.write_loss_csv(path, history), path)
        self.session.pause_then(export)

    def export_plot(self, path: Path) -> None:
        self._do(lambda: exports.write_plot_image(path, self.plot), path)

    @property
    def unsaved_epochs(self) -> bool:
        """Whether the run has epochs that are in no file."""
        return self.session.epoch > 0 and self.session.epoch != self.saved_epoch

    # ------------------------------------------------------------ dialogs

    def save_run_dialog(self) -> None:
        path = self._ask("Save run", RUN_FILTER, save=True, default="run.npz")
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

    def _ask(self, title: str, filters: str, *, save: bool, default: str = "") -> Path | None:
        start = str((self.folder or Path.cwd()) / default)
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
        box.open()  # not exec(): the window keeps updating while the message shows


def _one_line(path: Path, exc: Exception) -> str:
    """``path: reason``, without the path twice when the reason already names it."""
    reason = getattr(exc, "strerror", None) or str(exc)
    return reason if str(path) in reason else f"{path}: {reason}"
