"""File ▸ Export: the loss as CSV and the loss plot as an image, written the way run files are.

Every export goes through :func:`mlp_gui.core.safe_write.atomic_write`, as a saved run does: a reader
sees the old file or the new one, never half of one; a new file gets ``0o666 & ~umask`` (0644 under
umask 022), a replaced one keeps its mode. Each function returns a message for the status bar and
raises ``OSError`` naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyqtgraph as pg

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
