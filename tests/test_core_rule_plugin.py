"""Issue 18's proof: an update rule with state, registered from this test alone, trains through the trainer, goes back
in time exactly, resumes bit for bit from a run file (100 + 200 epochs == 300, --from-epoch too) and round-trips through
it, with no production file knowing it. Plain gradient descent keeps no state and writes none."""

import json

import numpy as np
import pytest

from mlp_gui.cli import main
from mlp_gui.core import RunFileError, TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.driver import drive
from mlp_gui.core.guard import Guard
from mlp_gui.core.network import Kernel
from mlp_gui.core.run_specs import snapshot_capacity
from mlp_gui.core.update_rule import UPDATE_RULES, register
from tests import toy_rules
from tests.run_checks import assert_same_run

XOR = dict(data="xor", layers=(2, 5, 1), samples=64, batch_size=16, output="sigmoid", loss="cross-entropy", init="xavier")


class HeavyBall(toy_rules.HeavyBall):
    """v ← μ·v + g, θ ← θ − η·v, counting its steps: a rule with state, known only to this test."""

    name = "test-heavy-ball"
    counter_names = ("steps",)


@pytest.fixture
def heavy_ball():
    """The rule registered for one test, gone after it."""
    register(HeavyBall)
    yield HeavyBall
    UPDATE_RULES.pop(HeavyBall.name)


def _new(config=None, momentum=0.5):
    return Trainer.new(config or TrainConfig(), rule=HeavyBall(momentum))


def _same(a: Trainer, b: Trainer) -> None:
    """The two runs are one run, bit for bit: history, parameters, gradients, the rule's state, norms, metrics."""
    assert_same_run(a, b, metrics=True)


def test_it_trains_as_an_independent_loop_computes_it(heavy_ball):
    trainer = _new(TrainConfig(stepsize=0.3))
    for n in (1, 30, 169):  # chunks: the snapshot at each end carries the velocity
        trainer.step(n)
    cfg = trainer.config
    kernel, layout = Kernel(cfg.model), cfg.model.layout
    theta, v = layout.pack(Trainer.new(cfg).layers), np.zeros(layout.size)
    traced = kernel.trace(layout.views(theta), trainer.x, trainer.y)
    losses = [traced.loss]
    for _ in range(200):
        v = v * 0.5 + layout.pack(traced.grads)
        theta = theta - v * 0.3
        traced = kernel.trace(layout.views(theta), trainer.x, trainer.y)
        losses.append(traced.loss)
    assert trainer.loss_history.tolist() == losses
    np.testing.assert_array_equal(trainer.layout.pack(trainer.layers), theta, strict=True)
    np.testing.assert_array_equal(trainer.rule_state["velocity"], v, strict=True)
    assert int(trainer.rule_state["steps"]) == 200 and trainer.rule.name == "test-heavy-ball"


def test_going_back_to_a_snapshot_and_on_retraces_the_run(heavy_ball):
    straight = _new()
    straight.step(3000)
    again = _new()
    for _ in range(6):
        again.step(500)
    index = again.snapshots.latest_at_or_before(1500)
    assert 100 < again.snapshots.epochs[index] <= 1500 and again.snapshots.states[index]["velocity"].any()
    again.back_to_snapshot(index)
    assert int(again.rule_state["steps"]) == again.epoch  # the velocity and count of that epoch, not of epoch 3000
    again.step(3000 - again.epoch)
    _same(again, straight)


def test_a_view_of_a_snapshot_shows_the_rules_next_step(heavy_ball):
    trainer = _new()
    trainer.step(50)
    trainer.step(50)
    snap = trainer.snapshot_at(len(trainer.snapshots.epochs) - 1)
    theta = trainer.layout.pack(trainer.layers)
    trainer.step(1)
    change = trainer.layout.pack(trainer.layers) - theta
    assert not np.array_equal(change, -0.1 * trainer.layout.pack(snap.grads))  # not plain gradient descent's step
    np.testing.assert_array_equal(theta + trainer.layout.pack(snap.updates(0.1)), trainer.layout.pack(trainer.layers))
    np.testing.assert_array_equal(snap.update_norms(0.1), trainer.norms.rows().update[-2])  # what the record keeps


