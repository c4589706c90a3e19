"""Issue 21 §1: ``mlp-gui export RUN.npz --script/--notebook``: what it writes, and one line with exit code 2 for
every kind of bad input (nothing written)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from mlp_gui import cli
from mlp_gui.core.runfile import load_run, save_run
from mlp_gui.export_command import build_export_parser
from tests.cli_calls import called
from tests.export_helpers import final_loss, run_script, trained

CSV = """sepal,petal,width,kind
5.1,1.4,0.2,setosa
4.9,1.4,0.2,setosa
6.3,4.9,1.5,versicolor
5.8,4.1,1.0,versicolor
6.7,5.8,1.8,virginica
7.2,6.1,2.5,virginica
5.0,1.6,0.2,setosa
6.0,4.5,1.5,versicolor
6.4,5.3,2.3,virginica
5.4,1.7,0.4,setosa
5.6,3.9,1.1,versicolor
6.9,5.7,2.3,virginica
4.8,1.6,0.2,setosa
5.7,4.2,1.3,versicolor
6.5,5.5,1.8,virginica
"""


def export(capsys, *argv: str) -> tuple[int, str, str]:
    return called(capsys, cli.main, ["export", *map(str, argv)])


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "run.npz"
    assert cli.main(["train", "--epochs", "50", "--save", str(path), "--no-progress"]) == 0
    return path


def test_a_csv_run_trained_by_mlp_gui_train_exports_to_the_last_bit(tmp_path, capsys):
    data = tmp_path / "flowers.csv"
    data.write_text(CSV)
    run_path = tmp_path / "flowers.npz"
    argv = ["train", "--data", str(data), "--layers", "3,5,3", "--output", "softmax", "--loss", "cross-entropy",
            "--batch-size", "4", "--standardize", "yes", "--test-fraction", "0.2", "--stepsize", "0.5", "--epochs", "25",
            "--save", str(run_path), "--no-progress"]
    assert cli.main(argv) == 0
    capsys.readouterr()
    code, out, err = export(capsys, run_path, "--script", tmp_path / "flowers.py")
    assert (code, err) == (0, "") and out.startswith("mlp-gui export: wrote")
    run = load_run(run_path)
    done = run_script(tmp_path / "flowers.py")
    assert done.returncode == 0, done.stderr
    assert final_loss(done.stdout) == repr(float(run.loss[-1]))
    first = (tmp_path / "flowers.py").read_text().splitlines()[0]
    assert first.startswith(f"# mlp-gui train --layers 3,5,3 --batch-size 4 --stepsize 0.5 --output softmax --loss "
                            f"cross-entropy --data {data} --standardize yes --test-fraction 0.2 --epochs 25  # run ")


def test_script_and_notebook_together(run_file, tmp_path, capsys):
    code, out, err = export(capsys, run_file, "--script", tmp_path / "r.py", "--notebook", tmp_path / "r.ipynb")
    assert code == 0 and err == ""
    assert (tmp_path / "r.py").is_file() and (tmp_path / "r.ipynb").is_file()
    assert f"ends at loss {float(load_run(run_file).loss[-1])!r}" in out


def test_an_existing_target_is_replaced_as_train_save_replaces_its_file(run_file, tmp_path, capsys):
    target = tmp_path / "old.py"
    target.write_text("print('old')\n")
    os.chmod(target, 0o640)
    assert export(capsys, run_file, "--script", target)[0] == 0
    assert "np.random.seed(12345)" in target.read_text()
    assert target.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode


def test_a_diverged_run_exports_and_says_where_it_diverges(tmp_path, capsys):
    from mlp_gui.core.config import TrainConfig

    path = tmp_path / "blown.npz"
    save_run(path, trained(TrainConfig(stepsize=1e3), 100))
    code, out, _ = export(capsys, path, "--script", tmp_path / "blown.py")
    assert code == 0 and "diverges at epoch 52" in out
    done = run_script(tmp_path / "blown.py")
    assert done.returncode == 0 and final_loss(done.stdout) == "inf"


def one_line_error(capsys, *argv) -> str:
    code, out, err = export(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("mlp-gui export: error: ") and err.count("\n") == 1, err
    return err


def test_a_missing_run_file(tmp_path, capsys):
    err = one_line_error(capsys, tmp_path / "nope.npz", "--script", tmp_path / "x.py")
    assert "no such file" in err and not (tmp_path / "x.py").exists()


def test_not_a_run_file(tmp_path, capsys):
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    assert "not an mlp-gui run" in one_line_error(capsys, other, "--script", tmp_path / "x.py")
    text = tmp_path / "text.npz"
    text.write_text("hello")
    assert "not an .npz file" in one_line_error(capsys, text, "--script", tmp_path / "x.py")


def test_neither_script_nor_notebook(run_file, capsys):
    assert "--script RUN.py, --notebook RUN.ipynb, or both" in one_line_error(capsys, run_file)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_target_is_refused_without_hanging(run_file, tmp_path, capsys):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    assert "named pipe (FIFO)" in one_line_error(capsys, run_file, "--script", fifo)


def test_unwritable_targets(run_file, tmp_path, capsys):
    assert "does not exist" in one_line_error(capsys, run_file, "--script", tmp_path / "no" / "r.py")
    assert "is a folder" in one_line_error(capsys, run_file, "--notebook", tmp_path)
    assert "is the run file itself" in one_line_error(capsys, run_file, "--script", run_file)
    assert "give each its own file" in one_line_error(capsys, run_file, "--script", tmp_path / "a", "--notebook", tmp_path / "a")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder(run_file, tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert "not writable" in one_line_error(capsys, run_file, "--script", folder / "r.py")
    finally:
        folder.chmod(0o755)


def test_every_flag_has_help_text():
    parser = build_export_parser()
    assert all(action.help for action in parser._actions)  # noqa: SLF001 - argparse keeps its flags there
    assert "--script" in parser.format_help() and "--notebook" in parser.format_help()


def test_export_never_imports_qt(run_file, tmp_path):
    code = ("import sys; from mlp_gui import cli; "
            f"code = cli.main(['export', {str(run_file)!r}, '--script', {str(tmp_path / 'q.py')!r}]); "
            "assert 'PySide6' not in sys.modules and 'pyqtgraph' not in sys.modules; sys.exit(code)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120).returncode == 0


def test_the_help_says_what_exports_and_what_does_not_yet():
    text = " ".join(build_export_parser().format_help().split())
    assert "Every optimizer (gd, momentum, nesterov, rmsprop, adam), the L1/L2 penalty, stepsize decay, input features" in text
    assert "not exported yet (one line says so, exit 2): runs with weights typed in midway" in text


def test_an_adam_run_trained_by_mlp_gui_train_exports_to_the_last_bit(tmp_path, capsys):
    run_path = tmp_path / "adam.npz"
    argv = ["train", "--data", "xor", "--layers", "3,5,1", "--features", "x1,x2,x1x2", "--output", "sigmoid", "--loss",
            "cross-entropy", "--optimizer", "adam", "--stepsize", "0.01", "--l1", "0.001", "--decay-every", "10",
            "--decay-factor", "0.5", "--batch-size", "8", "--epochs", "30", "--save", str(run_path), "--no-progress"]
    assert cli.main(argv) == 0
    capsys.readouterr()
    code, out, err = export(capsys, run_path, "--script", tmp_path / "adam.py")
    assert (code, err) == (0, "")
    done = run_script(tmp_path / "adam.py")
    assert final_loss(done.stdout) == repr(float(load_run(run_path).loss[-1]))


def test_a_run_with_weights_typed_in_is_refused_in_one_line(tmp_path, capsys, run_file):
    import dataclasses

    from mlp_gui.core import weight_edits

    run = load_run(run_file)
    if "weight_edits" not in {f.name for f in dataclasses.fields(run)}:
        pytest.skip("run files do not keep weight edits yet")
    edit = weight_edits.WeightEdit(10, weight_edits.parse_ref("W1", (0, 0)), float(run.initial[0].W[0, 0]), 0.5)
    save_run(tmp_path / "edited.npz", dataclasses.replace(run, weight_edits=(edit,)))
    code, out, err = export(capsys, tmp_path / "edited.npz", "--script", tmp_path / "edited.py")
    assert code == 2 and not (tmp_path / "edited.py").exists()
    assert err.count("\n") == 1 and "weights were typed in by hand midway (W1[0, 0]" in err
