"""Explore and compare: kept runs and sweeps on the plot, the gradient check, the notebook printout.

Wires those views to the window's session and loss plot, so the window
itself only lays them out.
"""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import QObject

from mlp_gui.core.config import TrainConfig, format_value
from mlp_gui.gui.gradcheck_panel import GradCheckPanel
from mlp_gui.gui.kept_runs import KeptRun, KeptRunsList, KeptRunsModel, label_for
from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.notebook_pane import NotebookPane
from mlp_gui.gui.run_worker import Delivery
from mlp_gui.gui.session import RunState, TrainingSession
from mlp_gui.gui.sweep import SweepDialog, SweepRunner


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

    # ------------------------------------------------------------ kept runs and sweeps

    def keep_current_run(self) -> KeptRun | None:
        """Put the live curve on the plot as a faded, labelled curve of its own."""
        trainer = self.session.trainer
        epochs, losses = self.plot.curve_data()
        if trainer is None or trainer.epoch == 0 or len(epochs) == 0:
            return None
        label = label_for(trainer.config, TrainConfig(), trainer.epoch)
        return self.kept.keep(trainer.config, epochs, losses, label)

    def ask_sweep(self, base: TrainConfig, parent=None) -> bool:
        """Show the sweep dialog for ``base``; start the sweep if the person confirms."""
        dialog = SweepDialog(base, parent)
        return bool(dialog.exec() and dialog.configs) and self.run_sweep(dialog.configs)

    def run_sweep(self, configs: list[TrainConfig]) -> bool:
        """Train ``configs`` on the sweep thread; each finished run is kept, labelled by what was swept."""
        return self.sweeps.start(configs)

    def _on_sweep_finished(self, results: list) -> None:
        configs = [r[0] for r in results]
        swept = [f.name for f in fields(TrainConfig) if len({getattr(c, f.name) for c in configs}) > 1]
        for config, epochs, losses, diverged_at in results:
            done = diverged_at if diverged_at is not None else config.epochs
            names = ", ".join(f"{n.replace('_', ' ')}={format_value(n, getattr(config, n))}" for n in swept)
            label = f"{names} ({done:,} ep.)" + (" diverged" if diverged_at is not None else "")
            self.kept.keep(config, epochs, losses, label)

    def _show_kept(self, run: KeptRun) -> None:
        self.plot.add_curve(run.key, run.epochs, run.losses, run.label, run.colour)

    # ------------------------------------------------------------ notebook and gradient check

    def _on_run_reset(self, config, snapshot, x, y, history) -> None:
        self.gradcheck.set_run(x, y, snapshot)
        self.notebook.reset(snapshot, history)

    def _on_delivered(self, delivery: Delivery) -> None:
        self.gradcheck.set_snapshot(delivery.snapshot)
        self.notebook.add_losses(delivery.first_epoch, delivery.losses)

    def _on_state(self, state: RunState) -> None:
        trainer = self.session.trainer
        if state is RunState.FINISHED:
            self.notebook.finish(trainer.epoch, trainer.loss)
        if state in (RunState.PAUSED, RunState.FINISHED, RunState.STOPPED):
            self.gradcheck.set_snapshot(trainer.snapshot())  # the state it halted in, not the last delivery
            if self.gradcheck.isVisible():
                self.gradcheck.check_now()
            else:
                self.gradcheck.run_halted()

    def shutdown(self) -> None:
        self.sweeps.shutdown()
