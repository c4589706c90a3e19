"""File ▸ Save run, and the loss plot drawn as an image: a run goes to the same .npz as ``mlp-gui train --save``.

:func:`write_run` takes the run file's lock as ``mlp-gui train`` does and, given the file's stamp from when
the window last opened or saved it, refuses to replace a file someone else has saved since. The plot is
drawn in memory (:func:`plot_image`); :mod:`mlp_gui.gui.exports` writes it. Errors are ``OSError`` (or
``RunFileError``) with a message naming the file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter

from mlp_gui.core.run_lock import FileStamp, RunFileLock, check_unchanged
from mlp_gui.core.runfile import SavedRun, save_run
from mlp_gui.progress import count


def write_run(path: Path, run: SavedRun, *, unchanged_since: FileStamp | None = None) -> str:
    """Save ``run``; the status bar's message. See :func:`write_run_stamped`."""
    return write_run_stamped(path, run, unchanged_since=unchanged_since)[0]


def write_run_stamped(path: Path, run: SavedRun, *, unchanged_since: FileStamp | None = None
                      ) -> tuple[str, FileStamp | None]:
    """Save ``run`` under the run file's lock, as ``mlp-gui train`` takes it; the message and the new file's stamp.

    LockedError (naming the holder) while another process holds the lock; with ``unchanged_since`` (the stamp
    from when this window opened or saved the file), ChangedOnDiskError if the file on disk is another one
    now. A file that is gone since holds nothing to lose: it is written again.
    """
    with RunFileLock(path, f"mlp-gui window, pid {os.getpid()}"):
        if FileStamp.of(path) is not None:
            check_unchanged(path, unchanged_since)
        save_run(path, run)
        stamp = FileStamp.of(path)  # under the lock: no other writer between the save and its stamp
    return f"Saved {count(run.epochs, 'epoch')} to {path}", stamp


#: exported images: 1600x1000 pixels drawn as an 800x500 plot at twice the scale, so text and lines are as legible
#: on a slide as on the screen (the same as a screenshot of a high-density screen)
EXPORT_SIZE = (1600, 1000)
EXPORT_SCALE = 2


def plot_image(plot: pg.PlotWidget, suffix: str) -> bytes:
    """The loss plot as a landscape PNG (1600x1000) or SVG (vector, 1600x1000 at its natural size), drawn in memory.

    The plot is laid out at EXPORT_SIZE / EXPORT_SCALE for the drawing and laid out again as it was before the
    window next paints, so the plot on screen does not change. SVG is drawn with Qt's own SVG generator:
    pyqtgraph's SVG exporter fails on the paths Qt 6.11 writes. OSError if it cannot be drawn.
    """
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    try:
        if suffix.lower() == ".svg":
            _draw_svg(buffer, plot)
        elif suffix.lower() == ".png":
            _draw_png(buffer, plot)
        else:
            raise OSError(f"cannot draw a {suffix or 'nameless'} image: only .png or .svg")
    finally:
        buffer.close()
    if data.isEmpty():
        raise OSError("the image could not be drawn")
    return bytes(data.data())


def _render(plot: pg.PlotWidget, painter, *, clip: bool = False) -> None:
    """Draw ``plot`` into ``painter``'s device as a plot of EXPORT_SIZE / EXPORT_SCALE (logical pixels).

    ``clip``: cut the curves at the edges of the view first (for SVG, which Qt writes without clipping).
    """
    item = plot.getPlotItem()
    hide_hover = getattr(plot, "hide_hover", None)
    if hide_hover is not None:
        hide_hover()  # no cursor line or read-out in the picture
    width, height = (side / EXPORT_SCALE for side in EXPORT_SIZE)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_laid_out(item, width, height))
        stack.enter_context(_wider_pens(item))
        if clip:
            stack.enter_context(_clipped_curves(item))
        plot.scene().render(painter, QRectF(0, 0, width, height), item.mapRectToScene(item.boundingRect()))


@contextlib.contextmanager
def _laid_out(item: pg.PlotItem, width: float, height: float) -> Iterator[None]:
    """The plot laid out at ``width`` x ``height`` meanwhile, then as it was (before anything is painted)."""
    shown = item.geometry()
    try:
        item.setGeometry(QRectF(shown.x(), shown.y(), width, height))
        item.layout.activate()
        yield
    finally:
        item.setGeometry(shown)
        item.layout.activate()


