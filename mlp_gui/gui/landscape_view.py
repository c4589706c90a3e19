"""The Landscape tab: the loss over a plane through the run's parameters with the path it took, or along the
straight line between two of its kept epochs (Li et al. 2018; Goodfellow et al. 2015; :mod:`mlp_gui.core.landscape`).

It binds itself to the session (:meth:`LandscapeView.bind`): a new run clears it; a live run's newer points are
projected onto the last slice's directions as they arrive (a dot product), so its path keeps growing there; the
snapshot the window shows (the timeline's, or the newest) is marked on the path; when a run pauses or ends the tab
computes again if it is shown and *Compute when the run pauses or finishes* is ticked (else once it is next shown).
Computing runs on a worker thread (:mod:`mlp_gui.gui.landscape_worker`) with a progress bar and Cancel; the GUI
thread only copies the run (:meth:`~mlp_gui.gui.session.TrainingSession.saved_run`, while idle) and draws.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from mlp_gui.core.flat_layout import FlatLayout
from mlp_gui.core.landscape import Line, Slice, coordinates
from mlp_gui.core.trainer import Snapshot
from mlp_gui.gui import palette
from mlp_gui.gui.built_when_shown import Built, BuiltWhenShown
from mlp_gui.gui.landscape_controls import LandscapeControls
from mlp_gui.gui.landscape_plot import LinePlot, SlicePlot, loss_text
from mlp_gui.gui.landscape_scale import SliceDrawing
from mlp_gui.gui.landscape_worker import LandscapeJobs, LineAsk, Result
from mlp_gui.progress import count

MAX_LIVE = 4000  # live points kept at most (every other one goes when there are more)
IDLE_TEXT = "Press Compute (Alt+M) to draw the loss around the run's end, with the path it took."
TRAINING_TEXT = "The run is training: pause it, or let it finish, to compute the landscape."


class LandscapeView(BuiltWhenShown, QWidget):
    """Mode, plane, grid and span, *Compute* and *Cancel*, the slice (or line) and a read-out of the point under the
    mouse. ``computed(Slice | Line)``, ``failed(line)`` and ``cancelled()`` say how each computation ended. The two
    plots are made when the tab is first shown: until then the view keeps what it would draw (the slice or line, the
    live points, the snapshot shown) and draws it on them then."""

    title = "Landscape"  # the tab's title; ``tip`` its View menu tooltip and Help line
    tip = "The loss over a plane through the parameters with the run's path on it, or along the line between two epochs"

    computed = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    plot = Built()  # the slice's plot and the line's (see built_when_shown)
    line_plot = Built()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = None
        self.due = False  # the run paused or ended while the tab was hidden: compute when it is shown
        self._viewed: Snapshot | None = None  # what the window shows: the newest snapshot, or the timeline's
        self._live = np.zeros((0, 2))
        self._slice: Slice | None = None  # what the plots show, or will once built
        self._drawing: SliceDrawing | None = None
        self._line: Line | None = None
        self._busy_run = False
        self._build()
        self.jobs = LandscapeJobs(self)
        self.jobs.progressed.connect(self.controls.show_progress)
        self.jobs.finished.connect(self._on_finished)
        self.jobs.failed.connect(self._on_failed)
        self.jobs.cancelled.connect(self._on_cancelled)
        self._say(IDLE_TEXT)
        self._show_controls()

    # ------------------------------------------------------------ construction

    def _build(self) -> None:
        self.controls = LandscapeControls()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.readout = QLabel(" ")
        palette.style_secondary(self.readout)
        self.plots = QStackedWidget()  # the slice's plot and the line's, once built
        self.plots.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        for widget, stretch in ((self.controls, 0), (self.status, 0), (self.plots, 1), (self.readout, 0)):
            layout.addWidget(widget, stretch)
        self.controls.mode_changed.connect(self._mode_changed)
        self.controls.compute_button.clicked.connect(self.compute)
        self.controls.cancel_button.clicked.connect(self.cancel)

    def _build_plots(self) -> None:
        """The plots, with what arrived before: the slice (its live points, the shown snapshot's disc), the line."""
        self.plot, self.line_plot = SlicePlot(), LinePlot()
        self.plots.addWidget(self.plot)
        self.plots.addWidget(self.line_plot)
        self.plots.setCurrentIndex(int(self.controls.mode_key == "line"))
        self.plot.hover_text.connect(self._show_hover)
        self.line_plot.hover_text.connect(self._show_hover)
        if self._slice is not None:
            self.plot.show_slice(self._slice, self._drawing)
            self.plot.set_live(self._live)
            self.plot.set_shown(self._position(self._viewed))
        if self._line is not None:
            self.line_plot.show_line(self._line)
        self._show_hover("")

    # ------------------------------------------------------------ the session

    def bind(self, session) -> None:
        """Follow ``session`` (a :class:`~mlp_gui.gui.session.TrainingSession`): its runs, deliveries, the snapshot
        the window shows and its state. Connected to methods, so the view holds the session, never the reverse."""
        self.session = session
        session.run_reset.connect(self.on_run_reset)
        session.delivered.connect(self.on_delivered)
        session.snapshot_ready.connect(self.on_snapshot)
        session.state_changed.connect(self.on_state)
        self._viewed = session.snapshot
        self.on_state(session.state)

    def on_run_reset(self, reset) -> None:
        """A new, reset or opened run: forget what was drawn; an opened run with epochs behind it is computed."""
        self.jobs.cancel()
        self._slice, self._drawing, self._line = None, None, None
        self._live = np.zeros((0, 2))
        if self.plots_built:
            self.plot.clear_slice()
            self.line_plot.clear_line()
        self._show_hover("")
        self._viewed = reset.snapshot
        self.due = reset.snapshot.epoch > 0
        self._say(IDLE_TEXT)
        self._fill_epochs()
        self._compute_if_due()

    def on_delivered(self, delivery) -> None:
        """A live run's newest parameters: its point on the last slice extends the path (a projection, no loss)."""
        point = self._project(delivery.snapshot)
        if point is None:
            return
        if not len(self._live):
            self._live = self._slice.path[-1:].copy()  # joined to the end of the kept path
        self._live = np.vstack([self._live, point[None]])
        if len(self._live) > MAX_LIVE:
            self._live = np.vstack([self._live[:-1:2], self._live[-1:]])
        if self.plots_built:
            self.plot.set_live(self._live)

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """The window shows ``snapshot`` (the newest, or one the timeline went back to): mark it on the path."""
        self._viewed = snapshot
        if self.plots_built:
            self.plot.set_shown(self._position(snapshot))
        self._show_hover("")

    def on_state(self, state) -> None:
        """The run's state: Compute needs it idle; a run that paused or ended is computed again if asked for."""
        halted = self._busy_run and not state.busy
        self._busy_run = state.busy
        if halted and self.controls.auto.isChecked():
            self.due = True
        if not state.busy:
            self._fill_epochs()
        if self.status.text() in (IDLE_TEXT, TRAINING_TEXT):  # nothing computed or said since: say what to do now
            self._say(TRAINING_TEXT if state.busy else IDLE_TEXT)
        self._show_controls()
        self._compute_if_due()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().showEvent(event)
        self._compute_if_due()

    def _compute_if_due(self) -> None:
        if self.due and self.controls.auto.isChecked() and self.isVisible() and self._idle():
            self.due = False
            self.compute()

    def _idle(self) -> bool:
        return self.session is not None and self.session.has_run and not self.session.state.busy

    # ------------------------------------------------------------ computing

    @property
    def slice(self) -> Slice | None:
        """The slice drawn (None before one; hidden and never shown: the one drawn when it is)."""
        return self._slice

    @property
    def line(self) -> Line | None:
        return self._line

    @property
    def busy(self) -> bool:
        return self.jobs.busy

    def compute(self) -> bool:
        """Compute the slice or line as set, on the worker thread; False (and a line saying why) if it cannot start."""
        run = self.session.saved_run() if self._idle() else None
        if run is None:
            self._say("Pause the run to compute (a live run's path goes on growing on the last slice)." if self.session
                      and self.session.state.busy else "There is no run to compute from yet.", error=True)
            return False
        ask = self.controls.ask()
        if isinstance(ask, LineAsk) and ask.a == ask.b:
            self._say("Epochs A and B are the same: choose two different kept epochs.", error=True)
            return False
        self.jobs.start(run, ask)
        self.controls.progress.setRange(0, 0)  # busy until the first report
        self._say(f"Computing {ask.what} of epoch {run.epochs:,}…")
        self._show_controls()
        return True

    def cancel(self) -> None:
        """Stop the computation under way (``cancelled`` follows, and the status says so)."""
        if self.jobs.busy:
            self.jobs.cancel()
            self.controls.cancel_button.setEnabled(False)
            self._say("Cancelling…")

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """End the worker thread (window close, quit, exit); True if it ended within ``timeout_ms``."""
        return self.jobs.shutdown(timeout_ms)

    def _on_finished(self, result: Result) -> None:
        value = result.value
        if isinstance(value, Line):
            self._line = value
            if self.plots_built:
                self.line_plot.show_line(value)
            self._say(_line_text(value, result.seconds))
        else:
            self._live = np.zeros((0, 2))
            self._slice, self._drawing = value, result.drawing
            if self.plots_built:
                self.plot.show_slice(value, result.drawing)
                self.plot.set_shown(self._position(self._viewed))
            self._say(_slice_text(value, result.seconds))
        self._show_controls()
        self._show_hover("")
        self.computed.emit(value)

    def _on_failed(self, line: str) -> None:
        self._say(f"Not computed: {line}", error=True)
        self._show_controls()
        self.failed.emit(line)

    def _on_cancelled(self) -> None:
        slice_mode = self.controls.mode_key == "slice"
        kept, shown = ("the slice", self.slice) if slice_mode else ("the line", self.line)
        self._say(f"Cancelled: {kept} shown is the one computed before." if shown is not None else "Cancelled: nothing was computed.")
        self._show_controls()
        self.cancelled.emit()

    # ------------------------------------------------------------ positions on the slice

    def _position(self, snapshot: Snapshot | None) -> np.ndarray | None:
        """Where ``snapshot`` lies on the slice: its point on the path if it is a kept one, else its projection."""
        s = self._slice
        if s is None or snapshot is None:
            return None
        kept = np.flatnonzero(s.path_epochs == snapshot.epoch)
        if kept.size and snapshot.epoch <= s.center_epoch:
            return s.path[kept[-1]]
        return self._project(snapshot)

    def _project(self, snapshot: Snapshot) -> np.ndarray | None:
        s = self._slice
        if s is None:
            return None
        theta = FlatLayout.for_layers(snapshot.layers).pack(snapshot.layers)
        return coordinates(theta[None], s.center, s.d1, s.d2)[0] if theta.shape == s.center.shape else None

    # ------------------------------------------------------------ what the controls and labels say

    def _mode_changed(self, mode: str) -> None:
        self.plots.setCurrentIndex(int(mode == "line"))
        self._show_hover("")

    def _fill_epochs(self) -> None:
        """The kept epochs the line can join, as the timeline offers them."""
        self.controls.fill_epochs(self.session.snapshot_epochs() if self.session is not None else [])

    def _show_controls(self) -> None:
        self.controls.show_state(computing=self.jobs.busy, idle=self._idle())

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {palette.error_text_color(self.status).name()};" if error else "")

    def _show_hover(self, text: str) -> None:
        """The point under the mouse; with none, which epoch the orange disc marks."""
        at = self._position(self._viewed) if not text and self.controls.mode_key == "slice" else None
        if at is not None:  # where the orange disc is (drawn there, or to be once the plot is built)
            text = (f"Orange disc: epoch {self._viewed.epoch:,} (loss {loss_text(self._viewed.loss)}) at α = {at[0]:.4g}, "
                    f"β = {at[1]:.4g}. Point at the slice to read the loss there.")
        self.readout.setText(text or " ")


def _slice_text(s: Slice, seconds: float) -> str:
    outside = int(np.count_nonzero(np.any(np.abs(s.path) > np.array([s.alphas[-1], s.betas[-1]]) * (1 + 1e-9), axis=1)))
    text = (f"The {s.plane} plane through epoch {s.center_epoch:,} (loss {loss_text(s.center_loss)}): "
            f"{s.alphas.size} × {s.betas.size} points, span ±{s.alphas[-1]:.3g}, a path of "
            f"{count(len(s.path_epochs), 'kept snapshot')}; {_took(seconds)}.")
    if s.curvatures:
        text += f" Curvatures along d1 and d2: {s.curvatures[0]:.4g} and {s.curvatures[1]:.4g}."
    if outside:
        text += f" {outside} of the path's points lie outside the slice: widen the span to see them."
    return text


def _line_text(line: Line, seconds: float) -> str:
    return (f"From epoch {line.epoch_a:,} (loss {loss_text(line.loss_a)}) to epoch {line.epoch_b:,} "
            f"(loss {loss_text(line.loss_b)}): {line.ts.size} points from t = {line.ts[0]:g} to {line.ts[-1]:g}; "
            f"{_took(seconds)}.")


def _took(seconds: float) -> str:
    return "under 0.01 s" if seconds < 0.01 else f"{seconds:.2f} s"
