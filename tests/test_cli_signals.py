"""``mlp-gui train`` under signals and contention, as real processes: nothing lost, nothing half-written.

The processes that are signalled or share a file are real ones; what only follows or precedes them (resuming
afterwards, making the file, a refusal) calls the command line's ``main`` in this process.
"""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from mlp_gui.cli import main
from mlp_gui.core import TrainConfig, Trainer, load_run, loss_and_grads
from tests.cli_calls import called


def start_training(*args: str) -> subprocess.Popen:
    """A long ``mlp-gui train --notebook`` run; returns once it is training (its first printout has arrived)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "mlp_gui", "train", "--notebook", "--epochs", "100000000", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    proc.stdout.readline()  # "Question 1: ..." is printed just before training starts
    return proc


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_saves_exactly_one_state(tmp_path, signum, code):
    path = tmp_path / "r.npz"
    proc = start_training("--save", str(path))
    try:
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, err
    assert "Traceback" not in err and f"{signal.Signals(signum).name}: stopped after" in err
    run = load_run(path)
    loss, _ = loss_and_grads(run.config.model, run.layers, run.x, run.y)
    assert loss == run.loss[-1]  # the saved parameters are the ones whose loss ends the history
    straight = Trainer.new(TrainConfig())
    straight.step(run.epochs)
    np.testing.assert_array_equal(run.loss, straight.loss_history)


def test_resuming_an_interrupted_run_is_bit_identical(tmp_path, capsys):
    path = tmp_path / "r.npz"
    proc = start_training("--save", str(path))
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    first = load_run(path).epochs
    code, _, err = called(capsys, main, ["train", "--resume", str(path), "--epochs", "500"])
    assert code == 0, err
    straight = Trainer.new(TrainConfig())
    straight.step(first + 500)
    np.testing.assert_array_equal(load_run(path).loss, straight.loss_history)


def test_a_second_process_cannot_resume_a_file_in_use(tmp_path, capsys):
    path = tmp_path / "r.npz"
    assert called(capsys, main, ["train", "--epochs", "10", "--save", str(path)])[0] == 0
    before = path.read_bytes()
    proc = start_training("--resume", str(path))
    try:  # a second real process: by the time it has started and refused, the first one has trained
        second = subprocess.run([sys.executable, "-m", "mlp_gui", "train", "--resume", str(path), "--epochs", "5"],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert f"pid {proc.pid}" in second.stderr and len(second.stderr.strip().splitlines()) == 1
        assert path.read_bytes() == before  # the second process changed nothing
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert load_run(path).epochs > 10  # the first one saved its work


def test_an_unwritable_target_is_refused_before_training(tmp_path, capsys):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    code, _, err = called(capsys, main, ["train", "--epochs", "10", "--save", str(fifo)])
    assert code == 2 and "FIFO" in err and len(err.strip().splitlines()) == 1, err
    assert fifo.is_fifo()  # never replaced by a regular file
