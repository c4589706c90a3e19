"""The downloadable app: build it once from this checkout, then run it as a student would.

Builds with the one documented command (``python packaging/build.py``) into a
temporary folder, then runs the bundled executable: the window offscreen with a
short run and a screenshot, headless ``train``, and the unpacked archive with
no Python anywhere on PATH. Slow (the build takes 20-90 s): a plain ``pytest`` leaves it out (tests/conftest.py);
run it with ``pytest -m packaging``, as .ci/run does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.conftest import offscreen_platform
from tests.launch_checks import assert_window_screenshot

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_INITIAL_LOSS = 1.0595073989866606
RUN_TIMEOUT = 180  # seconds; a 2,000-epoch run takes a few


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without anything that would point the bundle at a Python installation."""
    env = {
        k: v for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "QT_PLUGIN_PATH",
                     "QT_QPA_PLATFORM_PLUGIN_PATH", "LD_LIBRARY_PATH")
    }
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Build the bundle and its archive once for this module: {"bundle", "exe", "archive"}."""
    out = tmp_path_factory.mktemp("packaging")
    dist, work = out / "dist", out / "work"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(dist), "--work", str(work)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, f"build failed:\n{proc.stdout}\n{proc.stderr}"
    archives = sorted(dist.glob("mlp-gui-*-linux-*.tar.gz"))
    assert len(archives) == 1, f"expected one archive in {dist}: {archives}"
    bundle = dist / "mlp-gui"
    return {"bundle": bundle, "exe": bundle / "mlp-gui", "archive": archives[0], "log": proc.stdout + proc.stderr}


def _train_json(exe: Path, env: dict[str, str], cwd: Path) -> dict:
    proc = subprocess.run(
        [str(exe), "train", "--epochs", "10", "--json"],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )
    assert proc.returncode == 0, f"train failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout)


def test_bundle_layout(built):
    exe, internal = built["exe"], built["bundle"] / "_internal"
    assert exe.is_file() and os.access(exe, os.X_OK)
    # the window icon, as package data
    assert (internal / "mlp_gui" / "resources" / "icon.png").is_file()
    assert (internal / "mlp_gui" / "resources" / "icon.svg").is_file()
    # Qt's X11 platform plugin is there; what was meant to be left out is not
    assert (internal / "PySide6" / "Qt" / "plugins" / "platforms" / "libqxcb.so").is_file()
    assert (internal / "PySide6" / "QtSvg.abi3.so").is_file(), "File > Export loss plot as SVG needs QtSvg"
    assert not (internal / "scipy").exists()
    assert not (internal / "PySide6" / "Qt" / "translations").exists()
    assert not list(internal.rglob("libQt6Quick.so*")) and not list(internal.rglob("libgtk-3.so*"))
    assert not [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()], "dangling symlinks"
    # what a student needs beside the executable: the menu entry and its installer
    bundle = built["bundle"]
    assert (bundle / "share" / "applications" / "mlp-gui.desktop").is_file()
    assert (bundle / "share" / "icons" / "hicolor" / "48x48" / "apps" / "mlp-gui.png").is_file()
    assert os.access(bundle / "install-desktop-entry.sh", os.X_OK) and (bundle / "README.txt").is_file()


def test_desktop_entry_installs_for_the_user(built, tmp_path):
    """install-desktop-entry.sh puts entry, icons and MIME type under XDG_DATA_HOME, and takes them away."""
    data = tmp_path / "share"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(data)}
    script = built["bundle"] / "install-desktop-entry.sh"
    subprocess.run(["sh", str(script)], env=env, check=True, capture_output=True, timeout=60)
    entry = (data / "applications" / "mlp-gui.desktop").read_text()
    assert f'Exec="{built["exe"]}" %f' in entry and "Icon=mlp-gui" in entry
    assert (data / "icons" / "hicolor" / "16x16" / "apps" / "mlp-gui.png").is_file()
    assert (data / "mime" / "packages" / "mlp-gui.xml").is_file()
    assert (tmp_path / ".local" / "bin" / "mlp-gui").resolve() == built["exe"].resolve()
    subprocess.run(["sh", str(script), "--uninstall"], env=env, check=True, capture_output=True, timeout=60)
    assert not (data / "applications" / "mlp-gui.desktop").exists()
    assert not (tmp_path / ".local" / "bin" / "mlp-gui").exists()


def test_bundle_carries_qt_x11_libraries(built):
    """Qt's xcb plugin finds its extra X libraries in the bundle, not (maybe) on the student's system.

    A fresh Debian 12 desktop lacks libxcb-icccm4 and libxcb-keysyms1, and Qt >= 6.5 needs
    libxcb-cursor0: the bundle gets them only if the build machine has them installed.
    """
    warnings = [line for line in built["log"].splitlines() if line.startswith("WARNING: xcb:")]
    assert not warnings, (
        "the bundle lacks X11 libraries Qt needs; install them on the build machine and rebuild:\n"
        "  apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 "
        "libxkbcommon-x11-0\n" + "\n".join(warnings)
    )
    internal = built["bundle"] / "_internal"
    for name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"):
        assert (internal / name).exists(), f"{name} is not in the bundle"


def test_bundle_trains_headless(built, tmp_path):
    summary = _train_json(built["exe"], _clean_env(), tmp_path)
    assert summary["initial_loss"] == NOTEBOOK_INITIAL_LOSS
    assert summary["epochs"] == 10 and summary["final_loss"] < summary["initial_loss"]


def test_bundle_window_runs_and_saves_screenshot(built, tmp_path):
    shot = tmp_path / "out.png"
    env = _clean_env(QT_QPA_PLATFORM=offscreen_platform(), HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = subprocess.run(
        [str(built["exe"]), "--epochs", "2000", "--run", "--exit-when-done", "--screenshot", str(shot)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )
    assert proc.returncode == 0, f"window run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    assert_window_screenshot(shot)  # the whole window (a 1920x1080 screen has room for it), drawn, not blank


# X libraries a fresh Debian 12 desktop may lack; the bundle must bring its own
HIDDEN_SYSTEM_LIBS = (
    "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-image.so.0",
    "libxcb-render-util.so.0", "libxkbcommon-x11.so.0",
)


def _private_xvfb():
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not start")
    return proc, f":{number}"


@pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Xvfb (apt-get install xvfb)")
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare(1)")
def test_bundle_opens_x11_window_where_system_lacks_xcb_extras(built, tmp_path):
    """A real X window (Xvfb), with the system's copies of Qt's extra X libraries hidden.

    A private mount namespace puts an empty file over each system library, as if the
    student's machine had never installed them; the bundle must not need them.
    """
    hidden = []
    for name in HIDDEN_SYSTEM_LIBS:
        for libdir in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"):
            path = Path(libdir) / name
            if path.exists():
                hidden.append(str(path.resolve()))
    hidden = sorted(set(hidden))
    mounts = " && ".join(f"mount --bind /dev/null {p}" for p in hidden) or "true"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --make-rprivate / && true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a private mount namespace here: {probe.stderr.decode().strip()}")

    xvfb, display = _private_xvfb()
    try:
        shot = tmp_path / "x11.png"
        env = _clean_env(DISPLAY=display, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))
        env.pop("QT_QPA_PLATFORM", None)
        run = f'{built["exe"]} --epochs 500 --run --exit-when-done --screenshot {shot}'
        proc = subprocess.run(
            ["unshare", "-m", "sh", "-c", f"mount --make-rprivate / && {mounts} && exec {run}"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT,
        )
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    assert proc.returncode == 0, f"hid {hidden}; the window failed:\n{proc.stdout}\n{proc.stderr}"
    assert_window_screenshot(shot)  # drawn through X11 (a 1400x900 screen has room for the whole window)


def test_archive_runs_on_its_own(built, tmp_path):
    """Unpacked into a fresh folder and run with no Python on PATH and no inherited environment."""
    with tarfile.open(built["archive"]) as tar:
        names = tar.getnames()
        assert names and all(n == "mlp-gui" or n.startswith("mlp-gui/") for n in names), names[:5]
        tar.extractall(tmp_path / "unpacked", filter="tar")
    exe = tmp_path / "unpacked" / "mlp-gui" / "mlp-gui"
    assert os.access(exe, os.X_OK), "the archive lost the executable bit"

    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {"PATH": str(empty_bin), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    assert shutil.which("python3", path=env["PATH"]) is None and shutil.which("python", path=env["PATH"]) is None
    summary = _train_json(exe, env, tmp_path)
    assert summary["initial_loss"] == NOTEBOOK_INITIAL_LOSS

    # and it does not reach back into the build folder
    bundle = built["bundle"]
    hidden = bundle.with_name("mlp-gui.hidden")
    bundle.rename(hidden)
    try:
        assert _train_json(exe, env, tmp_path)["initial_loss"] == NOTEBOOK_INITIAL_LOSS
    finally:
        hidden.rename(bundle)
