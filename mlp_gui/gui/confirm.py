"""The questions the window asks before it throws away trained epochs, or goes on after a guard stop; each can be cancelled."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QMessageBox, QWidget

from mlp_gui.progress import count


def stepsize(parent: QWidget, epochs: int, value: float, *, finished: bool = False) -> bool | None:
    """Continue this run with stepsize ``value`` (True), start a new run (False), or neither (None: Esc, Cancel, ✕)."""
    return settings_changed(parent, epochs, {"stepsize": f"{value:g}"}, finished=finished)


def settings_changed(parent: QWidget, epochs: int, changes: Mapping[str, str], *, finished: bool = False) -> bool | None:
    """Continue this run with the ``changes`` (setting name → new value as typed) (True), start a new run from the
    seed (False), or neither (None: Esc, Cancel, ✕).

    ``finished``: the run has done all its epochs, so continuing needs more of them first: *Start a new run* is
    the default and *Continue* says to raise Epochs (True then changes nothing yet).
    """
    what = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in changes.items())
    box = QMessageBox(parent)
    box.setObjectName("stepsizeQuestion" if set(changes) == {"stepsize"} else "settingsQuestion")
    box.setWindowTitle("Stepsize changed" if set(changes) == {"stepsize"} else "Settings changed")
    if finished:
        box.setText(f"This run has done all its {count(epochs, 'epoch')}. Start a new run from the seed with {what}?"
                    f"\n\nTo continue this run with {what} instead, raise Epochs above {epochs:,} and press Start.")
        keep = box.addButton("Continue: raise Epochs first", QMessageBox.ButtonRole.AcceptRole)
    else:
        box.setText(f"Continue this run ({count(epochs, 'epoch')}) with {what}, or start a new run from the seed?")
        keep = box.addButton("Continue this run", QMessageBox.ButtonRole.AcceptRole)
    new = box.addButton("Start a new run", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(cancel)
    box.setDefaultButton(new if finished else keep)
    box.exec()
    clicked = box.clickedButton()
    return True if clicked is keep else False if clicked is new else None


def _destructive(parent: QWidget, title: str, text: str, question: str) -> bool:
    """Ask ``question`` before throwing trained epochs away: Yes or No, and No is the default, so a stray Enter
    never loses a run (Esc is No too)."""
    buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    answer = QMessageBox.question(parent, title, f"{text}\n\n{question}", buttons, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def new_run(parent: QWidget, epochs: int, changed: set[str]) -> bool:
    """Whether to replace a run of ``epochs`` epochs by a new one with the ``changed`` settings."""
    names = ", ".join(sorted(n.replace("_", " ") for n in changed))
    return _destructive(parent, "Start a new run?",
                        f"Changing {names} needs a new run from the seed.\n"
                        f"The current run ({count(epochs, 'epoch')}) will be replaced — save it first "
                        "(File ▸ Save run) if you want to keep it.", "Start a new run?")


def replace_run(parent: QWidget, epochs: int, what: str) -> bool:
    """Whether ``what`` (Reset, Open) may replace a run whose ``epochs`` epochs are saved nowhere."""
    return _destructive(parent, f"{what}: replace the current run?",
                        f"The current run ({count(epochs, 'epoch')}) is not saved and will be replaced. "
                        "Save it first (File ▸ Save run) if you want to keep it.", "Replace it?")


def quit_unsaved(parent: QWidget, epochs: int) -> bool:
    """Whether to quit although the run's ``epochs`` epochs are saved nowhere (asked as Open and Reset ask)."""
    return _destructive(parent, "Quit: the run is not saved",
                        f"The current run ({count(epochs, 'epoch')}) is not saved and will be lost. "
                        "Save it first (File ▸ Save run) if you want to keep it.", "Quit anyway?")


def after_guard(parent: QWidget, report, stepsize: float) -> str | None:
    """The divergence guard stopped the run and Start was pressed: ``"back"`` (to the last good epoch with the
    suggested stepsize), ``"on"`` (continue as it is; the guard watches again from here) or None (Esc, Cancel)."""
    box = QMessageBox(parent)
    box.setObjectName("guardQuestion")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Stopped by the divergence guard")
    box.setText(f"The divergence guard stopped this run: {report.line(stepsize)}.\n\nWhat now?")
    back = None
    if report.suggested_stepsize:
        back = box.addButton(f"Go back to epoch {report.good_epoch:,} with stepsize {report.suggested_stepsize:.3g}",
                             QMessageBox.ButtonRole.AcceptRole)
    on = box.addButton(f"Continue at stepsize {stepsize:g}", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(cancel)
    box.setDefaultButton(back or cancel)
    box.exec()
    clicked = box.clickedButton()
    return "back" if back is not None and clicked is back else "on" if clicked is on else None
