"""Writing files without ever losing or corrupting anything.

A save must never leave a half-written file behind, never clobber the old file
when it fails, never write into something that is not a regular file (a FIFO
would hang us, a device would swallow the data), and never silently change the
file's permissions. The recipe:

* :func:`check_target` before a long computation, so a bad target fails early;
* :func:`atomic_write` writes a temp file in the same folder, fsyncs it, and
  renames it over the target, so readers see the old file or the new one;
* :class:`RunFileLock` keeps two processes from writing the same run at once.

POSIX only (``fcntl``). Pure standard library: no Qt, no other mlp_gui module.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

STALE_SECONDS = 10 * 60
"""A temp file of ours older than this is left over from a crash and may be removed."""

_umask_lock = threading.Lock()


class TargetError(OSError):
    """A save target that is not ours to replace; the message names the path and the problem."""


class LockedError(OSError):
    """Another process (or another lock in this one) is already writing this file."""

    def __init__(self, message: str, holder_pid: int | None = None, holder: str = "") -> None:
        super().__init__(errno.EWOULDBLOCK, message)
        self.holder_pid = holder_pid
        self.holder = holder

    def __str__(self) -> str:
        return self.strerror


#: what a non-regular file is, in words, by the ``stat`` test that recognises it
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symlink loop"))


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _resolve(path: str | os.PathLike) -> Path:
    """The file a save to ``path`` really replaces: symlinks followed to their final target."""
    return Path(os.path.realpath(os.fspath(path)))  # a loop stays a symlink: refused as not regular


def _existing_regular(target: Path, shown: str | os.PathLike) -> os.stat_result | None:
    """``lstat`` of the target if it is an existing regular file, None if absent; refuse anything else."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return None  # other errors (EACCES, ENOTDIR) pass through: the folder is the problem
    if not stat.S_ISREG(st.st_mode):
        raise TargetError(f"{shown}: is {_kind(st.st_mode)}, not a file that can be replaced")
    return st


def _check_folder(folder: Path, name: str, shown: str | os.PathLike) -> None:
    """Refuse a missing or unwritable folder; probe by really creating a temp file (root, read-only fs)."""
    if not folder.is_dir():
        raise TargetError(f"{shown}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise TargetError(f"{shown}: folder {folder} is not writable")
    try:
        fd, probe = tempfile.mkstemp(prefix=_temp_prefix(name), suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise TargetError(f"{shown}: cannot write in folder {folder} ({exc.strerror or exc})") from None


def check_target(path: str | os.PathLike) -> Path:
    """Fail early, before a long computation, if ``path`` cannot be saved to; return the real path.

    A symlink is followed to its final target (we replace the target, not the
    link). Existing non-regular files (folders, FIFOs, devices, sockets) and
    missing or unwritable folders raise :class:`TargetError`.
    """
    target = _resolve(path)
    try:
        _existing_regular(target, path)
    except TargetError:
        raise
    except OSError as exc:
        raise TargetError(f"{path}: cannot be checked ({exc.strerror or exc})") from None
    _check_folder(target.parent, target.name, path)
    return target


def current_umask() -> int:
    """The process umask, read without changing it when /proc allows (the umask dance is process-wide)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _umask_lock:
        old = os.umask(0o022)
        os.umask(old)
    return old


def _temp_prefix(name: str) -> str:
    return f".{name}.{os.getpid()}."


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` names a live process (ours counts as alive: another thread may be saving)."""
    if pid <= 0 or pid >= 2**31:
        return False  # never os.kill(0, ...): that would signal our whole process group
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # EPERM: alive, just not ours
    return True


def remove_stale_temps(folder: Path, name: str, *, now: float | None = None) -> list[Path]:
    """Delete temp files ``.{name}.{pid}.{random}.tmp`` left by crashed saves; return what was removed.

    Only regular files of exactly that pattern, and only if older than
    :data:`STALE_SECONDS` or made by a process that is no longer alive.
    Best effort: a failure here never stops a save.
    """
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d{{1,10}})\.[A-Za-z0-9_]+\.tmp")
    now = time.time() if now is None else now
    removed = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry)
        if not m:
            continue
        path = folder / entry
        try:
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and (now - st.st_mtime > STALE_SECONDS or not _pid_alive(int(m[1]))):
                os.unlink(path)
                removed.append(path)
        except OSError:
            continue
    return removed


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; some filesystems cannot fsync a folder, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_temp(folder: Path, name: str, write: Callable[[BinaryIO], None], old: os.stat_result | None) -> str:
    """Write a fully synced temp file next to the target with the right mode; remove it on any failure."""
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(name), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            _set_owner_and_mode(f.fileno(), old)
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _set_owner_and_mode(fd: int, old: os.stat_result | None) -> None:
    """Give the temp file the old file's mode (and owner when allowed), or ``0o666 & ~umask`` if new.

    mkstemp makes 0600 files; without this every save would silently tighten the mode.
    """
    if old is None:
        os.fchmod(fd, 0o666 & ~current_umask())
        return
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
        try:
            os.fchown(fd, old.st_uid, old.st_gid)
        except OSError:
            pass  # only root may give files away; the mode still applies
    os.fchmod(fd, stat.S_IMODE(old.st_mode))


