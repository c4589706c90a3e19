"""What a test that launches the window in a process of its own checks besides the exit code: the screenshot it
asked for is a drawn window, and the window's last state (printed as the program quits) is the one claimed."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

WINDOW_SIZE = (1280, 800)  # what the window opens at on a screen with room for it (window_geometry.SIZE)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: put before a script's own lines: as the application quits, one line on the main window's last state
REPORT_AT_QUIT = """
from PySide6.QtWidgets import QApplication as _QApplication
from mlp_gui.gui.app import application as _application


def _report():
    for w in _QApplication.topLevelWidgets():
        if hasattr(w, "session"):
            s = w.session
            print(f"window visible={w.isVisible()} state={s.state.name} epoch={s.epoch} loss={s.loss!r} "
                  f"guard_stopped={s.guard_stopped}", flush=True)


_application().aboutToQuit.connect(_report)
"""

#: the command line ``mlp-gui ARGS`` (sys.argv[1:]) with the report above
REPORTING_CLI = REPORT_AT_QUIT + """
import sys
from mlp_gui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def fresh_env() -> dict:
    """Offscreen, with a config folder of its own (no remembered settings from other tests)."""
    return dict(os.environ, XDG_CONFIG_HOME=tempfile.mkdtemp(prefix="mlp-gui-cfg-"))  # offscreen: see conftest


def launch_reporting(*args: str, timeout: int = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """``mlp-gui ARGS`` in a process of its own, printing the window's last state as it quits (:func:`last_state`)."""
    return subprocess.run([sys.executable, "-c", REPORTING_CLI, *args], capture_output=True, text=True, timeout=timeout,
                          env=env or fresh_env())


def last_state(stdout: str) -> dict[str, str]:
    """The fields of the window's last report, e.g. ``{"state": "FINISHED", "epoch": "700", ...}``."""
    lines = [line for line in stdout.splitlines() if line.startswith("window ")]
    assert len(lines) == 1, f"expected one report of the window's state as it quit, got:\n{stdout}"
    return dict(field.split("=", 1) for field in lines[0].split()[1:])


def assert_window_screenshot(path: Path, size: tuple[int, int] = WINDOW_SIZE, *, min_colours: int = 200) -> None:
    """``path`` is a PNG of the whole window at ``size``, drawn: text, curves and heatmaps give many colours, and no
    colour covers 90% of it (a blank or black image fails)."""
    assert path.is_file(), f"no screenshot at {path}"
    assert path.read_bytes()[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    image = QImage(str(path))
    assert not image.isNull(), f"{path} cannot be read as an image"
    assert (image.width(), image.height()) == size, "not the whole window"
    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(rgb.constBits(), dtype=np.uint32, count=rgb.width() * rgb.height())
    colours, counts = np.unique(pixels, return_counts=True)
    assert len(colours) >= min_colours, f"only {len(colours)} distinct colours: a blank window?"
    assert counts.max() < 0.9 * pixels.size, "one colour covers over 90% of the window"
