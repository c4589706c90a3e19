"""λ_max at the kept snapshots (issue 20): the values are hessian.sharpness's, the cache round-trips through a run
file and hostile caches are refused in one line, and the stability limit is 2/η (2(1+μ)/η with momentum)."""

import dataclasses
import math

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.hessian import Curvature, sharpness
from mlp_gui.core.runfile import RunFileError, load_run, run_from_trainer, save_run
from mlp_gui.core.schedule import StepDecay
from mlp_gui.core.sharpness_record import (
    MAX_STEPS,
    SharpnessRecord,
    TrainedCurvature,
    compute_record,
    limit_steps,
    rule_kind,
    stability_limit,
)
from mlp_gui.core.update_rule import rule_named


def _run(config=None, chunks=6, epochs=300):
    trainer = Trainer.new(config or TrainConfig())
    for _ in range(chunks):
        trainer.step(epochs)
    return run_from_trainer(trainer)


def _record_of(run):
    store = run.snapshots
    return compute_record(Curvature(run.config.model, run.x, run.y), store.epochs, store.rows)


def test_values_equal_hessian_sharpness_at_each_snapshot():
    run = _run()
    record, known = _record_of(run)
    model = run.config.model
    expected = [sharpness(model, model.layout.unpack(row), run.x, run.y) for row in run.snapshots.rows]
    assert list(record.epochs) == list(run.snapshots.epochs) and len(known) == len(record)
    np.testing.assert_allclose(record.values, expected, rtol=1e-6)


def test_known_values_are_reused_only_for_the_same_parameters():
    run = _run()
    record, known = _record_of(run)
    store = run.snapshots
    fake = {key: -1.0 for key in known}  # what a second pass reuses shows as -1
    again, _ = compute_record(Curvature(run.config.model, run.x, run.y), store.epochs, store.rows, known=fake)
    assert np.all(again.values == -1.0)
    moved = [row + 1e-3 for row in store.rows]  # other parameters at the same epochs: computed afresh
    fresh, _ = compute_record(Curvature(run.config.model, run.x, run.y), store.epochs, moved, known=fake)
    assert np.all(fresh.values > 0)


def test_the_cache_round_trips_through_a_run_file(tmp_path):
    run = _run()
    record, _ = _record_of(run)
    values = record.values.copy()
    values[1] = np.nan  # not resolved: not written
    run = dataclasses.replace(run, sharpness=SharpnessRecord.of(record.epochs, values))
    back = load_run(save_run(tmp_path / "run.npz", run))
    keep = np.isfinite(values)
    np.testing.assert_array_equal(back.sharpness.epochs, record.epochs[keep])
    np.testing.assert_array_equal(back.sharpness.values, values[keep])
    earlier, at = back.from_epoch(int(record.epochs[3]))
    assert earlier.sharpness.epochs[-1] <= at


def test_files_without_the_cache_open_as_before(tmp_path):
    back = load_run(save_run(tmp_path / "run.npz", _run(chunks=2)))
    assert back.sharpness is None


@pytest.mark.parametrize(("epochs", "values", "words"), [
    ([0, 300, 200], [1.0, 2.0, 3.0], "not increasing epochs"),
    ([0, 300, 600], [1.0, np.nan, 3.0], "inf or NaN"),
    ([0, 300, 600], [1.0, np.inf, 3.0], "inf or NaN"),
    ([0, 300], [1.0, 2.0, 3.0], "3 values for 2 epochs"),
    ([0, 300, 99_999], [1.0, 2.0, 3.0], "not increasing epochs of this run"),
    ([-1, 300, 600], [1.0, 2.0, 3.0], "not increasing epochs"),
    ([[0, 300, 600]], [1.0, 2.0, 3.0], "sharpness_epochs"),
    ([0, 300, 600], None, "only one of"),
])
def test_a_hostile_cache_is_refused_in_one_line(tmp_path, epochs, values, words):
    path = save_run(tmp_path / "run.npz", _run(chunks=2))
    arrays = dict(np.load(path))
    arrays["sharpness_epochs"] = np.array(epochs, dtype=np.int64)
    if values is not None:
        arrays["sharpness"] = np.array(values, dtype=np.float64)
    np.savez(path, **arrays)
    with pytest.raises(RunFileError) as caught:
        load_run(path)
    message = str(caught.value)
    assert words in message and "\n" not in message


