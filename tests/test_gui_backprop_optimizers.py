"""The Backprop tab under another optimizer: its step is the run's (rule, penalty, stepsize decayed by this epoch)
and the summary writes the update the gradients then make."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.gui import backprop_view
from mlp_gui.gui.backprop_view import BackpropView
from tests.gui_helpers import shown
from tests.test_gui_backprop_view import reset_of


@pytest.fixture
def view(qtbot):
    return shown(qtbot, BackpropView(max_refresh_ms=backprop_view.REFRESH_MS), 900, 650)


@pytest.mark.parametrize(("settings", "words"), [
    (dict(), ["plain gradient descent", "η = 0.1", "ΔW = −stepsize · ∂L/∂W"]),
    (dict(optimizer="adam", l2=0.01, decay_every=3, decay_factor=0.5),
     ["adam", "η = 0.1 × 0.5^⌊7/3⌋", "m ← β₁m + (1−β₁)g", "g = ∂L/∂W + λ₂·W"]),
])
def test_the_update_is_the_runs_own(view, qtbot, settings, words):
    trainer = Trainer.new(TrainConfig(stepsize=0.1, **settings))
    trainer.step(7)
    view.set_run(reset_of(trainer))
    qtbot.waitUntil(lambda: view.refreshes == 1, timeout=5000)
    assert view.step.stepsize == trainer.snapshot().stepsize_at(0.1)
    expected = trainer.snapshot().updates(0.1)
    for layer, update in zip(view.step.layers, expected):
        np.testing.assert_array_equal(layer.update.W, update.W)
    text = view.summary.text()
    for word in words:
        assert word in text, word
