"""The questions the window asks before it throws away trained epochs; each can be cancelled."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from mlp_gui.progress import count


def stepsize(parent: QWidget, epochs: int, value: float) -> bool | None:
    """Continue this run with stepsize ``value`` (True), start a new run (False), or neither (None: Esc, Cancel, ✕)."""
    box = QMessageBox(parent)
    box.setObjectName("stepsizeQuestion")
    box.setWindowTitle("Stepsize changed")
    box.setText(f"Continue this run ({count(epochs, 'epoch')}) with stepsize {value:g}, or start a new run from the seed?")
    keep = box.addButton("Continue this run", QMessageBox.ButtonRole.AcceptRole)
    new = box.addButton("Start a new run", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(cancel)
    box.setDefaultButton(keep)
    box.exec()
    clicked = box.clickedButton()
    return True if clicked is keep else False if clicked is new else None


def new_run(parent: QWidget, epochs: int, changed: set[str]) -> bool:
    """Whether to replace a run of ``epochs`` epochs by a new one with the ``changed`` settings."""
    names = ", ".join(sorted(n.replace("_", " ") for n in changed))
    answer = QMessageBox.question(
        parent,
        "Start a new run?",
        f"Changing {names} needs a new run from the seed.\n"
        f"The current run ({count(epochs, 'epoch')}) will be replaced — save it first "
        "(File ▸ Save run) if you want to keep it.\n\nStart a new run?",
    )
    return answer == QMessageBox.StandardButton.Yes


def replace_run(parent: QWidget, epochs: int, what: str) -> bool:
    """Whether ``what`` (Reset, Open) may replace a run whose ``epochs`` epochs are saved nowhere."""
    answer = QMessageBox.question(
        parent, f"{what}: replace the current run?",
        f"The current run ({count(epochs, 'epoch')}) is not saved and will be replaced. "
        "Save it first (File ▸ Save run) if you want to keep it.\n\nReplace it?",
    )
    return answer == QMessageBox.StandardButton.Yes
