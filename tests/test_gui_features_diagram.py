"""Input features in the network diagram (issue 19): each input unit is named by its feature and its thumbnail is that
feature over the input plane; the regression sets show as a plane coloured by the predicted value."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.network import Kernel, bias_columns, predict
from mlp_gui.gui.decision_view import GRID, DecisionView
from mlp_gui.gui.network_diagram import NetworkDiagram
from tests.gui_helpers import shown
from tests.test_gui_decision_view import SPIRAL, reset_of

FEATURED = TrainConfig(data="xor", layers=(4, 6, 1), activation="tanh", output="sigmoid", loss="cross-entropy",
                       init="xavier", batch_size=0, stepsize=0.5, features="x1sq,x2sq,x1x2,sinx2")


@pytest.fixture
def diagram(qtbot):
    return shown(qtbot, NetworkDiagram(), 620, 650)


def test_input_units_are_named_by_their_features(diagram):
    trainer = Trainer.new(FEATURED)
    diagram.set_run(reset_of(trainer))
    assert diagram.columns[0].detail == "4 features"
    assert diagram.input_labels == {0: "x₀²", 1: "x₁²", 2: "x₀x₁", 3: "sin x₁"}
    assert [diagram.node(0, u).name for u in range(4)] == ["input 0 (x₀²)", "input 1 (x₁²)", "input 2 (x₀x₁)", "input 3 (sin x₁)"]
    assert diagram.overlay_lines(diagram.node(0, 3)) == ["input 3 (sin x₁)"]


def test_thumbnails_are_the_features_and_the_units_over_the_plane(diagram):
    trainer = Trainer.new(FEATURED)
    reset = reset_of(trainer)
    trainer.step(50)
    diagram.set_run(reset)
    snap = trainer.snapshot()
    diagram.show_snapshot(snap, now=True)
    assert diagram.has_thumbnails and diagram.grid.shape == (2, GRID * GRID)  # the plane of the two raw inputs
    a, b = diagram.grid
    expected = {0: a * a, 1: b * b, 2: a * b, 3: np.sin(b)}
    for unit, values in expected.items():
        node = diagram.node(0, unit)
        np.testing.assert_array_equal(node.values, values.reshape(GRID, GRID))
        assert node.levels == (float(values.min()), float(values.max()))  # each feature's own range on the plane
        assert node.image is not None and not node.image.isNull()
    _, acts = Kernel(FEATURED.model).forward(bias_columns(snap.layers), diagram.grid)
    for node in diagram.nodes:
        np.testing.assert_allclose(node.values, acts[node.layer][node.unit].reshape(GRID, GRID), rtol=1e-12, atol=1e-15)


def test_without_features_the_inputs_column_names_x0_and_x1(diagram):
    diagram.set_run(reset_of(Trainer.new(SPIRAL)))
    assert diagram.columns[0].detail == "x₀, x₁" and diagram.input_labels == {}
    assert diagram.node(0, 1).name == "input 1 (x₁)"


@pytest.mark.parametrize("data", ["plane", "bumps"])
def test_the_regression_sets_show_the_predicted_value_over_the_plane(qtbot, data):
    view = shown(qtbot, DecisionView(), 620, 650)
    trainer = Trainer.new(TrainConfig(data=data, layers=(2, 8, 1), activation="tanh", init="xavier", batch_size=0, stepsize=0.1))
    reset = reset_of(trainer)
    trainer.step(100)
    view.set_run(reset)
    view.show_snapshot(trainer.snapshot(), now=True)
    assert view.kind == "plane"
    y = np.concatenate([trainer.data.y, trainer.data.y_test], axis=1)[0]
    assert view.bar.levels() == (y.min(), y.max())  # the targets' range
    np.testing.assert_allclose(view.values, predict(trainer.config.model, trainer.snapshot().layers, view.grid)[0], rtol=1e-12)
