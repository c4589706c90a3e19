"""``mlp-gui landscape``: SLICE.npz and LINE.npz as the issue names them, the JSON summary, and one line with
exit code 2 for every kind of bad input (nothing written)."""

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from mlp_gui import cli
from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.landscape import Trajectory
from mlp_gui.core.runfile import load_run, run_from_trainer, save_run
from mlp_gui.landscape_command import main as landscape_main
from tests.cli_calls import called

SLICE_KEYS = {"center", "d1", "d2", "alphas", "betas", "loss", "path", "path_epochs"}
JSON_KEYS = {"plane", "grid", "center_epoch", "center_loss", "min_loss", "sharpness", "two_over_stepsize", "seconds"}


def hooked_up() -> bool:
    """Whether ``mlp-gui`` dispatches ``landscape`` yet (cli.py registers it; until then the module's own main)."""
    return "landscape" in (cli.main.__code__.co_consts + cli.main.__code__.co_names)


def landscape(capsys, *argv: str, through_cli: bool = False) -> tuple[int, str, str]:
    return called(capsys, cli.main, ["landscape", *argv]) if through_cli else called(capsys, landscape_main, argv)


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    trainer = Trainer.new(TrainConfig())
    for _ in range(20):
        trainer.step(100)
    path = tmp_path_factory.mktemp("runs") / "run.npz"
    save_run(path, run_from_trainer(trainer))
    return path


@pytest.fixture(scope="module")
def bare_run_file(run_file, tmp_path_factory):
    """A run file from before snapshots were kept: only its end."""
    run = dataclasses.replace(load_run(run_file), snapshots=None, initial=None)
    path = tmp_path_factory.mktemp("runs") / "bare.npz"
    save_run(path, run)
    return path


ENTRIES = [False, pytest.param(True, marks=pytest.mark.skipif(not hooked_up(), reason="cli.py does not register 'landscape' yet"))]


@pytest.mark.parametrize("through_cli", ENTRIES, ids=["module", "mlp-gui"])
def test_a_pca_slice_as_the_issue_names_it(run_file, tmp_path, capsys, through_cli):
    out = tmp_path / "slice.npz"
    code, stdout, err = landscape(capsys, str(run_file), "--out", str(out), "--json", through_cli=through_cli)
    assert code == 0, err
    summary = json.loads(stdout)
    assert set(summary) == JSON_KEYS
    with np.load(out, allow_pickle=False) as saved:
        assert set(saved.files) >= SLICE_KEYS
        arrays = {k: saved[k] for k in saved.files}
    run = load_run(run_file)
    trajectory = Trajectory.of_run(run)
    assert arrays["loss"].shape == (41, 41) and arrays["path"].shape == (len(trajectory.epochs), 2)
    np.testing.assert_array_equal(arrays["path_epochs"], trajectory.epochs)
    np.testing.assert_array_equal(arrays["center"], trajectory.points[-1])
    assert summary["plane"] == "pca" and summary["grid"] == 41 and summary["center_epoch"] == run.epochs
    assert summary["center_loss"] == pytest.approx(run.loss[-1], rel=1e-12)
    assert summary["min_loss"] == float(arrays["loss"].min()) and summary["two_over_stepsize"] == 2 / run.config.stepsize
    assert summary["sharpness"] > 0 and summary["seconds"] > 0
    assert "written to" in err and err.count("\n") == 1


@pytest.mark.parametrize("plane", ["random", "hessian"])
def test_other_planes_grid_span_and_at(run_file, tmp_path, capsys, plane):
    out = tmp_path / "slice.npz"
    seed = ["--seed", "3"] if plane == "random" else []
    code, stdout, _ = landscape(capsys, str(run_file), "--plane", plane, "--grid", "7", "--span", "0.5", "--at", "1050",
                                *seed, "--out", str(out))
    assert code == 0 and stdout.startswith(f"mlp-gui landscape: {plane} slice, 7x7 points")
    with np.load(out, allow_pickle=False) as saved:
        np.testing.assert_array_equal(saved["alphas"], np.linspace(-0.5, 0.5, 7))
        assert saved["loss"].shape == (7, 7) and int(saved["center_epoch"]) <= 1050


def test_a_line_with_its_ends(run_file, tmp_path, capsys):
    out = tmp_path / "line.npz"
    code, stdout, _ = landscape(capsys, str(run_file), "--line", "init:end", "--grid", "21", "--out", str(out), "--json")
    assert code == 0
    run = load_run(run_file)
    with np.load(out, allow_pickle=False) as saved:
        assert {"ts", "loss", "theta_a", "theta_b"} <= set(saved.files)
        np.testing.assert_array_equal(saved["ts"], np.linspace(-0.5, 1.5, 21))
        np.testing.assert_array_equal(saved["theta_b"], Trajectory.of_run(run).points[-1])
        assert float(saved["loss"][5]) == pytest.approx(run.loss[0], rel=1e-12)  # t = 0
        assert float(saved["loss"][15]) == pytest.approx(run.loss[-1], rel=1e-12)  # t = 1
    summary = json.loads(stdout)
    assert summary["plane"] == "line" and (summary["epoch_a"], summary["epoch_b"]) == (0, run.epochs)
    assert summary["loss_a"] == pytest.approx(run.loss[0], rel=1e-12)


