"""Explore and compare: runs kept on the loss plot (across restarts too) and sweeps that add one curve per value.

The kept runs' model and list and the sweep runner, wired to the loss plot; the current run is read from the
session only when the person keeps it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.kept_store import StoredRun, load_kept, save_kept
from mlp_gui.core.settings import BY_NAME
from mlp_gui.gui.kept_runs import KeptRun, KeptRunsList, KeptRunsModel, label_for
from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.session import TrainingSession
from mlp_gui.gui.sweep import KeptCurve, SweepDialog, SweepRunner

log = logging.getLogger(__name__)


class Explorer(QObject):
    """Owns the kept runs (their model and list) and the sweeps, and puts their curves on the loss plot."""

    def __init__(self, session: TrainingSession, plot: LossPlot, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.plot = session, plot
        self.kept = KeptRunsModel(self)
        self.kept_list = KeptRunsList(self.kept)
        self.sweeps = SweepRunner(self)
        self.kept.added.connect(self._show_kept)
        self.kept.removed.connect(plot.remove_curve)
        self.kept.visibility_changed.connect(plot.set_curve_visible)
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
        label = label_for(config, TrainConfig(), self.session.epoch, stepsizes=self.session.stepsizes,
                          changes=self.session.changes)
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

    def shutdown(self) -> None:
        self.sweeps.shutdown()


def _value(run, name: str) -> object:
    return run.epochs if name == "epochs" else getattr(run.config, name)
