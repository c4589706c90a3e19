"""Marks on the loss plot that must stay readable: labels kept inside the view (on whichever side of their line
has room, wrapped onto more lines if neither has), the arrow at the top edge where a blown-up curve leaves the view
with the highest loss it reached (:class:`BlowupMark`), and the lines at the live run's epochs (:class:`EpochLines`).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetricsF

from mlp_gui.core.clipping import Peak

GAP_PX = 4  # between a mark's text and the edge of the view
ARROW_PX = 20  # an arrow's head and tail, from the top edge down
NOTE_DROP = 0.3  # the note beside an arrow starts this share of the arrow below the top edge


def text_lines(text: str, room_px: float, metrics: QFontMetricsF) -> str:
    """``text`` as it is if it fits ``room_px``, else wrapped at spaces into as few lines as fit (a single word
    wider than the room stays whole)."""
    if metrics.horizontalAdvance(text) <= room_px:
        return text
    lines: list[str] = []
    for word in text.split():
        if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= room_px:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _metrics(item: pg.TextItem) -> QFontMetricsF:
    return QFontMetricsF(item.textItem.font())


def _margin(item: pg.TextItem) -> float:
    return 2 * item.textItem.document().documentMargin()


def _widest(item: pg.TextItem, text: str) -> float:
    metrics = _metrics(item)
    return max(metrics.horizontalAdvance(line) for line in text.split("\n")) + _margin(item)


def fit_beside(item: pg.TextItem, text: str, x_px: float, width_px: float) -> tuple[str, float]:
    """``text`` fitted beside a point ``x_px`` from the left of a view ``width_px`` wide: on its right if it fits
    there, else on its left if it fits there, else wrapped to the roomier side. Returns the text (perhaps on
    several lines) and the horizontal anchor (0: the text starts at the point, 1: it ends there)."""
    right, left = width_px - x_px - GAP_PX, x_px - GAP_PX
    one_line = _widest(item, text)
    if one_line <= right:
        return text, 0.0
    if one_line <= left:
        return text, 1.0
    room = max(right, left)
    return text_lines(text, room - _margin(item), _metrics(item)), 0.0 if right >= left else 1.0


def place_line_label(line: pg.InfiniteLine, text: str, *, below_px: float = 0.0, at: float = 0.9) -> None:
    """Put a vertical line's label inside the view: beside the line where there is room (see :func:`fit_beside`),
    at ``at`` of the view's height from the bottom, or lower if ``below_px`` from the top edge is taken."""
    view_box = line.getViewBox()
    label = line.label
    if view_box is None or not line.isVisible():
        label.setFormat(text)
        return
    (x0, x1), _ = view_box.viewRange()
    width, height = max(view_box.width(), 1.0), max(view_box.height(), 1.0)
    x_px = (line.value() - x0) / (x1 - x0) * width if x1 > x0 else 0.0
    shown, anchor = fit_beside(label, text, x_px, width)
    label.anchors = [(anchor, 0.0), (anchor, 0.0)]
    label.orthoPos = min(at, 1.0 - (below_px + GAP_PX) / height)
    if label.toPlainText() != shown:
        label.setText(shown)  # what shows, perhaps wrapped; its format stays the mark's own text
    label.updatePosition()


class BlowupMark:
    """An upward arrow at the top edge, at the epoch of a curve's highest loss above the view, and that loss;
    shown only while the view clips it."""

    def __init__(self, plot_item: pg.PlotItem, colour: str, hint: str = "") -> None:
        self.plot_item = plot_item
        self.hint = hint
        self.arrow = pg.ArrowItem(angle=90, headLen=12, headWidth=10, tailLen=8, tailWidth=2, pen=None, brush=colour)
        self.note = pg.TextItem("", color=QColor(colour), anchor=(0, 0))
        self.peak: Peak | None = None
        for mark in (self.arrow, self.note):
            mark.setZValue(10)
            mark.setVisible(False)
            plot_item.addItem(mark, ignoreBounds=True)

    @property
    def visible(self) -> bool:
        return self.arrow.isVisible()

    def height_px(self) -> float:
        """How far down from the top edge the mark reaches (0 when hidden)."""
        return max(ARROW_PX, NOTE_DROP * ARROW_PX + self.note.boundingRect().height()) if self.visible else 0.0

    def show(self, peak: Peak | None, log_scale: bool) -> None:
        """Mark ``peak`` (None: nothing to mark) if it lies above the view."""
        self.peak = peak
        view_box = self.plot_item.getViewBox()
        (x0, x1), (_, top) = view_box.viewRange()
        level = (math.log10(peak.loss) if log_scale else peak.loss) if peak is not None else -math.inf
        clipped = peak is not None and level > top and x0 <= peak.epoch <= x1
        self.arrow.setVisible(clipped)
        self.note.setVisible(clipped)
        if not clipped:
            return
        width = max(view_box.width(), 1.0)
        x_px = (peak.epoch - x0) / (x1 - x0) * width
        text = f"up to {peak.loss:.3g} at epoch {peak.epoch:,.0f}" + (f" ({self.hint})" if self.hint else "")
        shown, anchor = fit_beside(self.note, text, x_px + 6, width)
        self.note.setText(shown)
        self.note.setAnchor((anchor, 0.0))
        _, py = view_box.viewPixelSize()
        self.arrow.setPos(peak.epoch, top)
        self.note.setPos(peak.epoch + (6 if anchor == 0 else -6) * (x1 - x0) / width, top - NOTE_DROP * ARROW_PX * py)
        tip = f"The loss reached {peak.loss:.6g} at epoch {peak.epoch:,.0f}, above the top of the view"
        self.arrow.setToolTip(tip + (f": {self.hint}" if self.hint else ""))
        self.note.setToolTip(self.arrow.toolTip())

    def remove(self) -> None:
        for mark in (self.arrow, self.note):
            self.plot_item.removeItem(mark)


