"""Issue 19's optimizers through a run's life: resume 100 + 200 == 300 and --from-epoch bit for bit (the rule's state
and Adam's step count in the file), settings changed midway continue the run and are recorded, a stacked optimizer
sweep is each run's own Trainer bit for bit, and bad values are one line on the command line (exit 2)."""

import json

import numpy as np
import pytest

from mlp_gui.cli import main
from mlp_gui.core import ConfigError, TrainConfig, Trainer, load_run, run_from_trainer, save_run, setting_changes
from mlp_gui.core.config import Change, change_needed, continuing_changes
from mlp_gui.core.stacked import StackedTrainer, can_stack
from mlp_gui.core.sweep import run_sweep, sweep_runs
from tests.run_checks import assert_same_run

ADAM = dict(optimizer="adam", stepsize=0.01, l2=1e-3, decay_every=150, decay_factor=0.5)
MOMENTUM = dict(optimizer="momentum", stepsize=0.1, momentum=0.8, l1=1e-4)


@pytest.mark.parametrize("settings", [ADAM, MOMENTUM], ids=["adam", "momentum"])
def test_resume_100_then_200_is_300_bit_for_bit(settings, tmp_path):
    cfg = TrainConfig(**settings)
    straight = Trainer.new(cfg)
    straight.step(300)
    first = Trainer.new(cfg)
    first.step(100)
    path = save_run(tmp_path / "r.npz", run_from_trainer(first))
    with np.load(path) as f:
        assert json.loads(str(f["config"]))["optimizer"] == settings["optimizer"]
        if settings["optimizer"] == "adam":
            assert int(f["rule_state_step"]) == 100 and f["snapshot_state_step"].tolist() == f["snapshot_epochs"].tolist()
    resumed = load_run(path).trainer(200)
    resumed.step(200)
    assert_same_run(resumed, straight)
    assert main(["train", "--resume", str(path), "--epochs", "200"]) == 0  # the command line: 100 + 200
    np.testing.assert_array_equal(load_run(path).loss, straight.loss_history, strict=True)


@pytest.mark.parametrize("settings", [ADAM, MOMENTUM], ids=["adam", "momentum"])
def test_from_epoch_goes_back_exactly(settings, tmp_path):
    cfg = TrainConfig(**settings)
    straight = Trainer.new(cfg)
    straight.step(2300)
    first = Trainer.new(cfg)
    for _ in range(4):
        first.step(500)
    path = save_run(tmp_path / "r.npz", run_from_trainer(first))
    back, at = load_run(path).from_epoch(1200)
    assert 0 < at <= 1200
    again = back.trainer(2300 - at)
    again.step(2300 - at)
    assert_same_run(again, straight)
    assert main(["train", "--resume", str(path), "--from-epoch", "1200", "--epochs", "10", "--save",
                 str(tmp_path / "b.npz")]) == 0
    np.testing.assert_array_equal(load_run(tmp_path / "b.npz").loss, straight.loss_history[: at + 11], strict=True)


def test_going_back_in_the_trainer_retraces_adam_exactly():
    trainer = Trainer.new(TrainConfig(**ADAM))
    trainer.step(40)
    state = trainer.state()
    trainer.step(260)
    later = trainer.loss_history.copy()
    index = trainer.snapshots.latest_at_or_before(100)
    trainer.back_to_snapshot(index)
    trainer.step(300 - trainer.epoch)
    np.testing.assert_array_equal(trainer.loss_history, later, strict=True)
    trainer.rewind(state)
    trainer.step(260)
    np.testing.assert_array_equal(trainer.loss_history, later, strict=True)


def test_settings_changed_midway_continue_the_run_and_are_recorded():
    cfg = TrainConfig(**ADAM)
    trainer = Trainer.new(cfg)
    trainer.step(100)
    state = trainer.state()
    trainer.set_settings(beta1=0.5, l2=0.01, stepsize=0.02)
    assert trainer.config.beta1 == 0.5 and trainer.rule.beta1 == 0.5 and trainer.rule.penalty.l2 == 0.01
    assert int(trainer.rule_state["step"]) == 100  # the state goes on
    assert trainer.changes == ((0, (("beta1", 0.9), ("l2", 0.001))), (100, (("beta1", 0.5), ("l2", 0.01))))
    assert trainer.stepsizes == ((0, 0.01), (100, 0.02))
    assert setting_changes.describe(trainer.changes) == "beta1 0.9 → 0.5 at 100; l2 0.001 → 0.01 at 100"
    assert setting_changes.marks(trainer.changes) == [(100, "beta1 0.5, l2 0.01")]
    trainer.step(50)
    # the same as a run that had those settings from epoch 100 on
    other = Trainer.new(cfg)
    other.step(100)
    other.rule = Trainer.new(cfg.with_changes(beta1=0.5, l2=0.01)).rule
    other.config = other.config.with_changes(beta1=0.5, l2=0.01, stepsize=0.02)
    other.step(50)
    np.testing.assert_array_equal(trainer.loss_history, other.loss_history, strict=True)
    trainer.rewind(state)  # back before the change: its settings too
    assert trainer.config.beta1 == 0.9 and trainer.changes == () and trainer.stepsizes == ((0, 0.01),)
    with pytest.raises(ConfigError, match="optimizer cannot change while a run goes on: it needs a new run"):
        trainer.set_settings(optimizer="gd")
    with pytest.raises(ConfigError, match="beta1 must be at least 0 and below 1"):
        trainer.set_settings(beta1=1.0)


