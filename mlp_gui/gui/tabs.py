"""The window's tabs, in order: one registry the window builds its tab widget, the View menu's Alt+N commands
and their Help ▸ Keyboard shortcuts rows from.

A tab's position gives its shortcut (the first is Alt+1). A new view is its own module (a widget with
``bind(session)``) plus one :class:`Tab` line here naming its class: the window makes it, binds it to the
session and lays it out (and calls its ``shutdown()``, if it has one, when the window closes); nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from mlp_gui.gui.gradcheck_panel import GradCheckPanel
from mlp_gui.gui.landscape_view import LandscapeView
from mlp_gui.gui.notebook_pane import NotebookPane


@dataclass(frozen=True)
class Tab:
    """One tab: its name in the action table (``tab_<key>``), its title, its View menu text, its tooltip and Help line,
    and its view: a widget class (made and bound by the window) or the dotted name of the window's widget holding it."""

    key: str
    title: str
    menu_text: str
    tip: str
    view: str | Callable[[], QWidget]


TABS: tuple[Tab, ...] = (
    Tab("training", "Training", "&Training", "The loss curve and heatmaps", "training_split"),
    Tab("gradcheck", "Gradient check", "&Gradient check", "Backprop against finite differences", GradCheckPanel),
    Tab("notebook", "Notebook printout", "&Notebook printout", "What the course notebook prints", NotebookPane),
    Tab("backprop", "Backprop", "&Backprop, one step",
        "z, a and δ of every layer for the current parameters, with their formulas", "backprop"),
    Tab("surface", "Decision surface", "&Decision surface and network",
        "The network's output over the input plane, and each unit's own", "surface_splitter"),
    Tab("flow", "Gradient flow", "Gradient &flow", "Each layer's gradient norm, weight norm and update ratio over the run",
        "flow"),
    Tab("landscape", LandscapeView.title, "L&andscape", LandscapeView.tip, LandscapeView),
)


def shortcut(index: int) -> tuple[str, ...]:
    """The keys that show the tab at ``index``: Alt+1 for the first, up to Alt+9 (later tabs have none)."""
    return (f"Alt+{index + 1}",) if index < 9 else ()
