"""Going back in a run: to a kept epoch from the timeline, or to the divergence guard's last good epoch.

The timeline shows a kept epoch in every view (the session recomputes its gradients) and can continue
from there. A run the guard stopped is said to be stopped by the guard (never merely paused); its offer,
going back with a stepsize that trained, is taken from the offer button, or from Start (*Continue…*),
which asks whether to go back or on.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from mlp_gui.core.guard import GuardReport
from mlp_gui.core.guard_rule import LEAP
from mlp_gui.gui import confirm
from mlp_gui.gui.session import RunState


def guard_mark(report: GuardReport) -> str:
    """The label of the red line the loss plot draws at ``report.epoch`` after a guard stop: the run was stopped by
    the guard, not diverged; for a loss that stayed up, the line is where it left its start, not where it stopped."""
    stopped = f"stopped by the guard at epoch {report.stopped_at:,}"
    if report.kind == "stayed" and report.epoch != report.stopped_at:
        return f"loss {'leapt' if report.loss > LEAP * report.start else 'rose'} here; {stopped}"
    return stopped


class GoingBack(QObject):
    """The window's commands that take a run back in time; ``window`` is the main window whose views they move."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window, self.session = window, window.session
        self.session.guarded.connect(self._on_guarded)
        window.timeline.moved.connect(self.view_snapshot)
        window.timeline.continue_clicked.connect(self.continue_from)
        window.run_panel.offer_taken.connect(self.take_offer)

    def _show(self, text: str) -> None:
        self.window.statusBar().showMessage(text)

    def _mark_viewed(self, epoch: int | None) -> None:
        """Every view that marks the viewed epoch (and the heatmaps, which draw it at once) follows the session."""
        self.session.show_viewing(epoch)

    # ------------------------------------------------------------ the timeline

    def view_snapshot(self, index: int) -> None:
        """The timeline moved: every view shows the run at that kept epoch; the loss plot marks it."""
        present = self.window.timeline.at_present
        if present and self.session.snapshot is not None:  # back at the end: the run as it is now
            self.session.snapshot_ready.emit(self.session.snapshot)
            self._mark_viewed(None)
            return
        snap = self.session.view_snapshot(index)
        if snap is not None:
            self._mark_viewed(None if present else snap.epoch)  # the heatmaps draw it at once: the slider is moving
            then = "" if present else ": Continue from here trains on from it"
            self._show(f"Showing epoch {snap.epoch:,}, loss {snap.loss:.6g}{then}")

    def continue_from(self, index: int) -> None:
        """Train on from a kept epoch: the run as it was stays on the plot as a kept run."""
        self.window.explorer.keep_current_run()
        epoch = self.window.timeline.epochs[index]
        self.session.continue_from(index)
        self._mark_viewed(None)
        self._show(f"Back at epoch {epoch:,}: the run as it was is kept on the plot")

    # ------------------------------------------------------------ the divergence guard

    def guard_line(self) -> str:
        """Why the guard stopped the run, as the status bar and the note under the controls say it ("" if it did not)."""
        report = self.session.guard_report
        return f"Stopped by the divergence guard: {report.line(self.session.stepsize)}." if report else ""

    def _on_guarded(self, report: GuardReport) -> None:
        """The divergence guard stopped the run: say why, and offer to go back with a stable stepsize."""
        w = self.window
        w.show_note(self.guard_line(), error=True)
        w.plot.mark_divergence(report.epoch, guard_mark(report))
        if report.suggested_stepsize:
            w.run_panel.show_offer(f"Go back to epoch {report.good_epoch:,} with stepsize {report.suggested_stepsize:.3g}")
        w.run_ended.emit(RunState.PAUSED)  # for unattended runs: this run will not reach its epochs by itself

    def ask_after_guard(self) -> None:
        """Start pressed after a guard stop: go back with the suggested stepsize, or on as it is (the guard watches anew)."""
        answer = confirm.after_guard(self.window, self.session.guard_report, self.session.stepsize)
        if answer == "back":
            self.take_offer()
        elif answer == "on":
            self.session.start()

    def take_offer(self) -> None:
        """Take the guard's offer: back to the last good epoch, the suggested stepsize, and train on."""
        report = self.session.guard_report
        if report is None or report.suggested_stepsize is None:
            return
        stepsize = float(f"{report.suggested_stepsize:.3g}")
        self.session.go_back(stepsize)
        self.window.form.set_values(self.session.config, self.window.form.epochs())
        self._show(f"Back at epoch {report.good_epoch:,} with stepsize {stepsize:g}")
        self.session.start()
