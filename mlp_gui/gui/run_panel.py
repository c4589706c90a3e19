"""The run controls: Start/Pause, Stop, Reset, Step 1 / Step 10, progress and live figures (accuracy among them)."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlp_gui.core.run_state import RunState
from mlp_gui.gui import palette
from mlp_gui.progress import count, format_duration, format_rate

PROGRESS_STEPS = 1000  # the bar counts in thousandths so runs of any length fit an int
FIGURES_MS = 125  # live figures change at most 8 times a second


START_TIPS: dict[object, str] = {
    None: "Start, pause or resume training (Ctrl+Return)",
    "guarded": "The divergence guard stopped this run: go back with a smaller stepsize, or go on as it is (Ctrl+Return asks)",
    RunState.DIVERGED: "The run diverged: start a new one from the seed with the settings shown; lower the stepsize first "
                       "(Ctrl+Return)",
    RunState.STOPPED: "Start a new run from the seed with the settings shown (Ctrl+Return)",
}


def _figure() -> QLabel:
    """A live figure: plain text (cheap to update 30 times a second), right-aligned, selectable."""
    label = QLabel("—")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class RunPanel(QWidget):
    """Buttons that drive the session and text that reports on it."""

    start_pause_clicked = Signal()
    stop_clicked = Signal()
    reset_clicked = Signal()
    step_clicked = Signal(int)
    lock_scales_toggled = Signal(bool)
    offer_taken = Signal()  # the person pressed the offered action (e.g. "Go back to epoch K with stepsize X")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("start")
        self.start_button.setToolTip(START_TIPS[None])
        self.start_button.setStyleSheet("QPushButton#start { font-weight: bold; padding: 6px; }")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End this run; Start then begins a new one (Ctrl+.)")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Re-initialise from the seed with the settings above (Ctrl+R)")
        self.step1_button = QPushButton("Step 1")
        self.step1_button.setToolTip("Train exactly one epoch (Ctrl+1)")
        self.step10_button = QPushButton("Step 10")
        self.step10_button.setToolTip("Train exactly ten epochs (Ctrl+2)")
        self.lock_scales = QCheckBox("Lock colour scales")
        self.lock_scales.setToolTip("Keep the heatmaps' colour ranges instead of following the data")

        self.progress = QProgressBar()
        self.progress.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # "0 / 2,000,000 epochs" even under -reverse
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(True)
        self.values = {name: _figure() for name in ("epoch", "loss", "speed", "time left")}
        self.accuracy = _figure()  # classification only: training (and test) accuracy
        self.accuracy_title = QLabel("accuracy")
        figures = QFormLayout()  # one figure a line: long numbers (epoch 10¹², 1.23M epochs/s) are never cut
        figures.setContentsMargins(4, 0, 4, 0)
        figures.setVerticalSpacing(1)
        for name in ("epoch", "loss"):
            figures.addRow(name, self.values[name])
        figures.addRow(self.accuracy_title, self.accuracy)  # next to the loss: what a classifier is judged by
        for name in ("speed", "time left"):
            figures.addRow(name, self.values[name])
        self.show_accuracy(None, None)
        self.offer = QPushButton()
        self.offer.setObjectName("offer")
        self.offer.hide()
        self.offer.clicked.connect(self.offer_taken)
        self.identity = QLabel()
        self.identity.setObjectName("runIdentity")
        palette.style_secondary(self.identity)  # quieter, and readable on a dark palette too
        self.identity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identity.setWordWrap(True)  # never wider than the column
        bold = self.values["loss"].font()
        bold.setBold(True)
        self.values["loss"].setFont(bold)
        self.values["epoch"].setFont(bold)
        self.state_label = QLabel()
        self.state_label.setObjectName("stateLabel")
        self.state_label.setWordWrap(True)
        self.state_label.hide()  # shown with a note

        grid = QGridLayout()
        grid.setHorizontalSpacing(4)
        grid.addWidget(self.start_button, 0, 0, 1, 4)
        for col, button in enumerate((self.stop_button, self.reset_button, self.step1_button, self.step10_button)):
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 14)  # narrower than the
            # style's usual 80 px, so four fit the column's width
            grid.addWidget(button, 1, col)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(grid)
        layout.addWidget(self.progress)
        layout.addLayout(figures)
        layout.addWidget(self.offer)
        layout.addWidget(self.identity)
        layout.addWidget(self.state_label)
        layout.addWidget(self.lock_scales)

        self.start_button.clicked.connect(self.start_pause_clicked)
        self.stop_button.clicked.connect(self.stop_clicked)
        self.reset_button.clicked.connect(self.reset_clicked)
        self.step1_button.clicked.connect(lambda: self.step_clicked.emit(1))
        self.step10_button.clicked.connect(lambda: self.step_clicked.emit(10))
        self.lock_scales.toggled.connect(self.lock_scales_toggled)
        self._last_shown = 0.0
        self.note_text = ""  # the note under the controls, as plain text
        self._will_finish = True  # a time left makes sense (not diverged or stopped)

    def show_state(self, state: RunState, *, settings_valid: bool, can_continue: bool, guarded: bool = False,
                   trained: bool = False) -> None:
        """Enable what makes sense in ``state`` and label Start accordingly.

        ``guarded``: the divergence guard stopped the run (it is paused, but nobody paused it): Start says
        *Continue…* and asks what to do. A diverged run cannot go on: Start begins a new one from the seed.
        ``trained``: the run has epochs already (an opened run file, a run gone back in time): Start says *Resume*,
        as it did for that run before it was saved, since it continues from them.
        """
        self._will_finish = state not in (RunState.DIVERGED, RunState.STOPPED, RunState.STOPPING) and not guarded
        running = state is RunState.RUNNING
        anew = state in (RunState.STOPPED, RunState.DIVERGED)
        labels = {RunState.RUNNING: "Pause", RunState.PAUSED: "Continue…" if guarded else "Resume",
                  RunState.READY: "Resume" if trained else "Start"}
        self.start_button.setText("Start new run" if anew else labels.get(state, "Start"))
        self.start_button.setToolTip(START_TIPS.get("guarded" if guarded and state is RunState.PAUSED else state, START_TIPS[None]))
        startable = settings_valid and (can_continue or anew)
        self.start_button.setEnabled(running or (startable and not state.busy))
        self.stop_button.setEnabled(state in (RunState.RUNNING, RunState.PAUSED) or (state is RunState.READY and trained))
        self.reset_button.setEnabled(settings_valid and state is not RunState.STOPPING)
        stepping = settings_valid and not state.busy and state is not RunState.DIVERGED
        self.step1_button.setEnabled(stepping)
        self.step10_button.setEnabled(stepping)

    def show_progress(self, epoch: int, target: int, loss: float, rate: float, *, live: bool = False) -> None:
        """The bar, and 'epoch · loss · epochs/s · ETA'.

        ``live`` updates (from deliveries during a run) are shown at most every FIGURES_MS: figures
        that change 30 times a second cannot be read, and each repaint costs the training thread.
        """
        now = time.perf_counter()
        if live and now - self._last_shown < FIGURES_MS / 1000:
            return
        self._last_shown = now
        fraction = min(epoch / target, 1.0) if target else 1.0
        self.progress.setValue(int(round(fraction * PROGRESS_STEPS)))
        self.progress.setFormat(progress_text(epoch, target))
        eta = format_duration((target - epoch) / rate) if rate > 0 and epoch < target and self._will_finish else "—"
        speed = f"{format_rate(rate)} epochs/s" if rate > 0 else "—"
        for name, text in (("epoch", f"{epoch:,}"), ("loss", f"{loss:.6g}"), ("speed", speed), ("time left", eta)):
            self.values[name].setText(text)

    def show_offer(self, text: str | None) -> None:
        """A button for what to do next (None hides it)."""
        self.offer.setVisible(bool(text))
        self.offer.setText(text or "")

    def show_identity(self, fingerprint: str, reproduces_notebook: bool) -> None:
        """The run's short name (the same settings and initial weights give the same one) and the notebook badge."""
        badge = " · ✓ the course notebook's numbers" if reproduces_notebook else ""
        self.identity.setText(f"run {fingerprint}{badge}")
        self.identity.setToolTip(
            "A hash of this run's settings and its weights at epoch 0: two people with the same name have the same run."
            + ("\nIts initial loss and gradients print exactly as the course notebook printed them (checked against "
               "the notebook's printout shipped with mlp-gui)." if reproduces_notebook else ""))

    def show_accuracy(self, train: float | None, test: float | None) -> None:
        """``97.5% (test 92.0%)`` for classification; hidden for regression and the notebook's data."""
        shown = train is not None
        self.accuracy.setVisible(shown)
        self.accuracy_title.setVisible(shown)
        if shown:
            self.accuracy.setText(f"{train:.1%}" + (f" (test {test:.1%})" if test is not None else ""))

    def show_metrics(self, metrics: dict) -> None:
        """The newest finite training and test accuracy among per-epoch ``metrics`` (hidden where there is none)."""
        newest = []
        for name in ("accuracy", "test_accuracy"):
            values = metrics.get(name)
            finite = values[np.isfinite(values)] if values is not None else np.empty(0)
            newest.append(float(finite[-1]) if finite.size else None)
        self.show_accuracy(*newest)

    def figures_text(self) -> str:
        """The live figures as one line (for tests and the status bar)."""
        return " · ".join(f"{name} {label.text()}" for name, label in self.values.items())

    def show_note(self, text: str, error: bool = False) -> None:
        self.note_text = text
        self.state_label.setVisible(bool(text))
        colour = (palette.error_text_color if error else palette.secondary_text_color)(self.state_label).name()
        self.state_label.setText(f"<span style='color:{colour}'>{text}</span>" if text else "")


def progress_text(epoch: int, target: int) -> str:
    """The bar's text: ``1,200 / 20,000 epochs``; past a plan that was lowered, ``100,000 epochs (plan: 20,000)``."""
    if epoch > target:
        return f"{count(epoch, 'epoch')} (plan: {target:,})"
    return f"{epoch:,} / {count(target, 'epoch')}"
