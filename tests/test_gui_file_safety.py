"""The window's files: its Save takes the lock ``mlp-gui train`` holds (item 3), and a FIFO where the remembered
settings live never keeps it from starting (item 7)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlp_gui.core import TrainConfig, Trainer, load_run, run_from_trainer
from mlp_gui.core.run_lock import ChangedOnDiskError, FileStamp, LockedError
from mlp_gui.gui import run_files

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run():
    trainer = Trainer(TrainConfig())
    trainer.step(110)
    return run_from_trainer(trainer)


def test_the_windows_save_waits_for_no_one_and_names_who_holds_the_file(tmp_path, run):
    path = tmp_path / "r.npz"
    holder = subprocess.Popen([sys.executable, "-m", "mlp_gui", "train", "--epochs", "100000000", "--notebook", "--save",
                               str(path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        holder.stdout.readline()  # training: it holds the lock
        with pytest.raises(LockedError, match=rf"in use by pid {holder.pid} \(mlp-gui train, pid {holder.pid}\)"):
            run_files.write_run(path, run)
        assert not path.exists()
    finally:
        holder.terminate()
        holder.communicate(timeout=60)
    assert load_run(path).epochs != 110  # the CLI saved its own run, and the window's never replaced it
    stamp = FileStamp.of(path)
    assert run_files.write_run(path, run, unchanged_since=stamp) == f"Saved 110 epochs to {path}"
    with pytest.raises(ChangedOnDiskError):
        run_files.write_run(path, run, unchanged_since=stamp)  # saved since the stamp (by us, here)


FIFO_SETTINGS = textwrap.dedent(
    """
    import os, sys
    folder = os.path.join(sys.argv[1], "mlp-gui")
    os.makedirs(folder)
    os.mkfifo(os.path.join(folder, sys.argv[2]))
    from mlp_gui.gui import remembered
    values = remembered.load_values()
    remembered.save_config(remembered.config_of(values), 5)
    print(values["seed"], remembered.kept_runs_path().parent != folder)
    """
)


@pytest.mark.parametrize("fifo", ["mlp-gui.ini", "../mlp-gui.ini"])
def test_a_fifo_as_the_settings_file_does_not_hang_the_start(tmp_path, fifo):
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", FIFO_SETTINGS, str(tmp_path), fifo], capture_output=True, text=True,
                            timeout=30, cwd=ROOT, env=env)
    assert result.returncode == 0 and result.stdout.split() == ["12345", "True"], result.stderr
    assert "is a named pipe (FIFO), not a settings file: settings are not remembered" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_window_runs_where_fcntl_and_resource_are_missing(tmp_path):
    code = ("import sys; sys.modules['fcntl'] = None; sys.modules['resource'] = None\n"
            "from mlp_gui.cli import main\nraise SystemExit(main(sys.argv[1:]))")
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", code, "--exit-when-done", "--epochs", "50"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT, env=env)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


def window(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """``mlp-gui`` offscreen; stderr without the offscreen plugin's own notice."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "mlp_gui", *args], capture_output=True, text=True, timeout=60,
                            cwd=ROOT, env=env)
    result.stderr = "".join(line for line in result.stderr.splitlines(keepends=True)
                            if not line.startswith("This plugin does not support"))
    return result


def test_flags_contradicting_an_opened_run_are_refused_as_train_refuses_them(tmp_path, run):
    path = tmp_path / "r.npz"
    run_files.write_run(path, run)
    result = window(tmp_path, str(path), "--activation", "relu", "--data", "xor", "--exit-when-done")
    assert result.returncode == 2 and "--activation relu differs from the saved run's sigmoid" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_fifo_as_the_screenshot_is_refused_before_the_run(tmp_path):
    fifo = tmp_path / "shot.png"
    os.mkfifo(fifo)
    result = window(tmp_path, "--screenshot", str(fifo), "--exit-when-done", "--epochs", "10")
    assert result.returncode == 2 and "--screenshot" in result.stderr and "FIFO" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and fifo.is_fifo()
