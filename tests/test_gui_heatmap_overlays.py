"""What the heatmap panel draws beside and over its matrices for issue 19: the optimizer's state as columns (View
menu), exact zeros hatched, one weight outlined in every column, the update column's heading and hover for any
optimizer (penalty and decayed stepsize included), and the run's input features naming W1's columns."""

from dataclasses import replace

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.gui.heatmap_overlays import STATE_TEXT
from mlp_gui.gui.heatmaps import HeatmapPanel
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, shown
from tests.hover_checks import hover_text

# the two window tests only start new (untrained) runs: they share one window, put back and checked after each
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


@pytest.fixture
def panel(qtbot):
    return shown(qtbot, HeatmapPanel(), 900, 700)


def trained(epochs: int = 30, **settings):
    trainer = Trainer.new(TrainConfig(**settings))
    trainer.step(epochs)
    return trainer.snapshot()


def test_adams_m_and_root_v_are_columns_beside_the_weights(panel):
    snap = trained(optimizer="adam")
    panel.show_snapshot(snap, now=True)
    state = panel.overlays.state
    state.set_shown(True)
    assert [len(views) for views in state.views] == [3, 3]
    m_views, v_views = state.views
    for n, (layer, m, root_v) in enumerate(zip(snap.layers, m_views, v_views), start=1):
        rows, cols = layer.W.shape
        flat_m, flat_v = snap.rule_state["exp_avg"], snap.rule_state["exp_avg_sq"]
        assert m.title.startswith(f"m of W{n}") and root_v.title.startswith(f"√v of W{n}")
        assert m.matrix.shape == (rows, cols) and root_v.bias.shape == (rows,)
    start = 0  # layer 1's W comes first in the flat buffers
    w1 = snap.layers[0].W
    np.testing.assert_array_equal(m_views[0].matrix, flat_m[start:start + w1.size].reshape(w1.shape))
    np.testing.assert_array_equal(v_views[0].matrix, np.sqrt(flat_v[start:start + w1.size]).reshape(w1.shape))
    headers = " ".join(h.full_text for h in state.headers)  # shown whole, or shortened with this on hover
    assert "Adam's m" in headers and "Adam's √v" in headers and "like every other layer" in state.note
    assert hover_text(m_views[0], 1, 0).startswith(f"m_W1[1, 0] = {float(m_views[0].matrix[1, 0])!r}")
    state.set_shown(False)
    assert state.views == [] and state.headers == []


def test_momentum_shows_its_velocity_and_plain_descent_says_it_keeps_none(panel):
    snap = trained(optimizer="momentum")
    panel.set_show_updates(True)
    panel.show_snapshot(snap, now=True)
    state = panel.overlays.state
    state.set_shown(True)
    (velocity,) = state.views
    b3 = snap.layers[2].b
    np.testing.assert_array_equal(velocity[2].bias, snap.rule_state["velocity"][-b3.size:])  # b3: the last parameters
    panel.show_snapshot(trained(), now=True)  # gd: a note instead of heatmaps
    assert state.views == [] and "plain gradient descent remembers nothing" in state.note
    assert state.headers[0].full_text == "optimizer state: none"


def test_the_update_column_is_the_optimizers_step_with_its_penalty_and_decayed_stepsize(panel):
    snap = trained(7, optimizer="momentum", l2=0.01, decay_every=3, decay_factor=0.5)
    panel.set_stepsize(0.1)
    panel.set_show_updates(True)
    panel.show_snapshot(snap, now=True)
    updates = snap.updates(0.1)
    np.testing.assert_array_equal(panel.updates[1].matrix, updates[1].W)
    heading = panel.headers[2].full_text
    assert "ΔW = −0.025 · v, with L2" in heading  # η × 0.5² at epoch 7; the penalty named (its formula in the hover)
    assert "v ← μ·v + g" in hover_text(panel.updates[0], 0, 0) and "λ₂·W" in hover_text(panel.updates[0], 0, 0)
    plain = trained(7, decay_every=3, decay_factor=0.5)
    panel.show_snapshot(plain, now=True)
    assert "ΔW = −0.025·∂L/∂W" in panel.headers[2].full_text
    assert "= −0.025 × ∂L/∂W1[0, 0]" in hover_text(panel.updates[0], 0, 0)


def test_exact_zeros_are_hatched_and_a_legend_says_so(panel):
    snap = trained(50, optimizer="gd")  # exact zeros are marked with or without a penalty
    panel.show_snapshot(snap, now=True)
    assert panel.overlays.zeros == 0 and panel.overlays.legend is None
    layers = list(snap.layers)
    w2 = snap.layers[1].W.copy()
    w2[0, 1] = w2[3, 2] = 0.0
    layers[1] = type(snap.layers[1])(w2, snap.layers[1].b)
    panel.show_snapshot(replace(snap, layers=layers), now=True)
    hatch = panel.weights[1].zero_hatch
    assert hatch.zeros == 2 and panel.overlays.zeros == 2
    assert hatch.mask[0, 1] and hatch.mask[3, 2] and not hatch.mask[0, 0]
    assert "weights at 0: exactly" in panel.overlays.legend.full_text
    image = panel.grab().toImage()  # painted: the hatch lines make the zero cell not a plain white one
    assert not image.isNull()
    panel.show_snapshot(snap, now=True)
    assert panel.overlays.zeros == 0 and panel.overlays.legend is None


