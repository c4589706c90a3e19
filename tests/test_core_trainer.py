"""The trainer reproduces the course notebook's printed numbers."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer, initialize, loss_and_grads
from mlp_gui.core.explain import layer_norms
from mlp_gui.core.flat_layout import flatten
from mlp_gui.core.runfile import SavedRun, run_from_trainer
from tests import notebook_data as nb


@pytest.fixture
def trained(notebook_trained) -> Trainer:
    return notebook_trained


def test_initial_loss_is_the_notebooks():
    trainer = Trainer.new(TrainConfig())
    assert trainer.epoch == 0
    assert trainer.loss == nb.INITIAL_LOSS
    assert trainer.loss_history.tolist() == [nb.INITIAL_LOSS]


def test_initial_gradients_match_the_printout():
    trainer = Trainer.new(TrainConfig())
    printed = nb.printed_gradients()
    assert len(printed) == 6
    for grad, expected in zip(trainer.flat_grads, printed):
        assert grad.shape == expected.shape
        # printed with 8 significant digits, or 8 decimals in fixed notation
        np.testing.assert_allclose(grad, expected, rtol=5e-8, atol=5e-9)


def test_initial_gradients_agree_with_the_reference_to_1e12():
    cfg = TrainConfig()
    layers, x, y = initialize(cfg)
    loss, grads = loss_and_grads(cfg.model, layers, x, y)
    trainer = Trainer.new(cfg)
    for a, b in zip(trainer.flat_grads, flatten(grads)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
    assert loss == nb.INITIAL_LOSS


def test_initialisation_draws_in_the_notebooks_order():
    rng = np.random.RandomState(12345)
    w1, w2, w3 = rng.randn(4, 3) * 0.01, rng.randn(4, 4) * 0.01, rng.randn(2, 4) * 0.01
    x, y = rng.rand(3, 5), rng.randn(2, 5)
    layers, x2, y2 = initialize(TrainConfig())
    for got, want in zip(flatten(layers), [w1, np.zeros(4), w2, np.zeros(4), w3, np.zeros(2)]):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


def test_global_random_state_is_left_alone():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    Trainer.new(TrainConfig())
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_loss_after_100000_epochs(trained):
    assert trained.epoch == 100_000
    assert len(trained.loss_history) == 100_001
    assert trained.loss == pytest.approx(nb.LOSS_AFTER_FIRST_100000, rel=1e-8)


def test_final_parameters_match_the_notebooks_last_cell(trained):
    for got, printed in zip(trained.params, nb.printed_final_parameters()):
        assert got.shape == printed.shape
        np.testing.assert_allclose(got, printed, rtol=0, atol=5e-9)  # printed to 8 decimals


def test_second_100000_epochs_match_the_printed_cell(notebook_continued):
    again = notebook_continued
    segment = again.loss_history[100_000:]
    for epoch, loss in nb.printed_losses_second_run().items():
        assert segment[epoch] == pytest.approx(loss, rel=1e-5), epoch
    assert again.loss == pytest.approx(nb.LOSS_AFTER_SECOND_100000, rel=1e-5)


def test_step_matches_the_reference_bit_for_bit():
    cfg = TrainConfig(layers=(3, 5, 4, 3, 2), batch_size=6, seed=3, stepsize=0.5)
    trainer = Trainer.new(cfg)
    layers, x, y = initialize(cfg)
    params = flatten(layers)
    loss, grads = loss_and_grads(cfg.model, layers, x, y)
    losses = [loss]
    for _ in range(50):
        params = [p - g * cfg.stepsize for p, g in zip(params, flatten(grads))]
        loss, grads = loss_and_grads(cfg.model, [(params[i], params[i + 1]) for i in range(0, len(params), 2)], x, y)
        losses.append(loss)
    new = trainer.step(50)
    assert new.tolist() == losses[1:]
    for a, b in zip(trainer.params + trainer.flat_grads, params + flatten(grads)):
        np.testing.assert_array_equal(a, b)


def test_chunked_steps_equal_one_long_step():
    one, many = Trainer.new(TrainConfig(), capacity=1000), Trainer.new(TrainConfig(), capacity=1000)
    one.step(1000)
    chunks = [many.step(n) for n in (1, 10, 89, 400, 500)]
    np.testing.assert_array_equal(np.concatenate(chunks), one.loss_history[1:])
    np.testing.assert_array_equal(many.loss_history, one.loss_history)


def test_history_grows_past_the_planned_epochs():
    trainer = Trainer.new(TrainConfig(), capacity=5)
    trainer.step(5)
    trainer.step(1000)
    assert trainer.epoch == 1005 and len(trainer.loss_history) == 1006


def test_zero_and_negative_step_do_nothing():
    trainer = Trainer.new(TrainConfig())
    assert trainer.step(0).size == 0 and trainer.step(-3).size == 0 and trainer.epoch == 0


def test_snapshot_is_a_copy():
    trainer = Trainer.new(TrainConfig())
    snap = trainer.snapshot()
    trainer.step(10)
    assert snap.epoch == 0 and snap.loss == nb.INITIAL_LOSS
    assert not np.array_equal(snap.params[0], trainer.params[0])
    assert snap.names == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [p.shape for p in snap.flat_grads] == [(4, 3), (4,), (4, 4), (4,), (2, 4), (2,)]
    assert [layer.W.shape for layer in snap.layers] == [(4, 3), (4, 4), (2, 4)]


def test_divergence_stops_at_the_first_non_finite_loss():
    trainer = Trainer.new(TrainConfig(stepsize=1000))
    losses = trainer.step(1000)
    assert trainer.diverged_at is not None
    assert trainer.diverged_at == len(losses) and trainer.epoch == trainer.diverged_at - 1
    assert not np.isfinite(losses[-1]) and np.all(np.isfinite(losses[:-1]))
    assert trainer.diverged_loss == losses[-1] or np.isnan(trainer.diverged_loss)
    np.testing.assert_array_equal(trainer.loss_history[1:], losses)  # the history shows what happened
    assert trainer.step(10).size == 0  # a diverged run takes no more steps


def test_a_diverged_run_keeps_its_last_finite_parameters_exactly():
    """Replayed from the chunk's start, bit for bit: continuing it with a smaller stepsize is a real option."""
    diverged = Trainer.new(TrainConfig(stepsize=1000))
    diverged.step(5)  # a chunk boundary before the divergence
    diverged.step(1000)
    last_finite = Trainer.new(TrainConfig(stepsize=1000))
    last_finite.step(diverged.epoch)
    for a, b in zip(diverged.params + diverged.flat_grads, last_finite.params + last_finite.flat_grads):
        np.testing.assert_array_equal(a, b)
    assert diverged.loss == last_finite.loss and np.isfinite(diverged.loss)