def test_which_changes_continue_a_run():
    base = TrainConfig(**ADAM)
    for name, value in [("beta1", 0.5), ("beta2", 0.9), ("eps", 1e-6), ("l1", 0.1), ("l2", 0.0),
                        ("decay_every", 10), ("decay_factor", 0.9), ("momentum", 0.5), ("rho", 0.5)]:
        assert change_needed(base, base.with_changes(**{name: value})) == Change.CONTINUE, name
    assert change_needed(base, base.with_changes(stepsize=0.5)) == Change.STEPSIZE  # as before: the window asks
    wanted = base.with_changes(stepsize=0.5, l2=0.01)
    assert change_needed(base, wanted) == Change.CONTINUE and continuing_changes(base, wanted) == {"stepsize": 0.5,
                                                                                                   "l2": 0.01}
    assert change_needed(base, base.with_changes(optimizer="gd")) == Change.NEW_RUN
    assert change_needed(base, base.with_changes(l2=0.5), diverged=True) == Change.NEW_RUN
    assert change_needed(base, base) == Change.NONE


def test_an_optimizer_sweep_stacks_and_each_run_is_its_own_trainer_bit_for_bit():
    configs = [TrainConfig(stepsize=0.5), TrainConfig(**MOMENTUM), TrainConfig(**ADAM),
               TrainConfig(**ADAM, seed=3), TrainConfig(optimizer="rmsprop", stepsize=0.01, l2=1e-3),
               TrainConfig(optimizer="nesterov", stepsize=0.1, decay_every=100, decay_factor=0.5)]
    assert can_stack(configs)
    epochs = [400, 400, 400, 250, 400, 400]
    stacked = StackedTrainer(configs, epochs)
    while not stacked.done:
        stacked.step(70)
    for k, cfg in enumerate(configs):
        alone = Trainer.new(cfg)
        alone.step(epochs[k])
        np.testing.assert_array_equal(stacked.loss_history(k), alone.loss_history, strict=True)
        for a, b in zip(stacked.run_state(k)[0], alone.layers):
            np.testing.assert_array_equal(a.W, b.W, strict=True)
            np.testing.assert_array_equal(a.b, b.b, strict=True)


@pytest.mark.parametrize("name, text", [("optimizer", "gd, momentum, adam"), ("l2", "0, 0.001, 0.01"),
                                        ("beta1", "0.5, 0.9"), ("decay_factor", "1, 0.5")])
def test_the_sweep_dialog_can_sweep_the_optimizer_and_its_numbers(name, text):
    runs = sweep_runs(TrainConfig(stepsize=0.01), 200, name, text)
    results = run_sweep(runs, lambda: False, lambda p: None)
    for run, result in zip(runs, results):
        alone = Trainer.new(run.config)
        alone.step(200)
        np.testing.assert_array_equal(result.losses, alone.loss_history, strict=True)


