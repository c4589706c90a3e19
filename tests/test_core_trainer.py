"""The trainer reproduces the course notebook's printed numbers."""

import numpy as np
import pytest

from mlp_gui.core import Trainer, TrainConfig, initialize, loss_and_grads
from mlp_gui.core.runfile import SavedRun, run_from_trainer
from tests import notebook_data as nb


@pytest.fixture(scope="module")
def trained() -> Trainer:
    trainer = Trainer(TrainConfig())
    trainer.step(100_000)
    return trainer


def test_initial_loss_is_the_notebooks():
    trainer = Trainer(TrainConfig())
    assert trainer.epoch == 0
    assert trainer.loss == nb.INITIAL_LOSS
    assert trainer.loss_history.tolist() == [nb.INITIAL_LOSS]


def test_initial_gradients_match_the_printout():
    trainer = Trainer(TrainConfig())
    printed = nb.printed_gradients()
    assert len(printed) == 6
    for grad, expected in zip(trainer.grads, printed):
        assert grad.shape == expected.shape
        # printed with 8 significant digits, or 8 decimals in fixed notation
        np.testing.assert_allclose(grad, expected, rtol=5e-8, atol=5e-9)


def test_initial_gradients_agree_with_the_reference_to_1e12():
    params, x, y = initialize(TrainConfig())
    loss, grads = loss_and_grads(params, x, y)
    trainer = Trainer(TrainConfig())
    for a, b in zip(trainer.grads, grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
    assert loss == nb.INITIAL_LOSS


def test_initialisation_draws_in_the_notebooks_order():
    rng = np.random.RandomState(12345)
    w1, w2, w3 = rng.randn(4, 3) * 0.01, rng.randn(4, 4) * 0.01, rng.randn(2, 4) * 0.01
    x, y = rng.rand(3, 5), rng.randn(2, 5)
    params, x2, y2 = initialize(TrainConfig())
    for got, want in zip(params, [w1, np.zeros(4), w2, np.zeros(4), w3, np.zeros(2)]):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


def test_global_random_state_is_left_alone():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    Trainer(TrainConfig())
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_loss_after_100000_epochs(trained):
    assert trained.epoch == 100_000
    assert len(trained.loss_history) == 100_001
    assert trained.loss == pytest.approx(nb.LOSS_AFTER_FIRST_100000, rel=1e-8)


def test_final_parameters_match_the_notebooks_last_cell(trained):
    for got, printed in zip(trained.params, nb.printed_final_parameters()):
        assert got.shape == printed.shape
        np.testing.assert_allclose(got, printed, rtol=0, atol=5e-9)  # printed to 8 decimals


def test_second_100000_epochs_match_the_printed_cell(trained):
    run = run_from_trainer(trained)
    again = run.trainer(extra_epochs=100_000)
    again.step(100_000)
    segment = again.loss_history[100_000:]
    for epoch, loss in nb.printed_losses_second_run().items():
        assert segment[epoch] == pytest.approx(loss, rel=1e-5), epoch
    assert again.loss == pytest.approx(nb.LOSS_AFTER_SECOND_100000, rel=1e-5)


def test_step_matches_the_reference_bit_for_bit():
    cfg = TrainConfig(layers=(3, 5, 4, 3, 2), batch_size=6, seed=3, stepsize=0.5)
    trainer = Trainer(cfg)
    params, x, y = initialize(cfg)
    loss, grads = loss_and_grads(params, x, y)
    losses = [loss]
    for _ in range(50):
        params = [p - g * cfg.stepsize for p, g in zip(params, grads)]
        loss, grads = loss_and_grads(params, x, y)
        losses.append(loss)
    new = trainer.step(50)
    assert new.tolist() == losses[1:]
    for a, b in zip(trainer.params + trainer.grads, params + grads):
        np.testing.assert_array_equal(a, b)


def test_chunked_steps_equal_one_long_step():
    one, many = Trainer(TrainConfig(epochs=1000)), Trainer(TrainConfig(epochs=1000))
    one.step(1000)
    chunks = [many.step(n) for n in (1, 10, 89, 400, 500)]
    np.testing.assert_array_equal(np.concatenate(chunks), one.loss_history[1:])
    np.testing.assert_array_equal(many.loss_history, one.loss_history)


def test_history_grows_past_the_planned_epochs():
    trainer = Trainer(TrainConfig(epochs=5))
    trainer.step(5)
    trainer.step(1000)
    assert trainer.epoch == 1005 and len(trainer.loss_history) == 1006


def test_zero_and_negative_step_do_nothing():
    trainer = Trainer(TrainConfig())
    assert trainer.step(0).size == 0 and trainer.step(-3).size == 0 and trainer.epoch == 0


def test_snapshot_is_a_copy():
    trainer = Trainer(TrainConfig())
    snap = trainer.snapshot()
    trainer.step(10)
    assert snap.epoch == 0 and snap.loss == nb.INITIAL_LOSS
    assert not np.array_equal(snap.params[0], trainer.params[0])
    assert snap.names == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [p.shape for p in snap.grads] == [(4, 3), (4,), (4, 4), (4,), (2, 4), (2,)]


def test_divergence_stops_at_the_first_non_finite_loss():
    trainer = Trainer(TrainConfig(stepsize=1000, epochs=1000))
    losses = trainer.step(1000)
    assert trainer.diverged_at is not None
    assert trainer.epoch == trainer.diverged_at == len(losses)
    assert not np.isfinite(losses[-1]) and np.all(np.isfinite(losses[:-1]))
    assert trainer.step(10).size == 0  # a diverged run takes no more steps


def test_two_layer_network_without_hidden_layers():
    trainer = Trainer(TrainConfig(layers=(3, 2)))
    params, x, y = initialize(trainer.config)
    assert trainer.loss == loss_and_grads(params, x, y)[0]
    trainer.step(100)
    assert trainer.loss < trainer.loss_history[0]


def test_memory_is_parameters_plus_history():
    trainer = Trainer(TrainConfig(epochs=10_000))
    owned = trainer._theta.nbytes + trainer._grad.nbytes + trainer._update.nbytes + trainer._history.nbytes
    assert trainer._history.nbytes == 8 * 10_001
    trainer.step(10_000)
    assert trainer._theta.nbytes + trainer._grad.nbytes + trainer._update.nbytes + trainer._history.nbytes == owned


def test_saved_run_continues_identically():
    straight = Trainer(TrainConfig(epochs=300))
    straight.step(300)
    half = Trainer(TrainConfig(epochs=150))
    half.step(150)
    resumed = SavedRun.trainer(run_from_trainer(half), extra_epochs=150)
    resumed.step(150)
    np.testing.assert_array_equal(resumed.loss_history, straight.loss_history)