class EpochLines:
    """The vertical lines at epochs of the live run: where it diverged or the guard stopped it (red, dashed), the
    epoch the views show (grey, dotted) and where it went on changed (thin, dotted, with a text: "stepsize 0.5",
    "momentum 0.9", a weight typed in)."""

    def __init__(self, plot_item: pg.PlotItem, *, diverged_colour: str, muted_colour: str) -> None:
        self.plot_item = plot_item
        self.muted_colour = muted_colour
        self.divergence = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(diverged_colour, width=2, style=Qt.PenStyle.DashLine),
            label="diverged", labelOpts={"position": 0.9, "color": diverged_colour, "anchors": [(0, 0), (0, 0)]},
        )
        self.viewed = pg.InfiniteLine(angle=90, movable=False,
                                      pen=pg.mkPen(muted_colour, width=1.5, style=Qt.PenStyle.DotLine))
        for line in (self.divergence, self.viewed):
            line.setVisible(False)
            plot_item.addItem(line, ignoreBounds=True)
        self.stepsize_marks: list[pg.InfiniteLine] = []

    def clear(self) -> None:
        """A new run: no divergence, no change marked."""
        self.divergence.setVisible(False)
        for line in self.stepsize_marks:
            self.plot_item.removeItem(line)
        self.stepsize_marks.clear()

    @property
    def diverged_at(self) -> float | None:
        return self.divergence.value() if self.divergence.isVisible() else None

    def mark_divergence(self, epoch: int, label: str | None = None) -> None:
        """The red line at ``epoch``, labelled ``label`` (default "diverged at epoch N")."""
        self.divergence.label.setFormat(label or f"diverged at epoch {epoch:,}")
        self.divergence.setValue(epoch)
        self.divergence.setVisible(True)
        self.divergence.label.valueChanged()  # a label takes its format only when its visible line moves

    def mark_viewed(self, epoch: int | None) -> None:
        self.viewed.setVisible(epoch is not None)
        if epoch is not None:
            self.viewed.setValue(epoch)

    def mark(self, epoch: int, text: str) -> pg.InfiniteLine:
        """A thin dotted line at ``epoch`` labelled ``text``; the line, to :meth:`unmark` it."""
        line = pg.InfiniteLine(
            pos=epoch, angle=90, movable=False, pen=pg.mkPen(self.muted_colour, width=1, style=Qt.PenStyle.DotLine),
            label=text,
            labelOpts={"position": 0.97, "color": self.muted_colour, "anchors": [(0, 0), (0, 0)]},
        )
        line.setZValue(-50)
        self.plot_item.addItem(line, ignoreBounds=True)
        self.stepsize_marks.append(line)
        return line

    def unmark(self, line: pg.InfiniteLine) -> None:
        """Remove a line :meth:`mark` drew (one a new run cleared already is left alone)."""
        if line in self.stepsize_marks:
            self.stepsize_marks.remove(line)
            self.plot_item.removeItem(line)

    def place_labels(self, below_px: float) -> None:
        """The divergence and stepsize labels inside the view, stacked down from ``below_px`` under its top edge."""
        lines = [(self.divergence, 0.9)] if self.divergence.isVisible() else []
        for line, at in lines + [(mark, 0.97) for mark in self.stepsize_marks]:
            place_line_label(line, line.label.format.replace("\n", " "), below_px=below_px, at=at)
            below_px += line.label.boundingRect().height() + 2
