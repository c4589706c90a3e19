"""Sharpness against 2/η on the Gradient flow tab: λ_max at each kept snapshot beside the stepsize's stability limit.

λ_max is the largest eigenvalue of the loss's Hessian (:func:`mlp_gui.core.hessian.sharpness`, Lanczos on
Hessian-vector products), the curvature along the sharpest direction; gradient descent with stepsize η is stable
only while λ_max < 2/η (2(1+μ)/η with heavy-ball momentum μ). The limit is drawn as a step curve when the stepsize
changed. Values are computed on a worker thread (:mod:`mlp_gui.gui.sharpness_worker`) when the run is idle (opened,
paused, finished, stopped) and the tab is shown, and reused for snapshots already computed; a run file's cache
(``sharpness`` in :mod:`mlp_gui.core.runfile`) is drawn at once. The GUI thread only copies the run and draws.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mlp_gui.core.runfile import SavedRun
from mlp_gui.core.schedule import NO_DECAY, StepDecay
from mlp_gui.core.sharpness_record import (
    Key,
    SharpnessRecord,
    limit_formula,
    limit_steps,
    rule_kind,
)
from mlp_gui.gui import palette
from mlp_gui.gui.built_when_shown import Built, BuiltWhenShown
from mlp_gui.gui.plot_axes import EpochAxis, LossAxis
from mlp_gui.gui.sharpness_worker import SharpnessJobs, SharpnessResult
from mlp_gui.gui.still_items import StillPlotWidget
from mlp_gui.progress import count

LAMBDA_MAX = "λ<sub>max</sub>"  # as rich text: the caption and the axis are HTML
EXPLAINED = (f"Sharpness (dots): {LAMBDA_MAX}, the largest eigenvalue of the loss's Hessian (Lanczos), at each kept "
             f"snapshot. For gradient descent and momentum, steps of size η are stable only while {LAMBDA_MAX} stays "
             "below the dashed limit.")
WAITING = "Computed when the run pauses or finishes."
EDGE = 0.01  # λ_max within this share of the limit is at it (the edge of stability), beyond it above


class SharpnessPlot(BuiltWhenShown, QWidget):
    """A log-log plot of λ_max over epochs with the stability limit, and a line saying where the run sits.
    ``computed(SharpnessRecord)`` after each computation; ``failed(line)`` if one failed."""

    computed = Signal(object)
    failed = Signal(str)

    view = Built()  # the plot and its items: made when the tab is first shown (see built_when_shown)
    plot = Built()
    curve = Built()
    limit_curve = Built()
    limit_label = Built()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(EXPLAINED)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setWordWrap(True)
        self.status = QLabel(WAITING)
        self.status.setTextFormat(Qt.TextFormat.RichText)  # λ<sub>max</sub>; the rest escaped (see _say)
        self.status.setWordWrap(True)
        palette.style_secondary(self.caption)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.status)  # the plot goes between them when built
        self.session = None
        self.record = SharpnessRecord.of([], [])  # what the curve shows
        self.limit: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))  # what the dashed curve shows
        self._limit_name = ""  # what the label at its right end says
        self.kind: tuple[str, float] = ("gd", 0.0)  # the update rule's kind and momentum, for the limit
        self.decay = NO_DECAY  # the run's stepsize decay, for the limit
        self.due = False  # the run is idle and not yet computed: compute when shown
        self._known: dict[Key, float] = {}
        self._trusted: dict[int, float] = {}  # an opened file's cache, by epoch, for that run only
        self._busy_run = False
        self.jobs = SharpnessJobs(self)
        self.jobs.finished.connect(self._on_finished)
        self.jobs.failed.connect(self._on_failed)

    def _build_plots(self) -> None:
        axes = {"left": LossAxis("left"), "bottom": EpochAxis("bottom")}
        self.view = StillPlotWidget(background="w", axisItems=axes)
        self.plot = self.view.getPlotItem()
        self.plot.setLogMode(x=False, y=True)  # epochs from 0 (a blow-up happens in the first few); λ over decades
        for axis in axes.values():
            palette.style_axis(axis)
            axis.enableAutoSIPrefix(False)
        self.plot.setLabel("left", LAMBDA_MAX, color=palette.TEXT)
        self.plot.setLabel("bottom", "epoch", color=palette.TEXT)
        # dots, not a line: between two kept snapshots λ_max may have been anything (a blow-up's epoch)
        self.curve = self.plot.plot([], [], pen=None, symbol="o", symbolSize=5, symbolBrush=palette.LIVE_CURVE,
                                    symbolPen=None)
        dash = pg.mkPen(palette.ERROR, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine)
        self.limit_curve = self.plot.plot([], [], pen=dash)
        self.limit_label = pg.TextItem(color=palette.ERROR, anchor=(1, 1))  # names the dashed line at its right end
        self.plot.addItem(self.limit_label, ignoreBounds=True)
        self.layout().insertWidget(1, self.view, 1)
        self._draw()  # what arrived while it was hidden, as it would have been drawn then

    # ------------------------------------------------------------ the session

    def bind(self, session) -> None:
        """Follow ``session``: each new or opened run (an opened file's cache is drawn at once), its stepsize, and
        its state (an idle run is computed while the tab is shown)."""
        self.session = session
        session.run_reset.connect(self.on_run_reset)
        session.stepsize_changed.connect(self.on_stepsize)
        session.settings_changed.connect(self.on_settings)
        session.state_changed.connect(self.on_state)
        self._busy_run = session.state.busy

    def on_run_reset(self, reset) -> None:
        """A new, reset, opened or gone-back run: draw the file's cache if it has one, then compute what is missing."""
        self._known.update(self.jobs.cancel())  # by epoch and parameters: still right wherever they recur
        cached = getattr(reset, "sharpness", None)  # an opened file's cache (see the session's RunReset)
        self.record = cached if cached is not None else SharpnessRecord.of([], [])
        self._trusted = cached.as_dict() if cached is not None else {}
        self.kind, self.decay = rule_kind(None, reset.config), StepDecay.of(reset.config)
        rows = getattr(self.session, "stepsizes", None) or ((0, reset.config.stepsize),)
        self._set_limit(rows, end=reset.snapshot.epoch)
        self._draw()
        self._say(self._summary() if len(self.record) else WAITING)
        self.due = True
        self._compute_if_due()

    def on_stepsize(self, stepsize: float) -> None:
        """The next steps use ``stepsize``: the limit steps there."""
        if self.session is not None and self.session.has_run:
            end = max(self.session.epoch, int(self.limit[0][-1]) if self.limit[0].size else 0)
            self._set_limit(self.session.stepsizes, end=end)
            self._draw()

    def on_settings(self, config) -> None:
        """The run goes on with other settings (momentum, decay, …): the limit follows them from now on."""
        self.kind, self.decay = rule_kind(None, config), StepDecay.of(config)
        self.on_stepsize(config.stepsize)

    def on_state(self, state) -> None:
        """An idle run (paused, finished, stopped) is computed while the tab is shown (else once it is); training
        again stops a computation under way (the training thread gets the core back), keeping what it found."""
        halted = self._busy_run and not state.busy
        self._busy_run = state.busy
        if state.busy and self.jobs.busy:
            self._known.update(self.jobs.cancel())
            self.due = True
        if halted:
            self.due = True
        self._compute_if_due()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().showEvent(event)
        self._compute_if_due()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """End the worker thread (window close, quit, exit); True if it ended in time."""
        return self.jobs.shutdown(timeout_ms)

    @property
    def busy(self) -> bool:
        """Whether λ_max is being computed."""
        return self.jobs.busy

    def compute(self) -> bool:
        """Compute λ_max at the run's kept snapshots on the worker thread; False if the run is training or absent."""
        session = self.session
        run = session.saved_run() if session is not None and session.has_run and not session.state.busy else None
        if run is None:
            return False
        self.due = False
        self.jobs.start(run, known=self._known, trusted=self._trusted)
        if not len(self.record):
            self._say(f"Computing λ_max at {count(len(run.snapshots.epochs) if run.snapshots else 0, 'kept snapshot')}…")
        return True

    def _compute_if_due(self) -> None:
        if self.due and self.isVisible() and not self._busy_run:
            self.compute()

    def _on_finished(self, result: SharpnessResult) -> None:
        run = result.run
        self._known, self._trusted = result.known, {}
        self.record = result.record
        self.kind, self.decay = rule_kind(run.rule, run.config), StepDecay.of(run.config)
        self._set_limit(stepsize_rows(run), end=run.epochs)
        self._draw()
        self._say(self._summary(result.seconds))
        keep = getattr(self.session, "set_sharpness", None)  # saved with the run (see the session's set_sharpness)
        if keep is not None:
            keep(result.record)
        self.computed.emit(result.record)

    def _on_failed(self, line: str) -> None:
        self._say(f"λ_max not computed: {line}")
        self.failed.emit(line)

    # ------------------------------------------------------------ drawing

    def _set_limit(self, rows, *, end: int) -> None:
        kind, momentum = self.kind
        changes = getattr(self.session, "changes", ()) or ()  # a momentum changed midway steps the limit there
        momenta = [(epoch, value) for epoch, values in changes for name, value in values if name == "momentum"]
        self.limit = limit_steps(rows, end=max(end, 1), rule=kind, momentum=momentum, decay=self.decay, momenta=momenta)
        formula = limit_formula(kind, momentum)
        y = self.limit[1]
        name, _, mu = (formula or "").partition(", ")
        self._limit_name = f"{name} = {y[-1]:.4g}" + (f" ({mu})" if mu else "") if formula and y.size else ""

    def _draw(self) -> None:
        """The dots, the limit and its name (hidden and never shown: kept for when it is, see _build_plots)."""
        if not self.plots_built:
            return
        e, v = self.record.epochs, self.record.values
        keep = np.isfinite(v) & (v > 0)  # a log axis has no λ ≤ 0 (a saddle's λ_max); NaN: not resolved
        self.curve.setData(e[keep].astype(np.float64), v[keep])
        x, y = self.limit
        self.limit_curve.setData(x, y)
        self.limit_label.setText(self._limit_name)
        if y.size:
            self.limit_label.setPos(x[-1], np.log10(y[-1]))
        self._fit(np.concatenate([v[keep], y]), np.concatenate([e[keep], x]))

    def _fit(self, values: np.ndarray, epochs: np.ndarray) -> None:
        """Every point and the limit in view, with room on top for the limit's name; whole epochs on a short run."""
        if not values.size:
            return
        low, high = np.log10(values.min()), np.log10(values.max())
        room = max(0.15, 0.12 * (high - low))
        self.plot.setYRange(low - room / 2, high + room, padding=0)
        end = max(float(epochs.max()), 1.0)
        self.plot.setXRange(0, end, padding=0.02)
        axis = self.plot.getAxis("bottom")
        if end <= 8:
            axis.setTickSpacing(major=1.0, minor=1.0)
        else:
            axis.setTickSpacing()  # pyqtgraph's own again

    def _limit_at(self, epoch: int) -> float | None:
        x, y = self.limit
        if not x.size:
            return None
        return float(y[np.searchsorted(x, epoch, side="right") - 1]) if epoch >= x[0] else float(y[0])

    def _summary(self, seconds: float | None = None) -> str:
        """Where the run sits against its limit: the newest value, the first epoch above the limit, unresolved ones."""
        record = self.record
        resolved = record.finite()
        if not len(record):
            return "This run kept no snapshots (a file from an older version): there is nowhere to compute λ_max."
        if not len(resolved):
            return "λ_max could not be resolved at any kept snapshot (the loss is too large there)."
        epoch, value = int(resolved.epochs[-1]), float(resolved.values[-1])
        name = (limit_formula(*self.kind) or "").split(",")[0]
        limit = self._limit_at(epoch)
        text = f"At epoch {epoch:,}: λ_max = {value:.4g}"
        if limit is None:
            return text + f" (the {self.kind[0]} update has no stability limit of the 2/η kind)." + self._tail(seconds)
        text += f", {value / limit:.3g}× the limit {name} = {limit:.4g}."
        ratios = [(int(e), v / lim) for e, v in zip(resolved.epochs, resolved.values) if (lim := self._limit_at(int(e)))]
        above = [e for e, r in ratios if r > 1 + EDGE]
        edge = [e for e, r in ratios if r >= 1 - EDGE]
        if above:
            text += f" Above the limit first at epoch {above[0]:,}: there a step overshoots along the sharpest direction."
        elif edge:
            text += (f" At the limit (within {EDGE:.0%}) from epoch {edge[0]:,}: the edge of stability, where λ_max "
                     "stops rising.")
        else:
            text += " Below the limit at every kept snapshot."
        return text + self._tail(seconds)

    def _tail(self, seconds: float | None) -> str:
        """How many snapshots could not be resolved, how many there are and how long they took."""
        record = self.record
        text = ""
        missing = len(record) - len(record.finite())
        if missing:
            text += f" Not resolved at {count(missing, 'snapshot')} (the loss blew up there)."
        if seconds is not None:
            text += f" {count(len(record), 'kept snapshot')}, {seconds:.2f} s."
        return text

    def _say(self, text: str) -> None:
        """The status line, ``λ_max`` written with its subscript (a failure's message is escaped, never markup)."""
        self.status.setText(html.escape(text, quote=False).replace("λ_max", LAMBDA_MAX))


def stepsize_rows(run: SavedRun) -> tuple[tuple[int, float], ...]:
    """A run's stepsizes as ``(epoch, stepsize)`` rows, the first at epoch 0."""
    return tuple(run.stepsizes) or ((0, run.config.stepsize),)


__all__ = ["SharpnessPlot", "stepsize_rows"]
