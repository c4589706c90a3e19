"""One weight, explained (the core): per-sample terms sum to the kernel's gradient; the next value is the step's."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.one_weight import WeightRef, weight_history, weight_step


@pytest.mark.parametrize("ref", [WeightRef(1, 2, 0), WeightRef(2, 3, 1), WeightRef(3, 1, 2), WeightRef(2, 0), WeightRef(3, 1)])
def test_per_sample_terms_sum_to_the_kernels_gradient_and_the_next_value_is_the_steps(ref):
    trainer = Trainer.new(TrainConfig())
    trainer.step(250)
    step = weight_step(trainer.config.model, trainer.layers, trainer.x, trainer.y, 0.1, ref, trainer.epoch)
    assert step.samples == 5 and step.value == ref.of(trainer.layers)
    assert step.gradient == ref.of(trainer.grads)  # the kernel's own number, to the bit
    np.testing.assert_allclose(step.terms.sum(), step.gradient, rtol=1e-12, atol=1e-300)
    trainer.step(1)
    assert ref.of(trainer.layers) == step.next_value


def test_mini_batch_data_sets_sum_over_the_whole_training_set():
    trainer = Trainer.new(TrainConfig(data="xor", layers=(2, 5, 1), samples=200, batch_size=32, output="sigmoid",
                                  loss="cross-entropy", init="xavier", activation="tanh"))
    trainer.step(3)
    ref = WeightRef(1, 4, 1)
    step = weight_step(trainer.config.model, trainer.layers, trainer.x, trainer.y, trainer.stepsize, ref, trainer.epoch)
    assert step.samples == trainer.x.shape[1] and step.input_name == "x[1, s]"
    np.testing.assert_allclose(step.terms.sum(), ref.of(trainer.grads), rtol=1e-12)


def test_the_history_reads_every_snapshot_and_recomputes_some_gradients():
    trainer = Trainer.new(TrainConfig())
    for _ in range(40):
        trainer.step(50)
    ref = WeightRef(2, 1, 3)
    store = trainer.snapshots
    history = weight_history(trainer.config.model, trainer.layers, store.epochs, store.rows, trainer.x, trainer.y, ref,
                             max_points=10)
    assert history.epochs.tolist() == store.epochs and history.values[-1] == ref.of(trainer.layers)
    assert len(history.grads) == 10 and history.grad_epochs[0] == 0 and history.grad_epochs[-1] == 2000
    assert history.grads[-1] == ref.of(trainer.grads)


def test_a_reference_out_of_the_network_is_refused():
    with pytest.raises(IndexError, match="no W2\\[4, 0\\]"):
        WeightRef(2, 4, 0).index((3, 4, 4, 2))


def test_inputs_are_named_as_every_view_names_them():
    """0-based as the weight indices: W1[2, 0] weighs input x₀ (row 0 of x); the panel said x0, the diagram x₁."""
    from mlp_gui.core.explain import input_symbol

    assert [input_symbol(j) for j in (0, 1, 12)] == ["x₀", "x₁", "x₁₂"]
    assert WeightRef(1, 2, 0).meaning == "the connection into unit 2 of layer 1 from input x₀"
    assert WeightRef(2, 2, 0).meaning == "the connection into unit 2 of layer 2 from unit 0 of layer 1"
