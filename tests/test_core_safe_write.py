"""Saving never loses or corrupts a file: atomic replace, modes kept, odd targets refused, fallback, locking."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from mlp_gui.core import platform, safe_write
from mlp_gui.core.run_lock import LockedError, RunFileLock
from mlp_gui.core.safe_write import TargetError, atomic_write, check_target

NEW = b"new content \x00\xff" * 100
OLD = b"old content that must survive"


def writer(data: bytes = NEW):
    return lambda f: f.write(data)


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def finishes(fn, seconds: float = 5.0):
    """Run ``fn`` in a daemon thread; fail (instead of hanging the suite) if it blocks, e.g. on a FIFO."""
    result: dict[str, object] = {}

    def run():
        try:
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    if "error" in result:
        raise result["error"]
    return result["value"]


@pytest.fixture
def tmp_path(tmp_path):
    """tmp_path without symlinks in it, since saves return the real path they wrote."""
    return tmp_path.resolve()


@pytest.fixture
def umask():
    """Set the umask for one test and restore it afterwards."""
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


def test_atomic_replace_leaves_no_temp_file(tmp_path):
    target = tmp_path / "run.npz"
    target.write_bytes(OLD)
    assert atomic_write(target, writer()) == target
    assert target.read_bytes() == NEW
    assert listing(tmp_path) == ["run.npz"]


@pytest.mark.parametrize("exc", [OSError(errno.EIO, "disk on fire"), KeyboardInterrupt()])
def test_failing_writer_keeps_old_file_byte_identical(tmp_path, exc):
    target = tmp_path / "run.npz"
    target.write_bytes(OLD)

    def half_then_fail(f):
        f.write(NEW[:50])
        f.flush()
        raise exc

    with pytest.raises(type(exc)):
        atomic_write(target, half_then_fail)
    assert target.read_bytes() == OLD
    assert listing(tmp_path) == ["run.npz"]


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_file_mode_follows_umask(tmp_path, umask, mask, mode):
    umask(mask)
    target = atomic_write(tmp_path / "run.npz", writer())
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_umask_is_read_without_proc(tmp_path, umask, monkeypatch):
    umask(0o027)

    def no_proc(*args, **kwargs):
        raise FileNotFoundError("no /proc here")

    monkeypatch.setattr(platform, "open", no_proc, raising=False)
    assert safe_write.current_umask() == 0o027
    assert os.umask(0o027) == 0o027  # the dance put it back


def test_existing_file_keeps_its_mode(tmp_path, umask):
    umask(0o077)
    target = tmp_path / "run.npz"
    target.write_bytes(OLD)
    target.chmod(0o640)
    atomic_write(target, writer())
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_bytes() == NEW


def test_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "data" / "real.npz"
    real.parent.mkdir()
    real.write_bytes(OLD)
    link = tmp_path / "run.npz"
    link.symlink_to(real)
    assert check_target(link) == real
    assert atomic_write(link, writer()) == real
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == NEW
    assert listing(tmp_path) == ["data", "run.npz"] and listing(real.parent) == ["real.npz"]


def test_fifo_is_refused_without_being_opened(tmp_path):
    fifo = tmp_path / "run.npz"
    os.mkfifo(fifo)
    called = []
    with pytest.raises(TargetError, match="FIFO"):
        finishes(lambda: check_target(fifo))
    with pytest.raises(TargetError, match="FIFO"):
        finishes(lambda: atomic_write(fifo, lambda f: called.append(f)))
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert called == [] and listing(tmp_path) == ["run.npz"]


def test_folder_is_refused(tmp_path):
    folder = tmp_path / "run.npz"
    folder.mkdir()
    (folder / "inside").write_bytes(OLD)
    with pytest.raises(TargetError, match="folder"):
        check_target(folder)
    with pytest.raises(TargetError, match="folder"):
        atomic_write(folder, writer(), fallback_dir=tmp_path)
    assert folder.is_dir() and listing(folder) == ["inside"]
    assert listing(tmp_path) == ["run.npz"]


def test_character_device_is_refused(tmp_path, monkeypatch):
    if not os.path.exists("/dev/null") or not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        pytest.skip("no /dev/null character device")
    replaced = []
    # even a broken atomic_write must not get to replace the system's /dev/null
    monkeypatch.setattr(os, "replace", lambda *args: replaced.append(args) or pytest.fail("os.replace called"))
    link = tmp_path / "run.npz"
    link.symlink_to("/dev/null")
    for target in ("/dev/null", link):
        with pytest.raises(TargetError, match="character device"):
            check_target(target)
        with pytest.raises(TargetError, match="character device"):
            atomic_write(target, writer())
    assert replaced == [] and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a.npz").symlink_to(tmp_path / "b.npz")
    (tmp_path / "b.npz").symlink_to(tmp_path / "a.npz")
    with pytest.raises(TargetError, match="symlink loop"):
        check_target(tmp_path / "a.npz")
    with pytest.raises(TargetError, match="symlink loop"):
        atomic_write(tmp_path / "a.npz", writer(), fallback_dir=tmp_path)
    assert listing(tmp_path) == ["a.npz", "b.npz"]


def test_missing_folder_uses_fallback(tmp_path):
    target = tmp_path / "gone" / "run.npz"
    spare = tmp_path / "spare"
    spare.mkdir()
    with pytest.raises(TargetError, match="does not exist"):
        check_target(target)
    with pytest.raises(FileNotFoundError):
        atomic_write(target, writer())
    assert atomic_write(target, writer(), fallback_dir=spare) == spare / "run.npz"
    assert (spare / "run.npz").read_bytes() == NEW
    assert listing(spare) == ["run.npz"] and not target.parent.exists()


def test_fallback_never_replaces_an_existing_file(tmp_path):
    spare = tmp_path / "spare"
    spare.mkdir()
    (spare / "run.npz").write_bytes(OLD)
    (spare / "run-1.npz").write_bytes(OLD)
    out = atomic_write(tmp_path / "gone" / "run.npz", writer(), fallback_dir=spare)
    assert out == spare / "run-2.npz" and out.read_bytes() == NEW
    assert (spare / "run.npz").read_bytes() == OLD and (spare / "run-1.npz").read_bytes() == OLD
    assert listing(spare) == ["run-1.npz", "run-2.npz", "run.npz"]


def test_unwritable_folder_uses_fallback(tmp_path):
    locked, spare = tmp_path / "locked", tmp_path / "spare"
    locked.mkdir()
    spare.mkdir()
    (locked / "run.npz").write_bytes(OLD)
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("we may write into a 0500 folder (root); the EACCES test below covers this case")
        with pytest.raises(TargetError, match="not writable"):
            check_target(locked / "run.npz")
        assert atomic_write(locked / "run.npz", writer(), fallback_dir=spare) == spare / "run.npz"
        assert (locked / "run.npz").read_bytes() == OLD and listing(locked) == ["run.npz"]
    finally:
        locked.chmod(0o700)
    assert (spare / "run.npz").read_bytes() == NEW


def test_folder_refusing_files_is_caught_even_as_root(tmp_path, monkeypatch):
    """A read-only filesystem or EACCES that os.access does not see: the probe and the save both notice."""
    locked, spare = tmp_path / "locked", tmp_path / "spare"
    locked.mkdir()
    spare.mkdir()
    (locked / "run.npz").write_bytes(OLD)
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if Path(dir) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    with pytest.raises(TargetError, match="cannot write in folder"):
        check_target(locked / "run.npz")
    with pytest.raises(PermissionError):
        atomic_write(locked / "run.npz", writer())
    assert atomic_write(locked / "run.npz", writer(), fallback_dir=spare) == spare / "run.npz"
    assert (locked / "run.npz").read_bytes() == OLD and (spare / "run.npz").read_bytes() == NEW


def test_unsearchable_folder_uses_fallback(tmp_path, monkeypatch):
    """EACCES already when looking at the target (a folder without x permission, as root too)."""
    spare = tmp_path / "spare"
    spare.mkdir()
    target = tmp_path / "locked" / "run.npz"
    real_lstat = os.lstat

    def lstat(path, *args, **kwargs):
        if Path(path) == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)
    with pytest.raises(TargetError, match="cannot be checked"):
        check_target(target)
    assert atomic_write(target, writer(), fallback_dir=spare) == spare / "run.npz"


def test_disk_full_uses_fallback_and_keeps_old_file(tmp_path):
    target, spare = tmp_path / "run.npz", tmp_path / "spare"
    target.write_bytes(OLD)
    spare.mkdir()
    calls = []

    def full_first_time(f):
        calls.append(f)
        f.write(NEW[:10])
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        f.write(NEW[10:])

    assert atomic_write(target, full_first_time, fallback_dir=spare) == spare / "run.npz"
    assert target.read_bytes() == OLD and (spare / "run.npz").read_bytes() == NEW
    assert listing(tmp_path) == ["run.npz", "spare"] and listing(spare) == ["run.npz"]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temp_files_are_removed_and_nothing_else(tmp_path):
    dead, me = dead_pid(), os.getpid()
    stale = [f".run.npz.{dead}.abc_123x.tmp", f".run.npz.{me}.old45678.tmp"]
    kept = [
        ".run.npz.notes",
        ".other.npz.123.x.tmp",
        f".other.npz.{dead}.abc_123x.tmp",
        f"run.npz.{dead}.abc_123x.tmp",
        f".run.npz.{dead}.tmp",
        f".run.npz.{me}.fresh678.tmp",  # ours, alive and recent: maybe being written right now
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x")
    hour_ago = time.time() - 3600
    os.utime(tmp_path / f".run.npz.{me}.old45678.tmp", (hour_ago, hour_ago))
    (tmp_path / f".run.npz.{dead}.adir.tmp").mkdir()  # not regular files: never touched
    (tmp_path / f".run.npz.{dead}.alink.tmp").symlink_to(tmp_path / ".run.npz.notes")
    kept += [f".run.npz.{dead}.adir.tmp", f".run.npz.{dead}.alink.tmp"]
    atomic_write(tmp_path / "run.npz", writer())
    assert listing(tmp_path) == sorted(kept + ["run.npz"])


LOCK_HOLDER = textwrap.dedent(
    """
    import sys
    from mlp_gui.core.run_lock import RunFileLock
    with RunFileLock(sys.argv[1], "mlp-gui train"):
        print("locked", flush=True)
        sys.stdin.readline()
    print("released", flush=True)
    """
)


def test_lock_held_by_another_process_names_the_holder(tmp_path):
    target = tmp_path / "run.npz"
    root = Path(__file__).resolve().parents[1]
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(target)],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n", holder.stderr.read()
        with pytest.raises(LockedError) as err:
            RunFileLock(target, "mlp-gui window").acquire()
        assert str(err.value) == f"{target} is in use by pid {holder.pid} (mlp-gui train)"
        assert err.value.holder_pid == holder.pid
        atomic_write(target, writer())  # the data file itself is not locked: replacing it is fine
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "released\n"
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    with RunFileLock(target, "mlp-gui window"):
        pass


def test_lock_in_same_process_is_refused_and_released(tmp_path):
    target = tmp_path / "run.npz"
    with RunFileLock(target, "first"):
        assert (tmp_path / ".run.npz.lock").read_text() == f"{os.getpid()}\nfirst\n"
        with pytest.raises(LockedError, match=f"in use by pid {os.getpid()} \\(first\\)"):
            RunFileLock(target, "second").acquire()
    assert listing(tmp_path) == []
    with RunFileLock(target, "second"):
        pass