def test_the_norm_record_keeps_the_size_of_the_rules_own_step(heavy_ball):
    trainer = _new()
    trainer.step(40)
    before = trainer.layout.pack(trainer.layers)
    trainer.set_stepsize(0.2)  # the row of epoch 40 follows the new stepsize
    trainer.step(1)
    moved = trainer.layout.pack(trainer.layers) - before
    expected = [np.linalg.norm(moved[part]) for part in trainer.layout.layer_slices]
    rows = trainer.norms.rows()
    assert rows.epochs[-2] == 40
    np.testing.assert_allclose(rows.update[-2], expected, rtol=1e-9)  # θ_41 − θ_40 loses a few digits to cancellation
    assert not np.allclose(rows.update[-2], 0.2 * rows.grad[-2])  # not gradient descent's |η|·‖g‖


def test_resume_from_a_run_file_is_bit_identical_and_round_trips(heavy_ball, tmp_path):
    straight = _new()
    straight.step(300)
    first = _new()
    first.step(100)
    path = save_run(tmp_path / "r.npz", run_from_trainer(first))
    with np.load(path) as f:
        assert json.loads(str(f["update_rule"])) == {"name": "test-heavy-ball", "momentum": 0.5}
        assert f["rule_state_velocity"].dtype == np.float64 and f["rule_state_steps"].dtype == np.int64
        assert f["snapshot_state_velocity"].shape == f["snapshot_params"].shape
        assert f["snapshot_state_steps"].tolist() == f["snapshot_epochs"].tolist()  # each snapshot's own count
    run = load_run(path)
    assert isinstance(run.rule, HeavyBall) and run.rule.momentum == 0.5
    np.testing.assert_array_equal(run.rule_state["velocity"], first.rule_state["velocity"], strict=True)
    resumed = Trainer.resume(run, extra_epochs=200)
    resumed.step(200)
    _same(resumed, straight)


def test_from_epoch_and_the_cli_continue_bit_for_bit(heavy_ball, tmp_path):
    straight = _new()
    straight.step(2300)
    first = _new()
    for _ in range(4):
        first.step(500)
    path = save_run(tmp_path / "r.npz", run_from_trainer(first))
    back, at = load_run(path).from_epoch(1200)
    assert 0 < at <= 1200 and int(back.rule_state["steps"]) == at
    again = back.trainer(2300 - at)
    again.step(2300 - at)
    _same(again, straight)
    assert main(["train", "--resume", str(path), "--epochs", "300"]) == 0  # the CLI: 2000 + 300
    np.testing.assert_array_equal(load_run(path).loss, straight.loss_history, strict=True)
    assert load_run(path).from_epoch(1200)[1] == at
    assert main(["train", "--resume", str(path), "--from-epoch", "1200", "--epochs", "10", "--save",
                 str(tmp_path / "b.npz")]) == 0
    np.testing.assert_array_equal(load_run(tmp_path / "b.npz").loss, straight.loss_history[: at + 11], strict=True)


def test_mini_batches_and_metrics_resume_bit_for_bit(heavy_ball, tmp_path):
    straight = _new(TrainConfig(**XOR))
    straight.step(120)
    first = _new(TrainConfig(**XOR))
    first.step(45)
    path = save_run(tmp_path / "r.npz", run_from_trainer(first))
    resumed = load_run(path).trainer(75)
    resumed.step(75)
    _same(resumed, straight)


def test_a_diverged_run_keeps_the_state_of_its_last_finite_epoch(heavy_ball):
    diverged = _new(TrainConfig(stepsize=50.0), momentum=0.9)
    diverged.step(7)
    diverged.step(5000)
    assert diverged.diverged_at is not None
    last = _new(TrainConfig(stepsize=50.0), momentum=0.9)
    last.step(diverged.epoch)
    np.testing.assert_array_equal(diverged.rule_state["velocity"], last.rule_state["velocity"], strict=True)
    assert int(diverged.rule_state["steps"]) == diverged.epoch


