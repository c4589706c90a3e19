"""Edit a weight (issue 21 §3): double-click a weight or bias cell of the W heatmaps (or an edge of the network
diagram), type a new value, and the run branches there.

Only while the run is idle. The session makes the edit on its live trainer (:meth:`TrainingSession.edit_parameter`,
the trainer's :meth:`~mlp_gui.core.trainer_edits.ParameterEdits.edit_weight`: no copy of the run or its data), so the
history, the snapshots and a later save keep it exactly; the run reset it makes carries the run's edits. The loss
plot marks each edit (``W2[1, 3] 0.12 → 0.5 at 2,000``) and the run's name says it was edited.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from mlp_gui.core import weight_edits
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.core.plural import count
from mlp_gui.core.weight_edits import Edits, WeightEdit
from mlp_gui.gui import palette

EDGE_PX = 4.0  # a double-click this close to an edge of the network diagram edits its weight


class WeightEditDialog(QDialog):
    """One line to type the new value in, the current value shown; a bad value is said in one line and OK waits."""

    def __init__(self, ref: WeightRef, value: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weightEditDialog")
        self.setWindowTitle(f"Edit {ref.name}")
        self.ref, self.value = ref, value
        about = QLabel(f"{ref.name} = {value!r}\n{ref.meaning[0].upper()}{ref.meaning[1:]}.\n"
                       "The run goes on from the new value (the edit is kept in the run's history).")
        about.setTextFormat(Qt.TextFormat.PlainText)
        about.setWordWrap(True)
        self.field = QLineEdit(repr(value))
        self.field.setObjectName("weightValue")
        self.field.selectAll()
        about.setBuddy(self.field)
        self.error = QLabel()
        self.error.setObjectName("weightError")
        self.error.setStyleSheet(f"color: {palette.ERROR};")
        self.error.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(self.field)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.field.setFocus()

    def accept(self) -> None:
        text = self.field.text().strip()
        try:
            value = float(text)
        except ValueError:
            return self._refuse(f"{text[:40]!r} is not a number: type one like 0.5 or -1.2e-3")
        if not math.isfinite(value):
            return self._refuse(f"{text} is not a finite number")
        if value == self.value:  # nothing to edit: the run stays as it is
            return self.reject()
        self.value = value
        super().accept()

    def _refuse(self, line: str) -> None:
        self.error.setText(line)
        self.error.setVisible(True)
        self.field.setFocus()
        self.field.selectAll()


class WeightEditing(QObject):
    """Double-clicks on the window's W heatmaps open :class:`WeightEditDialog`; :meth:`apply` makes the edit."""

    edited = Signal(object)  # WeightEdit

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.edits: Edits = ()  # the current run's edits (as the session holds it)
        self._incoming: Edits | None = None  # the edits of the run the next run reset installs, when known
        self._editing = False  # True while the session makes an edit (its run reset is the edited run's)
        self._fingerprint = ""  # the run the edits belong to
        self._marks: list = []  # the loss plot's marks of them
        self.dialog: WeightEditDialog | None = None
        self._viewport = window.heatmaps.view.viewport()
        self._viewport.installEventFilter(self)
        window.diagram.installEventFilter(self)  # double-click an edge: its weight
        self._pressed: tuple[WeightRef, QPointF, float, int] | None = None  # a press on a W cell: (cell, where, when, its stamp)
        window.session.run_reset.connect(self._on_run_reset)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt naming
        """A press on a W cell, then a second press (or Qt's double-click) at the same spot soon after: edit that cell.

        The first click opens the weight panel, which moves the heatmaps: the second press may land on another
        widget, so it is watched for application-wide until the double-click interval is over."""
        kind = event.type()
        if kind not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if watched is self.window.diagram and kind == QEvent.Type.MouseButtonDblClick:
            ref = self.edge_at(event.position())
            if ref is not None:
                self.ask(ref)
                return True
            return False
        if self._pressed is not None and watched is not self._viewport:
            ref, at, when, stamp = self._pressed
            if event.timestamp() == stamp:  # the first press itself, passed on to the view's parents: not a second one
                return False
            near = (event.globalPosition() - at).manhattanLength() <= QApplication.startDragDistance()
            if near and time.monotonic() - when <= QApplication.doubleClickInterval() / 1000:
                self._forget()
                self.ask(ref)
                return True
            return False
        if watched is self._viewport:
            if self._pressed is not None and kind == QEvent.Type.MouseButtonDblClick:  # the heatmaps stayed put
                ref = self._pressed[0]
                self._forget()
                self.ask(ref)
                return True
            ref = self.cell_at(self.window.heatmaps.view.mapToScene(event.position().toPoint()))
            self._forget()
            if ref is not None and kind == QEvent.Type.MouseButtonDblClick:  # a double-click with no press seen first
                self.ask(ref)
                return True
            if ref is not None:
                self._pressed = (ref, event.globalPosition(), time.monotonic(), event.timestamp())
                QApplication.instance().installEventFilter(self)
                QTimer.singleShot(QApplication.doubleClickInterval() + 50, self._forget)
        return False

    def _forget(self) -> None:
        if self._pressed is not None:
            self._pressed = None
            QApplication.instance().removeEventFilter(self)

    def cell_at(self, scene_pos: QPointF) -> WeightRef | None:
        """The weight or bias under a scene position of the heatmaps (W column only), None elsewhere."""
        for view in self.window.heatmaps.weights:
            cell = view.cell_at(scene_pos)
            if cell is not None:
                kind, row, col = cell
                return WeightRef(view.layer, row, None if kind == "b" else col)
        return None

    def edge_at(self, pos: QPointF) -> WeightRef | None:
        """The weight whose edge of the network diagram passes within EDGE_PX of ``pos`` (the top-drawn one)."""
        diagram = self.window.diagram
        for edge in reversed(diagram.edges):  # the strongest are drawn last, on top
            source, target = diagram.node(edge.layer - 1, edge.source), diagram.node(edge.layer, edge.target)
            if source is None or target is None:
                continue
            start = QPointF(source.rect.right(), source.rect.center().y())  # drawn from one unit's side to the next's
            end = QPointF(target.rect.left(), target.rect.center().y())
            if _distance(pos, start, end) <= EDGE_PX:
                return WeightRef(edge.layer, edge.target, edge.source)
        return None

    def ask(self, ref: WeightRef) -> WeightEditDialog | None:
        """Open the dialog for ``ref`` (None, and a line saying why, while the run trains or has none)."""
        s = self.window.session
        if s.state.busy or s.snapshot is None:
            self.window.statusBar().showMessage("Pause the run to edit a weight: it is edited only while the run is idle")
            return None
        self.dialog = WeightEditDialog(ref, ref.of(s.snapshot.layers), self.window)
        self.dialog.accepted.connect(lambda d=self.dialog: self.apply(d.ref, d.value))
        self.dialog.open()
        return self.dialog

    def apply(self, ref: WeightRef, value: float) -> WeightEdit | None:
        """Set ``ref`` to ``value`` at the run's current epoch; None (and a note saying why) if it cannot be."""
        w, s = self.window, self.window.session
        if not s.has_run or s.state.busy:
            w.show_note("Pause the run to edit a weight: it is edited only while the run is idle", error=True)
            return None
        if s.diverged_at is not None:
            w.show_note("The run diverged: go back to an earlier epoch before editing a weight", error=True)
            return None
        path = w.files.run_path
        self._editing = True  # the run reset the edit makes carries the run's edits
        try:
            edit = s.edit_parameter(ref=ref, value=value)
        except ValueError as exc:
            w.show_note(f"Cannot edit {ref.name}: {exc}", error=True)
            return None
        finally:
            self._editing = False
        if edit is None:  # cannot happen while idle; said rather than crash
            w.show_note("Pause the run to edit a weight: it is edited only while the run is idle", error=True)
            return None
        if path is not None:
            w.files.run_path = path  # still that file's run, with an edit the file does not hold yet
            w.files.saved()  # the window's title names the file again (marked unsaved)
        w.statusBar().showMessage(f"Edited {edit.text}: the run goes on from there (Save keeps the edit in the file)")
        self.edited.emit(edit)
        return edit

    def opened(self, run) -> None:
        """A run file was opened (the window installs its run now, or once the run training stops): its edits."""
        if self.window.session.state.busy:
            self._incoming = run.weight_edits  # for the run reset to come
        else:
            self._show(run.weight_edits)

    def _on_run_reset(self, reset) -> None:
        """A new, opened or edited run, or the same run gone back: mark its edits and say it was edited."""
        incoming, self._incoming = self._incoming, None
        if self._editing:  # an edit just made: the session's run holds it, and the reset says so
            edits = reset.weight_edits
        elif incoming is not None:
            edits = incoming
        elif reset.fingerprint != self._fingerprint:  # another run (its file, if opened, says more in opened())
            edits = ()
        else:  # the same settings and start: the run went back (or began again, dropping the edits at its epoch 0)
            epoch, layers = reset.snapshot.epoch, reset.snapshot.layers
            edits = tuple(e for e in weight_edits.upto(self.edits, epoch) if e.epoch < epoch or _holds(layers, e))
        self._fingerprint = reset.fingerprint
        self._show(edits)

    def _show(self, edits: Edits) -> None:
        plot = self.window.plot
        for line in self._marks:  # marks of edits shown before (a new run's reset has cleared them already)
            plot.unmark(line)
        self.edits = edits
        self._marks = [plot.mark(edit.epoch, edit.text) for edit in edits]  # as a stepsize change is marked
        if edits:
            self.window.run_panel.show_identity(
                f"{self._fingerprint} · edited ({count(len(edits), 'weight')} typed in)", False)


def _distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    """How far ``p`` is from the segment ``a``–``b``."""
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / length))
    return math.hypot(p.x() - a.x() - t * dx, p.y() - a.y() - t * dy)


def _holds(layers, edit: WeightEdit) -> bool:
    """Whether ``layers`` hold ``edit``'s new value (the run at the edit's epoch is the edited one)."""
    return edit.ref.of(layers) == edit.new


__all__ = ["WeightEditDialog", "WeightEditing"]
