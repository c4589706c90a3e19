"""The palette's contrast helpers (WCAG 2's formulas) and secondary text that stays readable on light and dark desktops."""

import pytest
from PySide6.QtWidgets import QLabel, QWidget

from mlp_gui.gui import palette
from tests.contrast_checks import dark_desktop, low_contrast


def test_contrast_follows_wcag():
    assert palette.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert palette.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-miss
    assert palette.contrast_ratio("#ffffff", "#777777") == palette.contrast_ratio("#777777", "#ffffff")
    assert palette.relative_luminance("#ff0000") == pytest.approx(0.2126)


@pytest.mark.parametrize("ink, background", [(palette.ERROR, "#353535"), (palette.MUTED, "#2a2a2a"),
                                             ("#ffffff", "#d8f0d9"), (palette.ERROR, "#efefef")])
def test_readable_reaches_aa_and_keeps_a_colour_that_already_does(ink, background):
    made = palette.readable(ink, background)
    assert palette.contrast_ratio(made, background) >= palette.AA_CONTRAST
    if palette.contrast_ratio(ink, background) >= palette.AA_CONTRAST:
        assert made.name() == ink


def test_a_secondary_label_is_quieter_and_readable_and_follows_the_palette(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    label = QLabel("46 parameters in 3 layers", parent)
    palette.style_secondary(label)
    parent.show()
    text = parent.palette().color(label.foregroundRole())
    shown = label.palette().color(label.foregroundRole())
    assert shown != text and low_contrast(label) == []  # quieter than the window's text, readable
    with dark_desktop():
        assert low_contrast(label) == []
        assert palette.relative_luminance(label.palette().color(label.foregroundRole())) > 0.3  # light on dark
    assert low_contrast(label) == [] and label.palette().color(label.foregroundRole()) == shown
