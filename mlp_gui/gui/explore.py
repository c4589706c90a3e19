"""Explore and compare: kept runs and sweeps on the plot, the gradient check, the notebook printout.

Wires those views to the window's session and loss plot, so the window
itself only lays them out.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.kept_store import StoredRun, load_kept, save_kept
from mlp_gui.core.settings import BY_NAME
from mlp_gui.gui.gradcheck_panel import GradCheckPanel
from mlp_gui.gui.kept_runs import KeptRun, KeptRunsList, KeptRunsModel, label_for
from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.notebook_pane import NotebookPane
from mlp_gui.gui.run_worker import Delivery
from mlp_gui.gui.session import RunReset, RunState, TrainingSession
from mlp_gui.gui.sweep import KeptCurve, SweepDialog, SweepRunner

log = logging.getLogger(__name__)


class Explorer(QObject):
    """Owns the explore views' models and keeps them in step with the session."""

    def __init__(self, session: TrainingSession, plot: LossPlot, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.plot = session, plot
        self.kept = KeptRunsModel(self)
        self.kept_list = KeptRunsList(self.kept)
        self.notebook = NotebookPane()
        self.gradcheck = GradCheckPanel()
        self.sweeps = SweepRunner(self)
        self.kept.added.connect(self._show_kept)
        self.kept.removed.connect(plot.remove_curve)
        self.kept.visibility_changed.connect(plot.set_curve_visible)
        session.run_reset.connect(self._on_run_reset)
        session.delivered.connect(self._on_delivered)
        session.state_changed.connect(self._on_state)
        self.sweeps.finished.connect(self._on_sweep_finished)
        self.store_path: Path | None = None

    # ------------------------------------------------------------ kept runs across restarts

    def restore_kept(self, path: Path) -> None:
        """Bring back the runs kept in the last session (a bad file is logged and skipped; it never stops the window)."""
        self.store_path = path
        try:
            stored = load_kept(path)
        except ValueError as exc:
            log.warning("kept runs not restored: %s", exc)
            return
        for run in stored:
            kept = self.kept.keep(run.config, run.epochs, run.losses, run.label)
            self.kept.set_visible(kept.key, run.visible)

    def store_kept(self) -> None:
        """Save the kept runs for the next session (at close)."""
        if self.store_path is None:
            return
        runs = [StoredRun(r.config, r.label, r.visible, r.epochs, r.losses) for r in self.kept.runs.values()]
        try:
            save_kept(self.store_path, runs)
        except OSError as exc:
            log.warning("kept runs not saved to %s: %s", self.store_path, exc)

    # ------------------------------------------------------------ kept runs and sweeps

    def keep_current_run(self) -> KeptRun | None:
        """Put the live curve on the plot as a faded, labelled curve of its own."""
        epochs, losses = self.plot.curve_data()
        if not self.session.has_run or self.session.epoch == 0 or len(epochs) == 0:
            return None
        config = self.session.config
        label = label_for(config, TrainConfig(), self.session.epoch, stepsizes=self.session.stepsizes)
        return self.kept.keep(config, epochs, losses, label)

    def ask_sweep(self, base: TrainConfig, epochs: int, parent=None) -> bool:
        """Show the sweep dialog for ``base``; start the sweep if the person confirms."""
        dialog = SweepDialog(base, epochs, parent)
        return bool(dialog.exec() and dialog.runs) and self.sweeps.start(dialog.runs)

    def _on_sweep_finished(self, curves: list[KeptCurve]) -> None:
        runs = [c.result.run for c in curves]
        swept = [name for name in BY_NAME if len({_value(r, name) for r in runs}) > 1]
        for curve in curves:
            result = curve.result
            done = len(result.losses) - 1
            names = ", ".join(f"{BY_NAME[n].title}={BY_NAME[n].format(_value(result.run, n))}" for n in swept)
            label = f"{names} ({done:,} ep.)" + (" diverged" if result.diverged_at is not None else "")
            self.kept.keep(result.run.config, curve.epochs, curve.losses, label)

    def _show_kept(self, run: KeptRun) -> None:
        self.plot.add_curve(run.key, run.epochs, run.losses, run.label, run.colour)

    # ------------------------------------------------------------ notebook and gradient check

    def _on_run_reset(self, reset: RunReset) -> None:
        self.gradcheck.set_model(reset.config.model)  # each activation and loss checked with its own formulas
        self.gradcheck.set_run(reset.x, reset.y, reset.snapshot)
        self.notebook.reset(reset.initial, reset.history, reset.snapshot)

    def _on_delivered(self, delivery: Delivery) -> None:
        self.gradcheck.set_snapshot(delivery.snapshot)
        self.notebook.add_losses(delivery.first_epoch, delivery.losses)

    def _on_state(self, state: RunState) -> None:
        if state is RunState.FINISHED:
            self.notebook.finish(self.session.epoch, self.session.loss)
        if state in (RunState.PAUSED, RunState.FINISHED, RunState.STOPPED) and self.session.snapshot is not None:
            self.gradcheck.set_snapshot(self.session.snapshot)  # the state it halted in
            if self.gradcheck.isVisible():
                self.gradcheck.check_now()
            else:
                self.gradcheck.run_halted()

    def shutdown(self) -> None:
        self.sweeps.shutdown()
        self.gradcheck.shutdown()


def _value(run, name: str) -> object:
    return run.epochs if name == "epochs" else getattr(run.config, name)
