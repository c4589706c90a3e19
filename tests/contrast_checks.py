"""A dark desktop for the tests (Fusion's dark colours, as GTK_THEME=Adwaita:dark gives), and the colours a label's
text is actually drawn in, so tests can hold every text to WCAG AA's contrast of 4.5:1 against its background."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from mlp_gui.gui.palette import contrast_ratio

COLOUR = re.compile(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6}|[a-z]+)")
BACKGROUND = re.compile(r"background(?:-color)?:\s*(#[0-9a-fA-F]{6}|[a-z]+)")


def dark_palette() -> QPalette:
    """White text on dark grey, as a dark desktop's Fusion style draws it."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, "#353535"), (roles.WindowText, "#ffffff"), (roles.Base, "#2a2a2a"),
                         (roles.AlternateBase, "#424242"), (roles.Text, "#ffffff"), (roles.Button, "#353535"),
                         (roles.ButtonText, "#ffffff"), (roles.Highlight, "#2a82da"), (roles.HighlightedText, "#ffffff"),
                         (roles.ToolTipBase, "#2a2a2a"), (roles.ToolTipText, "#ffffff"), (roles.PlaceholderText, "#9a9a9a")):
        palette.setColor(role, QColor(colour))
    return palette


@contextmanager
def dark_desktop() -> Iterator[QPalette]:
    """The application under a dark palette for the block, its own palette again after it."""
    app = QApplication.instance()
    before = QPalette(app.palette())
    app.setPalette(dark_palette())
    app.processEvents()  # the widgets hear of it through events
    try:
        yield app.palette()
    finally:
        app.setPalette(before)
        app.processEvents()


def label_colours(label: QLabel) -> tuple[list[QColor], QColor]:
    """Every colour a label's text is drawn in (its own, and any a span of its rich text sets) and its background
    (its style sheet's, else its palette's)."""
    sheet = label.styleSheet()
    own = COLOUR.search(sheet)
    background = BACKGROUND.search(sheet)
    inks = [QColor(own.group(1)) if own else label.palette().color(label.foregroundRole())]
    inks += [QColor(c) for c in COLOUR.findall(label.text())]
    return inks, QColor(background.group(1)) if background else label.palette().color(label.backgroundRole())


def low_contrast(label: QLabel, minimum: float = 4.5) -> list[tuple[str, str, float]]:
    """(ink, background, ratio) for each of a label's text colours below ``minimum`` on its background."""
    inks, background = label_colours(label)
    return [(ink.name(), background.name(), round(contrast_ratio(ink, background), 2)) for ink in inks
            if contrast_ratio(ink, background) < minimum]