def test_the_guard_goes_back_with_the_rules_state(heavy_ball):
    trainer = _new(TrainConfig(stepsize=50.0), momentum=0.9)
    guard = Guard(trainer, suggest=False)
    drive(trainer, 100_000, guard=guard)
    assert guard.report is not None
    guard.go_back()
    straight = _new(TrainConfig(stepsize=50.0), momentum=0.9)
    straight.step(trainer.epoch)
    np.testing.assert_array_equal(trainer.rule_state["velocity"], straight.rule_state["velocity"], strict=True)


def test_the_snapshot_budget_counts_the_rules_state(heavy_ball):
    cfg = TrainConfig(layers=(784, 256, 256, 10))
    plain, ball = snapshot_capacity(cfg), snapshot_capacity(cfg, HeavyBall())
    assert ball == pytest.approx(plain / 2, abs=1)  # a velocity as large as the parameters: half as many snapshots
    assert Trainer.new(cfg, rule=HeavyBall()).snapshots.capacity == ball


def test_a_trainer_refuses_a_state_that_is_not_its_rules(heavy_ball):
    trainer = _new()
    trainer.step(10)
    saved = run_from_trainer(trainer)
    with pytest.raises(ValueError, match="the test-heavy-ball update keeps velocity, steps, not none"):
        Trainer.continued(saved.config, layers=saved.layers, data=saved.dataset(), rule=HeavyBall(), rule_state={})
    plain = run_from_trainer(Trainer.new(TrainConfig()))
    with pytest.raises(ValueError, match=r"keeps velocity, steps, not none \(the snapshot of epoch 0\)"):
        Trainer.continued(saved.config, layers=saved.layers, data=saved.dataset(), history=plain.history(),
                          rule=HeavyBall())


BIG = TrainConfig(layers=(2, 100, 100, 1))  # 10,501 parameters
BUDGET = 30 * 8 * 10_501  # 30 gradient descent snapshots of BIG, 14 of heavy ball's (a velocity as large, a count)


@pytest.fixture(scope="module")
def small_budget():
    """A snapshot budget that a few snapshots of BIG fill (the 64 MB one: a few of a 784,256,256,10 network)."""
    from mlp_gui.core import snapshots

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(snapshots, "DEFAULT_BUDGET", BUDGET)
        yield


@pytest.fixture(scope="module")
def big_gd_file(tmp_path_factory, small_budget) -> dict[str, np.ndarray]:
    """The arrays of a gradient descent run file with a snapshot at each of its 20 epochs and at 0 (more than the 14
    heavy-ball's budget holds: the file need hold no more); made once for the tests that write them with a
    heavy-ball rule's states added."""
    trainer = Trainer.new(BIG)
    for _ in range(20):
        trainer.step(1)
    with np.load(save_run(tmp_path_factory.mktemp("big") / "gd.npz", run_from_trainer(trainer))) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("states_first", [False, True])
def test_snapshots_beyond_the_budget_are_left_out_with_their_states(heavy_ball, big_gd_file, tmp_path, states_first):
    """A file with more snapshots than the rule's budget keeps is read within it, each kept row with its own state,
    whether the states come after the epochs in the file (rows skipped as they stream past) or before (read whole)."""
    cfg, arrays = BIG, dict(big_gd_file)
    n, size = arrays["snapshot_params"].shape
    assert n == 21 > snapshot_capacity(cfg, HeavyBall()) >= 2
    states = {"snapshot_state_velocity": arrays["snapshot_params"] * 2,
              "snapshot_state_steps": arrays["snapshot_epochs"].astype(np.int64)}
    arrays = (states | arrays) if states_first else (arrays | states)
    arrays |= {"update_rule": np.array('{"name": "test-heavy-ball", "momentum": 0.5}'),
               "rule_state_velocity": np.zeros(size), "rule_state_steps": np.array(40)}
    np.savez(tmp_path / "hb.npz", **arrays)
    run = load_run(tmp_path / "hb.npz")
    kept = snapshot_capacity(cfg, HeavyBall())
    assert len(run.snapshots.epochs) == kept and run.notes[0].startswith(f"kept {kept} of the file's {n} snapshots")
    for epoch, row, state in zip(run.snapshots.epochs, run.snapshots.rows, run.snapshots.states):
        assert int(state["steps"]) == epoch
        np.testing.assert_array_equal(state["velocity"], row * 2)


