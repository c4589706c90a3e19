"""The decision view on its own: the surface is the network's output on the grid, the points are the data
(training filled, test hollow), one input gives a curve, the notebook's data a message, and redraws are
coalesced, paced and held back while hidden."""

import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtWidgets import QWidget

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.network import predict
from mlp_gui.gui.decision_view import GRID, REFRESH_MS, DecisionView, end_colours
from mlp_gui.gui.session import RunReset
from tests.gui_helpers import shown

SPIRAL = TrainConfig(layers=(2, 8, 8, 2), activation="tanh", output="softmax", loss="cross-entropy", init="xavier",
                     data="spiral", batch_size=0, stepsize=0.3)
XOR = TrainConfig(layers=(2, 8, 1), activation="tanh", output="sigmoid", loss="cross-entropy", init="xavier", data="xor",
                  batch_size=0, stepsize=0.3)
SINE = TrainConfig(layers=(1, 16, 1), activation="tanh", output="identity", loss="mse", init="xavier", data="sine",
                   batch_size=0, stepsize=0.1)


def reset_of(trainer: Trainer) -> RunReset:
    """What the session emits for a new run of ``trainer``."""
    snap = trainer.snapshot()
    return RunReset(trainer.config, 1000, snap, trainer.x.copy(), trainer.y.copy(), trainer.loss_history.copy(), snap,
                    trainer.data, {k: v.copy() for k, v in trainer.metrics.items()})


@pytest.fixture
def view(qtbot):
    return shown(qtbot, DecisionView(), 620, 650)


def brush_styles(scatter) -> list:
    """Each point's fill style (a point without its own brush has the item's)."""
    return [(brush if brush is not None else scatter.opts["brush"]).style() for brush in scatter.data["brush"]]


def filled(scatter) -> list[bool]:
    return [style != Qt.BrushStyle.NoBrush for style in brush_styles(scatter)]


@pytest.mark.parametrize("config, output_row", [(SPIRAL, 1), (XOR, 0)], ids=["softmax: 2nd output", "sigmoid: its output"])
def test_the_surface_is_the_networks_output_on_the_grid(view, config, output_row):
    trainer = Trainer.new(config)
    view.set_run(reset_of(trainer))
    trainer.step(300)
    snap = trainer.snapshot()
    view.show_snapshot(snap, now=True)
    assert view.shown is snap
    expected = predict(config.model, snap.layers, view.grid)[output_row].reshape(GRID, GRID)
    np.testing.assert_allclose(view.image.image, expected, rtol=1e-12, atol=1e-15)
    assert view.image.image.std() > 0.01  # a trained surface, not a constant
    # the grid covers every point with a margin, and image pixel (column c, row r) sits on grid point r * GRID + c
    x = np.concatenate([trainer.data.x, trainer.data.x_test], axis=1)
    assert (view.grid.min(axis=1) < x.min(axis=1)).all() and (view.grid.max(axis=1) > x.max(axis=1)).all()
    for r, c in [(0, 0), (0, GRID - 1), (GRID - 1, 0), (37, 81)]:
        centre = view.image.mapToParent(QPointF(c + 0.5, r + 0.5))
        np.testing.assert_allclose([centre.x(), centre.y()], view.grid[:, r * GRID + c], rtol=1e-9, atol=1e-12)
    # P(class 1) on the diverging map centred on 0.5
    assert tuple(view.bar.levels()) == (0.0, 1.0)


def test_training_points_are_filled_and_test_points_hollow_in_their_class_colour(view):
    trainer = Trainer.new(XOR)
    data = trainer.data
    view.set_run(reset_of(trainer))
    train, test = view.train_points, view.test_points
    assert len(train.data) == data.x.shape[1] == 160
    assert len(test.data) == data.x_test.shape[1] == 40
    np.testing.assert_array_equal(np.vstack([train.data["x"], train.data["y"]]), data.x)
    np.testing.assert_array_equal(np.vstack([test.data["x"], test.data["y"]]), data.x_test)
    assert all(filled(train))
    assert not any(filled(test))
    blue, red = end_colours()
    want = [red.name() if label > 0.5 else blue.name() for label in data.y[0]]
    assert [b.color().name() for b in train.data["brush"]] == want
    want_test = [red.name() if label > 0.5 else blue.name() for label in data.y_test[0]]
    assert [p.color().name() for p in test.data["pen"]] == want_test


def test_one_input_shows_the_fitted_curve_and_the_points(view):
    trainer = Trainer.new(SINE)
    view.set_run(reset_of(trainer))
    trainer.step(500)
    snap = trainer.snapshot()
    view.show_snapshot(snap, now=True)
    assert view.kind == "curve" and view.image is None
    xs, ys = view.curve.getData()
    np.testing.assert_array_equal(xs, view.grid[0])
    np.testing.assert_allclose(ys, predict(SINE.model, snap.layers, xs[None, :])[0], rtol=1e-12, atol=1e-15)
    data = trainer.data
    assert xs.min() < data.x.min() and xs.max() > data.x.max()
    np.testing.assert_array_equal(view.train_points.data["y"], data.y[0])  # targets at their inputs
    assert len(view.train_points.data) == data.x.shape[1] and all(filled(view.train_points))
    assert len(view.test_points.data) == data.x_test.shape[1] and not any(filled(view.test_points))


