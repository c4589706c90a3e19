"""The Backprop view: the kernel's own z, a and δ for the shown batch, their formulas, and refreshes that are
coalesced and only happen while the view is visible."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.explain import backprop_pass
from mlp_gui.gui import backprop_view
from mlp_gui.gui.backprop_view import MAX_ROWS, MAX_SAMPLES, BackpropView, formulas
from mlp_gui.gui.session import RunReset
from tests.gui_helpers import shown


def reset_of(trainer: Trainer) -> RunReset:
    """What the session emits for ``trainer``'s run."""
    snap = trainer.snapshot()
    return RunReset(trainer.config, 1000, snap, trainer.x.copy(), trainer.y.copy(), trainer.loss_history.copy(),
                    None, trainer.data, {})


@pytest.fixture
def view(qtbot):
    """The view with its own least interval, never waiting longer than that (a loaded machine's costly refresh would
    stretch it to two seconds: waiting, not testing)."""
    return shown(qtbot, BackpropView(max_refresh_ms=backprop_view.REFRESH_MS), 900, 650)


@pytest.fixture
def counted(monkeypatch):
    """Every backprop_pass the view makes, counted."""
    calls = []
    original = backprop_view.backprop_pass

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(backprop_view, "backprop_pass", counting)
    return calls


@pytest.mark.parametrize("settings, epochs", [
    ({}, 0),  # the notebook's run: 3,4,4,2, all 5 samples
    ({"layers": (3, 8, 8, 2), "activation": "tanh,relu"}, 500),
    ({"layers": (2, 8, 8, 2), "activation": "tanh", "data": "circles", "output": "softmax", "loss": "cross-entropy",
      "init": "xavier", "batch_size": 0, "stepsize": 0.5}, 50),  # 160 training samples: the first 64 shown
    ({"layers": (2, 100, 3, 1), "activation": "relu", "data": "circles", "output": "sigmoid", "loss": "cross-entropy",
      "init": "he"}, 20),  # 100 hidden units: the first 64 rows drawn
])
def test_the_arrays_drawn_are_the_kernels(view, qtbot, settings, epochs):
    trainer = Trainer.new(TrainConfig(**settings))
    trainer.step(epochs)
    view.set_run(reset_of(trainer))
    qtbot.waitUntil(lambda: view.refreshes == 1, timeout=5000)

    m = min(trainer.x.shape[1], MAX_SAMPLES)
    step = backprop_pass(trainer.config.model, trainer.layers, trainer.x[:, :m], trainer.y[:, :m], trainer.config.stepsize)
    assert view.step.loss == step.loss
    for layer, z_view, a_view, d_view in zip(step.layers, view.zs, view.acts, view.deltas):
        for array_view, array in ((z_view, layer.z), (a_view, layer.a), (d_view, layer.delta)):
            np.testing.assert_array_equal(array_view.image.image, array[:MAX_ROWS])
            assert array_view.image.image.shape == (min(array.shape[0], MAX_ROWS), m)
            assert array_view.bar.levels() == (-array_view.limit, array_view.limit)
            assert array_view.limit >= np.abs(array[:MAX_ROWS]).max()  # symmetric, centred on 0
    np.testing.assert_array_equal(view.inputs.image.image, trainer.x[:MAX_ROWS, :m])
    np.testing.assert_array_equal(view.targets.image.image, trainer.y[:, :m])
    assert len(view.zs) == trainer.config.model.n_layers
    wide = [v for v in view.zs + view.acts + view.deltas if v.units > MAX_ROWS]
    assert all(f"first {MAX_ROWS} of {v.units} units" in v.title_text for v in wide)
    if trainer.x.shape[1] > MAX_SAMPLES:
        assert f"the first {MAX_SAMPLES} of {trainer.x.shape[1]} training samples" in view.summary.text()


def test_formulas_name_the_activations_and_the_loss(view, qtbot):
    trainer = Trainer.new(TrainConfig(layers=(3, 8, 8, 2), activation="tanh,relu"))
    view.set_run(reset_of(trainer))
    qtbot.waitUntil(lambda: view.refreshes == 1, timeout=5000)

    titles = [v.title_text for v in view.zs + view.acts + view.deltas]
    for text in ("z₁ = W₁ a₀ + b₁", "a₁ = tanh(z₁)", "a₂ = relu(z₂)", "a₃ = identity(z₃) = ŷ",
                 "δ₁ = (W₂ᵀ δ₂) ⊙ tanh′(z₁)", "tanh′ = 1−a²", "δ₂ = (W₃ᵀ δ₃) ⊙ relu′(z₂)", "δ₃ = ∂L/∂z₃",
                 "mse with identity: (ŷ − y)/M"):
        assert any(text in title for title in titles), text
    assert f"Loss L = {view.step.loss:.6g}" in view.summary.text()
    assert "L = (1/M) Σ ½(ŷ − y)²" in view.summary.text()

    xent = formulas(TrainConfig(layers=(2, 4, 2), data="circles", output="softmax", loss="cross-entropy"), 2)
    assert (xent.delta, xent.delta_note) == ("δ₂ = ∂L/∂z₂", "cross-entropy with softmax: (ŷ − y)/M")