@pytest.mark.parametrize("args, message", [
    (["--beta1", "1"], "argument --beta1: beta1 must be at least 0 and below 1"),
    (["--beta2", "-0.5"], "argument --beta2: beta2 must be at least 0 and below 1"),
    (["--rho", "-0.1"], "argument --rho: rho must be at least 0 and below 1"),
    (["--momentum", "1.5"], "argument --momentum: momentum must be at least 0 and below 1"),
    (["--decay-factor", "0"], "argument --decay-factor: decay factor must be above 0 and at most 1"),
    (["--decay-every", "-1"], "argument --decay-every: decay every must be a number of epochs"),
    (["--l2", "-1"], "argument --l2: l2 must be 0 (no penalty) or more, got -1"),
    (["--l1", "inf"], "argument --l1: l1 must be a finite number"),
    (["--eps", "0"], "argument --eps: eps must be above 0"),
    (["--optimizer", "sgd"], "argument --optimizer: optimizer must be one of gd, momentum, nesterov, rmsprop, adam"),
])
def test_a_bad_value_is_one_line_and_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--epochs", "3", *args])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_json_reports_the_penalty_beside_the_data_loss(capsys):
    assert main(["train", "--optimizer", "adam", "--stepsize", "0.01", "--l1", "0.001", "--l2", "0.01",
                 "--decay-every", "100", "--decay-factor", "0.5", "--epochs", "300", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    cfg = TrainConfig(optimizer="adam", stepsize=0.01, l1=0.001, l2=0.01, decay_every=100, decay_factor=0.5)
    trainer = Trainer.new(cfg)
    trainer.step(300)
    assert summary["penalty"] == trainer.penalty > 0 and summary["final_loss"] == trainer.loss
    assert summary["settings"]["optimizer"] == "adam" and summary["settings"]["decay_every"] == 100


def test_an_older_file_opens_as_gd_without_penalty(tmp_path):
    trainer = Trainer.new(TrainConfig())
    trainer.step(20)
    path = save_run(tmp_path / "r.npz", run_from_trainer(trainer))
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    old = {k: v for k, v in json.loads(str(arrays["config"])).items() if k not in (
        "optimizer", "momentum", "rho", "beta1", "beta2", "eps", "l1", "l2", "decay_every", "decay_factor")}
    arrays["config"] = np.array(json.dumps(old))
    np.savez(tmp_path / "old.npz", **arrays)
    run = load_run(tmp_path / "old.npz")
    assert run.config.optimizer == "gd" and run.config.l1 == run.config.l2 == 0 and run.rule.penalty is None


def test_setting_changes_as_a_run_file_keeps_them_round_trip_and_are_checked():
    trainer = Trainer.new(TrainConfig(**ADAM))
    trainer.step(50)
    trainer.set_settings(l2=0.01, decay_every=30)
    trainer.step(50)
    trainer.set_settings(beta2=0.99)
    rows = trainer.changes
    array = setting_changes.as_array(rows)
    assert array.dtype == np.float64 and array.shape == (6, 3)
    final = {name: getattr(trainer.config, name) for name in setting_changes.CONTINUABLE}
    back = setting_changes.from_array(array, epochs=100, final=final)
    assert back == rows and isinstance(dict(back[1][1])["decay_every"], int)
    assert setting_changes.values_at(rows, 70) == {"beta2": 0.999, "decay_every": 30, "l2": 0.01}
    with pytest.raises(ValueError, match="ends at beta2 0.99 but the config says 0.999"):
        setting_changes.from_array(array, epochs=100, final=final | {"beta2": 0.999})
    with pytest.raises(ValueError, match="epochs must start at 0 and rise within the run's 60 epochs"):
        setting_changes.from_array(array, epochs=60, final=final)
    bad = array.copy()
    bad[1, 1] = 42
    with pytest.raises(ValueError, match="names a setting that does not change midway"):
        setting_changes.from_array(bad, epochs=100, final=final)


def test_going_back_before_a_change_and_going_on_with_the_new_settings_is_a_change_there():
    trainer = Trainer.new(TrainConfig(**MOMENTUM))
    trainer.step(64)  # a snapshot at 64 (a chunk's end on the doubling schedule)
    trainer.step(36)
    trainer.set_settings(momentum=0.5)
    trainer.step(100)
    assert trainer.changes == ((0, (("momentum", 0.8),)), (100, (("momentum", 0.5),)))
    trainer.back_to_snapshot(trainer.snapshots.latest_at_or_before(64))  # the run goes on with momentum 0.5 from 64
    assert trainer.epoch == 64 and trainer.config.momentum == 0.5
    assert trainer.changes == ((0, (("momentum", 0.8),)), (64, (("momentum", 0.5),)))
    trainer.set_settings(momentum=0.8)  # back to the start's value: no change left
    assert trainer.changes == ()
    trainer.step(136)
    straight = Trainer.new(TrainConfig(**MOMENTUM))
    straight.step(200)
    np.testing.assert_array_equal(trainer.loss_history, straight.loss_history, strict=True)


@pytest.mark.parametrize("settings", [ADAM, MOMENTUM, dict(optimizer="rmsprop", stepsize=0.01, l2=1e-3)],
                         ids=["adam", "momentum", "rmsprop"])
def test_norm_rows_taken_from_the_step_the_loop_takes_are_the_rules_own_numbers(settings):
    """In one long chunk a row's update norm comes from the next step the loop takes; stepping one epoch at a time
    every row is computed by the rule itself: the same numbers to the bit."""
    long, short = Trainer.new(TrainConfig(**settings)), Trainer.new(TrainConfig(**settings))
    long.step(600)
    for _ in range(600):
        short.step(1)
    a, b = long.norms.rows(), short.norms.rows()
    assert len(a) > 500 and not np.isnan(a.update).any()
    np.testing.assert_array_equal(a.epochs, b.epochs, strict=True)
    np.testing.assert_array_equal(a.update, b.update, strict=True)
