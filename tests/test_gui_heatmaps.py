"""The heatmap panel on its own: scales, cell text, skipped redraws, hidden panels, deep networks."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.gui.heatmaps import HeatmapPanel, format_cell, format_scale, index_ticks, nice_ceiling, symmetric_limit
from tests.gui_helpers import shown


@pytest.fixture
def panel(qtbot):
    return shown(qtbot, HeatmapPanel(), 600, 700)


def test_scales_are_symmetric_nice_and_centred_on_zero(panel):
    trainer = Trainer(TrainConfig())
    trainer.step(5000)
    panel.show_snapshot(trainer.snapshot(), now=True)
    for view, array in zip(panel.gradients, [g.W for g in trainer.grads]):
        low, high = view.bar.levels()
        assert low == -high == -view.limit
        assert view.limit >= np.abs(array).max()
        assert view.limit == nice_ceiling(view.limit)
        assert view.image.levels is not None and tuple(view.image.levels) == (low, high)


def test_unchanged_values_are_not_redrawn(panel):
    trainer = Trainer(TrainConfig())
    snap = trainer.snapshot()
    panel.show_snapshot(snap, now=True)
    view = panel.weights[0]
    assert view.show(snap.params[0], snap.params[1], None) is False
    changed = snap.params[0] * 3
    assert view.show(changed, snap.params[1], None) is True


def test_a_hidden_panel_catches_up_when_shown(panel, qtbot):
    trainer = Trainer(TrainConfig())
    panel.show_snapshot(trainer.snapshot(), now=True)
    panel.hide()
    trainer.step(100)
    panel.show_snapshot(trainer.snapshot(), now=True)
    assert panel.shown.epoch == 0  # hidden: nothing drawn
    panel.show()
    qtbot.waitUntil(lambda: panel.shown.epoch == 100, timeout=5000)


def test_deep_network_scrolls_instead_of_squeezing(panel):
    trainer = Trainer(TrainConfig(layers=(3, 4, 4, 4, 4, 4, 4, 2)))
    panel.show_snapshot(trainer.snapshot(), now=True)
    assert len(panel.weights) == 7
    assert panel.view.minimumHeight() >= 7 * 150


def test_values_and_ticks_are_short():
    assert [format_cell(v) for v in (0.0, 1.234, -7.96, 1.7e-4, 123.0, np.nan, np.inf)] == [
        "0.00", "1.23", "-7.96", "1.7e-4", "1.2e2", "nan", "inf"]
    assert [format_scale(v) for v in (0.0, 0.5, 8.0, 4e-4, -2e-9, 1500.0)] == ["0", "0.5", "8", "4e-4", "-2e-9", "1.5e3"]
    assert symmetric_limit(np.array([0.3, -0.7]), np.array([np.nan])) == 0.8
    assert index_ticks(3) == [[(0.5, "0"), (1.5, "1"), (2.5, "2")]]
    assert [label for _, label in index_ticks(784)[0]] == ["0", "200", "400", "600"]
    assert [label for _, label in index_ticks(8)[0]] == [str(i) for i in range(8)]
