"""A dark desktop gets a dark window: the scheme the desktop asks for, and the dark Fusion palette for it.

Qt follows a dark desktop by itself only where its platform theme reports the scheme (a portal, Windows,
macOS). Elsewhere the desktop says it in the environment (``GTK_THEME=Adwaita:dark``, a ``-dark`` theme
name); ``MLP_GUI_SCHEME=dark`` or ``light`` overrides both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

#: Fusion's colours on a dark desktop: (role, colour) for the active and inactive groups; disabled text is dimmed
DARK_COLOURS = {
    QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.AlternateBase: "#2b2b2b",
    QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Highlight: "#2f65b8", QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#353535", QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#9a9a9a", QPalette.ColorRole.Link: "#7fb2ff",
    QPalette.ColorRole.Light: "#4a4a4a", QPalette.ColorRole.Midlight: "#3f3f3f",
    QPalette.ColorRole.Mid: "#2f2f2f", QPalette.ColorRole.Dark: "#1a1a1a", QPalette.ColorRole.Shadow: "#0f0f0f",
}
DISABLED_TEXT = "#8a8a8a"


def wanted_scheme(environ: Mapping[str, str], reported: Qt.ColorScheme) -> Qt.ColorScheme:
    """The scheme to show: ``MLP_GUI_SCHEME`` if set, else what Qt reports, else what ``GTK_THEME`` names."""
    forced = environ.get("MLP_GUI_SCHEME", "").strip().lower()
    if forced in ("dark", "light"):
        return Qt.ColorScheme.Dark if forced == "dark" else Qt.ColorScheme.Light
    if reported != Qt.ColorScheme.Unknown:
        return reported
    theme = environ.get("GTK_THEME", "").strip().lower()
    if theme.endswith(":dark") or theme.endswith("-dark"):
        return Qt.ColorScheme.Dark
    return Qt.ColorScheme.Unknown


def dark_palette() -> QPalette:
    """The dark palette: light text on dark grey, every text colour at least 7:1 on its background."""
    palette = QPalette()
    for role, colour in DARK_COLOURS.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED_TEXT))
    return palette


def follow_desktop(app: QApplication, environ: Mapping[str, str] | None = None) -> Qt.ColorScheme:
    """Give ``app`` the dark palette when the desktop is dark and Qt has not already made it so; the scheme shown."""
    scheme = wanted_scheme(os.environ if environ is None else environ, app.styleHints().colorScheme())
    is_dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    if scheme == Qt.ColorScheme.Dark and not is_dark:
        app.setPalette(dark_palette())
    return scheme