def test_a_file_naming_a_rule_this_app_lacks_is_one_line(heavy_ball, tmp_path):
    trainer = _new()
    trainer.step(10)
    path = save_run(tmp_path / "r.npz", run_from_trainer(trainer))
    UPDATE_RULES.pop(HeavyBall.name)
    try:
        with pytest.raises(RunFileError, match=r"r\.npz: 'update_rule': unknown update rule 'test-heavy-ball'; choose one of gd"):
            load_run(path)
    finally:
        register(HeavyBall)


def _rewrite(src, dst, drop=(), **replace):
    with np.load(src) as data:
        arrays = {k: data[k] for k in data.files if k not in drop}
    arrays.update(replace)
    np.savez(dst, **arrays)
    return dst


@pytest.mark.parametrize("change, fragment", [
    (dict(drop=("rule_state_velocity",)), "missing arrays: rule_state_velocity"),
    (dict(rule_state_velocity=np.zeros(5)), "'rule_state_velocity' has shape"),
    (dict(rule_state_velocity=np.full(46, np.nan)), "the test-heavy-ball state 'velocity' is not 46 finite numbers at the run's end"),
    (dict(rule_state_velocity=np.zeros(46, dtype=np.float32)), "'rule_state_velocity'"),
    (dict(rule_state_steps=np.array(-3)), "the test-heavy-ball counter 'steps' is not a count at the run's end"),
    (dict(rule_state_steps=np.array(3.0)), "'rule_state_steps'"),
    (dict(drop=("snapshot_state_steps",)), "the snapshots lack the test-heavy-ball update's state (snapshot_state_steps)"),
    (dict(snapshot_state_velocity=np.zeros((1, 46))), "'snapshot_state_velocity' has shape (1, 46), expected (5, 46)"),
    (dict(snapshot_state_steps=np.array([0, -1, 2, 3, 4])), "counter 'steps' is not a count in the snapshots"),
    (dict(update_rule=np.array('{"name": "test-heavy-ball", "momentum": "fast"}')), "momentum must be a finite number"),
    (dict(update_rule=np.array('{"name": "test-heavy-ball", "nesterov": 1}')), "has no setting 'nesterov'"),
    (dict(update_rule=np.array('[[[["gd"]]]]')), "'update_rule' is not an update rule's name and settings"),
    (dict(update_rule=np.array("{broken")), "'update_rule' is not an update rule's name and settings"),
])
def test_a_bad_rule_or_state_in_a_file_is_one_line(heavy_ball, tmp_path, change, fragment):
    trainer = _new()
    for _ in range(4):
        trainer.step(5)  # 5 snapshots: epochs 0, 5, 10, 15, 20
    good = save_run(tmp_path / "r.npz", run_from_trainer(trainer))
    drop = change.pop("drop", ())
    with pytest.raises(RunFileError) as caught:
        load_run(_rewrite(good, tmp_path / "bad.npz", drop, **change))
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_gradient_descent_keeps_no_state_and_older_files_open_as_it(tmp_path):
    trainer = Trainer.new(TrainConfig())
    trainer.step(20)
    assert trainer.rule.name == "gd" and trainer.rule_state == {} and trainer.snapshots.states[-1] == {}
    path = save_run(tmp_path / "r.npz", run_from_trainer(trainer))
    with np.load(path) as f:
        assert json.loads(str(f["update_rule"])) == {"name": "gd"}
        assert not [k for k in f.files if "state" in k]
    old = _rewrite(path, tmp_path / "old.npz", drop=("update_rule",))
    run = load_run(old)
    assert run.rule.name == "gd" and run.rule_state == {}
    resumed = run.trainer(10)
    resumed.step(10)
    straight = Trainer.new(TrainConfig())
    straight.step(30)
    _same(resumed, straight)
