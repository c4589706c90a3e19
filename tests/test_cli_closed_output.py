"""A reader that stops reading early (``mlp-gui train --notebook | head -3``): no traceback, and the run is still
trained and saved whole. Real processes: a pipe closed under the command is the claim."""

from __future__ import annotations

import subprocess
import sys

from mlp_gui.core.runfile import load_run

COMMAND = [sys.executable, "-m", "mlp_gui"]


def read_first_line_then_close(*args: str, cwd) -> tuple[str, str, int]:
    """Run ``mlp-gui ARGS``, read one line of its stdout, close the pipe (as ``head -1`` does) and wait for it."""
    proc = subprocess.Popen([*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    return first, err, proc.wait(timeout=120)


def test_a_notebook_report_read_by_head_still_saves_the_run_without_a_traceback(tmp_path):
    first, err, code = read_first_line_then_close("train", "--notebook", "--epochs", "3000", "--save", "run.npz",
                                                  "--no-progress", cwd=tmp_path)
    assert first.startswith("Question 1: Loss of the forward Pass"), first
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert code == 0, err
    saved = load_run(tmp_path / "run.npz")
    assert saved.loss.size == 3001, "the run was not saved whole after its reader went away"  # epoch 0 and 3,000 more


def test_help_read_by_head_ends_without_a_traceback(tmp_path):
    first, err, code = read_first_line_then_close("train", "--help", cwd=tmp_path)
    assert first.startswith("usage:"), first
    assert "Traceback" not in err, err
    assert code in (0, 1), err
