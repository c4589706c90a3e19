"""Help ▸ Keyboard shortcuts (built from the action table, so it lists exactly the keys that work) and Help ▸ About."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from mlp_gui import __version__
from mlp_gui.gui.actions import shortcut_rows


def show_shortcuts(parent: QWidget) -> None:
    rows = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in shortcut_rows())
    QMessageBox.information(parent, "Keyboard shortcuts", f"<table cellspacing=6>{rows}</table>")


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, "About mlp-gui",
                      f"<b>mlp-gui {__version__}</b><p>Watch backpropagation happen: a small MLP (sigmoid, tanh or relu "
                      "layers) trained by plain gradient descent, with its loss, weights and gradients shown live.</p>")