def test_the_notebooks_data_shows_a_message_not_an_empty_plot(view, qtbot):
    view.set_run(reset_of(Trainer.new(TrainConfig())))
    qtbot.waitUntil(view.message.isVisible, timeout=2000)
    assert not view.plot_widget.isVisible()
    assert "needs 1 or 2 inputs" in view.message.text() and "has 3" in view.message.text()
    view.show_snapshot(Trainer.new(TrainConfig()).snapshot(), now=True)
    assert view.redraws == 0
    # and back to a picture for the next run
    view.set_run(reset_of(Trainer.new(XOR)))
    qtbot.waitUntil(view.plot_widget.isVisible, timeout=2000)
    assert not view.message.isVisible() and view.redraws == 1


def test_many_snapshots_are_coalesced_into_a_few_redraws_of_the_newest(view, qtbot):
    assert view.interval_ms >= 200  # the window's view: five a second at most
    view = shown(qtbot, DecisionView(refresh_ms=50), 620, 650)  # the same pacing, faster: the newest comes sooner
    trainer = Trainer.new(SPIRAL)
    view.set_run(reset_of(trainer))
    drawn = view.redraws
    snaps = []
    for _ in range(50):
        trainer.step(2)
        snaps.append(trainer.snapshot())
        view.show_snapshot(snaps[-1])
    qtbot.waitUntil(lambda: view.shown is snaps[-1], timeout=3000)
    assert view.redraws - drawn <= 2
    expected = predict(SPIRAL.model, snaps[-1].layers, view.grid)[1].reshape(GRID, GRID)
    np.testing.assert_allclose(view.image.image, expected, rtol=1e-12, atol=1e-15)


def test_redraws_come_at_most_five_times_a_second_while_snapshots_stream_in(view, qtbot):
    assert view.interval_ms >= 200  # the window's view: five a second at most
    view = shown(qtbot, DecisionView(refresh_ms=50), 620, 650)  # the same pacing at 20 a second: a quarter second will do
    trainer = Trainer.new(SPIRAL)
    view.set_run(reset_of(trainer))
    drawn = view.redraws
    sent = []

    def send() -> None:
        trainer.step(1)
        sent.append(trainer.snapshot())
        view.show_snapshot(sent[-1])

    feeder = QTimer(view)
    feeder.timeout.connect(send)
    began = time.monotonic()
    feeder.start(10)  # up to 100 snapshots a second
    qtbot.waitUntil(lambda: time.monotonic() - began > 0.25 and len(sent) >= 20 and view.redraws - drawn >= 2, timeout=5000)
    feeder.stop()
    elapsed = time.monotonic() - began
    redraws = view.redraws - drawn
    assert view.interval_ms >= 50
    assert redraws <= elapsed * 20 + 1  # twenty a second, and one due when the stream stopped
    qtbot.waitUntil(lambda: view.shown is sent[-1], timeout=3000)  # the last one is drawn once the stream stops


def test_a_hidden_view_does_not_redraw_and_catches_up_when_shown(qtbot):
    assert REFRESH_MS >= 200  # the window's view: five a second at most
    tabs = shown(qtbot, QWidget(), 620, 650)
    view = DecisionView(tabs, refresh_ms=50)  # the same pacing, faster: shown again, it catches up sooner
    view.resize(620, 650)
    view.show()
    qtbot.waitExposed(view)
    trainer = Trainer.new(XOR)
    view.set_run(reset_of(trainer))
    first = view.shown
    view.hide()  # another tab in front
    trainer.step(200)
    later = trainer.snapshot()
    view.show_snapshot(later)
    assert view.redraw_due_ms is None  # hidden: no redraw scheduled
    view.show_snapshot(later, now=True)
    assert view.shown is first and view.redraws == 1
    view.show()
    qtbot.waitUntil(lambda: view.shown is later, timeout=3000)
    assert view.redraws == 2
    np.testing.assert_allclose(view.image.image, predict(XOR.model, later.layers, view.grid)[0].reshape(GRID, GRID), rtol=1e-12)


def test_a_run_reset_while_hidden_is_drawn_when_shown(qtbot):
    view = DecisionView()
    qtbot.addWidget(view)
    trainer = Trainer.new(XOR)
    view.set_run(reset_of(trainer))
    assert view.shown is None
    view.resize(620, 650)
    view.show()
    qtbot.waitUntil(lambda: view.shown is not None, timeout=3000)


def test_regression_on_two_inputs_colours_the_predicted_value(view):
    trainer = Trainer.new(TrainConfig(layers=(2, 4, 1), data="notebook", batch_size=8))
    view.set_run(reset_of(trainer))
    assert view.kind == "plane"
    y = trainer.data.y[0]
    assert view.bar.levels() == (y.min(), y.max())
    np.testing.assert_allclose(view.image.image.ravel(), predict(trainer.config.model, trainer.snapshot().layers, view.grid)[0])
    brushes = view.train_points.data["brush"]
    assert brushes[int(np.argmax(y))].color() == end_colours()[1]  # the largest target: the red end of the classes' colours
    assert brushes[int(np.argmin(y))].color() == end_colours()[0]


@pytest.mark.parametrize("config, label", [
    (XOR, "P(class 1)"),
    (SPIRAL, "P(class 1)"),
    (XOR.with_changes(output="identity", loss="mse"), "network output ŷ (not a probability)"),
], ids=["sigmoid", "softmax", "identity"])
def test_the_colour_bar_names_what_is_drawn(view, qtbot, config, label):
    """A linear output on classes draws values that are no probabilities (they leave 0…1): the bar said P(class 1)."""
    trainer = Trainer.new(config)
    view.set_run(reset_of(trainer))
    assert view.bar.axis.labelText == label