def test_refreshes_are_coalesced(qtbot, counted):
    # an interval no test outlasts: a refresh waits its turn however loaded the machine, and flush() ends the wait
    # (that the turn comes when due is the pacer's own test: test_gui_pacing)
    view = shown(qtbot, BackpropView(refresh_ms=60_000, max_refresh_ms=60_000), 900, 650)
    trainer = Trainer.new(TrainConfig())
    view.set_run(reset_of(trainer))
    snaps = []
    for _ in range(20):  # as fast as the session can send them
        trainer.step(10)
        snaps.append(trainer.snapshot())
        view.show_snapshot(snaps[-1])
    view.flush()
    assert view.shown is snaps[-1] and view.refreshes == 1 and len(counted) == 1  # one backprop pass, of the newest

    trainer.step(10)
    view.show_snapshot(trainer.snapshot())  # just after a refresh: waits out the interval
    assert view.redraw_due_ms is not None and view.redraw_due_ms > 30_000 and view.refreshes == 1
    view.flush()
    assert view.refreshes == 2 and len(counted) == 2 and view.shown.epoch == 210 and view.redraw_due_ms is None


def test_refreshes_only_while_visible(qtbot, counted):
    # a short interval: what is checked is whether it draws (hidden: not), not when; shown, it catches up at once
    view = shown(qtbot, BackpropView(refresh_ms=10, max_refresh_ms=10), 900, 650)
    trainer = Trainer.new(TrainConfig())
    view.set_run(reset_of(trainer))
    qtbot.waitUntil(lambda: view.refreshes == 1, timeout=5000)
    view.hide()
    trainer.step(100)
    view.show_snapshot(trainer.snapshot())
    assert view.redraw_due_ms is None  # nothing scheduled while hidden, so nothing drawn
    assert view.refreshes == 1 and len(counted) == 1 and view.shown.epoch == 0

    view.show()  # caught up on showing
    qtbot.waitUntil(lambda: view.refreshes == 2, timeout=5000)
    assert view.shown.epoch == 100 and len(counted) == 2


def test_a_hidden_view_draws_a_new_run_when_shown(qtbot, counted):
    view = shown(qtbot, BackpropView(), 900, 650, exposed=False)
    view.hide()
    view.set_run(reset_of(Trainer.new(TrainConfig())))
    assert view.refreshes == 0 and counted == []
    view.show()
    qtbot.waitUntil(lambda: view.refreshes == 1, timeout=5000)
    assert view.zs[0].image.image.shape == (4, 5)


def test_a_deep_network_scrolls(view, qtbot):
    view.set_run(reset_of(Trainer.new(TrainConfig(layers=(3, 4, 4, 4, 4, 4, 4, 2)))))
    qtbot.waitUntil(lambda: view.refreshes == 1, timeout=5000)
    assert len(view.deltas) == 7
    assert view.view.minimumHeight() >= 9 * 140


def test_the_summary_is_readable_on_a_dark_desktop(view, qtbot):
    """The quieter line (the loss's formula, how to read the view) was grey on a dark palette's grey."""
    from tests.contrast_checks import dark_desktop, low_contrast

    view.set_run(reset_of(Trainer.new(TrainConfig())))
    qtbot.waitUntil(lambda: view.refreshes == 1, timeout=5000)
    with dark_desktop():
        assert "Rows are units" in view.summary.text() and low_contrast(view.summary) == []
    assert low_contrast(view.summary) == []


@pytest.mark.parametrize("width", [700, 900])
def test_no_title_runs_into_its_colour_bars_ticks(qtbot, width):
    """'cross-entropy with softmax: (ŷ − y)/M' under δ₂ overhung its plot onto the colour bar's top tick '6'."""
    from tests.image_axes_checks import overlaps, plot_texts

    view = shown(qtbot, BackpropView(max_refresh_ms=backprop_view.REFRESH_MS), width, 650)
    trainer = Trainer.new(TrainConfig(layers=(2, 8, 2), activation="tanh", data="circles", output="softmax",
                                      loss="cross-entropy", init="xavier", stepsize=1.0))
    trainer.step(30)
    view.set_run(reset_of(trainer))
    qtbot.waitUntil(lambda: view.refreshes >= 1, timeout=5000)
    view.grab()
    for v in view.zs + view.acts + view.deltas:
        assert overlaps(plot_texts(v.plot, v.bar)) == [], v.title_text