def _replace(tmp: str, target: Path, shown: str | os.PathLike) -> None:
    """Rename the temp file over the target, re-checking the target has not become a FIFO/folder meanwhile."""
    try:
        _existing_regular(target, shown)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def atomic_write(
    path: str | os.PathLike, write: Callable[[BinaryIO], None], *, fallback_dir: str | os.PathLike | None = None
) -> Path:
    """Write ``path`` atomically with ``write(f)``; return where the data really went.

    Readers see the old file or the new one, never a mix; on any exception
    (KeyboardInterrupt too) the target is untouched and the temp file is gone.
    A symlink is followed; an existing file keeps its mode (and owner when we
    may), a new one gets ``0o666 & ~umask``. Non-regular targets raise
    :class:`TargetError`. If the target's folder cannot be written (missing,
    EACCES, ENOSPC, ...) and ``fallback_dir`` is given, the file goes there
    instead under the same name (``name-1.ext``... if taken) and that path is
    returned; ``write`` is then called a second time, so it must be repeatable.
    """
    target = _resolve(path)
    try:
        old = _existing_regular(target, path)
        remove_stale_temps(target.parent, target.name)
        tmp = _write_temp(target.parent, target.name, write, old)
        _replace(tmp, target, path)
        return target
    except TargetError:
        raise
    except OSError:
        if fallback_dir is None:
            raise
    return _write_fallback(Path(os.path.realpath(fallback_dir)), target.name, write)


def _write_fallback(folder: Path, name: str, write: Callable[[BinaryIO], None]) -> Path:
    """Write into ``folder`` under ``name`` or the first free ``stem-N.suffix``, never replacing anything."""
    remove_stale_temps(folder, name)
    tmp = _write_temp(folder, name, write, None)
    try:
        dest = _link_unique(tmp, folder, name)
    finally:
        Path(tmp).unlink(missing_ok=True)
    _fsync_folder(folder)
    return dest


def _link_unique(tmp: str, folder: Path, name: str) -> Path:
    """Hard-link ``tmp`` to a free name (EEXIST-safe); rename instead where links are unsupported."""
    stem, suffix = os.path.splitext(name)
    for i in range(10_000):
        dest = folder / (name if i == 0 else f"{stem}-{i}{suffix}")
        try:
            os.link(tmp, dest)
            return dest
        except FileExistsError:
            continue
        except OSError:
            if not os.path.lexists(dest):
                os.replace(tmp, dest)
                return dest
    raise TargetError(f"{folder / name}: no free file name in {folder}")


class RunFileLock:
    """Advisory exclusive lock on a run file, held through a side file ``.{name}.lock``.

    The data file itself is replaced by rename, so it cannot carry the lock.
    The lock file records the holder's pid and ``description`` so a second
    process can say who is writing. Use as a context manager; contention raises
    :class:`LockedError` at once (no waiting). The lock file is removed on
    release while still locked, and a taker re-checks it locked the file that is
    still in place, so removal cannot let two holders in.
    """

    def __init__(self, path: str | os.PathLike, description: str = "mlp-gui") -> None:
        self.path = path
        target = _resolve(path)
        self.lock_path = target.parent / f".{target.name}.lock"
        self.description = " ".join(description.split())[:200]
        self._fd: int | None = None

    def __enter__(self) -> RunFileLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock or raise :class:`LockedError` naming the holder."""
        if self._fd is not None:
            raise RuntimeError("RunFileLock is not re-entrant")
        for _ in range(100):
            fd = self._open_lock_file()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid, who = _read_holder(fd)
                os.close(fd)
                raise self._locked_error(pid, who) from None
            except BaseException:
                os.close(fd)
                raise
            if self._still_in_place(fd):
                self._fd = fd
                self._record_holder()
                return
            os.close(fd)  # the holder we waited on removed it: lock the new one
        raise LockedError(f"{self.path}: lock file {self.lock_path} keeps changing")

    def release(self) -> None:
        """Drop the lock (and its file); harmless if not held."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if self._still_in_place(fd):
                os.unlink(self.lock_path)
        except OSError:
            pass
        finally:
            os.close(fd)

    def _open_lock_file(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(self.lock_path, flags, 0o666)
        except OSError as exc:
            raise TargetError(f"{self.path}: cannot create lock file {self.lock_path} ({exc.strerror or exc})") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise TargetError(f"{self.path}: lock file {self.lock_path} is not a regular file")
        return fd

    def _still_in_place(self, fd: int) -> bool:
        try:
            st = os.stat(self.lock_path, follow_symlinks=False)
        except OSError:
            return False
        mine = os.fstat(fd)
        return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)

    def _record_holder(self) -> None:
        data = f"{os.getpid()}\n{self.description}\n".encode("utf-8", "replace")
        try:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, data, 0)
        except OSError:
            pass  # the lock still works; others just cannot name us

    def _locked_error(self, pid: int | None, who: str) -> LockedError:
        holder = f"pid {pid}" if pid is not None else "another process"
        if who:
            holder += f" ({who})"
        return LockedError(f"{self.path} is in use by {holder}", pid, who)


def _read_holder(fd: int) -> tuple[int | None, str]:
    """The pid and description a lock holder wrote, as far as readable."""
    try:
        text = os.pread(fd, 512, 0).decode("utf-8", "replace")
    except OSError:
        return None, ""
    lines = text.splitlines()
    pid = int(lines[0]) if lines and lines[0].isdigit() else None
    who = " ".join(lines[1].split())[:200] if len(lines) > 1 else ""
    return pid, who
