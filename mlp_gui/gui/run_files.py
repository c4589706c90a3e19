"""File ▸ Save run / Open run / Export: the same .npz as ``mlp-gui train --save``, CSV and plot images.

Every function takes an explicit path (the menu actions ask for one with a
file dialog first), returns a message for the status bar, and raises
``RunFileError`` or ``OSError`` with a message naming the file; nothing here
touches the current run when reading a file fails.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 - registers the exporters

from mlp_gui.core.runfile import SavedRun, save_run


def write_run(path: Path, run: SavedRun) -> str:
    save_run(path, run)
    return f"Saved {run.epochs:,} epochs to {path}"


def write_loss_csv(path: Path, losses: np.ndarray) -> str:
    """``epoch,loss`` for every epoch (full precision), written atomically."""
    epochs = np.arange(len(losses))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write("epoch,loss\n")
            np.savetxt(f, np.column_stack([epochs, losses]), fmt=["%d", "%.17g"], delimiter=",")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return f"Exported {len(losses):,} losses to {path}"


def write_plot_image(path: Path, plot: pg.PlotWidget) -> str:
    """The loss plot as PNG (twice the screen size, for slides) or SVG (vector), by the file's suffix.

    SVG is drawn with Qt's own SVG generator: pyqtgraph's SVG exporter fails
    on the paths Qt 6.11 writes.
    """
    suffix = path.suffix.lower()
    if suffix == ".svg":
        _write_svg(path, plot)
    elif suffix == ".png":
        exporter = pg.exporters.ImageExporter(plot.getPlotItem())
        exporter.parameters()["width"] = int(plot.getPlotItem().sceneBoundingRect().width() * 2)
        exporter.export(str(path))
    else:
        raise OSError(f"{path}: choose a .png or .svg file name")
    if not path.exists():
        raise OSError(f"{path}: the image could not be written")
    return f"Exported the loss plot to {path}"


def _write_svg(path: Path, plot: pg.PlotWidget) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(plot.size())
    generator.setViewBox(QRect(0, 0, plot.width(), plot.height()))
    generator.setTitle("mlp-gui loss plot")
    painter = QPainter(generator)
    try:
        plot.render(painter)
    finally:
        painter.end()
