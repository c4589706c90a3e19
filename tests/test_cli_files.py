"""``mlp-gui train`` and its files: what it writes it can open, what it cannot take it refuses in one line.

Issue 17's data-loss and refusal items, through the command line (in process where that is enough, a real
process where signals or a memory cap are involved).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from mlp_gui import train_command
from mlp_gui.cli import main
from mlp_gui.core.runfile import load_run, run_from_trainer, save_run, snapshot_capacity
from tests.launch_in_process import refused_before_window

ROOT = Path(__file__).resolve().parents[1]
BIG = ["--layers", "2,100,100,1", "--stepsize", "0.001"]  # 10,501 parameters, 84,008 bytes a snapshot
ROW = 8 * 10_501


def one_line_error(capsys, code: int, fragment: str) -> str:
    err = capsys.readouterr().err
    assert code == 2, err
    assert fragment in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlp_gui", *args], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          **kwargs)


# ---------------------------------------------------------------- item 1: the snapshot budget holds on resume


@pytest.fixture
def budget_of_8(monkeypatch):
    """A snapshot budget that holds 8 snapshots of BIG (the 64 MB one holds 8 of a million-parameter network: the
    same arithmetic at a hundredth of the bytes)."""
    from mlp_gui.core import snapshots

    monkeypatch.setattr(snapshots, "DEFAULT_BUDGET", 8 * ROW)


def test_a_resumed_run_keeps_the_snapshot_budget_of_a_fresh_one(tmp_path, capsys, budget_of_8):
    path = tmp_path / "r.npz"
    assert main(["train", *BIG, "--epochs", "2", "--save", str(path)]) == 0
    run = load_run(path)
    assert snapshot_capacity(run.config) == 8
    trainer = run.trainer(extra_epochs=20)  # what --resume and the window's Open continue
    for _ in range(10):
        trainer.step(1)  # a chunk end each: a snapshot offered each time, as in a long run
    assert len(trainer.snapshots.epochs) == 8  # it grew to 12 here (22 after 20 steps) when a resumed store held 2,000
    save_run(path, run_from_trainer(trainer))
    saved = load_run(path)
    assert len(saved.snapshots.epochs) == 8 and saved.notes == ()


def over_budget_file(path: Path, rows: int) -> None:
    """A run file with ``rows`` snapshots of a network whose budget holds 8, as files resumed before the fix hold."""
    assert main(["train", *BIG, "--epochs", "1", "--save", str(path)]) == 0
    with np.load(path) as data:
        arrays = dict(data)
    size = arrays["snapshot_params"].shape[1]
    arrays |= {"loss": np.linspace(1.0, 0.5, 2 * rows + 1), "snapshot_epochs": np.arange(0, 2 * rows, 2),
               "snapshot_params": np.repeat(np.arange(rows, dtype=float)[:, None], size, axis=1)}
    np.savez(path, **arrays)


def test_a_file_holding_more_snapshots_opens_with_what_fits(tmp_path, capsys, budget_of_8):
    path = tmp_path / "old.npz"
    over_budget_file(path, 64)  # 8 times the budget
    tracemalloc.start()
    try:
        old = load_run(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * ROW, peak  # the rows left out were never held (all 64 would be twice this)
    kept = old.snapshots.epochs
    assert len(kept) == 8 and kept[0] == 0 and kept[-1] == 126
    for epoch, row in zip(kept, old.snapshots.rows):
        assert np.all(row == epoch / 2)  # each kept row is the one stored for its epoch
    assert old.notes == ("kept 8 of the file's 64 snapshots (a run of this size keeps at most 8); going back can "
                         "reach fewer epochs",)
    capsys.readouterr()
    assert main(["train", "--resume", str(path), "--epochs", "1", "--no-progress"]) == 0
    assert "kept 8 of the file's 64 snapshots" in capsys.readouterr().err
    with np.load(path) as data:  # what the file holds now (reading it whole would thin it to 8 anyway)
        assert len(data["snapshot_epochs"]) <= 8


# ---------------------------------------------------------------- item 2: every reader limit is one the writer respects


def test_long_histories_and_big_batches_that_are_written_can_be_read(tmp_path, capsys):
    big = tmp_path / "big.npz"
    assert main(["train", "--layers", "1,1", "--batch-size", "10000001", "--epochs", "1", "--save", str(big)]) == 0
    assert load_run(big).x.shape == (1, 10_000_001)
    long = tmp_path / "long.npz"  # a small batch, so that only the history is large
    assert main(["train", "--layers", "1,1", "--epochs", "1", "--save", str(long)]) == 0
    with np.load(long) as data:
        arrays = dict(data) | {"loss": np.linspace(1.0, 0.5, 34_000_001)}
    arrays.pop("snapshot_epochs"), arrays.pop("snapshot_params"), arrays.pop("norm_epochs")
    for name in ("grad_norms", "weight_norms", "update_norms"):
        arrays.pop(name)
    np.savez(long, **arrays)
    assert load_run(long).epochs == 34_000_000


def test_a_run_longer_than_a_file_holds_is_refused_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(train_command, "MAX_EPOCHS_IN_FILE", 50)
    path = tmp_path / "r.npz"
    one_line_error(capsys, main(["train", "--epochs", "60", "--save", str(path)]), "a run file holds at most 50 epochs")
    assert not path.exists()
    assert main(["train", "--epochs", "40", "--save", str(path)]) == 0
    one_line_error(capsys, main(["train", "--resume", str(path), "--epochs", "11"]), "this run would have 51")
    assert main(["train", "--epochs", "60"]) == 0  # not saved: no file to fit


# ---------------------------------------------------------------- items 4 and 18: --from-epoch


def test_going_back_never_silently_replaces_the_source(tmp_path, capsys):
    path, other = tmp_path / "r.npz", tmp_path / "b.npz"
    assert main(["train", "--epochs", "3000", "--save", str(path)]) == 0
    at = load_run(path).snapshots.epochs[1]  # a snapshot before the end: where going back lands
    assert 0 < at < 3000
    before = path.read_bytes()
    back = ["train", "--resume", str(path), "--from-epoch", str(at), "--epochs", "1"]
    one_line_error(capsys, main(back), f"give --save NEW.npz to keep {path}")
    assert path.read_bytes() == before
    assert main([*back, "--save", str(other)]) == 0
    assert load_run(other).epochs == at + 1 and path.read_bytes() == before
    capsys.readouterr()
    assert main([*back, "--save", str(path)]) == 0
    assert f"replacing {path}: its epochs {at + 1:,} to 3,000 are dropped" in capsys.readouterr().err
    assert load_run(path).epochs == at + 1


def test_from_epoch_without_resume_is_refused(capsys):
    one_line_error(capsys, main(["train", "--epochs", "10", "--from-epoch", "5"]), "--from-epoch goes back in a saved run")


# ---------------------------------------------------------------- item 5: a bad lock path refuses, never unlocks


@pytest.mark.parametrize("make", ["fifo", "dangling", "folder"])
def test_something_odd_at_the_lock_path_refuses(tmp_path, capsys, make):
    path = tmp_path / "x.npz"
    assert main(["train", "--epochs", "10", "--save", str(path)]) == 0
    lock = tmp_path / ".x.npz.lock"
    if make == "fifo":
        os.mkfifo(lock)
    elif make == "dangling":
        lock.symlink_to(tmp_path / "nowhere")
    else:
        lock.mkdir()
    before = path.read_bytes()
    err = one_line_error(capsys, main(["train", "--resume", str(path), "--epochs", "5"]), "not a lock file")
    assert str(lock) in err and path.read_bytes() == before


# ---------------------------------------------------------------- item 6 and issue 16: where the run was saved


def test_the_summary_says_where_the_run_was_saved(tmp_path, capsys):
    path = tmp_path / "r.npz"
    assert main(["train", "--epochs", "10", "--save", str(path)]) == 0
    assert capsys.readouterr().out.strip().endswith(f"; saved to {path.resolve()}")


def test_saved_to_the_fallback_folder_is_exit_1_and_names_the_file(tmp_path, capsys, monkeypatch):
    folder, fallback = tmp_path / "runs", tmp_path / "fallback"
    folder.mkdir(), fallback.mkdir()
    path = folder / "r.npz"
    real = os.replace

    def disk_full_there(src, dst, **kwargs) -> None:  # the disk under ``folder`` refuses the finished file
        if Path(dst).parent == folder.resolve():
            raise OSError(28, "No space left on device")
        real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", disk_full_there)
    monkeypatch.setattr(train_command, "fallback_folder", lambda: str(fallback))
    assert main(["train", "--epochs", "10", "--save", str(path)]) == 1
    out, err = capsys.readouterr()
    saved = fallback.resolve() / "r.npz"
    assert f"could not write {path}; the run was saved to {saved} instead" in err
    assert out.strip().endswith(f"; saved to {saved}") and load_run(saved).epochs == 10 and not path.exists()
    assert not list(folder.iterdir())  # no temporary file left behind where it failed


# ---------------------------------------------------------------- item 10: memory limits of the process


def capped(limit: int):
    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return cap


def test_a_run_beyond_the_process_memory_limit_is_one_line():
    result = run_cli("train", "--layers", "3,10000,10000,2", "--epochs", "10", preexec_fn=capped(4_000_000_000))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("mlp-gui train: error:")


def test_the_memory_check_knows_the_process_memory_limit():
    code = ("from mlp_gui.core.config import TrainConfig, check_fits_in_memory\n"
            "check_fits_in_memory(TrainConfig(layers=(3, 10000, 10000, 2)), 10)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT,
                            preexec_fn=capped(4_000_000_000))
    assert "ConfigError" in result.stderr and "reduce layers" in result.stderr, result.stderr


def test_the_window_refuses_epochs_beyond_memory_before_allocating(capsys, monkeypatch):
    code, _, err = refused_before_window(capsys, monkeypatch, "--epochs", "1000000000000", "--exit-when-done")
    assert code == 2 and "reduce epochs" in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- item 11: no training samples


def test_no_training_samples_is_one_line(capsys):
    code = main(["train", "--data", "xor", "--layers", "2,4,1", "--samples", "4", "--test-fraction", "0.9", "--epochs", "5"])
    one_line_error(capsys, code, "train on")


# ---------------------------------------------------------------- item 13: Ctrl+C at any moment


#: the modules of mlp-gui that run before ``entry.main`` can catch Ctrl+C (module level only: nothing heavy)
BEFORE_MAIN = ("mlp_gui/__init__.py", "mlp_gui/__main__.py", "mlp_gui/entry.py", "mlp_gui/exits.py")


def before_main(traceback: str) -> bool:
    """Whether an interrupt's traceback is from before ``entry.main`` ran: Python's own start, or the first few
    lines of mlp-gui's entry modules (an interpreter can not be told to catch Ctrl+C any earlier)."""
    frames = re.findall(r'File "([^"]+)", line \d+, in (\S+)', traceback)
    ours = [(name, where) for name, where in frames if "/mlp_gui/" in name]  # not site-packages' editable finder
    return traceback.rstrip().endswith("KeyboardInterrupt") and all(
        where == "<module>" and name.endswith(BEFORE_MAIN) for name, where in ours)


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3, 0.6])
def test_ctrl_c_while_starting_is_one_line(tmp_path, delay):
    path = tmp_path / "r.npz"
    proc = subprocess.Popen([sys.executable, "-m", "mlp_gui", "train", "--epochs", "100000000", "--save", str(path)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)  # a real process at a real moment of its start: nothing to wait for but time
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    if "Traceback" in err:  # on a busy machine the signal can come before mlp-gui's first line has run
        assert before_main(err), err
        return
    assert "KeyboardInterrupt" not in err, err
    assert proc.returncode in (130, -signal.SIGINT), err  # -2: before Python's own handler exists, the signal ends it
    assert len(err.strip().splitlines()) <= 1
    if path.exists():  # training had begun: what was computed is saved, whole
        assert load_run(path).epochs >= 0


def test_the_entry_imports_nothing_heavy_before_it_can_catch_ctrl_c():
    """The window in which Ctrl+C still prints a traceback is Python's start plus importing these few lines."""
    code = "import sys, mlp_gui.entry; print(sorted(m for m in sys.modules if m.startswith(('mlp_gui', 'numpy', 'PySide6'))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.stdout.strip() == "['mlp_gui', 'mlp_gui.entry', 'mlp_gui.exits']", result.stdout + result.stderr
    assert before_main('Traceback (most recent call last):\n  File "<frozen runpy>", line 198, in _run_module_as_main\n'
                       '  File "/x/mlp_gui/entry.py", line 11, in <module>\nKeyboardInterrupt\n')
    assert not before_main('Traceback (most recent call last):\n  File "/x/mlp_gui/entry.py", line 20, in main\n'
                           '  File "/x/mlp_gui/cli.py", line 5, in <module>\nKeyboardInterrupt\n')


def test_the_command_starts_where_ctrl_c_is_caught():
    assert (ROOT / "mlp_gui" / "__main__.py").read_text().count("mlp_gui.entry") == 1
    assert 'mlp-gui = "mlp_gui.entry:main"' in (ROOT / "pyproject.toml").read_text()


#: Ctrl+C inside an extension module's import, which (as NumPy's C import does) turns the interrupt into an ImportError
INTERRUPTED_IMPORT = r"""
import importlib.abc, importlib.util, os, signal, sys, time

class SlowCli(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        return importlib.util.spec_from_loader(name, self) if name == "mlp_gui.cli" else None
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt as exc:
            raise ImportError("PyCapsule_Import could not import module 'datetime'") from exc

sys.meta_path.insert(0, SlowCli())
from mlp_gui.entry import main
raise SystemExit(main(["train", "--epochs", "5"]))
"""


def test_ctrl_c_inside_an_extension_import_is_one_line_not_an_import_error():
    result = subprocess.run([sys.executable, "-c", INTERRUPTED_IMPORT], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip().splitlines() == ["mlp-gui: interrupted while starting; nothing was trained or saved"]
