"""The loss plot's hover read-out: a cursor line at the epoch under the mouse, a dot on each run's curve there and a
box with each run's loss; the same read-out on one line for the status bar.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QTimer, Signal
from PySide6.QtGui import QColor

from mlp_gui.gui import palette

HOVER_MS = 50  # the read-out is recomputed at most 20 times a second, and only while the mouse moves


@dataclass(frozen=True)
class HoverRun:
    """One run as the read-out sees it: its plotted points, their smoothed copy (None: smoothing is off) and the
    epoch it diverged at (None: it did not)."""

    label: str
    colour: QColor
    x: np.ndarray | None
    y: np.ndarray | None
    smooth: np.ndarray | None
    diverged_at: float | None
    kept: bool = False  # a kept run past its last point says where it ended


@dataclass(frozen=True)
class Row:
    """A run's line of the read-out, the loss drawn at its point (None past its divergence) and the point's epoch."""

    colour: QColor
    text: str
    loss: float | None
    epoch: float


def format_readout(value: float) -> str:
    """A loss as the read-out writes it: four significant digits (``0.6484``, ``1.2e-07``)."""
    return f"{value:.4g}"


def readout_rows(runs: list[HoverRun], epoch: float) -> list[Row]:
    """A row per run with a plotted point at or before ``epoch`` (or diverged by then)."""
    rows = []
    for run in runs:
        if run.diverged_at is not None and epoch >= run.diverged_at:
            rows.append(Row(run.colour, f"{run.label}: diverged at epoch {run.diverged_at:,.0f}", None, run.diverged_at))
            continue
        i = -1 if run.x is None else int(np.searchsorted(run.x, epoch, "right")) - 1
        if i < 0:
            continue
        text, drawn = format_readout(run.y[i]), float(run.y[i])
        if run.smooth is not None and len(run.smooth) == len(run.y):
            text, drawn = f"{format_readout(run.smooth[i])} (raw {text})", float(run.smooth[i])
        if run.kept and i == len(run.x) - 1 and epoch - run.x[i] > 0.01 * max(run.x[i], 1):
            text += f" (ended at epoch {int(run.x[i]):,})"
        rows.append(Row(run.colour, f"{run.label}: {text}", drawn, float(run.x[i])))
    return rows


def readout_line(rows: list[Row], epoch: float) -> str:
    """The read-out on one line: ``epoch 501 · current run: 0.006 · stepsize=1: 0.02``."""
    return " · ".join([f"epoch {max(epoch, 0):,.0f}"] + [row.text for row in rows])


class HoverReadout(QObject):
    """The cursor line, the dots and the read-out box on ``plot_item``, following the mouse.

    While the mouse moves over the plot, ``due`` is emitted at most every ``interval_ms``; the plot answers with
    :meth:`show` and the runs as they are drawn. ``text_changed(str)`` sends the one-line read-out ("" once hidden).
    """

    due = Signal()
    text_changed = Signal(str)

    def __init__(self, plot_item: pg.PlotItem, *, interval_ms: int = HOVER_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plot_item = plot_item
        self.interval_ms = interval_ms
        self.cursor_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(QColor(0, 0, 0, 90), width=1))
        self.cursor_dots = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1))
        self.readout = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 225), border=pg.mkPen(QColor(0, 0, 0, 60)))
        for thing in self._items():
            thing.setVisible(False)
            thing.setZValue(20)
            plot_item.addItem(thing, ignoreBounds=True)
        self.mouse_at: QPointF | None = None  # in scene coordinates
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.due)
        plot_item.scene().sigMouseMoved.connect(self._mouse_moved)

    def _items(self) -> tuple:
        return self.cursor_line, self.cursor_dots, self.readout

    @property
    def visible(self) -> bool:
        return self.readout.isVisible()

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        self.mouse_at = QPointF(scene_pos)
        if not self._timer.isActive():
            self._timer.start(self.interval_ms)

    def leave(self) -> None:
        """The mouse left the plot."""
        self._timer.stop()
        self.hide()

    def hide(self) -> None:
        """Take the cursor line, the dots and the read-out off the plot."""
        if self.readout.isVisible():
            for thing in self._items():
                thing.setVisible(False)
            self.text_changed.emit("")

    def show(self, runs: list[HoverRun], *, log_scale: bool) -> None:
        """The read-out of ``runs`` at the mouse (hidden when the mouse is outside the view)."""
        view_box = self.plot_item.getViewBox()
        pos = self.mouse_at
        if pos is None or not view_box.sceneBoundingRect().contains(pos):
            self.hide()
            return
        at = view_box.mapSceneToView(pos)
        epoch = at.x()
        rows = readout_rows(runs, epoch)
        self.cursor_line.setValue(epoch)
        dots = [(row.epoch, math.log10(row.loss) if log_scale else row.loss, row.colour) for row in rows if row.loss is not None]
        self.cursor_dots.setData([d[0] for d in dots], [d[1] for d in dots], brush=[d[2] for d in dots])
        lines = [f"<b>epoch {max(epoch, 0):,.0f}</b>"]
        lines += [f'<span style="color:{row.colour.name()}">■</span> {html.escape(row.text)}' for row in rows]
        self.readout.setHtml(f'<div style="color:{palette.TEXT}">' + "<br>".join(lines) + "</div>")
        (x0, x1), (y0, y1) = view_box.viewRange()
        right, low = at.x() > (x0 + x1) / 2, at.y() < (y0 + y1) / 2
        px, py = view_box.viewPixelSize()
        self.readout.setAnchor((1 if right else 0, 1 if low else 0))
        self.readout.setPos(at.x() + (-14 if right else 14) * px, at.y() + (14 if low else -14) * py)
        for thing in self._items():
            thing.setVisible(True)
        self.text_changed.emit(readout_line(rows, epoch))
