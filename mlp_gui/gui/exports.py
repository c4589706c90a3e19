"""File ▸ Export: the loss as CSV, the loss plot as an image and the run as code, written the way run files are.

Every export goes through :func:`mlp_gui.core.safe_write.atomic_write`, as a saved run does: a reader
sees the old file or the new one, never half of one; a new file gets ``0o666 & ~umask`` (0644 under
umask 022), a replaced one keeps its mode. Each function returns a message for the status bar and
raises ``OSError`` naming the file. The run as code (:class:`CodeWriter`) is written off the GUI thread: its data
file may hold millions of numbers, and the window must not freeze while they are written.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal, Slot

from mlp_gui.core.export_checks import ExportError
from mlp_gui.core.export_files import write_export
from mlp_gui.core.runfile import SavedRun
from mlp_gui.core.safe_write import atomic_write
from mlp_gui.gui import run_files
from mlp_gui.progress import count

IMAGE_SUFFIXES = (".png", ".svg")


def write_loss_csv(path: Path, losses: np.ndarray) -> str:
    """``epoch,loss`` for every epoch, full precision (``%.17g`` reads back to the same float)."""
    rows = np.column_stack([np.arange(len(losses)), losses])

    def write(f: BinaryIO) -> None:
        f.write(b"epoch,loss\n")
        np.savetxt(f, rows, fmt=["%d", "%.17g"], delimiter=",")

    atomic_write(path, write)
    return f"Exported {count(len(losses), 'loss', 'losses')} to {path}"


def write_plot_image(path: Path, plot: pg.PlotWidget) -> str:
    """The loss plot as PNG or SVG, by the suffix (drawn in memory by :func:`run_files.plot_image`), written whole."""
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise OSError(f"{path}: the name must end in .png or .svg")
    try:
        data = run_files.plot_image(plot, suffix)
    except OSError as exc:
        raise OSError(f"{path}: {exc}") from None
    atomic_write(path, lambda f: f.write(data))
    return f"Exported the loss plot to {path}"


class CodeWriter(QObject):
    """Writes a run as a script or notebook (:func:`mlp_gui.core.export_files.write_export`) on a thread of its own;
    ``written`` (the status bar's message) or ``failed`` (one line) follows on the GUI thread."""

    written = Signal(str)
    failed = Signal(str)
    _ended = Signal(str, bool)  # from the writing thread, delivered on this object's (the GUI) thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ended.connect(self._deliver)

    def start(self, path: Path, run: SavedRun, kind: str) -> None:
        """Write ``run`` (a copy nobody else changes) as ``kind`` (script or notebook) to ``path``; not a daemon
        thread, so quitting meanwhile still finishes the file."""
        threading.Thread(target=self._write, args=(path, run, kind), name="mlp-gui export", daemon=False).start()

    def _write(self, path: Path, run: SavedRun, kind: str) -> None:
        try:
            message, ok = write_export(path, run, kind=kind).message(), True
        except ExportError as exc:
            message, ok = f"This run cannot be exported: {exc}", False
        except OSError as exc:
            reason = exc.strerror or str(exc)
            message, ok = (reason if str(path) in reason else f"{path}: {reason}"), False
        except MemoryError:
            message, ok = f"{path}: out of memory while writing the run's data", False
        try:
            self._ended.emit(message, ok)
        except RuntimeError:  # the window closed meanwhile: nobody left to tell
            pass

    @Slot(str, bool)
    def _deliver(self, message: str, ok: bool) -> None:
        (self.written if ok else self.failed).emit(message)
