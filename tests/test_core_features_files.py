"""Input features in run files, the landscape and sweeps (issue 19): a file keeps the raw two inputs, resumes bit for
bit; the landscape's loss at the run's parameters is the run's loss (it makes the features as the kernel does); a
sweep of features gives each run its first layer."""

import numpy as np

from mlp_gui.cli import main
from mlp_gui.core import TrainConfig, Trainer, load_run, run_from_trainer, save_run
from mlp_gui.core.landscape_grid import line_losses
from mlp_gui.core.sweep import run_sweep, sweep_runs

XOR = TrainConfig(data="xor", layers=(5, 6, 1), activation="tanh", output="sigmoid", loss="cross-entropy", init="xavier",
                  batch_size=0, stepsize=0.5, features="x1sq,x2sq,x1x2,sinx1,sinx2")


def test_a_run_file_keeps_the_raw_inputs_and_the_features(tmp_path):
    trainer = Trainer.new(XOR)
    trainer.step(100)
    path = save_run(tmp_path / "run.npz", run_from_trainer(trainer))
    saved = load_run(path)
    assert saved.config.features == XOR.features and saved.config.model.features == XOR.model.features
    assert saved.x.shape == trainer.x.shape == (2, 160)
    np.testing.assert_array_equal(saved.x, trainer.x)
    assert saved.dataset().x_test.shape[0] == 2


def test_resume_of_100_and_50_epochs_is_150(tmp_path):
    whole = Trainer.new(XOR)
    whole.step(150)
    first = Trainer.new(XOR)
    first.step(100)
    path = save_run(tmp_path / "run.npz", run_from_trainer(first))
    resumed = Trainer.resume(load_run(path), extra_epochs=50)
    resumed.step(50)
    np.testing.assert_array_equal(resumed.loss_history, whole.loss_history)
    for (w, b), (w2, b2) in zip(resumed.layers, whole.layers):
        np.testing.assert_array_equal(w, w2)
        np.testing.assert_array_equal(b, b2)


def test_the_landscape_at_the_runs_parameters_is_the_runs_loss():
    trainer = Trainer.new(XOR)
    trainer.step(40)
    theta = XOR.model.layout.pack(trainer.layers)
    losses = line_losses(XOR.model, trainer.x, trainer.y, theta, theta, np.array([0.0, 1.0]))
    np.testing.assert_allclose(losses, trainer.loss_history[-1], rtol=1e-13)


def test_the_landscape_command_reads_a_run_with_features(tmp_path, capsys):
    run = tmp_path / "run.npz"
    assert main(["train", "--data", "xor", "--layers", "3,6,1", "--features", "x1sq,x2sq,x1x2", "--output", "sigmoid",
                 "--loss", "cross-entropy", "--epochs", "30", "--save", str(run)]) == 0
    assert main(["landscape", str(run), "--plane", "random", "--grid", "5", "--out", str(tmp_path / "land.npz")]) == 0
    assert "written to" in capsys.readouterr().out


def test_a_sweep_of_features_gives_each_run_its_first_layer():
    base = XOR.with_changes(features="x1,x2", layers=(2, 6, 1))
    runs = sweep_runs(base, 20, "features", "x1,x2; x1sq,x2sq,x1x2; sinx1,sinx2,x1,x2")
    assert [(r.config.features, r.config.layers) for r in runs] == [
        ("x1,x2", (2, 6, 1)), ("x1sq,x2sq,x1x2", (3, 6, 1)), ("sinx1,sinx2,x1,x2", (4, 6, 1))]
    results = run_sweep(runs, lambda: False, lambda fraction: None)
    for result in results:
        alone = Trainer.new(result.run.config)
        alone.step(20)
        np.testing.assert_array_equal(result.losses, alone.loss_history)
