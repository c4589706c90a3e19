"""The window makes its first run once (filling the fields at start makes it, and nothing makes it again), and
names its tabs' views by their registry keys."""

from __future__ import annotations

import pytest

from mlp_gui.core import TrainConfig
from mlp_gui.gui.gradcheck_panel import GradCheckPanel
from mlp_gui.gui.notebook_pane import NotebookPane
from mlp_gui.gui.session import TrainingSession


def test_the_window_makes_its_first_run_once(qtbot, isolated_settings, monkeypatch):
    from mlp_gui.gui.window import MainWindow

    made = []
    new_run = TrainingSession.new_run
    monkeypatch.setattr(TrainingSession, "new_run", lambda self, *a, **k: made.append(a) or new_run(self, *a, **k))
    win = MainWindow(TrainConfig(stepsize=0.2), epochs=300)
    qtbot.addWidget(win)
    try:
        assert len(made) == 1
        assert win.session.config == TrainConfig(stepsize=0.2) and win.session.planned_epochs == 300
        assert win.session.has_run and win.session.epoch == 0 and win.form.config() == win.session.config
        assert isinstance(win.view("gradcheck"), GradCheckPanel) and isinstance(win.view("notebook"), NotebookPane)
        assert win.view("training") is win.tabs.widget(0)
        with pytest.raises(KeyError, match="no tab 'nope': the tabs are training, gradcheck"):
            win.view("nope")
    finally:
        win.close()
