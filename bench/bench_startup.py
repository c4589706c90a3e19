"""Start-up time: from launching ``mlp-gui`` to its window's first painted frame, bundle vs installed.

    python bench/bench_startup.py                    # 7 runs each (after one warm-up), own Xvfb
    python bench/bench_startup.py --runs 15 --bundle dist/mlp-gui/mlp-gui
    python bench/bench_startup.py --method hook      # offscreen, via the app's first-paint hook

Compares the PyInstaller bundle (``dist/mlp-gui/mlp-gui``, built by
``python packaging/build.py``) with the installed app (the ``mlp-gui`` console
script beside this Python, else ``python -m mlp_gui``), alternating them run by
run, and prints their medians side by side (target: under 2 s each).

How the first painted frame is seen (``--method``):

* ``xdamage`` (default): the app runs as a real X client, on this machine's
  ``$DISPLAY`` or on an Xvfb the benchmark starts (Debian: ``xvfb``). The
  benchmark watches the X server itself: it is told of every window the app
  creates (SubstructureNotify on the root window), puts a DAMAGE-extension
  monitor on each at once (before Qt can map it), and stops the clock at the
  first DamageNotify, i.e. when the app first draws into a window. Also
  reported: when the first window was mapped. Needs libX11 and libXdamage,
  which any X desktop and Xvfb machine has; nothing in the app.
* ``hook``: offscreen; the app itself reports. With ``MLP_GUI_REPORT_FIRST_PAINT=1``
  it is expected to print ``first-paint <time.time()>`` on stderr at the main
  window's first paint event and quit. (Not in the app yet; see the issue's
  report. Without it each run times out.)

Each run gets a fresh, empty HOME and XDG_CONFIG_HOME so that no saved window
state differs between runs.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = ROOT / "dist" / "mlp-gui" / "mlp-gui"
TIMEOUT = 30.0  # seconds for one start


# -- the X server's view (ctypes on libX11 + libXdamage) ------------------------------------

CREATE_NOTIFY, MAP_NOTIFY = 16, 19
SUBSTRUCTURE_NOTIFY_MASK = 1 << 19
X_DAMAGE_REPORT_NON_EMPTY = 3


class XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("pad", ctypes.c_long * 24)]


class XAnyWindowEvent(ctypes.Structure):
    """The common head of XCreateWindowEvent and XMapEvent: type, serial, send_event, display, parent/event, window."""

    _fields_ = [
        ("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p), ("parent", ctypes.c_ulong), ("window", ctypes.c_ulong),
    ]


ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class XWatcher:
    """Tells when the first window created after ``arm()`` is mapped and first drawn into."""

    def __init__(self, display: str) -> None:
        self.x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        self.xd = ctypes.CDLL(ctypes.util.find_library("Xdamage") or "libXdamage.so.1")
        x11, xd = self.x11, self.xd
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x11.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
        x11.XConnectionNumber.argtypes = [ctypes.c_void_p]
        x11.XPending.argtypes = [ctypes.c_void_p]
        x11.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(XEvent)]
        x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x11.XFlush.argtypes = [ctypes.c_void_p]
        xd.XDamageQueryExtension.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]
        xd.XDamageCreate.restype = ctypes.c_ulong
        xd.XDamageCreate.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int]
        xd.XDamageDestroy.argtypes = [ctypes.c_void_p, ctypes.c_ulong]

        self.dpy = x11.XOpenDisplay(display.encode())
        if not self.dpy:
            raise SystemExit(f"bench_startup: cannot open X display {display}")
        # windows vanish between their creation and our DamageCreate: ignore such X errors
        self._on_error = ERROR_HANDLER(lambda _dpy, _err: 0)
        x11.XSetErrorHandler(self._on_error)
        event_base, error_base = ctypes.c_int(), ctypes.c_int()
        if not xd.XDamageQueryExtension(self.dpy, ctypes.byref(event_base), ctypes.byref(error_base)):
            raise SystemExit("bench_startup: the X server has no DAMAGE extension")
        self.damage_notify = event_base.value  # XDamageNotify == event base + 0
        self.root = x11.XDefaultRootWindow(self.dpy)
        x11.XSelectInput(self.dpy, self.root, SUBSTRUCTURE_NOTIFY_MASK)
        x11.XSync(self.dpy, 1)  # and drop anything queued
        self.damages: list[int] = []

    def arm(self) -> None:
        """Forget earlier events; call just before launching."""
        for damage in self.damages:
            self.xd.XDamageDestroy(self.dpy, damage)
        self.damages.clear()
        self.x11.XSync(self.dpy, 1)

    def wait(self, started: float, proc: subprocess.Popen, timeout: float) -> tuple[float, float]:
        """Seconds from ``started`` (perf_counter) to the first map and the first damage."""
        fd = self.x11.XConnectionNumber(self.dpy)
        event = XEvent()
        mapped = None
        deadline = started + timeout
        while True:
            while self.x11.XPending(self.dpy):
                self.x11.XNextEvent(self.dpy, ctypes.byref(event))
                now = time.perf_counter()
                if event.type == CREATE_NOTIFY:
                    window = ctypes.cast(ctypes.byref(event), ctypes.POINTER(XAnyWindowEvent)).contents.window
                    self.damages.append(self.xd.XDamageCreate(self.dpy, window, X_DAMAGE_REPORT_NON_EMPTY))
                    self.x11.XFlush(self.dpy)
                elif event.type == MAP_NOTIFY and mapped is None:
                    mapped = now - started
                elif event.type == self.damage_notify:
                    return (mapped if mapped is not None else float("nan")), now - started
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited ({proc.returncode}) before painting:\n{_stderr(proc)}")
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no painted frame within {timeout:.0f} s")
            select.select([fd], [], [], min(left, 0.05))


# -- launching ----------------------------------------------------------------------------------


def _stderr(proc: subprocess.Popen) -> str:
    try:
        return proc.communicate(timeout=5)[1] or ""
    except subprocess.TimeoutExpired:
        return ""


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _env(display: str | None, home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "PYTHONPATH", "PYTHONHOME")}
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"), XDG_CACHE_HOME=os.path.join(home, ".cache"))
    if display is None:
        env["QT_QPA_PLATFORM"] = "offscreen"
    else:
        env["DISPLAY"] = display
    return env


def start_xdamage(cmd: list[str], watcher: XWatcher, display: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="mlp-gui-bench-") as home:
        env = _env(display, home)
        watcher.arm()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            return watcher.wait(started, proc, TIMEOUT)
        finally:
            _stop(proc)


def start_hook(cmd: list[str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="mlp-gui-bench-") as home:
        env = _env(None, home)
        env["MLP_GUI_REPORT_FIRST_PAINT"] = "1"
        started_wall = time.time()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            _out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            _stop(proc)
            raise TimeoutError(
                "the app did not report its first paint: it lacks the MLP_GUI_REPORT_FIRST_PAINT hook"
            ) from None
        for line in err.splitlines():
            if line.startswith("first-paint "):
                return float("nan"), float(line.split()[1]) - started_wall
        raise RuntimeError(f"no 'first-paint <time>' line on stderr (exit {proc.returncode}):\n{err}")


class Xvfb:
    """A private X server for the runs (when there is no $DISPLAY or --xvfb is given)."""

    def __init__(self) -> None:
        if not shutil.which("Xvfb"):
            raise SystemExit("bench_startup: no $DISPLAY and no Xvfb (apt-get install xvfb), or use --method hook")
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as f:
            number = f.readline().strip()
        if not number:
            raise SystemExit("bench_startup: Xvfb did not start")
        self.display = f":{number}"

    def close(self) -> None:
        _stop(self.proc)


def installed_command() -> list[str]:
    script = Path(sys.executable).with_name("mlp-gui")
    if script.exists():
        return [str(script)]
    found = shutil.which("mlp-gui")
    return [found] if found else [sys.executable, "-m", "mlp_gui"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each first (default 1)")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE,
                        help=f"bundled executable (default {DEFAULT_BUNDLE.relative_to(ROOT)})")
    parser.add_argument("--method", choices=("xdamage", "hook"), default="xdamage")
    parser.add_argument("--xvfb", action="store_true", help="use a private Xvfb even if $DISPLAY is set")
    args = parser.parse_args(argv)

    candidates = {"bundle": [str(args.bundle)], "installed": installed_command()}
    if not args.bundle.exists():
        print(f"bench_startup: no bundle at {args.bundle} (python packaging/build.py); timing the installed app only")
        del candidates["bundle"]

    xvfb = watcher = None
    if args.method == "xdamage":
        display = os.environ.get("DISPLAY")
        if args.xvfb or not display:
            xvfb = Xvfb()
            display = xvfb.display
        watcher = XWatcher(display)
        where = f"X display {display}" + (" (private Xvfb)" if xvfb else "")
    else:
        where = "offscreen"

    def once(cmd):
        return start_xdamage(cmd, watcher, display) if watcher else start_hook(cmd)

    times: dict[str, list[tuple[float, float]]] = {name: [] for name in candidates}
    try:
        for cmd in candidates.values():
            for _ in range(args.warmup):
                once(cmd)
        for _ in range(args.runs):
            for name, cmd in candidates.items():  # alternate, so drift hits both alike
                times[name].append(once(cmd))
    except (TimeoutError, RuntimeError) as exc:
        print(f"bench_startup: {exc}", file=sys.stderr)
        return 1
    finally:
        if xvfb:
            xvfb.close()

    print(f"start-up to the first painted frame ({args.method}, {where}), "
          f"{args.runs} runs each after {args.warmup} warm-up, seconds")
    print(f"{'':<10} {'median':>8} {'min':>7} {'max':>7}   {'(mapped)':>9}   command")
    for name, cmd in candidates.items():
        painted = [p for _m, p in times[name]]
        mapped = [m for m, _p in times[name] if m == m]
        map_median = f"{statistics.median(mapped):9.3f}" if mapped else f"{'-':>9}"
        print(f"{name:<10} {statistics.median(painted):8.3f} {min(painted):7.3f} {max(painted):7.3f}   "
              f"{map_median}   {' '.join(cmd)}")
    if len(candidates) == 2:
        b, i = (statistics.median(p for _m, p in times[n]) for n in ("bundle", "installed"))
        print(f"bundle / installed: {b / i:.2f}x   target: each under 2 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