def test_a_highlight_outlines_the_weight_in_every_column_and_survives_a_rebuild(panel):
    snap = trained(5, optimizer="adam")
    panel.show_snapshot(snap, now=True)
    panel.highlight(WeightRef(2, 1, 3))
    items = panel.overlays.highlight.items
    assert len(items) == 2 and {item.rect().topLeft().toTuple() for item in items} == {(3.0, 1.0)}
    assert all(item.pen().isCosmetic() and item.pen().widthF() == 2 for item in items)
    panel.set_show_updates(True)  # a rebuild: the outline is put on the new views
    panel.overlays.state.set_shown(True)
    assert len(panel.overlays.highlight.items) == 3 + 2  # W, ∂L/∂W, ΔW, m and √v
    panel.highlight(WeightRef(3, 0))  # a bias: after the 4 columns of W3 and the gap
    assert {item.rect().topLeft().toTuple() for item in panel.overlays.highlight.items} == {(5.0, 0.0)}
    panel.highlight(None)
    assert panel.overlays.highlight.items == []


def test_the_first_layers_columns_are_named_by_the_runs_features(lent_window, qtbot):
    window = lent_window
    config = TrainConfig(data="xor", layers=(3, 4, 1), features="x1,x1sq,sinx2", output="sigmoid", loss="cross-entropy",
                         samples=40)
    window.session.new_run(config, 100)
    qtbot.waitUntil(lambda: window.session.config == config, timeout=TIMEOUT_MS)
    heatmaps = window.heatmaps
    qtbot.waitUntil(lambda: heatmaps.weights and heatmaps.weights[0].matrix.shape == (4, 3), timeout=TIMEOUT_MS)
    assert "(into unit 2 from input x₀²)" in hover_text(heatmaps.weights[0], 2, 1)
    assert "from input sin x₁" in hover_text(heatmaps.gradients[0], 0, 2)


def test_the_view_menu_switches_the_state_columns_on(lent_window, qtbot):
    window = lent_window
    (action,) = [a for a in window.menus["View"].actions() if a.text() == STATE_TEXT]
    assert action.isCheckable() and not action.isChecked()
    config = TrainConfig(optimizer="momentum")
    window.session.new_run(config, 100)
    qtbot.waitUntil(lambda: window.session.config == config, timeout=TIMEOUT_MS)
    action.trigger()
    state = window.heatmaps.overlays.state
    qtbot.waitUntil(lambda: len(state.views) == 1, timeout=TIMEOUT_MS)
    assert "velocity v" in state.headers[0].full_text
    action.trigger()
    assert state.views == []


def test_weights_an_l1_penalty_holds_at_zero_are_hatched_too(panel):
    """Plain L1 descent never lands on 0.0: it flips a weight across 0 each step. Hatched: the weights whose data pull
    |∂L/∂w| is weaker than λ₁ and that lie within their next step of 0 — and only those."""
    config = dict(data="circles", layers=(2, 8, 8, 1), activation="tanh", output="sigmoid", loss="cross-entropy",
                  stepsize=1.0, batch_size=0, init="xavier")
    snap = trained(1500, l1=0.001, **config)
    panel.show_snapshot(snap, now=True)
    expected = [(np.abs(g.W) < 0.001) & (np.abs(w.W) <= np.abs(u.W)) & (np.abs(w.W) <= 0.01 * np.abs(w.W).max())
                for w, g, u in zip(snap.layers, snap.grads, snap.updates(panel.stepsize))]
    assert sum(int(m.sum()) for m in expected) >= 3  # L1 is making the net sparse
    for view, mask in zip(panel.weights, expected):
        np.testing.assert_array_equal(view.zero_hatch.mask, mask)
    assert "held there by L1" in panel.overlays.legend.full_text
    panel.show_snapshot(trained(1500, **config), now=True)  # no penalty: nothing held
    assert panel.overlays.zeros == 0


def test_an_adaptive_rules_first_step_does_not_hatch_large_weights(panel):
    """Adam's first step is about η whatever the gradient: at η = 1 every weight of the fresh network was 'within one
    step of 0', and 0.88 was hatched as held at zero by L1. Only weights near zero are."""
    config = dict(data="circles", layers=(2, 8, 8, 1), activation="tanh", output="sigmoid", loss="cross-entropy",
                  stepsize=1.0, batch_size=0, init="xavier", optimizer="adam", l1=0.001)
    snap = trained(0, **config)
    panel.show_snapshot(snap, now=True)
    for view, layer in zip(panel.weights, snap.layers):
        hatched = np.abs(layer.W)[view.zero_hatch.mask]
        assert hatched.size == 0 or hatched.max() <= 0.01 * np.abs(layer.W).max(), (view.name, hatched.max())
