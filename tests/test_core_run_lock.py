"""The run file's lock: odd things at the lock path refuse (item 5), the lock-file fallback where open files cannot be
locked, and the stamp that tells a writer someone else saved since (item 3)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlp_gui.core import platform
from mlp_gui.core.run_lock import (
    ChangedOnDiskError,
    FileStamp,
    LockedError,
    LockPathError,
    RunFileLock,
    check_unchanged,
)


@pytest.fixture
def target(tmp_path) -> Path:
    return tmp_path.resolve() / "run.npz"


@pytest.fixture(params=["fd locks", "lock files"])
def locking(request, monkeypatch):
    """Both ways to lock: flock where it exists, and the O_EXCL lock file used where no file can be locked."""
    if request.param == "lock files":
        monkeypatch.setattr(platform, "FD_LOCKS", False)
    return request.param


@pytest.mark.parametrize("make", ["fifo", "dangling link", "link to a file", "folder"])
def test_anything_but_a_regular_file_at_the_lock_path_refuses(target, locking, make):
    lock = target.parent / ".run.npz.lock"
    if make == "fifo":
        os.mkfifo(lock)
    elif make == "dangling link":
        lock.symlink_to(target.parent / "nowhere")
    elif make == "link to a file":
        (target.parent / "other").write_text("x")
        lock.symlink_to(target.parent / "other")
    else:
        lock.mkdir()
    with pytest.raises(LockPathError, match="not a lock file: remove it") as info:
        RunFileLock(target).acquire()
    assert str(lock) in str(info.value)


def test_a_second_lock_is_refused_naming_the_first_and_released(target, locking):
    with RunFileLock(target, "first"), pytest.raises(LockedError, match=rf"in use by pid {os.getpid()} \(first\)"):
        RunFileLock(target, "second").acquire()
    assert not (target.parent / ".run.npz.lock").exists()
    with RunFileLock(target, "second") as lock:
        assert lock.held


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_lock_file_left_by_a_dead_process_is_taken_over(target, monkeypatch):
    monkeypatch.setattr(platform, "FD_LOCKS", False)
    lock = target.parent / ".run.npz.lock"
    lock.write_text(f"{dead_pid()}\nmlp-gui train\n")
    with RunFileLock(target, "me"):
        assert lock.read_text() == f"{os.getpid()}\nme\n"
    lock.write_text("")  # a holder that died between making the file and writing its pid
    with pytest.raises(LockedError, match="in use by another process"):
        RunFileLock(target).acquire()  # fresh: maybe being written right now
    old = time.time() - 3600
    os.utime(lock, (old, old))
    with RunFileLock(target):
        pass


def test_the_stamp_tells_when_someone_saved_since(target):
    assert FileStamp.of(target) is None
    target.write_bytes(b"one")
    stamp = FileStamp.of(target)
    check_unchanged(target, stamp)
    check_unchanged(target, None)  # no stamp: nothing to compare with
    replacement = target.parent / "new"
    replacement.write_bytes(b"two")
    os.replace(replacement, target)  # another program saved (a save is a rename)
    with pytest.raises(ChangedOnDiskError, match="was saved by another program since"):
        check_unchanged(target, stamp)