def test_two_layer_network_without_hidden_layers():
    trainer = Trainer.new(TrainConfig(layers=(3, 2)))
    layers, x, y = initialize(trainer.config)
    assert trainer.loss == loss_and_grads(trainer.config.model, layers, x, y)[0]
    trainer.step(100)
    assert trainer.loss < trainer.loss_history[0]


def test_memory_is_parameters_plus_history():
    trainer = Trainer.new(TrainConfig(), capacity=10_000)
    owned = trainer._theta.nbytes + trainer._grad.nbytes + trainer._update.nbytes + trainer._history.nbytes
    assert trainer._history.nbytes == 8 * 10_001
    trainer.step(10_000)
    assert trainer._theta.nbytes + trainer._grad.nbytes + trainer._update.nbytes + trainer._history.nbytes == owned


def test_saved_run_continues_identically():
    straight = Trainer.new(TrainConfig())
    straight.step(300)
    half = Trainer.new(TrainConfig())
    half.step(150)
    resumed = SavedRun.trainer(run_from_trainer(half), extra_epochs=150)
    resumed.step(150)
    np.testing.assert_array_equal(resumed.loss_history, straight.loss_history)


def test_parameters_are_views_of_one_flat_buffer():
    """The update is one vector operation because every W and b is a view into one buffer."""
    trainer = Trainer.new(TrainConfig(layers=(3, 5, 4, 2)))
    for layer in trainer.layers:
        assert np.shares_memory(layer.W, trainer._theta) and np.shares_memory(layer.b, trainer._theta)
    trainer._theta[...] = 7.0
    assert all(np.all(layer.W == 7.0) and np.all(layer.b == 7.0) for layer in trainer.layers)


def test_set_stepsize_applies_from_the_next_epoch():
    a, b = Trainer.new(TrainConfig()), Trainer.new(TrainConfig(stepsize=0.5))
    a.step(10)
    a.set_stepsize(0.5)
    a.step(10)
    b.step(20)
    assert a.loss_history[10] != b.loss_history[10]  # the first 10 epochs used 0.1
    assert a.config.stepsize == 0.5 and a.epoch == 20


def test_a_snapshot_tells_the_views_the_next_step_as_they_computed_it():
    """Snapshot.updates and update_norms: what the heatmaps' ΔW (−η·g) and gradient flow's |η|·‖g‖ were, to the bit."""
    trainer = Trainer.new(TrainConfig())
    trainer.step(30)
    snap = trainer.snapshot()
    for change, grad in zip(snap.updates(0.37), snap.grads):
        np.testing.assert_array_equal(change.W, -0.37 * grad.W, strict=True)
        np.testing.assert_array_equal(change.b, -0.37 * grad.b, strict=True)
    assert snap.update_norms(-0.37).tolist() == (abs(-0.37) * np.array([layer_norms(snap.grads)]))[0].tolist()
    assert snap.update_norms(0.1).tolist() == trainer.norms.rows().update[-1].tolist()


def test_the_initial_snapshot_is_epoch_0_recomputed():
    trainer = Trainer.new(TrainConfig())
    at_start = trainer.initial_snapshot()
    trainer.step(25)
    again = trainer.initial_snapshot()
    assert again.epoch == 0 and again.loss == at_start.loss == nb.INITIAL_LOSS and again.rule_state == {}
    for a, b in zip(again.params + again.flat_grads, at_start.params + at_start.flat_grads):
        np.testing.assert_array_equal(a, b, strict=True)
