"""Every call that differs between operating systems, each with a fallback where it is missing.

File locks (``fcntl.flock``; else ``msvcrt.locking``; else none, and :data:`FD_LOCKS` is False so the
caller uses a lock file made with ``O_EXCL``), open flags that only some systems have (0 elsewhere),
file modes, positioned reads and writes, the umask, whether a process is alive, and how much memory
this process may still use. Nothing else in mlp_gui imports ``fcntl``, ``msvcrt`` or ``resource``, or
reads ``/proc`` or ``/sys``. Pure standard library.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows, some embedded Pythons
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:  # everywhere but Windows
    msvcrt = None  # type: ignore[assignment]
try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows: without it reads translate line ends
O_CLOEXEC: int = getattr(os, "O_CLOEXEC", 0)
O_DIRECTORY: int = getattr(os, "O_DIRECTORY", 0)
O_NOFOLLOW: int = getattr(os, "O_NOFOLLOW", 0)
O_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO for reading then cannot hang

FD_LOCKS = fcntl is not None or msvcrt is not None
"""Whether an open file can carry an exclusive lock that dies with its process (else: lock files)."""

_MSVCRT_LOCK_AT = 1 << 20  # lock one byte far past the holder's note, so the note stays readable
_umask_lock = threading.Lock()


# ---------------------------------------------------------------- files


def open_flags(flags: int) -> int:
    """``flags`` plus what every open here wants: binary, closed in children, never blocking on a FIFO."""
    return flags | O_BINARY | O_CLOEXEC | O_NONBLOCK


def make_blocking(fd: int) -> None:
    """Undo :func:`open_flags`'s O_NONBLOCK once the file is known to be regular (nothing to undo where it is 0)."""
    if O_NONBLOCK:
        os.set_blocking(fd, True)


