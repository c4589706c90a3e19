"""Views of a network that makes features of its two inputs (issue 19): the decision surface over the raw inputs'
plane coloured by the network's output at their features, the Backprop tab's a₀ (the features, named), and a
regression's colour bar reading its values as they are."""

import numpy as np

from mlp_gui.core import Trainer
from mlp_gui.core.network import predict
from mlp_gui.gui.decision_view import GRID, DecisionView, activations_on
from tests.gui_helpers import shown
from tests.test_gui_decision_view import reset_of
from tests.test_gui_features_diagram import FEATURED


def test_the_surface_is_over_the_raw_inputs_plane(qtbot):
    view = shown(qtbot, DecisionView(), 620, 650)
    trainer = Trainer.new(FEATURED)
    reset = reset_of(trainer)
    trainer.step(50)
    view.set_run(reset)
    view.show_snapshot(trainer.snapshot(), now=True)
    assert view.kind == "plane" and view.grid.shape == (2, GRID * GRID)
    np.testing.assert_allclose(view.values, predict(FEATURED.model, trainer.snapshot().layers, view.grid)[0], rtol=1e-12)


def test_the_first_activations_on_the_grid_are_the_features():
    trainer = Trainer.new(FEATURED)
    grid = np.random.default_rng(0).uniform(-1, 1, size=(2, 30))
    acts = activations_on(FEATURED.model, trainer.layers, grid)
    a, b = grid
    np.testing.assert_array_equal(acts[0], np.vstack([a * a, b * b, a * b, np.sin(b)]))


def test_the_colour_bar_of_a_regression_shows_the_values_themselves(qtbot):
    """Bumps' targets lie within ±1: the bar reads 0.5, not 500 with "× 0.001" beside ŷ."""
    from mlp_gui.core import TrainConfig

    view = shown(qtbot, DecisionView(), 620, 650)
    trainer = Trainer.new(TrainConfig(data="bumps", layers=(2, 8, 1), activation="tanh", init="xavier", batch_size=0))
    view.set_run(reset_of(trainer))
    view.show_snapshot(trainer.snapshot(), now=True)
    assert view.bar.axis.autoSIPrefixScale == 1.0
    assert "0.001" not in view.bar.axis.labelString()


def test_the_backprop_tabs_first_activation_is_the_features_named(qtbot):
    from mlp_gui.gui import backprop_view
    from mlp_gui.gui.backprop_view import MAX_SAMPLES, BackpropView
    from tests.test_gui_backprop_view import reset_of as backprop_reset

    view = shown(qtbot, BackpropView(max_refresh_ms=backprop_view.REFRESH_MS), 900, 650)
    trainer = Trainer.new(FEATURED)
    trainer.step(20)
    view.set_run(backprop_reset(trainer))
    qtbot.waitUntil(lambda: view.refreshes == 1, timeout=5000)
    a, b = trainer.x[:, :MAX_SAMPLES]
    np.testing.assert_array_equal(view.inputs.image.image, np.vstack([a * a, b * b, a * b, np.sin(b)]))
    assert "a₀ = the features of x: x₀², x₁², x₀x₁, sin x₁" in view.inputs.title_text
    assert view.inputs.row_names == ("x₀²", "x₁²", "x₀x₁", "sin x₁")
