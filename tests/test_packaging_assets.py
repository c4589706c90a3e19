"""The icon, menu entry and file type that packaging ships (fast; no bundle is built)."""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"


def _render_icons():
    spec = importlib.util.spec_from_file_location("render_icons", ROOT / "packaging" / "render_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_icon_pngs_are_rendered_from_the_svgs(qapp):
    """Every committed PNG (and the package's copy of the SVG) matches its source: re-run
    ``python packaging/render_icons.py`` after editing assets/icon.svg or assets/icon-16.svg."""
    render_icons = _render_icons()
    assert render_icons.stale() == []
    for size in render_icons.SIZES:
        assert (ASSETS / "icons" / f"mlp-gui-{size}.png").is_file()


def test_icon_is_not_blank_at_16px(qapp):
    from PySide6.QtGui import QImage

    image = QImage(str(ASSETS / "icons" / "mlp-gui-16.png"))
    assert (image.width(), image.height()) == (16, 16)
    colours = {image.pixel(x, y) for x in range(16) for y in range(16)}
    assert len(colours) > 20


def test_desktop_entry():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ASSETS / "mlp-gui.desktop")
    group = entry["Desktop Entry"]
    assert group["Type"] == "Application" and group["Name"] == "mlp-gui"
    assert group["Exec"] == "mlp-gui %f" and group["Icon"] == "mlp-gui"
    assert {"Education", "Science"} <= set(filter(None, group["Categories"].split(";")))
    assert "application/x-npz" in group["MimeType"].split(";")
    # Qt's WM_CLASS and desktop file name are the app's name, so docks group the window under this entry
    assert group["StartupWMClass"] == "mlp-gui"


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="needs desktop-file-utils")
def test_desktop_entry_validates():
    proc = subprocess.run(["desktop-file-validate", str(ASSETS / "mlp-gui.desktop")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error" not in proc.stdout.lower()


def test_mime_type_for_run_files():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(ASSETS / "mlp-gui-mime.xml").getroot()
    mime = root.find("m:mime-type", ns)
    assert mime.get("type") == "application/x-npz"
    assert mime.find("m:glob", ns).get("pattern") == "*.npz"
    assert mime.find("m:sub-class-of", ns).get("type") == "application/zip"


def test_window_icon_is_package_data():
    resources = ROOT / "mlp_gui" / "resources"
    assert (resources / "icon.svg").read_bytes() == (ASSETS / "icon.svg").read_bytes()
    assert (resources / "icon.png").is_file()
