"""A dark desktop gets a dark window, and every text role stays readable on it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from mlp_gui.gui.desktop_scheme import dark_palette, follow_desktop, wanted_scheme
from mlp_gui.gui.palette import contrast_ratio

UNKNOWN, DARK, LIGHT = Qt.ColorScheme.Unknown, Qt.ColorScheme.Dark, Qt.ColorScheme.Light


@pytest.mark.parametrize(("environ", "reported", "wanted"), [
    ({}, UNKNOWN, UNKNOWN),
    ({"GTK_THEME": "Adwaita:dark"}, UNKNOWN, DARK),
    ({"GTK_THEME": "Arc-Dark"}, UNKNOWN, DARK),
    ({"GTK_THEME": "Adwaita"}, UNKNOWN, UNKNOWN),
    ({"GTK_THEME": "Adwaita:dark"}, LIGHT, LIGHT),  # what Qt knows wins over a guess
    ({}, DARK, DARK),
    ({"MLP_GUI_SCHEME": "light", "GTK_THEME": "Adwaita:dark"}, DARK, LIGHT),
    ({"MLP_GUI_SCHEME": "Dark"}, UNKNOWN, DARK),
])
def test_the_scheme_follows_the_desktop(environ, reported, wanted):
    assert wanted_scheme(environ, reported) == wanted


def test_a_dark_desktop_gets_the_dark_palette_and_a_light_one_keeps_its_own(qapp):
    before = QApplication.palette()
    try:
        follow_desktop(qapp, {})
        assert QApplication.palette().color(QPalette.ColorRole.Window) == before.color(QPalette.ColorRole.Window)
        assert follow_desktop(qapp, {"GTK_THEME": "Adwaita:dark"}) == DARK
        assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 64
    finally:
        QApplication.setPalette(before)


def test_every_text_role_of_the_dark_palette_is_readable():
    palette = dark_palette()
    pairs = [(QPalette.ColorRole.WindowText, QPalette.ColorRole.Window), (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
             (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
             (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight),
             (QPalette.ColorRole.ToolTipText, QPalette.ColorRole.ToolTipBase)]
    for text, background in pairs:
        assert contrast_ratio(palette.color(text), palette.color(background)) >= 4.5, text
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    assert contrast_ratio(disabled, palette.color(QPalette.ColorRole.Window)) >= 3.0
