"""Predict, then see (issue 21 §4): every question's right answer is what the trainer's own Step 1 then does, checked by
taking that step, for many random runs (layers, activations, heads, data, mini-batches, stepsizes, a rule with state)."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.network import Kernel
from mlp_gui.core.predict import KINDS, NEGLIGIBLE, Score, draw_question, next_step, question_rng
from tests import toy_rules

HEADS = [("identity", "mse"), ("sigmoid", "mse"), ("softmax", "mse"), ("sigmoid", "cross-entropy"),
         ("softmax", "cross-entropy")]


class HeavyBall(toy_rules.HeavyBall):
    """v ← μ·v + g, θ ← θ − η·v: a rule with state, known only to this test (its sign can go against the gradient)."""

    name = "test-predict-heavy-ball"


def random_config(rng: np.random.Generator) -> TrainConfig:
    data = str(rng.choice(["notebook", "xor", "spiral", "sine", "gaussians"]))
    hidden = [int(n) for n in rng.integers(1, 6, size=rng.integers(0, 3))]
    outputs = 1 if data == "sine" else int(rng.choice([1, 2]))
    output, loss = HEADS[int(rng.integers(len(HEADS)))]
    if data in ("notebook", "sine") and loss == "cross-entropy":
        output, loss = "identity", "mse"
    if outputs == 1 and output == "softmax":
        output = "sigmoid"
    inputs = int(rng.integers(1, 5)) if data == "notebook" else (1 if data == "sine" else 2)
    activation = str(rng.choice(["sigmoid", "tanh", "relu", "linear"]))
    stepsize = float(rng.choice([0.01, 0.1, 0.5, 2.0, 8.0]))
    batch = int(rng.choice([0, 7, 16])) if data != "notebook" else int(rng.integers(1, 8))
    optimizer = str(rng.choice(["gd", "gd", "momentum", "adam", "rmsprop"]))  # the run's own rule, from its settings
    l1, l2 = (float(rng.choice([0.0, 0.01])) for _ in range(2))
    decay = dict(decay_every=int(rng.integers(1, 4)), decay_factor=0.5) if rng.random() < 0.3 else {}
    return TrainConfig(seed=int(rng.integers(1000)), layers=(inputs, *hidden, outputs), batch_size=batch, stepsize=stepsize,
                       activation=activation, output=output, loss=loss, init=str(rng.choice(["notebook", "xavier", "he"])),
                       data=data, samples=int(rng.choice([24, 60])), optimizer=optimizer, l1=l1, l2=l2,
                       **decay).validated()


def random_runs(count: int, seed: int):
    """Trainers, each trained a random number of epochs; every third with a rule that keeps state."""
    rng = np.random.default_rng(seed)
    for n in range(count):
        config = random_config(rng)
        trainer = Trainer.new(config, rule=HeavyBall(0.7) if n % 3 == 2 else None)
        trainer.step(int(rng.integers(0, 25)))
        if not trainer.diverged:
            yield trainer


def per_sample_gradient(trainer: Trainer, layer: int, row: int, col: int, sample: int) -> float:
    """∂ℓ_s/∂W[row, col] of one sample alone (the loss of a batch of one), by the kernel on that column only."""
    x, y = trainer.x[:, [sample]], trainer.y[:, [sample]]
    return float(Kernel(trainer.config.model).trace(trainer.layers, x, y).grads[layer - 1].W[row, col])


def test_the_coming_step_taken_on_copies_is_the_trainers_step_bit_for_bit():
    for trainer in random_runs(30, seed=1):
        snap = trainer.snapshot()
        coming = next_step(trainer.config, snap, trainer.x, trainer.y)
        trainer.step(1)
        np.testing.assert_equal(coming.loss_after, trainer.loss_history[snap.epoch + 1])  # inf or NaN alike
        if trainer.diverged:  # the trainer keeps its last finite weights: the loss question alone is asked then
            assert not np.isfinite(coming.loss_after)
            continue
        for mine, theirs in zip(coming.after, trainer.layers):
            np.testing.assert_array_equal(mine.W, theirs.W, strict=True)
            np.testing.assert_array_equal(mine.b, theirs.b, strict=True)
        for mine, before in zip(coming.before, snap.layers):  # the snapshot itself is left alone
            np.testing.assert_array_equal(mine.W, before.W, strict=True)


def test_every_answer_is_what_the_step_then_does():
    asked = dict.fromkeys(KINDS, 0)
    for trainer in random_runs(60, seed=2):
        snap = trainer.snapshot()
        questions = {k: draw_question(trainer.config, snap, trainer.x, trainer.y, kinds=(k,)) for k in KINDS}
        norms = [np.linalg.norm(g.W) for g in trainer.grads]  # the trainer's own gradient, before the step
        samples = {}
        if questions["sample"] is not None:
            q = questions["sample"]
            samples = {s: per_sample_gradient(trainer, q.ref.layer, q.ref.row, q.ref.col, s) for s in q.options}
            total = sum(per_sample_gradient(trainer, q.ref.layer, q.ref.row, q.ref.col, s)
                        for s in range(trainer.x.shape[1])) / trainer.x.shape[1]
            assert total == pytest.approx(q.ref.of(trainer.grads), rel=1e-9, abs=1e-15)  # the terms sum to ∂L/∂W
        trainer.step(1)
        for kind, q in questions.items():
            if q is None:
                continue
            asked[kind] += 1
            assert 2 <= len(q.choices) <= 4 and len(q.options) == len(q.choices) and q.epoch == snap.epoch
            right = q.options[q.answer]
            if kind == "sign":
                change = q.ref.of(trainer.layers) - q.ref.of(snap.layers)
                assert np.sign(change) == right
                every = [abs(a.W - b.W).max() for a, b in zip(trainer.layers, snap.layers)]
                assert abs(change) >= NEGLIGIBLE * max(every)  # never a cell the step hardly moves
            elif kind == "loss":
                assert (trainer.loss_history[-1] < snap.loss) == right
            elif kind == "sample":
                assert max(samples, key=lambda s: abs(samples[s])) == right
            else:
                assert int(np.argmax(norms)) + 1 == right and right in q.options
    assert min(asked.values()) >= 15, asked  # every kind was checked many times


def test_the_same_run_and_epoch_ask_the_same_question():
    trainer = Trainer.new(TrainConfig(data="spiral", layers=(2, 6, 2), output="softmax", loss="cross-entropy", batch_size=16,
                                  samples=80))
    trainer.step(4)
    snap = trainer.snapshot()
    first = draw_question(trainer.config, snap, trainer.x, trainer.y)
    assert first == draw_question(trainer.config, snap, trainer.x, trainer.y)
    drawn = {draw_question(trainer.config, s, trainer.x, trainer.y).text for s in _epochs(trainer, 12)}
    assert len(drawn) > 3  # other epochs, other questions
    assert question_rng(1, 2).integers(10**9) == question_rng(1, 2).integers(10**9) != question_rng(1, 3).integers(10**9)


def _epochs(trainer, n):
    for _ in range(n):
        trainer.step(1)
        yield trainer.snapshot()


def test_a_diverged_run_asks_nothing_and_a_huge_step_makes_the_loss_rise():
    trainer = Trainer.new(TrainConfig(stepsize=1000.0))
    q = draw_question(trainer.config, trainer.snapshot(), trainer.x, trainer.y, kinds=("loss",))
    trainer.step(1)
    assert q.options[q.answer] is False and not trainer.loss_history[-1] < trainer.loss_history[0]
    assert "far too large" in q.explanation or "further than the slope holds" in q.explanation
    trainer.step(500)
    assert trainer.diverged
    assert draw_question(trainer.config, trainer.snapshot(), trainer.x, trainer.y) is None
    with pytest.raises(ValueError, match="unknown question kind 'colour'"):
        draw_question(trainer.config, trainer.snapshot(), trainer.x, trainer.y, kinds=("colour",))


def test_the_explanations_carry_the_deciding_numbers():
    trainer = Trainer.new(TrainConfig())
    trainer.step(3)
    snap = trainer.snapshot()
    sign = draw_question(trainer.config, snap, trainer.x, trainer.y, kinds=("sign",))
    name = sign.ref.name
    assert f"gradient: ∂L/∂{name} = Σ_s" in sign.explanation and "over 5 samples" in sign.explanation
    assert f"{sign.ref.of(snap.grads):.9g}" in sign.explanation and "hardest: sample" in sign.explanation
    layer = draw_question(trainer.config, snap, trainer.x, trainer.y, kinds=("layer",))
    for n, g in enumerate(snap.grads, start=1):
        assert f"‖∂L/∂W{n}‖ = {np.linalg.norm(g.W):.6g}" in layer.explanation
    sample = draw_question(trainer.config, snap, trainer.x, trainer.y, kinds=("sample",))
    s = sample.options[sample.answer]
    assert f"Sample {s}'s term is the largest" in sample.explanation and f", {s}] = " in sample.explanation


def test_a_minibatch_epoch_is_explained_as_its_steps():
    trainer = Trainer.new(TrainConfig(data="xor", layers=(2, 4, 1), output="sigmoid", loss="cross-entropy", batch_size=8,
                                  samples=64, stepsize=0.5))
    q = draw_question(trainer.config, trainer.snapshot(), trainer.x, trainer.y, kinds=("sign",))
    assert "an epoch here takes 7 mini-batch steps" in q.explanation  # 51 training samples in batches of 8


def test_the_score_counts_right_answers_and_streaks():
    score = Score()
    assert score.text == "No answers yet"
    for right in (True, True, False, True):
        score.record(right)
    assert (score.asked, score.right, score.streak, score.best) == (4, 3, 1, 2)
    assert score.text == "3 of 4 right · streak 1 (best 2)"