def test_the_limit_is_two_over_the_stepsize_in_force():
    assert stability_limit(0.1) == 2 / 0.1
    assert stability_limit(0.0) is None and stability_limit(math.nan) is None
    x, y = limit_steps(((0, 0.1), (2000, 0.5)), end=5000)
    np.testing.assert_array_equal(x, [0, 2000, 2000, 5000])
    np.testing.assert_allclose(y, [20, 20, 4, 4])
    assert limit_steps(((0, 0.1),), end=100, rule="adam")[0].size == 0  # no such limit for Adam


def _diverges(rule, stepsize, curvature, steps=4000):
    """Whether ``rule`` on the 1-D quadratic ½·curvature·θ² blows up from θ = 1."""
    theta, state = np.array([1.0]), rule.new_state(1)
    for _ in range(steps):
        rule.apply(theta, curvature * theta, state, stepsize)
    return not abs(theta[0]) < 1.0


@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov"])
def test_the_limit_is_where_the_rule_starts_to_diverge_on_a_quadratic(name):
    try:
        rule = rule_named(name) if name == "gd" else rule_named(name, momentum=0.9)
    except ValueError:
        pytest.skip(f"no {name} update rule yet")
    kind, mu = rule_kind(rule)
    limit = stability_limit(0.1, rule=kind, momentum=mu)
    assert not _diverges(rule, 0.1, limit * 0.99) and _diverges(rule, 0.1, limit * 1.01)


def test_momentum_from_the_settings_gives_two_one_plus_mu_over_eta():
    if "momentum" not in {f.name for f in dataclasses.fields(TrainConfig)}:
        pytest.skip("TrainConfig has no momentum field yet")
    config = TrainConfig(optimizer="momentum", momentum=0.9, stepsize=0.1)
    kind, mu = rule_kind(None, config)
    assert (kind, mu) == ("momentum", 0.9)
    assert stability_limit(config.stepsize, rule=kind, momentum=mu) == pytest.approx(2 * 1.9 / 0.1, rel=1e-15)


def test_the_limit_follows_the_stepsize_decay():
    decay = StepDecay(every=1000, factor=0.5)
    x, y = limit_steps(((0, 0.1), (2500, 1.0)), end=4000, decay=decay)
    np.testing.assert_array_equal(x, [0, 1000, 1000, 2000, 2000, 2500, 2500, 3000, 3000, 4000])
    np.testing.assert_allclose(y, [20, 20, 40, 40, 80, 80, 8, 8, 16, 16])  # 2/(η·0.5^⌊t/1000⌋), η 0.1 then 1
    x, _ = limit_steps(((0, 0.1),), end=10**7, decay=StepDecay(every=10, factor=0.999))
    assert x.size <= 2 * (MAX_STEPS + 1)  # a decay every 10 epochs over 10 million: bounded


def test_with_an_l2_penalty_lambda_max_is_that_of_the_penalised_loss():
    lam = 0.05
    trainer = Trainer.new(TrainConfig(layers=(3, 4, 2)))
    trainer.step(200)
    theta = trainer.config.model.layout.pack(trainer.layers)
    data = Curvature(trainer.config.model, trainer.x, trainer.y)
    mask = trainer.config.model.layout.weight_mask()

    def gradient(t):  # the penalised loss's gradient, from the data loss's and λ₂·W
        return data.gradients(t[None])[1][0] + lam * mask * t

    h, n = 1e-5, theta.size
    dense = np.stack([(gradient(theta + h * e) - gradient(theta - h * e)) / (2 * h) for e in np.eye(n)])
    expected = np.linalg.eigvalsh((dense + dense.T) / 2)[-1]
    got = TrainedCurvature(trainer.config.model, trainer.x, trainer.y, l2=lam).top(theta, 1).values[0]
    assert got == pytest.approx(expected, rel=1e-6)
    assert got > data.top(theta, 1).values[0]


def test_the_limit_steps_where_the_momentum_changed():
    from mlp_gui.core.sharpness_record import limit_steps

    x, y = limit_steps(((0, 0.1),), end=300, rule="momentum", momentum=0.5, momenta=((0, 0.9), (100, 0.5)))
    assert x.tolist() == [0, 100, 100, 300]
    assert y.tolist() == pytest.approx([2 * 1.9 / 0.1] * 2 + [2 * 1.5 / 0.1] * 2)
    x, y = limit_steps(((0, 0.1), (200, 0.05)), end=300, rule="momentum", momentum=0.5, momenta=((0, 0.9), (100, 0.5)))
    assert x.tolist() == [0, 100, 100, 200, 200, 300]
    assert y.tolist() == pytest.approx([38, 38, 30, 30, 60, 60])
