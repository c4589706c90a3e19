"""Keeping two writers off one run file: an exclusive lock held through a side file ``.{name}.lock``.

The run file itself is replaced by rename, so it cannot carry the lock. Where open files can be
locked (``flock``; ``msvcrt`` on Windows) the side file is locked, and the lock dies with its
holder; elsewhere the side file is the lock, made with ``O_EXCL``, and one left by a dead process
is taken over. Either way it records the holder's pid and what it is, so a second writer can say
who holds it. Anything but a regular file at the lock path (a FIFO, a symlink, a folder) is
refused, never skipped: a lock that silently does nothing would let two writers in.

A lock only keeps writers apart while they write; :class:`FileStamp` tells a writer that holds a
run from earlier (the window) whether someone else has saved to the file since.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from mlp_gui.core import platform
from mlp_gui.core.safe_write import TargetError

ORPHAN_SECONDS = 60
"""A lock file without a holder's pid older than this was left by a crash (lock-file mode only)."""

#: what the lock path holds instead of a lock file, by the ``stat`` test that recognises it
_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


class LockedError(OSError):
    """Another process (or another lock in this one) is already writing this file."""

    def __init__(self, message: str, holder_pid: int | None = None, holder: str = "") -> None:
        super().__init__(errno.EWOULDBLOCK, message)
        self.holder_pid = holder_pid
        self.holder = holder

    def __str__(self) -> str:
        return self.strerror


class LockPathError(TargetError):
    """Something that is not a lock file sits at the lock path; the message says what and how to fix it."""


class ChangedOnDiskError(OSError):
    """The file was replaced since the writer last read or wrote it: saving now would silently drop that."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


@dataclass(frozen=True)
class FileStamp:
    """Which version of a file is on disk: a save (a rename) or any write changes it."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str | os.PathLike) -> FileStamp | None:
        """The stamp of the file at ``path`` (symlinks followed), None if there is none."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def check_unchanged(path: str | os.PathLike, since: FileStamp | None) -> None:
    """ChangedOnDiskError if the file at ``path`` is no longer the one stamped ``since`` (call it under the lock)."""
    if since is not None and FileStamp.of(path) != since:
        raise ChangedOnDiskError(errno.EEXIST, f"{path} was saved by another program since this window opened or saved "
                                 "it: replacing it would lose that; save it under another name")


class RunFileLock:
    """Advisory exclusive lock on a run file; a context manager. Contention raises :class:`LockedError` at once.

    The lock file is removed on release while still held, and a taker re-checks that it locked the
    file still in place, so the removal cannot let two holders in.
    """

    def __init__(self, path: str | os.PathLike, description: str = "mlp-gui") -> None:
        self.path = path
        target = Path(os.path.realpath(os.fspath(path)))
        self.lock_path = target.parent / f".{target.name}.lock"
        self.description = " ".join(description.split())[:200]
        self._fd: int | None = None

    def __enter__(self) -> RunFileLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`LockedError` naming the holder, :class:`LockPathError` for a bad lock
        path, or :class:`TargetError` if the lock file cannot be made (missing or read-only folder)."""
        if self._fd is not None:
            raise RuntimeError("RunFileLock is not re-entrant")
        take = self._take_locked_file if platform.FD_LOCKS else self._take_new_file
        for _ in range(100):
            fd = take()
            if fd is not None:
                self._fd = fd
                self._record_holder()
                return
        raise LockedError(f"{self.path}: lock file {self.lock_path} keeps changing")

    def release(self) -> None:
        """Drop the lock (and its file); harmless if not held."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if self._still_in_place(fd):
                os.unlink(self.lock_path)  # Windows cannot remove an open file: it stays, unlocked
        except OSError:
            pass
        finally:
            platform.unlock(fd)
            os.close(fd)

    # ------------------------------------------------------------ the two ways to lock

    def _take_locked_file(self) -> int | None:
        """Open (or make) the lock file and lock it; None if it was replaced meanwhile (try again)."""
        fd = self._open(os.O_RDWR | os.O_CREAT)
        try:
            locked = platform.try_lock(fd)
        except BaseException:
            os.close(fd)
            raise
        if not locked:
            pid, who = _read_holder(fd)
            os.close(fd)
            raise self._locked_error(pid, who)
        if self._still_in_place(fd):
            return fd
        platform.unlock(fd)
        os.close(fd)  # the holder we raced removed it: lock the new one
        return None

    def _take_new_file(self) -> int | None:
        """Make the lock file with O_EXCL; if it exists, its holder must be dead (then remove it and say try again)."""
        try:
            return self._open(os.O_RDWR | os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            pass
        try:
            before = os.lstat(self.lock_path)
            fd = self._open(os.O_RDONLY)
        except FileNotFoundError:
            return None  # released meanwhile
        try:
            pid, who = _read_holder(fd)
        finally:
            os.close(fd)
        orphan = pid is None and time.time() - before.st_mtime > ORPHAN_SECONDS
        if not (orphan or (pid is not None and not platform.pid_alive(pid))):
            raise self._locked_error(pid, who)
        try:
            now = os.lstat(self.lock_path)
            if (now.st_dev, now.st_ino) == (before.st_dev, before.st_ino):
                os.unlink(self.lock_path)  # left by a process that is gone
        except FileNotFoundError:
            pass
        return None

    # ------------------------------------------------------------ the lock file

    def _open(self, flags: int) -> int:
        """Open the lock file (never following a link or waiting on a FIFO); refuse anything but a regular file."""
        self._check_lock_path()
        try:
            fd = os.open(self.lock_path, platform.open_flags(flags | platform.O_NOFOLLOW), 0o666)
        except FileExistsError:
            raise
        except FileNotFoundError:
            if not flags & os.O_CREAT:
                raise
            raise TargetError(f"{self.path}: cannot create lock file {self.lock_path} (its folder does not exist)") from None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EMLINK, errno.ENXIO):  # a link (O_NOFOLLOW), a FIFO with no writer
                self._check_lock_path()
            raise TargetError(f"{self.path}: cannot create lock file {self.lock_path} ({exc.strerror or exc})") from None
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise self._bad_lock_path(mode)
        return fd

    def _check_lock_path(self) -> None:
        try:
            mode = os.lstat(self.lock_path).st_mode
        except FileNotFoundError:
            return
        except OSError as exc:
            raise TargetError(f"{self.path}: cannot check lock file {self.lock_path} ({exc.strerror or exc})") from None
        if not stat.S_ISREG(mode):
            raise self._bad_lock_path(mode)

    def _bad_lock_path(self, mode: int) -> LockPathError:
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        return LockPathError(f"{self.path}: its lock file {self.lock_path} is {kind}, not a lock file: "
                             "remove it, then try again")

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
            platform.pwrite(self._fd, data, 0)
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
        text = platform.pread(fd, 512, 0).decode("utf-8", "replace")
    except OSError:
        return None, ""
    lines = text.splitlines()
    pid = int(lines[0]) if lines and lines[0].isdigit() and len(lines[0]) < 11 else None
    who = " ".join(lines[1].split())[:200] if len(lines) > 1 else ""
    return pid, who
