"""``mlp-gui train``: the notebook's printout, JSON, saved runs, resume, and clear errors for bad input."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from mlp_gui.cli import main
from mlp_gui.core import load_run
from tests import notebook_data as nb
from tests.cli_calls import called
from tests.launch_in_process import refused_before_window

# ``main`` is called in this process; a real process only where the process is the claim (no traceback from the
# installed command, no Qt imported by train).


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlp_gui", *args], capture_output=True, text=True, timeout=120
    )


def test_notebook_printout_for_the_defaults(capsys):
    assert main(["train", "--notebook", "--epochs", "100000"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(nb.INITIAL_REPORT)
    training = out[len(nb.INITIAL_REPORT):].splitlines()
    assert training[0] == "Optimize NN using Backpropagation:"
    assert training[1] == f"Loss Start: {nb.INITIAL_LOSS} "
    epochs = [int(line.split()[2]) for line in training if line.startswith("Loss after")]
    assert epochs == [1, 2, 3, 10001, 20001, 30001, 40001, 50001, 60001, 70001, 80001, 90001, 100000]
    last = float(training[-2].split(": ")[1])
    assert last == pytest.approx(nb.LOSS_AFTER_FIRST_100000, rel=1e-8)


def test_json_summary(capsys):
    assert main(["train", "--epochs", "10", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["initial_loss"] == nb.INITIAL_LOSS
    assert summary["epochs"] == 10 and summary["total_epochs"] == 10
    assert summary["settings"] == {"seed": 12345, "layers": [3, 4, 4, 2], "batch_size": 5, "stepsize": 0.1, "epochs": 10,
                                   "activation": "sigmoid", "output": "identity", "loss": "mse", "init": "notebook",
                                   "data": "notebook", "features": "x1,x2", "samples": 200, "noise": 0.1,
                                   "test_fraction": "auto", "target": "last", "standardize": "no",
                                   "optimizer": "gd", "momentum": 0.9, "rho": 0.99, "beta1": 0.9, "beta2": 0.999,
                                   "eps": 1e-8, "l1": 0.0, "l2": 0.0, "decay_every": 0, "decay_factor": 1.0}
    assert summary["penalty"] == 0.0  # no penalty: the objective is the data loss
    assert summary["final_loss"] < summary["initial_loss"]
    assert summary["seconds"] > 0 and summary["epochs_per_second"] > 0
    assert summary["diverged_at"] is None
    assert main(["train", "--epochs", "3", "--json"]) == 0
    shorter = json.loads(capsys.readouterr().out)
    assert len(summary["fingerprint"]) == 12 and summary["fingerprint"] == shorter["fingerprint"], (
        "the same settings and initial weights: the same name, however long it trains")


def test_save_then_resume_holds_the_whole_history(tmp_path, capsys):
    path = tmp_path / "run.npz"
    assert main(["train", "--epochs", "300", "--save", str(path)]) == 0
    assert load_run(path).epochs == 300
    assert main(["train", "--resume", str(path), "--epochs", "200"]) == 0
    resumed = load_run(path)
    assert resumed.epochs == 500
    assert main(["train", "--epochs", "500", "--save", str(tmp_path / "straight.npz")]) == 0
    straight = load_run(tmp_path / "straight.npz")
    np.testing.assert_array_equal(resumed.loss, straight.loss)
    for a, b in zip(resumed.params, straight.params):
        np.testing.assert_array_equal(a, b)


def test_resume_to_another_file_leaves_the_original(tmp_path):
    src, dst = tmp_path / "a.npz", tmp_path / "b.npz"
    assert main(["train", "--epochs", "50", "--save", str(src)]) == 0
    assert main(["train", "--resume", str(src), "--epochs", "50", "--stepsize", "0.5", "--save", str(dst)]) == 0
    assert load_run(src).epochs == 50
    assert load_run(dst).epochs == 100 and load_run(dst).config.stepsize == 0.5


def test_divergence_names_the_epoch_and_saves(tmp_path, capsys):
    path = tmp_path / "div.npz"
    code, _, err = called(capsys, main, ["train", "--stepsize", "1000", "--epochs", "1000", "--no-guard", "--save", str(path)])
    assert code == 1, err
    assert "diverged at epoch" in err and "Traceback" not in err
    epoch = int(err.split("diverged at epoch ")[1].split(":")[0])
    run = load_run(path)
    assert run.epochs == epoch and not np.isfinite(run.loss[-1])


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--layers", "3"], "at least two sizes"),
        (["--layers", "3,0,2"], "size 2 is 0"),
        (["--layers", "3,-1,2"], "size 2 is -1"),
        (["--layers", "3,four,2"], "not a whole number"),
        (["--layers", "3,2.5,2"], "not a whole number"),
        (["--epochs", "-5"], "epochs must be at least 1"),
        (["--epochs", "0"], "epochs must be at least 1"),
        (["--epochs", "many"], "whole number"),
        (["--stepsize", "nan"], "finite"),
        (["--stepsize", "inf"], "finite"),
        (["--stepsize", "0"], "positive"),
        (["--stepsize", "-0.1"], "positive"),
        (["--batch-size", "0"], "batch size must be at least 1"),
        (["--seed", "-1"], "seed must be between"),
        (["--layers", "50000,50000,50000"], "needs about"),
        (["--epochs", "1e14"], "too large"),
        (["--epochs", "1e11"], "reduce epochs"),
        (["--layers", "3,,4"], "size 2 is empty"),
        (["--seed", "３"], "whole number"),
        (["--stepsize", "1e400"], "too large"),
        (["--resume", "missing.npz"], "no such file"),
        (["--save", "/no/such/folder/run.npz"], "does not exist"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, fragment, capsys):
    with pytest.raises(SystemExit) as info:
        code = main(["train", *args])
        raise SystemExit(code)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert len(err.strip().splitlines()) == 1


def test_bad_run_files_for_resume(tmp_path, capsys):
    good = tmp_path / "good.npz"
    assert main(["train", "--epochs", "20", "--save", str(good)]) == 0
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:500])
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.arange(3))
    diverged = tmp_path / "diverged.npz"
    main(["train", "--stepsize", "1000", "--epochs", "500", "--no-guard", "--save", str(diverged)])
    capsys.readouterr()
    cases = [
        (["--resume", str(truncated)], "truncated"),
        (["--resume", str(foreign)], "not an mlp-gui run"),
        (["--resume", str(good), "--layers", "3,5,2"], "differs from the saved run"),
        (["--resume", str(good), "--seed", "1"], "differs from the saved run"),
        (["--resume", str(diverged)], "give a smaller --stepsize"),
        (["--resume", str(diverged), "--stepsize", "1000"], "give a smaller --stepsize"),
        (["--save", str(tmp_path)], "is a folder"),
        (["--save", "/dev/null"], "device"),
    ]
    for args, fragment in cases:
        assert main(["train", *args]) == 2
        err = capsys.readouterr().err
        assert fragment in err and len(err.strip().splitlines()) == 1
    assert load_run(good).epochs == 20  # untouched


def test_no_traceback_from_a_real_process():
    result = run_cli("train", "--layers", "3,,x", "--epochs", "5")
    assert result.returncode == 2
    assert result.stderr.startswith("mlp-gui train: error:") and "Traceback" not in result.stderr


def test_version_and_help_need_no_display(capsys, monkeypatch):
    code, out, err = refused_before_window(capsys, monkeypatch, "--version")  # the window is never launched
    assert code == 0 and out.startswith("mlp-gui "), err
    code, out, err = refused_before_window(capsys, monkeypatch, "--help")
    assert code == 0 and "--exit-when-done" in out and "mlp-gui train" in out, err


def test_window_flags_are_checked_before_qt_starts(capsys, monkeypatch):
    code, _, err = refused_before_window(capsys, monkeypatch, "--layers", "3", "--run")
    assert code == 2 and "at least two sizes" in err
    assert len(err.strip().splitlines()) == 1


def test_no_display_gets_a_clear_message(capsys, monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = refused_before_window(capsys, monkeypatch)
    assert code == 2 and "no display" in err and "mlp-gui train" in err


def test_train_does_not_import_qt():
    code = "import sys; from mlp_gui.cli import main; main(['train','--epochs','5']); print('PySide6' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == "False"


def test_progress_bar_line(monkeypatch):
    from types import SimpleNamespace

    from mlp_gui import progress

    monkeypatch.setattr(progress, "time", SimpleNamespace(perf_counter=lambda: 100.0))  # the bar's clock, started
    bar = progress.ProgressBar(1000, enabled=False, columns=120)
    line = bar.line(500, 1.5e-3, now=102.0)  # 500 epochs in 2 s: 250 epochs/s, 2 s to go
    assert "500/1000" in line and "00:02<00:02" in line and "250 epochs/s" in line and "loss 0.0015" in line
    assert "50%" in line


def test_the_divergence_guard_names_the_layer_and_a_stepsize(tmp_path, capsys):
    code, out, err = called(capsys, main, ["train", "--stepsize", "1000", "--epochs", "1000", "--json", "--save",
                                           str(tmp_path / "g.npz")])
    assert code == 1, err
    summary = json.loads(out)
    guard = summary["divergence"]
    assert guard["layer"] in ("W1", "W2", "W3") and 0 < guard["suggested_stepsize"] < 1000
    assert "stopped by the divergence guard" in err and "Traceback" not in err
    assert summary["epochs"] == guard["epoch"] < 52  # stopped at the epoch it went too far, before the loss overflowed
    _, out, err = called(capsys, main, ["train", "--stepsize", "1000", "--epochs", "1000", "--no-guard", "--json"])
    assert json.loads(out)["divergence"] is None and "diverged at epoch" in err


def test_resume_from_an_earlier_epoch(tmp_path, capsys):
    path = tmp_path / "r.npz"
    assert main(["train", "--epochs", "4000", "--save", str(path)]) == 0
    capsys.readouterr()
    code, _, err = called(capsys, main, ["train", "--resume", str(path), "--from-epoch", "1500", "--epochs", "100", "--save",
                                         str(tmp_path / "b.npz")])
    assert code == 0, err
    assert "continuing from epoch " in err and "latest snapshot at or before 1,500" in err
    at = int(re.search(r"continuing from epoch ([\d,]+),", err).group(1).replace(",", ""))
    assert load_run(tmp_path / "b.npz").epochs == at + 100 and load_run(path).epochs == 4000  # the original is untouched
