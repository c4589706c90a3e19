"""The action table calls the window's own methods: Quit is the window's quit (which asks about unsaved epochs)."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow

from mlp_gui.gui.actions import ACTIONS, MENUS, build_actions
from mlp_gui.gui.window import MainWindow


class Recorder(QMainWindow):
    """A window whose every slot the table names records its call (close() included, so a table naming it shows)."""

    heatmaps = None  # the colour-scale choices read heatmaps.scale_mode

    def __init__(self) -> None:
        super().__init__()
        self.called: list[str] = []
        for spec in ACTIONS:
            setattr(self, spec.slot, lambda *args, name=spec.slot: self.called.append(name))
        self.before_command = lambda: self.called.append("before_command")


def test_every_slot_is_a_method_of_the_window_and_quit_asks_first(qtbot):
    assert all(callable(getattr(MainWindow, spec.slot, None)) for spec in ACTIONS)
    recorder = Recorder()
    qtbot.addWidget(recorder)
    actions = build_actions(recorder, {name: recorder.menuBar().addMenu(name) for name in MENUS})
    actions["quit"].trigger()
    assert recorder.called == ["before_command", "quit"]  # typed settings applied first; the window's quit, not a
    # bare close that skips the question
