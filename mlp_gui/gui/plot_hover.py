"""The loss plot's hover read-out: a cursor line at the epoch under the mouse, a dot on each run's curve there and a
box with each run's loss; the same read-out on one line for the status bar.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMainWindow

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


def data_end(runs: list[HoverRun]) -> float | None:
    """The last plotted epoch of any run, or the epoch it diverged at (None: nothing drawn yet)."""
    ends = [float(run.x[-1]) for run in runs if run.x is not None and len(run.x)]
    ends += [float(run.diverged_at) for run in runs if run.diverged_at is not None]
    return max(ends) if ends else None


def clamp_to_data(runs: list[HoverRun], epoch: float) -> tuple[float, bool]:
    """``epoch`` kept within the drawn curves (0 to the last plotted epoch) and whether it was past their end."""
    end = data_end(runs)
    if end is not None and epoch > end:
        return end, True
    return max(epoch, 0.0), False


def readout_header(epoch: float, *, ended: bool) -> str:
    """``epoch 501``, or ``run ended at epoch 62,276`` for the mouse past the end of every curve."""
    return f"run ended at epoch {epoch:,.0f}" if ended else f"epoch {max(epoch, 0):,.0f}"


def readout_line(rows: list[Row], epoch: float, *, ended: bool = False) -> str:
    """The read-out on one line: ``epoch 501 · current run: 0.006 · stepsize=1: 0.02``."""
    return " · ".join([readout_header(epoch, ended=ended)] + [row.text for row in rows])


def readout_text(runs: list[HoverRun], epoch: float) -> str:
    """The one-line read-out for the mouse at ``epoch``, clamped to the drawn curves."""
    epoch, ended = clamp_to_data(runs, epoch)
    return readout_line(readout_rows(runs, epoch), epoch, ended=ended)


def box_position(*, mouse: tuple[float, float], box: tuple[float, float], view: tuple[float, float, float, float],
                 gap: float = 14) -> tuple[float, float]:
    """Where the read-out box's top-left corner goes, in pixels, so the whole box stays inside ``view``
    (left, top, width, height): beside the mouse on the side with more room, pushed in from an edge if need be
    (a box wider than the view starts at its left edge, so the run names keep their start)."""
    (mx, my), (w, h), (left, top, width, height) = mouse, box, view
    x = mx - gap - w if mx > left + width / 2 else mx + gap
    y = my - gap - h if my > top + height / 2 else my + gap
    x = max(left, min(x, left + width - w))
    y = max(top, min(y, top + height - h))
    return x, y


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
        self.last_text = ""  # the one-line read-out last sent
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.due)
        # every move, from the view itself: pyqtgraph's scene drops moves that come within 10 ms of the last one, and
        # a dropped last move left the read-out where the mouse had been (and a test's hover unanswered)
        for view in plot_item.scene().views():
            view.viewport().installEventFilter(self)

    def _items(self) -> tuple:
        return self.cursor_line, self.cursor_dots, self.readout

    @property
    def visible(self) -> bool:
        return self.readout.isVisible()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt naming
        """A mouse move over the plot's view: read out there (at most every ``interval_ms``)."""
        if event.type() == QEvent.Type.MouseMove:
            view = watched.parent()
            self._mouse_moved(view.mapToScene(event.position().toPoint()))
        return False

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
        self.clear_status()

    def show(self, runs: list[HoverRun], *, log_scale: bool) -> None:
        """The read-out of ``runs`` at the mouse (hidden when the mouse is outside the view)."""
        view_box = self.plot_item.getViewBox()
        pos = self.mouse_at
        if pos is None or not view_box.sceneBoundingRect().contains(pos):
            self.hide()
            return
        epoch, ended = clamp_to_data(runs, view_box.mapSceneToView(pos).x())
        rows = readout_rows(runs, epoch)
        self.cursor_line.setValue(epoch)
        dots = [(row.epoch, math.log10(row.loss) if log_scale else row.loss, row.colour) for row in rows if row.loss is not None]
        self.cursor_dots.setData([d[0] for d in dots], [d[1] for d in dots], brush=[d[2] for d in dots])
        lines = [f"<b>{readout_header(epoch, ended=ended)}</b>"]
        lines += [f'<span style="color:{row.colour.name()}">■</span> {html.escape(row.text)}' for row in rows]
        self.readout.setHtml(f'<div style="color:{palette.TEXT}">' + "<br>".join(lines) + "</div>")
        self._place_box(view_box, pos)
        for thing in self._items():
            thing.setVisible(True)
        self.last_text = readout_line(rows, epoch, ended=ended)
        self.text_changed.emit(self.last_text)

    def _place_box(self, view_box: pg.ViewBox, pos: QPointF) -> None:
        """The box beside the mouse and wholly inside the view box (which clips what sticks out)."""
        rect = view_box.sceneBoundingRect()
        size = self.readout.textItem.boundingRect()
        x, y = box_position(mouse=(pos.x(), pos.y()), box=(size.width(), size.height()),
                            view=(rect.left(), rect.top(), rect.width(), rect.height()))
        self.readout.setAnchor((0, 0))
        self.readout.setPos(view_box.mapSceneToView(QPointF(x, y)))

    @property
    def box_scene_rect(self) -> QRectF:
        """The read-out box as drawn, in scene coordinates."""
        return self.readout.mapRectToScene(self.readout.boundingRect())

    def clear_status(self) -> None:
        """Clear the main window's status bar if it still shows this read-out (the mouse left, or the plot hid)."""
        views = self.plot_item.scene().views() if self.plot_item.scene() is not None else []
        window = views[0].window() if views else None
        if isinstance(window, QMainWindow) and self.last_text and window.statusBar().currentMessage() == self.last_text:
            window.statusBar().clearMessage()
        self.last_text = ""
