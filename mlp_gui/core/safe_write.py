"""Writing files without ever losing or corrupting anything.

A save must never leave a half-written file behind, never clobber the old file
when it fails, never write into something that is not a regular file (a FIFO
would hang us, a device would swallow the data), and never silently change the
file's permissions. The recipe:

* :func:`check_target` before a long computation, so a bad target fails early;
* :func:`atomic_write` writes a temp file in the same folder, fsyncs it, and
  renames it over the target, so readers see the old file or the new one;
* :class:`~mlp_gui.core.run_lock.RunFileLock` keeps two processes from writing the same run at once.

Pure standard library; what differs between systems is in :mod:`mlp_gui.core.platform`.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from mlp_gui.core import platform
from mlp_gui.core.platform import current_umask

STALE_SECONDS = 10 * 60
"""A temp file of ours older than this is left over from a crash and may be removed."""


class TargetError(OSError):
    """A save target that is not ours to replace; the message names the path and the problem."""


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


def _temp_prefix(name: str) -> str:
    return f".{name}.{os.getpid()}."


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
            if stat.S_ISREG(st.st_mode) and (now - st.st_mtime > STALE_SECONDS or not platform.pid_alive(int(m[1]))):
                os.unlink(path)
                removed.append(path)
        except OSError:
            continue
    return removed


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; some filesystems cannot fsync a folder, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY | platform.O_DIRECTORY)
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
            _set_owner_and_mode(f.fileno(), tmp, old)
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _set_owner_and_mode(fd: int, path: str, old: os.stat_result | None) -> None:
    """Give the temp file the old file's mode (and owner when allowed), or ``0o666 & ~umask`` if new.

    mkstemp makes 0600 files; without this every save would silently tighten the mode.
    """
    if old is None:
        platform.set_mode(fd, path, 0o666 & ~current_umask())
        return
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
        try:
            platform.set_owner(fd, old.st_uid, old.st_gid)
        except OSError:
            pass  # only root may give files away; the mode still applies
    platform.set_mode(fd, path, stat.S_IMODE(old.st_mode))


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
