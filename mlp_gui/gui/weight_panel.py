"""One weight, explained: the panel a click on a heatmap cell opens under the Training tab's plots.

It shows the parameter's value, its gradient as the sum of one term per sample (``δ_i·a_j``, drawn as
bars: which samples pull it which way), and the next step written out with this parameter's own numbers for
the run's optimizer (:mod:`mlp_gui.core.step_text`: the penalty's share, momentum's v, Adam's t, m, v and bias
corrections, the stepsize at this epoch after any decay) down to the value it gives, which a Step 1 then shows
exactly; beside them, the parameter's value and gradient over the run so far (at the
kept snapshots when the panel opens, then at every delivery while it stays open). The numbers are
:mod:`mlp_gui.core.one_weight`'s, from the snapshot the session delivers, redrawn by a :class:`Pacer`
(at most about 15 times a second and only while shown) so a live run costs the window little.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.one_weight import WeightRef, WeightStep, weight_step
from mlp_gui.core.predict_texts import pulls
from mlp_gui.core.schedule import NO_DECAY
from mlp_gui.core.step_text import step_lines, stepsize_line, update_formula
from mlp_gui.core.trainer import Snapshot
from mlp_gui.core.update_rule import GradientDescent
from mlp_gui.gui import palette
from mlp_gui.gui.built_when_shown import BuiltWhenShown
from mlp_gui.gui.image_axes import OverhangingTitle
from mlp_gui.gui.pacing import REFRESH_MS, Paced, Pacer, TimedLayoutWidget
from mlp_gui.gui.plot_axes import EpochAxis
from mlp_gui.gui.still_items import MenulessPlotItem
from mlp_gui.progress import count

MAX_BARS = 256  # per-sample terms drawn (the sum is always over every sample)
MAX_HISTORY = 4096  # points of the value and gradient curves; halved when full
FEW_POINTS = 64  # curves with fewer points mark each one


HISTORY_MIN_PX = 170  # the narrowest the histories' column gets (a 64 px axis and a readable curve)
TERMS_MIN_PX = 150  # and the per-sample bars' column


class ShortAxis(pg.AxisItem):
    """A y axis for a plot about 60 px tall: one level of ticks, a label every LABEL_PX at most, so the numbers
    stay apart (pyqtgraph put six labels over each other at 1024x700)."""

    LABEL_PX = 24

    def tickSpacing(self, low: float, high: float, size: float):  # noqa: N802 - pyqtgraph naming
        span = high - low
        if not (math.isfinite(span) and span > 0 and size > 0):
            return super().tickSpacing(low, high, size)
        raw = span / max(1, int(size // self.LABEL_PX))
        power = 10.0 ** math.floor(math.log10(raw))
        step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
        return [(step, 0)]


class WeightPanel(BuiltWhenShown, Paced, QFrame):
    """Text with the formulas and numbers on the left; per-sample terms and the run so far as plots on the right."""

    closed = Signal()

    def __init__(self, session, parent: QWidget | None = None, *, refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.session = session
        self.ref: WeightRef | None = None
        self.step: WeightStep | None = None
        self.formula = ""  # the run's update rule in words; "" for gradient descent (the −η line)
        self.rule = GradientDescent()  # the rule (with its penalty) and the decay of the snapshot drawn
        self.decay = NO_DECAY
        self.config = TrainConfig()
        self.x = self.y = np.zeros((0, 0))
        self.epochs = np.zeros(0, dtype=np.int64)
        self.values = np.zeros(0)
        self.grad_epochs = np.zeros(0, dtype=np.int64)
        self.grads = np.zeros(0)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setMinimumWidth(280)  # the plots beside it keep their minimum at 1024x700
        self.text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Close this panel (Esc)")
        close.setAutoRaise(True)
        close.clicked.connect(self.close_panel)
        self.view = TimedLayoutWidget()
        self.view.setBackground("w")
        self.text.installEventFilter(self)  # a new palette: the quieter colour chosen again (eventFilter)
        self.scroll = QScrollArea()  # an optimizer's step takes more lines than the panel is tall
        self.scroll.setWidget(self.text)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setMinimumWidth(self.text.minimumWidth() + 16)
        left = QVBoxLayout()
        left.setContentsMargins(6, 4, 0, 4)
        left.addWidget(self.scroll, 1)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 2, 0)
        layout.addLayout(left, 2)
        layout.addWidget(self.view, 5)
        layout.addLayout(right)
        self._pacer = Pacer(self, self._draw, self.view, drawn_from=self._explained, min_interval_ms=refresh_ms)
        # Esc closes the panel wherever the focus is in its window (a dialog is a window of its own: its Esc stays)
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self.escape.setEnabled(False)  # only while shown
        self.escape.activated.connect(self.close_panel)

    def _build_plots(self) -> None:
        """The plots, made when the panel is first shown (most sessions never open it)."""
        ci = self.view.ci
        self.terms_plot = MenulessPlotItem()
        self.value_plot = MenulessPlotItem(axisItems={"bottom": EpochAxis("bottom"), "left": ShortAxis("left")})
        self.grad_plot = MenulessPlotItem(axisItems={"bottom": EpochAxis("bottom"), "left": ShortAxis("left")})
        ci.addItem(self.terms_plot, row=0, col=0, rowspan=2)
        ci.addItem(self.value_plot, row=0, col=1)
        ci.addItem(self.grad_plot, row=1, col=1)
        self.grad_plot.setXLink(self.value_plot)
        self.value_plot.getAxis("bottom").setStyle(showValues=False)  # the gradient's axis below says the epochs
        for plot in (self.terms_plot, self.value_plot, self.grad_plot):
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            for side in ("left", "bottom"):
                axis = plot.getAxis(side)
                axis.setTextPen(palette.TEXT)
                axis.setTickDensity(0.6)  # small plots: fewer, readable labels
            plot.getAxis("left").setWidth(64)  # the curves line up, whatever their numbers
            plot.getAxis("bottom").enableAutoSIPrefix(False)  # epochs: "epoch (x0.001)" under one point at epoch 0
        self.terms_plot.addLine(y=0, pen=pg.mkPen(palette.MUTED))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brushes=[])
        self.terms_plot.addItem(self.bars)
        self.terms_plot.setLabel("bottom", "sample s", color=palette.TEXT)
        self.value_curve = self.value_plot.plot([], [], pen=pg.mkPen(palette.KEPT_RUNS[0], width=1.5))
        self.grad_curve = self.grad_plot.plot([], [], pen=pg.mkPen(palette.KEPT_RUNS[1], width=1.5))
        self.grad_plot.addLine(y=0, pen=pg.mkPen(palette.MUTED))
        self.grad_plot.setLabel("bottom", "epoch", color=palette.TEXT)
        self.value_marker = pg.ScatterPlotItem(size=7, brush=palette.KEPT_RUNS[0], pen=None)
        self.value_plot.addItem(self.value_marker)
        self._share_width(ci)

    def _share_width(self, ci) -> None:
        """The bars and the two histories take half the width each, never less than HISTORY_MIN_PX (at 1024x700
        the histories were cut off on the right), and the histories' short axes show few, apart numbers."""
        for col, least in ((0, TERMS_MIN_PX), (1, HISTORY_MIN_PX)):
            ci.layout.setColumnStretchFactor(col, 1)
            ci.layout.setColumnMinimumWidth(col, least)
        self.view.setMinimumWidth(TERMS_MIN_PX + HISTORY_MIN_PX + 20)
        for plot in (self.terms_plot, self.value_plot, self.grad_plot):
            OverhangingTitle.install(plot)  # a long title overhangs its plot's axis instead of widening the column

    # ------------------------------------------------------------ what the window tells it

    def explain(self, ref: WeightRef) -> None:
        """Show ``ref``: its history from the session's snapshots (when idle), then the newest snapshot at once."""
        self.ref = ref
        self._load_history()
        self.setVisible(True)
        snap = self.session.snapshot
        if snap is not None:
            self._pacer.request(snap, now=True)

    def bind(self, session) -> None:
        """Follow ``session``: each new run, the stepsize, every snapshot, and its kept snapshots once it is idle."""
        self.session = session
        session.run_reset.connect(self.set_run)
        session.stepsize_changed.connect(self.set_stepsize)
        session.snapshot_ready.connect(self.show_snapshot)
        session.state_changed.connect(self._reload_when_idle)

    def _reload_when_idle(self, state) -> None:
        if not state.busy:
            self.reload()

    def set_run(self, reset) -> None:
        """A new, reset or opened run: follow the same parameter if the new network has it, else close."""
        self.config, self.x, self.y = reset.config, reset.x, reset.y
        self._pacer.forget()
        if self.ref is None:
            return
        try:
            self.ref.index(reset.config.layers)
        except IndexError:
            self.close_panel()
            return
        self._load_history()
        self._pacer.request(reset.snapshot, now=True)

    def set_stepsize(self, stepsize: float) -> None:
        self.config = self.config.with_changes(stepsize=stepsize)
        self._pacer.redraw()

    def reload(self) -> None:
        """The run is idle again: the curves from every kept snapshot (opened while training, they began then)."""
        if self.ref is None:
            return
        self._load_history()
        if self.step is not None:
            self._follow(self.step)
            self._draw_curves(self.step)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        if self.ref is not None:
            self._pacer.request(snapshot)

    def close_panel(self) -> None:
        self.ref = None
        self.setVisible(False)
        self.closed.emit()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().showEvent(event)  # BuiltWhenShown: the plots are made first
        self.escape.setEnabled(True)
        self._pacer.catch_up()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().hideEvent(event)
        self.escape.setEnabled(False)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt naming
        """The text got a new palette (a dark desktop): its quieter colour is chosen for the new background (the
        text's own, once it has it: inside the scroll area it gets it after the panel)."""
        if watched is self.text and event.type() == QEvent.Type.PaletteChange and self.step is not None:
            self.text.setText(self._html(self.step))
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------ drawing

    def _load_history(self) -> None:
        history = self.session.weight_history(self.ref)
        if history is None:  # training: the curves start now and grow with every delivery
            self.epochs, self.values = np.zeros(0, dtype=np.int64), np.zeros(0)
            self.grad_epochs, self.grads = np.zeros(0, dtype=np.int64), np.zeros(0)
        else:
            self.epochs, self.values = history.epochs, history.values
            self.grad_epochs, self.grads = history.grad_epochs, history.grads

    def _explained(self) -> tuple:
        """What the panel draws besides the snapshot: a new weight (or stepsize) is drawn from the same snapshot."""
        return self.ref, self.config

    def _draw(self, snap: Snapshot) -> None:
        self.build_plots()
        if self.ref is None or self.x.size == 0:
            return
        step = weight_step(self.config.model, snap.layers, self.x, self.y, snap.stepsize_at(self.config.stepsize),
                           self.ref, snap.epoch, rule=snap.rule, state=snap.rule_state or None)
        self.step, self.formula, self.rule, self.decay = step, update_formula(snap.rule), snap.rule, snap.decay
        self._follow(step)
        self.text.setText(self._html(step))
        self._draw_terms(step)
        self._draw_curves(step)
        for plot in (self.terms_plot, self.value_plot, self.grad_plot):
            plot.vb.updateAutoRange()  # ranges and transforms now: changed in the paint, they asked for a second paint
            plot.vb.updateMatrix()

    def _draw_curves(self, step: WeightStep) -> None:
        for curve, x, y in ((self.value_curve, self.epochs, self.values), (self.grad_curve, self.grad_epochs, self.grads)):
            few = x.size < FEW_POINTS  # a few far-apart snapshots: show where they are, not just lines between them
            colour = curve.opts["pen"].color()
            curve.setData(x, y, symbol="o" if few else None, symbolSize=4, symbolBrush=colour, symbolPen=None)
        self.value_marker.setData([step.epoch], [step.value])
        if self.epochs.size and self.epochs[0] == self.epochs[-1]:  # one epoch so far: a span of whole epochs around it
            self.value_plot.setXRange(max(step.epoch - 1, 0), step.epoch + 1, padding=0.05)
        else:
            self.value_plot.enableAutoRange(x=True)

    def _follow(self, step: WeightStep) -> None:
        """A newer epoch than the curves hold: add its value and gradient (thinned by two when full)."""
        if self.epochs.size and step.epoch <= self.epochs[-1]:
            return
        self.epochs, self.values = np.append(self.epochs, step.epoch), np.append(self.values, step.value)
        self.grad_epochs, self.grads = np.append(self.grad_epochs, step.epoch), np.append(self.grads, step.gradient)
        if self.epochs.size > MAX_HISTORY:
            self.epochs, self.values = self.epochs[::2], self.values[::2]
        if self.grad_epochs.size > MAX_HISTORY:
            self.grad_epochs, self.grads = self.grad_epochs[::2], self.grads[::2]

    def _draw_terms(self, step: WeightStep) -> None:
        shown = step.terms[:MAX_BARS]
        brushes = [palette.POSITIVE if t > 0 else palette.NEGATIVE for t in shown]
        self.bars.setOpts(x=np.arange(shown.size), height=shown, width=0.8, brushes=brushes, pens=[None] * shown.size)
        more = f" (first {MAX_BARS} of {step.samples})" if step.samples > MAX_BARS else ""
        term = f"{step.delta_name}·{step.input_name}" if step.input_name else step.delta_name
        titles = ((self.terms_plot, f"{term} per sample{more}"), (self.value_plot, f"{step.ref.name} over the run"),
                  (self.grad_plot, f"∂L/∂{step.ref.name} over the run"))
        for plot, title in titles:
            if plot.titleLabel.text != title:  # typeset again only when it changed: a new title lays the plot out again
                plot.setTitle(title, color=palette.TEXT, size="9pt")

    def _html(self, step: WeightStep) -> str:
        ref, name = step.ref, step.ref.name
        term = f"{step.delta_name} · {step.input_name}" if step.input_name else step.delta_name
        batch = self.config.batch_size
        full = self.config.data == "notebook" or batch <= 0 or batch >= step.samples
        then = ("a Step 1 gives exactly this" if full else
                f"one full-batch step; an epoch here takes {-(-step.samples // batch)} mini-batch steps")
        diverged = self.session.diverged_at
        if diverged is not None and step.epoch == self.session.epoch:
            then = f"the step the run took: its loss became {self.session.snapshot.diverged_loss} at epoch {diverged:,}"
        quiet = palette.secondary_text_color(self.text).name()  # readable on a light or dark desktop
        return (
            f"<b>{name}</b> at epoch {step.epoch:,}: {ref.meaning_with(self.config.model.features)}<br>"
            f"value: <b>{step.value!r}</b><br>"
            f"gradient: ∂L/∂{name} = Σ<sub>s</sub> {term} over {count(step.samples, 'sample')} = <b>{step.gradient:.9g}</b><br>"
            f"&nbsp;&nbsp;<span style='color:{quiet}'>{pulls(step.terms)}</span><br>"
            f"{self._step_html(step, quiet)}<br>"
            f"&nbsp;&nbsp;= <b>{step.next_value!r}</b> <span style='color:{quiet}'>({then})</span>"
        )

    def _step_html(self, step: WeightStep, quiet: str) -> str:
        """The next step with this weight's numbers: the rule (and penalty) in symbols, η at this epoch, each line."""
        lines = step_lines(self.rule, step.parts, step.ref.name, step.value) if step.parts is not None else []
        if not lines:  # a step made without its terms: the change alone
            lines = [f"{step.ref.name} + Δ = {step.value:.9g} + ({step.change:.9g})"]
        head = f"next step, {self.rule.name}" if self.formula else "next"
        eta = stepsize_line(self.config.stepsize, self.decay, step.epoch)
        body = "<br>".join(f"&nbsp;&nbsp;{html.escape(line)}" for line in lines[:-1])
        return (f"{head} <span style='color:{quiet}'>({html.escape(eta)})</span>:<br>" + (body + "<br>" if body else "")
                + f"&nbsp;&nbsp;{html.escape(lines[-1])}")

