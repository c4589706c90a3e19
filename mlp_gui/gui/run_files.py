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


def write_plot_image(path: Path, plot_item: pg.PlotItem) -> str:
    """The loss plot as PNG (twice the screen size, for slides) or SVG, by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".svg":
        exporter = pg.exporters.SVGExporter(plot_item)
    elif suffix == ".png":
        exporter = pg.exporters.ImageExporter(plot_item)
        exporter.parameters()["width"] = int(plot_item.sceneBoundingRect().width() * 2)
    else:
        raise OSError(f"{path}: choose a .png or .svg file name")
    exporter.export(str(path))
    if not path.exists():
        raise OSError(f"{path}: the image could not be written")
    return f"Exported the loss plot to {path}"
