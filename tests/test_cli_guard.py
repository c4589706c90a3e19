"""``mlp-gui train`` and the divergence guard: converging runs train every epoch, blow-ups stop with one line that
says what happened, and the stepsize it offers was tried and trains."""

import json

import pytest

from mlp_gui.cli import main
from mlp_gui.core import guard as guard_module


@pytest.fixture(autouse=True)
def patient_trials(monkeypatch):
    """The trials' time budget is for the window's sake; here, on a loaded machine, it would cut them short."""
    monkeypatch.setattr(guard_module, "TRIAL_SECONDS", 120.0)
    monkeypatch.setattr(guard_module, "CURVATURE_SECONDS", 120.0)

CONVERGING = [  # each of these was stopped by the guard at the epoch in the comment, though its loss only converges
    ["--layers", "1,1", "--batch-size", "1", "--stepsize", "0.3", "--epochs", "50"],  # 0: 0.27 -> 1e-17
    ["--layers", "2,2", "--batch-size", "1", "--epochs", "1000"],  # 0: a linear fit to 1e-33
    ["--layers", "3,3", "--batch-size", "2", "--stepsize", "0.5", "--epochs", "1000"],  # 320: a linear fit to 1e-29
    ["--layers", "1,1", "--batch-size", "1", "--stepsize", "1.9", "--epochs", "1000"],  # 64: oscillates, converges
    ["--layers", "3,16,2", "--activation", "relu", "--init", "he", "--batch-size", "2", "--stepsize", "0.2",
     "--epochs", "1000"],  # 64: reaches 1e-33
]


def train_json(capsys, *args: str) -> tuple[int, dict, str]:
    code = main(["train", "--json", "--no-progress", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


@pytest.mark.parametrize("args", CONVERGING, ids=lambda a: " ".join(a))
def test_converging_runs_train_every_epoch(args, capsys):
    code, summary, err = train_json(capsys, *args)
    assert summary["divergence"] is None and "divergence guard" not in err
    assert code == 0 and summary["epochs"] == int(args[-1])
    assert summary["final_loss"] < 1e-6 * summary["initial_loss"]


def test_a_loss_that_leaps_up_and_stays_there_is_stopped(capsys):
    """spiral at stepsize 200 jumps from 0.69 to 95 and swings up there: finite, under a million-fold, blown up."""
    code, summary, err = train_json(capsys, "--data", "spiral", "--layers", "2,16,16,2", "--output", "softmax",
                                    "--loss", "cross-entropy", "--stepsize", "200", "--batch-size", "all",
                                    "--epochs", "20000")
    guard = summary["divergence"]
    assert code == 1 and guard["kind"] == "stayed" and guard["epoch"] == 1 and summary["epochs"] == guard["stopped_at"] == 500
    line = next(x for x in err.splitlines() if "divergence guard" in x)
    assert "the loss leapt from 0.694 at epoch 0 to 46.9 at epoch 1 and stayed up for 500 epochs, at a median of" in line
    assert "times its best" not in line and f"a stepsize of {guard['suggested_stepsize']:g} trained 500 epochs" in line


def test_the_suggested_stepsize_trains(capsys):
    """sine 1,8,1 tanh at stepsize 5: the guard used to offer 2.45, which diverges too; now it tries before it offers."""
    sine = ["--data", "sine", "--layers", "1,8,1", "--activation", "tanh"]
    code, summary, err = train_json(capsys, *sine, "--stepsize", "5", "--epochs", "1000")
    guard = summary["divergence"]
    suggested = guard["suggested_stepsize"]
    assert code == 1 and guard["good_epoch"] == 0 and suggested == guard["tried_stepsizes"][-1] < 2.45
    line = next(x for x in err.splitlines() if "divergence guard" in x)
    assert (f"a stepsize of {suggested:g} trained 500 epochs from epoch 0 without tripping the guard "
            f"(now 5; 2/λ_max = {2 / guard['sharpness']:.3g}, λ_max the largest eigenvalue of the loss's Hessian there "
            "(Lanczos, as the Gradient flow tab's sharpness plot))") in line
    code, summary, err = train_json(capsys, *sine, "--stepsize", f"{suggested:g}", "--epochs", "1000")  # from epoch 0
    assert code == 0 and summary["divergence"] is None and summary["epochs"] == 1000
    assert summary["final_loss"] < summary["initial_loss"]
