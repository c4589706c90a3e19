"""Build the downloadable app: ``dist/mlp-gui/`` and ``dist/mlp-gui-<version>-linux-x86_64.tar.gz``.

    pip install ".[package]"
    python packaging/build.py [--dist DIR] [--work DIR]

Runs PyInstaller with ``packaging/mlp-gui.spec`` (one-folder app, executable
``dist/mlp-gui/mlp-gui``), checks that the bundle answers ``--version`` and
``train --epochs 1 --json``, reports which libraries Qt's X11 platform plugin
takes from the bundle and which it needs from the system, and packs the archive.
Prints the bundle's size and the archive's path; exits non-zero on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "mlp-gui.spec"
APP = "mlp-gui"

# What libqxcb.so links to that a desktop may lack: a fresh Debian 12 has no
# libxcb-icccm4 / libxcb-keysyms1 and Qt >= 6.5 needs libxcb-cursor0. These are
# bundled when the build machine has them; the base X libraries (libxcb, libX11,
# libGL, ...) are every desktop's own and come from the system.
XCB_EXTRAS = re.compile(r"^lib(xcb-[a-z-]+|xkbcommon(-x11)?|X11-xcb)\.so")
FROM_SYSTEM_OK = re.compile(
    r"^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libgcc_s|libstdc\+\+|libxcb|libX11"
    r"|libXau|libXdmcp|libbsd|libmd|libGL|libGLX|libGLdispatch|libEGL|libOpenGL)\.so"
)


def version() -> str:
    text = (ROOT / "mlp_gui" / "__init__.py").read_text()
    return re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.M).group(1)


def archive_name() -> str:
    system = platform.system().lower()
    machine = {"amd64": "x86_64"}.get(platform.machine().lower(), platform.machine().lower())
    return f"{APP}-{version()}-{system}-{machine}.tar.gz"


def du(path: Path) -> int:
    """Bytes on disk of a directory tree (symlinks counted as links)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def ldd(binary: Path, internal: Path) -> dict[str, str | None]:
    """What ``binary`` links to, resolved as in the running bundle: name -> path (None if not found).

    The bundle's bootloader puts its ``_internal`` folder on LD_LIBRARY_PATH; Qt's libraries
    carry an $ORIGIN rpath to each other.
    """
    env = dict(os.environ, LD_LIBRARY_PATH=str(internal))
    out = subprocess.run(["ldd", str(binary)], env=env, capture_output=True, text=True).stdout
    libs: dict[str, str | None] = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+(not found|\S+)", line)
        if m:
            libs[m.group(1)] = None if m.group(2) == "not found" else m.group(2)
    return libs


def xcb_report(bundle: Path) -> list[str]:
    """Warnings about libraries Qt's xcb plugin would take from the system, or not find."""
    internal = bundle / "_internal"
    plugin = internal / "PySide6" / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return [f"{plugin.relative_to(bundle.parent)} is missing: the window cannot open on X11"]
    libs = ldd(plugin, internal)
    inside = sorted(n for n, p in libs.items() if p and Path(p).resolve().is_relative_to(bundle.resolve()))
    outside = {n: p for n, p in libs.items() if n not in inside}
    warnings = []
    for name, path in sorted(outside.items()):
        if path is None:
            warnings.append(f"{name}: NOT FOUND (neither in the bundle nor on this system)")
        elif XCB_EXTRAS.match(name) or not FROM_SYSTEM_OK.match(name):
            warnings.append(f"{name}: from the system ({path}), not bundled")
    print(f"xcb platform plugin: {len(inside)} libraries from the bundle, "
          f"{len(outside)} from the system ({', '.join(sorted(outside))})")
    return warnings


def add_desktop_files(bundle: Path) -> None:
    """The menu entry, icons, MIME type and their installer, at the top of the app folder."""
    assets, share = ROOT / "assets", bundle / "share"
    if share.exists():
        shutil.rmtree(share)
    files = {
        assets / "mlp-gui.desktop": share / "applications" / "mlp-gui.desktop",
        assets / "mlp-gui-mime.xml": share / "mime" / "packages" / "mlp-gui.xml",
        assets / "icon.svg": share / "icons" / "hicolor" / "scalable" / "apps" / "mlp-gui.svg",
        ROOT / "packaging" / "bundle-README.txt": bundle / "README.txt",
        ROOT / "packaging" / "install-desktop-entry.sh": bundle / "install-desktop-entry.sh",
    }
    for png in sorted((assets / "icons").glob("mlp-gui-*.png")):
        n = png.stem.rsplit("-", 1)[1]
        files[png] = share / "icons" / "hicolor" / f"{n}x{n}" / "apps" / "mlp-gui.png"
    for source, target in files.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    (bundle / "install-desktop-entry.sh").chmod(0o755)


def glibc_needed(bundle: Path) -> str | None:
    """The newest GLIBC_x.y symbol version any binary in the bundle asks for (needs objdump)."""
    if not shutil.which("objdump"):
        return None
    newest = (0, 0)
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file() or not (".so" in path.name or path.name == APP):
            continue
        out = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True).stdout
        for major, minor in re.findall(r"GLIBC_(\d+)\.(\d+)", out):
            newest = max(newest, (int(major), int(minor)))
    return f"{newest[0]}.{newest[1]}" if newest > (0, 0) else None


def smoke(exe: Path) -> None:
    """The bundle starts and trains headless."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    out = subprocess.run([str(exe), "--version"], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise SystemExit(f"build: {exe} --version failed:\n{out.stdout}{out.stderr}")
    print(f"smoke: {out.stdout.strip()}")
    out = subprocess.run(
        [str(exe), "train", "--epochs", "1", "--json", "--no-progress"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    if out.returncode != 0:
        raise SystemExit(f"build: {exe} train failed:\n{out.stdout}{out.stderr}")
    summary = json.loads(out.stdout)
    print(f"smoke: train --epochs 1: initial loss {summary.get('initial_loss')}")


def pack(bundle: Path, archive: Path) -> None:
    """tar.gz of the folder, its top directory named ``mlp-gui/``; owner-neutral."""

    def neutral(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    tmp = archive.with_name(archive.name + ".part")
    with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=APP, filter=neutral)
    tmp.replace(archive)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder (default: build/pyinstaller/)")
    parser.add_argument("--no-archive", action="store_true", help="build the folder only")
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    bundle = dist / APP

    start = time.perf_counter()
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work), str(SPEC),
    ]
    print("build:", " ".join(cmd), flush=True)
    if subprocess.run(cmd, cwd=ROOT).returncode != 0:
        print("build: PyInstaller failed", file=sys.stderr)
        return 1
    built = time.perf_counter() - start

    exe = bundle / APP
    add_desktop_files(bundle)
    smoke(exe)
    glibc = glibc_needed(bundle)
    if glibc:
        print(f"bundle needs glibc >= {glibc} (this build machine's: {platform.libc_ver()[1]}); "
              "build on the oldest Linux you want to support")
    warnings = xcb_report(bundle)
    for line in warnings:
        print(f"WARNING: xcb: {line}", file=sys.stderr)
    if warnings:
        print("WARNING: on a desktop without these the window will not open on X11; install them "
              "before building to bundle them (see packaging/README-section.md)", file=sys.stderr)

    print(f"bundle: {bundle}  {mib(du(bundle))} unpacked  (PyInstaller {built:.0f} s)")
    if not args.no_archive:
        archive = dist / archive_name()
        pack(bundle, archive)
        print(f"archive: {archive}  {mib(archive.stat().st_size)}")
    print(f"build: done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
