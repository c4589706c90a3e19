"""Render the application icon's PNG sizes from its SVG sources, with Qt's own SVG renderer.

    python packaging/render_icons.py          # rewrite the PNGs
    python packaging/render_icons.py --check  # exit 1 if a committed PNG is missing or stale

Sources: ``assets/icon.svg`` (24 px and up) and ``assets/icon-16.svg`` (the same
picture redrawn on the 16 px grid, so that 16 px stays crisp). Writes
``assets/icons/mlp-gui-<N>.png`` for every size in SIZES, and the package data the
window loads: ``mlp_gui/resources/icon.svg``, ``icon.png`` (256 px) and
``icon-<N>.png`` for the small sizes a title bar or task bar asks for.
Needs no display (Qt's offscreen platform).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"
RESOURCES = ROOT / "mlp_gui" / "resources"
SVG = ASSETS / "icon.svg"
SVG_16 = ASSETS / "icon-16.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256)
RESOURCE_SIZES = (16, 24, 32, 48)  # beside icon.png (256): what a window's QIcon picks from


def source_for(size: int) -> Path:
    return SVG_16 if size <= 16 else SVG


def render(svg: Path, size: int):
    """The SVG drawn into a transparent size x size ARGB image."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def differs(old, new) -> bool:
    """Whether two same-format QImages differ by more than Qt versions' antialiasing does."""
    import numpy as np

    if old.isNull() or old.size() != new.size():
        return True
    a, b = (
        np.frombuffer(img.convertToFormat(new.format()).constBits(), np.uint8, img.sizeInBytes()).astype(int)
        for img in (old, new)
    )
    diff = np.abs(a - b)
    return diff.max() > 64 or diff.mean() > 1.0


def stale() -> list[Path]:
    """Outputs that are missing or no longer match their SVG."""
    from PySide6.QtGui import QImage

    out = []
    for target, (source, size) in outputs().items():
        if size is None:
            if not target.exists() or target.read_bytes() != source.read_bytes():
                out.append(target)
        elif differs(QImage(str(target)) if target.exists() else QImage(), render(source, size)):
            out.append(target)
    return out


def outputs() -> dict[Path, tuple[Path, int | None]]:
    """Every file written: target -> (source SVG, size; None for a plain copy)."""
    out: dict[Path, tuple[Path, int | None]] = {}
    for size in SIZES:
        out[ASSETS / "icons" / f"mlp-gui-{size}.png"] = (source_for(size), size)
    out[RESOURCES / "icon.svg"] = (SVG, None)
    out[RESOURCES / "icon.png"] = (SVG, 256)
    for size in RESOURCE_SIZES:
        out[RESOURCES / f"icon-{size}.png"] = (source_for(size), size)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the PNGs match the SVGs")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (image I/O)
    if args.check:
        paths = stale()
        if paths:
            print("stale or missing (run python packaging/render_icons.py):", file=sys.stderr)
            for path in paths:
                print(f"  {path.relative_to(ROOT)}", file=sys.stderr)
            return 1
        print("icons match their SVGs")
        return 0
    for target, (source, size) in outputs().items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if size is None:
            shutil.copyfile(source, target)
            continue
        if not render(source, size).save(str(target), "PNG"):
            raise SystemExit(f"render_icons: could not write {target}")
        print(f"{target.relative_to(ROOT)}  {size}x{size}  from {source.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