@contextlib.contextmanager
def _wider_pens(item: pg.PlotItem) -> Iterator[None]:
    """Curves and marker lines EXPORT_SCALE times as wide meanwhile: as heavy on the page as on the screen."""
    lines = [thing for thing in item.items if isinstance(thing, (pg.PlotDataItem, pg.InfiniteLine))]
    pens = [thing.opts["pen"] if isinstance(thing, pg.PlotDataItem) else thing.pen for thing in lines]
    changed = []
    try:
        for thing, pen in zip(lines, pens, strict=True):
            if pen is not None:
                wider = pg.mkPen(pen)
                wider.setWidthF(max(pen.widthF(), 1.0) * EXPORT_SCALE)
                thing.setPen(wider)
                changed.append((thing, pen))
        yield
    finally:
        for thing, pen in changed:
            thing.setPen(pen)


@contextlib.contextmanager
def _clipped_curves(item: pg.PlotItem) -> Iterator[None]:
    """Each visible curve drawn meanwhile by a stand-in cut at the view's edges (the curve itself made transparent,
    so its legend entry stays as it is)."""
    view_box = item.getViewBox()
    (x0, x1), (y0, y1) = view_box.viewRange()
    hidden, stand_ins = [], []
    try:
        for curve in item.listDataItems():
            x, y = curve.getData()  # as displayed: log10 of the loss on a log axis
            if not curve.isVisible() or curve.opacity() == 0 or x is None or len(x) < 2:
                continue
            xs, ys, connect = clip_polyline(np.asarray(x, dtype=float), np.asarray(y, dtype=float), x0, x1, y0, y1)
            stand_in = pg.PlotCurveItem(xs, ys, connect=connect, pen=curve.opts["pen"])
            stand_in.setOpacity(curve.opacity())
            stand_in.setZValue(curve.zValue())
            view_box.addItem(stand_in, ignoreBounds=True)
            stand_ins.append(stand_in)
            hidden.append((curve, curve.opacity()))
            curve.setOpacity(0)
        yield
    finally:
        for stand_in in stand_ins:
            view_box.removeItem(stand_in)
        for curve, opacity in hidden:
            curve.setOpacity(opacity)


def clip_polyline(x: np.ndarray, y: np.ndarray, x0: float, x1: float, y0: float, y1: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The line through ``x, y`` cut to the rectangle (Liang-Barsky on every segment at once): points, and whether
    each connects to the next."""
    px, py, dx, dy = x[:-1], y[:-1], np.diff(x), np.diff(y)
    t0, t1 = np.zeros(len(dx)), np.ones(len(dx))
    valid = np.isfinite(px) & np.isfinite(py) & np.isfinite(dx) & np.isfinite(dy)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, px - x0), (dx, x1 - px), (-dy, py - y0), (dy, y1 - py)):
            valid &= ~((p == 0) & (q < 0))
            r = q / p
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
    idx = np.flatnonzero(valid & (t0 <= t1))
    a, b = t0[idx], t1[idx]
    xs, ys = np.empty(2 * len(idx)), np.empty(2 * len(idx))
    xs[0::2], xs[1::2] = px[idx] + a * dx[idx], px[idx] + b * dx[idx]
    ys[0::2], ys[1::2] = py[idx] + a * dy[idx], py[idx] + b * dy[idx]
    connect = np.zeros(2 * len(idx), dtype=bool)
    connect[0::2] = True  # each segment's start to its end
    joined = (idx[1:] == idx[:-1] + 1) & (b[:-1] == 1) & (a[1:] == 0)  # the next segment starts where this one ends
    connect[1:-1:2] = joined  # this end to the next end, once the next start (the same point) is left out
    keep = np.ones(2 * len(idx), dtype=bool)
    keep[2::2] = ~joined
    return xs[keep], ys[keep], connect[keep]


def _draw_png(device: QIODevice, plot: pg.PlotWidget) -> None:
    image = QImage(*EXPORT_SIZE, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(EXPORT_SCALE)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        _render(plot, painter)
    finally:
        painter.end()
    image.setDevicePixelRatio(1)
    if not image.save(device, "PNG"):
        raise OSError("the image could not be drawn")


def _draw_svg(device: QIODevice, plot: pg.PlotWidget) -> None:
    from PySide6.QtSvg import QSvgGenerator  # loaded only when an SVG is drawn

    width, height = EXPORT_SIZE
    generator = QSvgGenerator()
    generator.setOutputDevice(device)
    generator.setSize(QSize(width, height))
    generator.setResolution(96)  # opens at 1600x1000 CSS pixels, like the PNG
    generator.setViewBox(QRectF(0, 0, width / EXPORT_SCALE, height / EXPORT_SCALE))
    generator.setTitle("mlp-gui loss plot")
    painter = QPainter(generator)
    try:
        _render(plot, painter, clip=True)
    finally:
        painter.end()