def test_the_output_replaces_an_old_one_whole(run_file, tmp_path, capsys):
    out = tmp_path / "slice.npz"
    out.write_bytes(b"old")
    assert landscape(capsys, str(run_file), "--grid", "3", "--out", str(out))[0] == 0
    with np.load(out, allow_pickle=False) as saved:
        assert saved["loss"].shape == (3, 3)
    assert not [p for p in tmp_path.iterdir() if p.name != "slice.npz"]  # no temporary file left behind


@pytest.fixture(scope="module")
def blown_up_run_file(tmp_path_factory):
    """Ten epochs of stepsize 1000: a loss of 1e59, whose curvature float64 cannot resolve."""
    trainer = Trainer.new(TrainConfig(stepsize=1000))
    trainer.step(10)
    path = tmp_path_factory.mktemp("runs") / "blown_up.npz"
    save_run(path, run_from_trainer(trainer))
    return path


def test_a_blown_up_run_says_its_sharpness_is_unknown(blown_up_run_file, tmp_path, capsys):
    code, stdout, err = landscape(capsys, str(blown_up_run_file), "--plane", "random", "--out", str(tmp_path / "s.npz"), "--json")
    assert code == 0 and json.loads(stdout)["sharpness"] == "nan" and "sharpness unknown" in err
    code, _, err = landscape(capsys, str(blown_up_run_file), "--plane", "hessian", "--out", str(tmp_path / "h.npz"))
    assert code == 2 and "cannot be resolved" in err and err.count("\n") == 1


def bad_inputs(run_file, bare_run_file, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a run\n")
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    run, out = str(run_file), str(tmp_path / "out.npz")
    foreign = tmp_path / "slice.npz"
    np.savez(foreign, loss=np.zeros((3, 3)))
    return {
        "no snapshots for pca": ([str(bare_run_file), "--out", out], "pca plane needs"),
        "a line of one word": ([run, "--line", "5", "--out", out], "is not A:B"),
        "a line of words": ([run, "--line", "start:finish", "--out", out], "is not a whole number"),
        "a line of three": ([run, "--line", "1:2:3", "--out", out], "is not A:B"),
        "a line before the run": ([run, "--line=-1:5", "--out", out], "before the run"),
        "a line that looks like a flag": ([run, "--line", "-1:5", "--out", out], "expected one argument"),
        "a line with one end": ([run, "--line", ":5", "--out", out], "is not A:B"),
        "a line to itself": ([run, "--line", "init:0", "--out", out], "both ends"),
        "a line with slice flags": ([run, "--line", "init:end", "--plane", "pca", "--out", out], "--plane shapes a slice"),
        "a seed for another plane": ([run, "--plane", "hessian", "--seed", "3", "--out", out], "--plane random"),
        "a grid over 401": ([run, "--grid", "402", "--out", out], "from 2 to 401"),
        "a grid under 2": ([run, "--grid", "1", "--out", out], "from 2 to 401"),
        "a grid of words": ([run, "--grid", "many", "--out", out], "not a whole number"),
        "a span of zero": ([run, "--span", "0", "--out", out], "positive"),
        "a negative span": ([run, "--span", "-1", "--out", out], "positive"),
        "a span of nan": ([run, "--span", "nan", "--out", out], "positive"),
        "an unknown plane": ([run, "--plane", "diagonal", "--out", out], "invalid choice"),
        "--at before the run": ([run, "--at", "-1", "--out", out], "before the run"),
        "--at before the kept points": ([str(bare_run_file), "--plane", "random", "--at", "5", "--out", out], "no kept parameters"),
        "a file that is not a run": ([str(text), "--out", out], "not an .npz"),
        "an .npz that is not a run": ([str(foreign), "--out", out], "not an mlp-gui run"),
        "a missing file": ([str(tmp_path / "missing.npz"), "--out", out], "no such file"),
        "a FIFO as the run": ([str(fifo), "--out", out], "named pipe"),
        "a FIFO as --out": ([run, "--out", str(fifo)], "named pipe"),
        "--out in a missing folder": ([run, "--out", str(tmp_path / "gone" / "out.npz")], "does not exist"),
        "--out a folder": ([run, "--out", str(tmp_path)], "is a folder"),
        "--out the run itself": ([run, "--out", run], "the run file itself"),
        "no --out": ([run], "--out"),
        "an abbreviated flag": ([run, "--gri", "5", "--out", out], "unrecognized"),
    }


def test_bad_input_is_one_line_and_exit_2(run_file, bare_run_file, tmp_path, capsys):
    cases = bad_inputs(run_file, bare_run_file, tmp_path)
    for name, (argv, words) in cases.items():
        code, stdout, err = landscape(capsys, *argv)
        assert code == 2, name
        assert err.count("\n") == 1 and err.startswith("mlp-gui landscape: error:") and words in err, (name, err)
        assert stdout == "" and "Traceback" not in err
        assert not (tmp_path / "out.npz").exists(), name


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root writes into read-only folders")
def test_an_unwritable_out_folder_is_refused_before_computing(run_file, tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    code, _, err = landscape(capsys, str(run_file), "--out", str(folder / "out.npz"))
    assert code == 2 and "not writable" in err and err.count("\n") == 1


def test_the_command_never_imports_qt(run_file, tmp_path):
    out = tmp_path / "slice.npz"
    code = ("import sys; from mlp_gui.landscape_command import main; code = main(sys.argv[1:]); "
            "assert not any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules), 'Qt imported'; sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", code, str(run_file), "--grid", "3", "--out", str(out)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
