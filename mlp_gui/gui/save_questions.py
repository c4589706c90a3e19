"""The questions File ▸ Save run asks when the file is not the window's to replace: in use, or changed on disk.

Each is one message box whose text the caller words (:mod:`mlp_gui.gui.file_actions`); the answers are
``"save_as"``, ``"replace"`` or None (Cancel, Esc, ✕). Tests replace these functions to answer.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

SAVE_AS = "Save As…"


def in_use(parent: QWidget, text: str) -> str | None:
    """Another process holds the file's lock: ``"save_as"`` (under another name) or None."""
    return _ask(parent, "inUseQuestion", "Run file in use", text, replace=False)


def changed_on_disk(parent: QWidget, text: str) -> str | None:
    """The file was saved by someone else since this window read or wrote it: ``"save_as"``, ``"replace"`` or None."""
    return _ask(parent, "changedOnDiskQuestion", "Run file changed on disk", text, replace=True)


def _ask(parent: QWidget, name: str, title: str, text: str, *, replace: bool) -> str | None:
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    save_as = box.addButton(SAVE_AS, QMessageBox.ButtonRole.AcceptRole)
    replacing = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole) if replace else None
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(cancel)
    box.setDefaultButton(save_as)
    box.exec()
    clicked = box.clickedButton()
    return "save_as" if clicked is save_as else "replace" if replacing is not None and clicked is replacing else None
