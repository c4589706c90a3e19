"""Bringing the run in line with the settings form: a new run, or the run going on with other settings.

Before any training, valid settings apply by themselves: filled in, proposed or chosen from a list at once; typed,
once the typing pauses for TYPING_PAUSE_MS (Return, leaving the field or any command applies them sooner), so layer
sizes typed key by key make one new network, not one per key. Once a run has epochs behind it, a change the run can go on
with (the stepsize, the optimizer's numbers, the penalty, the decay: :data:`~mlp_gui.core.config.CONTINUABLE`) is
asked about: *Continue this run* keeps its history and marks the change on the loss plot ("momentum 0.8" at the
epoch); anything else needs a new run from the seed, asked before trained epochs are thrown away. The loss plot's
marks are drawn again from the run's own record whenever the run is replaced (a file opened, a run gone back).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QTimer

from mlp_gui.core import setting_changes
from mlp_gui.core.config import Change, TrainConfig, change_needed, continuing_changes, format_value
from mlp_gui.gui import confirm
from mlp_gui.gui.session import RunState

TYPING_PAUSE_MS = 300  # a pause longer than between two keys of steady typing


class SettingsChanges:
    """The window's settings commands; ``window`` is the main window (its form, session, loss plot, status bar)."""

    def __init__(self, window, *, refresh: Callable[[], None]) -> None:
        self.window, self.session, self.form, self.plot = window, window.session, window.form, window.plot
        self._refresh = refresh
        self._marks: list = []  # the loss plot's marks of the stepsize and settings changes (not of typed-in weights)
        self._typed = QTimer(window)  # typed settings wait for the typing to pause
        self._typed.setSingleShot(True)
        self._typed.setInterval(TYPING_PAUSE_MS)
        self._typed.timeout.connect(self._typing_paused)
        self.session.run_reset.connect(lambda _reset: self.redraw_marks())  # after the plot's own reset

    def edited(self) -> None:
        """An edit: before any training, apply valid settings (the heatmaps show the new initial weights), at once
        unless a person is typing them: then once the typing pauses, each key waiting again."""
        if self._may_apply():
            if self.form.typed:
                self._typed.start()
            else:
                self.apply(ask=False)
        else:
            self._typed.stop()
        self._refresh()

    @property
    def typing(self) -> bool:
        """Typed settings wait to be applied."""
        return self._typed.isActive()

    def apply_typed(self) -> None:
        """Apply now the typed settings waiting for the typing to pause (Return, leaving the field, any command)."""
        if self._typed.isActive():
            self._typing_paused()

    def _typing_paused(self) -> None:
        self._typed.stop()
        if self._may_apply():
            self.apply(ask=False)
        self._refresh()

    def _may_apply(self) -> bool:
        return self.form.valid and self.session.epoch == 0 and not self.session.state.busy

    def entered(self) -> None:
        """Return pressed in a field: apply it now (asking if that would replace trained epochs); a field in error
        says why in the status bar too (its own line may be scrolled out of view)."""
        problem = next(iter(self.form.errors.values()), None) if not self.form.valid else None
        if problem:
            self.window.statusBar().showMessage(problem)
        if not self.session.state.busy:
            self.apply(ask=True, start_anew=True)

    def apply(self, ask: bool, start_anew: bool = False) -> bool:
        """Bring the run in line with the fields; False if the person chose to keep the run as it is.

        ``start_anew``: when the person answers *Start a new run* to the continue question, the new run starts.
        """
        self._typed.stop()  # whatever waited is applied now
        config, epochs = self.form.config(), self.form.epochs()
        if config is None or epochs is None or not self.form.valid:
            return False
        session = self.session
        session.set_plan(max(epochs, 0))
        current = session.config
        change = change_needed(current, config, diverged=session.state is RunState.DIVERGED)
        if change == Change.NONE and session.has_run:
            return True
        if session.epoch == 0 or not ask:
            return self.replace_run(config, epochs)
        if change in (Change.STEPSIZE, Change.CONTINUE):
            return self._ask_to_continue(current, config, epochs, start_anew=start_anew)
        if not confirm.new_run(self.window, session.epoch, set(config.differences(current))):
            self.form.set_values(current, epochs)
            return False
        return self.replace_run(config, epochs)

    def _ask_to_continue(self, current: TrainConfig, config: TrainConfig, epochs: int, *, start_anew: bool) -> bool:
        """Continue the run with the settings that changed, start a new one, or neither (the fields go back)."""
        session = self.session
        finished = not session.can_continue(epochs)  # all its epochs done: continuing needs more first
        changes = continuing_changes(current, config)
        if set(changes) == {"stepsize"}:
            answer = confirm.stepsize(self.window, session.epoch, config.stepsize, finished=finished)
        else:
            shown = {name: format_value(name, value) for name, value in changes.items()}
            answer = confirm.settings_changed(self.window, session.epoch, shown, finished=finished)
        if answer is None:
            self.form.set_values(current, epochs)
            return False
        if answer and finished:  # the run keeps the settings it trained with
            what = ", ".join(f"{name.replace('_', ' ')} {format_value(name, value)}" for name, value in changes.items())
            self.window.statusBar().showMessage(f"Raise Epochs above {session.epoch:,} to continue with {what}")
            return False
        if answer:
            self.continue_with(changes)
            return True
        replaced = self.replace_run(config, epochs)
        if replaced and start_anew:
            session.start()
        return replaced

    def continue_with(self, changes: Mapping[str, object]) -> None:
        """The run goes on with ``changes`` (the stepsize and the settings of
        :data:`~mlp_gui.core.config.CONTINUABLE`): its history kept, each change marked on the loss plot."""
        if any(getattr(self.session.config, name) != value for name, value in changes.items()):
            self.session.set_settings(**changes)
            self.redraw_marks()
        self._refresh()

    def continue_with_stepsize(self, stepsize: float) -> None:
        """The run goes on with ``stepsize`` (its history kept, the change marked on the plot)."""
        self.continue_with({"stepsize": stepsize})

    def replace_run(self, config: TrainConfig, epochs: int) -> bool:
        """A new run from the seed with ``config``; False if it could not be made (its data would not do: the note says why)."""
        self.session.new_run(config, epochs)
        return self.session.config == config

    def redraw_marks(self) -> None:
        """The loss plot's dotted lines where the run's stepsize or other settings changed, from the run's record
        (the marks of typed-in weights are weight editing's own and stay)."""
        for line in self._marks:
            self.plot.unmark(line)
        self._marks = [self.plot.mark_stepsize_change(at, stepsize) for at, stepsize in self.session.stepsizes[1:]]
        self._marks += [self.plot.mark(at, text) for at, text in setting_changes.marks(self.session.changes)]


__all__ = ["SettingsChanges"]
