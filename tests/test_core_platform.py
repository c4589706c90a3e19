"""Runs anywhere Python runs: platform calls in one module, each fallback tested; memory limits honoured.

The memory checks run under a real ``resource`` cap in a child process, never by exhausting the machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from mlp_gui.core import platform

ROOT = Path(__file__).resolve().parents[1]
GiB = 2**30

#: a child Python in which fcntl and resource cannot be imported (as on Windows), then the given code
WITHOUT_FCNTL = "import sys; sys.modules['fcntl'] = None; sys.modules['resource'] = None\n"


def run_python(code: str, *args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, **kwargs)


def cli_without_fcntl(*args: str) -> subprocess.CompletedProcess:
    code = WITHOUT_FCNTL + "from mlp_gui.cli import main\nraise SystemExit(main(sys.argv[1:]))"
    return run_python(code, *args)


# ---------------------------------------------------------------- one module holds every platform call

PLATFORM_CALLS = re.compile(r"import fcntl|import msvcrt|import resource|from (fcntl|msvcrt|resource) import|/proc\b|"
                            r"/sys/fs|os\.fchmod|os\.fchown|os\.pread|os\.pwrite|os\.kill\(|set_blocking|SC_AVPHYS_PAGES|"
                            r"os\.O_(NOFOLLOW|NONBLOCK|BINARY|CLOEXEC|DIRECTORY)|getattr\(os, .O_")


def test_no_module_but_platform_makes_platform_calls():
    offenders = []
    for path in sorted((ROOT / "mlp_gui").rglob("*.py")):
        if path.name == "platform.py" and path.parent.name == "core":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#")[0]
            if PLATFORM_CALLS.search(code) and not code.lstrip().startswith(('"', "'")):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_package_and_the_cli_work_without_fcntl(tmp_path):
    probe = "from mlp_gui.core import platform\nprint(platform.FD_LOCKS, platform.fcntl)\n"  # one child: both
    helped = run_python(WITHOUT_FCNTL + probe + "from mlp_gui.cli import main\nraise SystemExit(main(sys.argv[1:]))", "--help")
    assert helped.returncode == 0 and "usage: mlp-gui" in helped.stdout, helped.stderr
    assert helped.stdout.splitlines()[0].split() == ["False", "None"]  # really the lock-file fallback
    path = tmp_path / "r.npz"
    saved = cli_without_fcntl("train", "--epochs", "20", "--save", str(path))
    assert saved.returncode == 0 and f"saved to {path}" in saved.stdout, saved.stderr
    resumed = cli_without_fcntl("train", "--resume", str(path), "--epochs", "5", "--json")
    assert resumed.returncode == 0 and '"total_epochs": 25' in resumed.stdout, resumed.stderr
    assert sorted(os.listdir(tmp_path)) == ["r.npz"]  # the lock file went with the run


LOCK_HOLDER = WITHOUT_FCNTL + textwrap.dedent(
    """
    from mlp_gui.core.run_lock import RunFileLock
    lock = RunFileLock(sys.argv[1], "holder")
    lock.acquire()
    print("locked", flush=True)
    sys.stdin.readline()
    """
)


def test_the_lock_file_fallback_names_the_holder_and_outlives_a_killed_one(tmp_path):
    target = tmp_path / "run.npz"
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(target)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n", holder.stderr.read()
        second = cli_without_fcntl("train", "--epochs", "5", "--save", str(target))
        assert second.returncode == 2 and f"in use by pid {holder.pid} (holder)" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1 and not target.exists()
    finally:
        holder.kill()  # dies holding it: its lock file stays behind
        holder.communicate()
    assert (tmp_path / ".run.npz.lock").exists()
    after = cli_without_fcntl("train", "--epochs", "5", "--save", str(target))
    assert after.returncode == 0, after.stderr  # a dead holder's lock is taken over
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]


# ---------------------------------------------------------------- fallbacks of single calls


def test_positioned_io_and_modes_fall_back_where_the_calls_are_missing(tmp_path, monkeypatch):
    path = tmp_path / "f"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        for name in ("pread", "pwrite", "fchmod", "fchown"):
            monkeypatch.delattr(os, name)
        assert platform.pwrite(fd, b"hello world", 0) == 11
        assert platform.pwrite(fd, b"W", 6) == 1
        assert platform.pread(fd, 5, 6) == b"World"
        platform.set_mode(fd, path, 0o640)
        platform.set_owner(fd, os.getuid(), os.getgid())  # nothing to do where files have no owners
    finally:
        os.close(fd)
    assert path.read_bytes() == b"hello World" and path.stat().st_mode & 0o777 == 0o640


def test_missing_open_flags_are_zero_and_a_fifo_cannot_hang_an_open(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    fd = os.open(fifo, platform.open_flags(os.O_RDONLY))  # returns at once, though nobody writes
    os.close(fd)
    for name in ("O_BINARY", "O_NOFOLLOW", "O_NONBLOCK", "O_CLOEXEC", "O_DIRECTORY"):
        assert getattr(platform, name) == getattr(os, name, 0)


def test_process_liveness():
    assert platform.pid_alive(os.getpid())
    assert not platform.pid_alive(0) and not platform.pid_alive(-1) and not platform.pid_alive(2**31)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not platform.pid_alive(child.pid)


# ---------------------------------------------------------------- memory


def fake_proc(root: Path, *, meminfo: str | None = None, cgroup: str = "0::/user/app\n", status: str = "") -> Path:
    proc = root / "proc"
    (proc / "self").mkdir(parents=True)
    if meminfo is not None:
        (proc / "meminfo").write_text(meminfo)
    (proc / "self" / "cgroup").write_text(cgroup)
    (proc / "self" / "status").write_text(status)
    return proc


def cgroup(folder: Path, **files: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", ".", 1)).write_text(text)


def test_memory_is_the_smallest_of_free_memory_and_cgroup_limits_v2(tmp_path):
    proc = fake_proc(tmp_path, meminfo=f"MemTotal: {32 * GiB // 1024} kB\nMemAvailable: {20 * GiB // 1024} kB\n")
    root = tmp_path / "cgroup"
    cgroup(root, memory_max="max\n", memory_current=f"{GiB}\n")
    cgroup(root / "user", memory_max=f"{8 * GiB}\n", memory_current=f"{5 * GiB}\n",
           memory_stat=f"anon {2 * GiB}\ninactive_file {2 * GiB}\n")  # reclaimable cache does not count
    cgroup(root / "user" / "app", memory_max="max\n", memory_current=f"{GiB}\n")
    assert platform.cgroup_left(proc=str(proc), cgroups=str(root)) == 5 * GiB
    assert platform.available_memory(proc=str(proc), cgroups=str(root)) == 5 * GiB
    cgroup(root / "user" / "app", memory_max=f"{3 * GiB}\n")
    assert platform.available_memory(proc=str(proc), cgroups=str(root)) == 2 * GiB


def test_memory_honours_a_cgroup_v1_limit(tmp_path):
    proc = fake_proc(tmp_path, meminfo=f"MemAvailable: {20 * GiB // 1024} kB\n", cgroup="4:memory:/box\n1:cpu:/\n")
    root = tmp_path / "cgroup"
    cgroup(root / "memory", memory_limit_in_bytes=f"{2**63 - 4096}\n", memory_usage_in_bytes="0\n")
    cgroup(root / "memory" / "box", memory_limit_in_bytes=f"{4 * GiB}\n", memory_usage_in_bytes=f"{GiB}\n")
    assert platform.available_memory(proc=str(proc), cgroups=str(root)) == 3 * GiB


def test_unknown_free_memory_is_none_not_a_guess(tmp_path, monkeypatch):
    def no_sysconf(name):
        raise ValueError(name)

    monkeypatch.setattr(os, "sysconf", no_sysconf)
    monkeypatch.setattr(platform, "resource", None)
    assert platform.available_memory(proc=str(tmp_path / "none"), cgroups=str(tmp_path / "none")) is None
    assert platform.total_memory() is None


MEMORY_UNDER_CAP = textwrap.dedent(
    """
    import resource, sys
    cap = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from mlp_gui.core import platform
    print(platform.available_memory(), platform.limit_left())
    """
)


def test_memory_honours_the_process_address_space_limit():
    cap = 3 * GiB
    result = run_python(MEMORY_UNDER_CAP, str(cap))
    assert result.returncode == 0, result.stderr
    available, left = (int(n) for n in result.stdout.split())
    assert available == left and 0 < left < cap  # what the process already maps is taken off