def try_lock(fd: int) -> bool:
    """Lock the open file ``fd`` exclusively without waiting: True if taken, False if someone holds it.

    Only where :data:`FD_LOCKS`; the lock goes with the descriptor (closing it, or dying, releases it).
    """
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    if msvcrt is not None:
        os.lseek(fd, _MSVCRT_LOCK_AT, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:  # EACCES or EDEADLOCK: another descriptor holds that byte
            return False
        return True
    raise OSError("this system has no file locks")


def unlock(fd: int) -> None:
    """Release :func:`try_lock`'s lock (closing the file does too; Windows wants it said)."""
    if fcntl is None and msvcrt is not None:
        os.lseek(fd, _MSVCRT_LOCK_AT, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass


def pread(fd: int, size: int, offset: int) -> bytes:
    """Up to ``size`` bytes at ``offset`` (``os.pread``, else seek and read)."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


def pwrite(fd: int, data: bytes, offset: int) -> int:
    """Write ``data`` at ``offset`` (``os.pwrite``, else seek and write)."""
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.write(fd, data)


def set_mode(fd: int, path: str | os.PathLike, mode: int) -> None:
    """Give the open file ``fd`` (at ``path``) the permission bits ``mode`` (``os.fchmod``, else ``os.chmod``)."""
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:
        os.chmod(path, mode)


def set_owner(fd: int, uid: int, gid: int) -> None:
    """Give the open file ``fd`` an owner, where files have one (POSIX); OSError if not allowed."""
    if hasattr(os, "fchown"):
        os.fchown(fd, uid, gid)


def current_umask(*, proc: str = "/proc") -> int:
    """The process umask, read without changing it where ``/proc`` tells (setting it to read it is process-wide)."""
    try:
        with open(f"{proc}/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _umask_lock:
        old = os.umask(0o022)
        os.umask(old)
    return old


# ---------------------------------------------------------------- processes


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` names a live process; ours counts as alive, and so does any we cannot judge."""
    if pid <= 0 or pid >= 2**31:
        return False  # never os.kill(0, ...): that would signal our whole process group
    if pid == os.getpid():
        return True
    if os.name == "posix":
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True  # EPERM: alive, just not ours
        return True
    if sys.platform == "win32":
        return _windows_pid_alive(pid)  # os.kill(pid, 0) there would send CTRL_C_EVENT
    return True


def _windows_pid_alive(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # ERROR_ACCESS_DENIED: it exists; 87 (invalid parameter): gone
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


# ---------------------------------------------------------------- memory


def available_memory(*, proc: str = "/proc", cgroups: str = "/sys/fs/cgroup") -> int | None:
    """Bytes this process may still allocate: the smallest of the system's free memory (MemAvailable), what
    is left under the process's own limits (``ulimit -v``/``-d``) and under its cgroup's ``memory.max``.
    None when none of them can be known here (then say so; never guess)."""
    known = [n for n in (system_available(proc=proc), limit_left(proc=proc), cgroup_left(proc=proc, cgroups=cgroups))
             if n is not None]
    return min(known) if known else None


def total_memory() -> int | None:
    """The machine's physical memory (None if unknown): a ceiling where the free memory cannot be known."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        pass
    status = _windows_memory_status()
    return status[0] if status else None


def system_available(*, proc: str = "/proc") -> int | None:
    """Free memory including reclaimable cache: Linux's MemAvailable, else ``SC_AVPHYS_PAGES``, else Windows'."""
    try:
        for line in Path(proc, "meminfo").read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")  # not on macOS
    except (ValueError, OSError, AttributeError):
        pass
    status = _windows_memory_status()
    return status[1] if status else None


def limit_left(*, proc: str = "/proc") -> int | None:
    """What the process may still map under its soft RLIMIT_AS and RLIMIT_DATA (None: no limit, or none known)."""
    if resource is None:
        return None
    left = []
    for name, field in (("RLIMIT_AS", "VmSize"), ("RLIMIT_DATA", "VmData")):
        try:
            soft = resource.getrlimit(getattr(resource, name))[0]
        except (AttributeError, ValueError, OSError):
            continue
        if soft != resource.RLIM_INFINITY and soft >= 0:
            left.append(max(0, soft - (_status_bytes(proc, field) or 0)))
    return min(left) if left else None


def cgroup_left(*, proc: str = "/proc", cgroups: str = "/sys/fs/cgroup") -> int | None:
    """What the process's cgroup (v2 ``memory.max``, v1 ``memory.limit_in_bytes``) and its parents leave free."""
    try:
        lines = Path(proc, "self", "cgroup").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    left = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            left += _cgroup_walk(Path(cgroups), path, ("memory.max", "memory.current", "inactive_file"))
            left += _cgroup_walk(Path(cgroups, "unified"), path, ("memory.max", "memory.current", "inactive_file"))
        elif "memory" in controllers.split(","):
            left += _cgroup_walk(Path(cgroups, "memory"), path,
                                 ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"))
    return min(left) if left else None


def _cgroup_walk(root: Path, path: str, names: tuple[str, str, str]) -> list[int]:
    """Bytes left under each limited cgroup from ``root/path`` up to ``root`` (folders not mounted here are skipped)."""
    limit_name, usage_name, reclaimable = names
    parts = [p for p in path.split("/") if p and p not in (".", "..")]
    left = []
    for depth in range(len(parts), -1, -1):
        folder = root.joinpath(*parts[:depth])
        limit = _read_int(folder / limit_name)
        if limit is None or limit >= 2**62:  # "max", or v1's "unlimited" (a page-rounded 2**63 - 1)
            continue
        used = _read_int(folder / usage_name) or 0
        used -= _stat_field(folder / "memory.stat", reclaimable) or 0  # page cache the kernel will reclaim
        left.append(max(0, limit - max(used, 0)))
    return left


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="ascii", errors="replace").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stat_field(path: Path, name: str) -> int | None:
    try:
        for line in path.read_text(encoding="ascii", errors="replace").splitlines():
            key, _, value = line.partition(" ")
            if key == name:
                return int(value)
    except (OSError, ValueError):
        pass
    return None


def _status_bytes(proc: str, field: str) -> int | None:
    """A ``kB`` field of ``/proc/self/status`` (VmSize, VmData), in bytes."""
    try:
        for line in Path(proc, "self", "status").read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _windows_memory_status() -> tuple[int, int] | None:
    """Windows' total and available physical memory (GlobalMemoryStatusEx), None elsewhere."""
    if sys.platform != "win32":
        return None
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong), ("total", ctypes.c_ulonglong),
                    ("available", ctypes.c_ulonglong), ("page_total", ctypes.c_ulonglong),
                    ("page_available", ctypes.c_ulonglong), ("virtual_total", ctypes.c_ulonglong),
                    ("virtual_available", ctypes.c_ulonglong), ("extended", ctypes.c_ulonglong)]

    status = MemoryStatus()
    status.length = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]
        return None
    return int(status.total), int(status.available)
