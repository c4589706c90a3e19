"""What the file-writing commands share (mlp_gui.command_checks): each reason a target cannot be written is one line
naming the flag, and a command's errors end it as one line with its exit code."""

import os

import pytest

from mlp_gui.command_checks import run_reporting, same_file, target_problem
from mlp_gui.exits import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE


def test_a_writable_target_has_no_problem(tmp_path):
    assert target_problem(tmp_path / "new.npz", "--out") == ""
    (tmp_path / "old.npz").write_bytes(b"x")
    assert target_problem(tmp_path / "old.npz", "--out", run_file=tmp_path / "run.npz") == ""


def test_each_problem_is_one_line_naming_the_flag(tmp_path):
    assert target_problem(tmp_path, "--save", like="run.npz") == f"--save {tmp_path}: is a folder; give a file name like run.npz"
    assert target_problem(tmp_path, "--script") == f"--script {tmp_path}: is a folder; give a file name"
    gone = tmp_path / "gone" / "x.npz"
    assert target_problem(gone, "--out") == f"--out {gone}: folder {gone.parent} does not exist"
    run = tmp_path / "run.npz"
    run.write_bytes(b"x")
    link = tmp_path / "link.npz"
    os.symlink(run, link)
    assert same_file(link, run) and not same_file(tmp_path / "other.npz", run)
    assert target_problem(link, "--out", run_file=run) == (
        f"--out {link} is the run file itself: writing there would replace the run")
    assert target_problem(run, "--out") == ""  # only a command that reads a run names it


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_what_check_target_refuses_is_said_with_the_flag(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    line = target_problem(fifo, "--notebook")
    assert line.startswith(f"--notebook {fifo}") and "\n" not in line


def _raises(exc: BaseException):
    def body() -> int:
        raise exc
    return body


def test_a_commands_errors_are_one_line_and_an_exit_code(capsys):
    expected = (ValueError,)
    assert run_reporting("prog", lambda: EXIT_OK, expected=expected, memory="m") == EXIT_OK
    assert run_reporting("prog", _raises(ValueError("bad flag")), expected=expected, memory="m") == EXIT_USAGE
    assert capsys.readouterr().err == "prog: error: bad flag\n"
    assert run_reporting("prog", _raises(MemoryError()), expected=expected, memory="the data needs more") == EXIT_USAGE
    assert capsys.readouterr().err == "prog: error: out of memory (the data needs more)\n"
    assert run_reporting("prog", _raises(KeyboardInterrupt()), expected=expected, memory="m") == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "prog: interrupted\n"
    with pytest.raises(KeyError):  # an error nobody expected is not hidden
        run_reporting("prog", _raises(KeyError("x")), expected=expected, memory="m")
