"""The window's colours, named once: every view takes its colours from here.

The plots draw on white, so their colours are fixed. Text on a widget's own background (labels, tables)
follows the desktop's palette, light or dark: :func:`secondary_text_color` and :func:`error_text_color`
give quieter and red text that keeps a contrast of at least AA_CONTRAST (WCAG AA) with that background (and
with the tab frame's colour when the widget sits on a tab page),
and :func:`style_secondary` keeps a label so when the palette changes. A widget coloured here sets both its
text and its background colour, never one alone.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPalette, qGray
from PySide6.QtWidgets import QApplication, QWidget

TEXT = "#222222"
MUTED = "#555555"
#: plots' tick numbers and axis titles (pyqtgraph's default grey #969696 is 3:1 on white; this is 10:1)
AXIS_TEXT = "#404040"
ERROR = "#c62828"  # messages, invalid fields, divergence
ERROR_FILL = "#fff3f3"
LIVE_CURVE = "#1f5fbf"
TEST_CURVE = "#e07000"  # the live run's test loss, dashed beside its training loss
NOTE_FILL = "#fff4d6"
NOTE_BORDER = "#e0c070"
#: Okabe-Ito colour-blind-friendly palette for kept runs (without the live curve's blue or yellow, too faint on white)
KEPT_RUNS = ["#009E73", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#7F7F7F", "#882255"]
#: gradient-check ratings: (background, text); the other cells of a row are written in TEXT on the same fill
RATINGS = {"green": ("#d8f0d9", "#1b5e20"), "amber": ("#ffe7b8", "#8a5300"), "red": ("#ffd5d5", "#b71c1c")}
#: the heatmaps' diverging colour map (blue - white - red, perceptually uniform)
COLOUR_MAP = "CET-D1A"
POSITIVE = "#c0392b"  # a positive value, as the heatmaps' colour map draws it (red)
NEGATIVE = "#2e6fbf"  # a negative one (blue)

AA_CONTRAST = 4.5  # WCAG 2 level AA for text of normal size
QUIET = 0.4  # how far secondary text is mixed from the text's colour towards its background (less if unreadable)


def relative_luminance(colour: QColor | str) -> float:
    """WCAG 2's relative luminance of a colour: 0 for black, 1 for white."""
    colour = QColor(colour)

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def contrast_ratio(first: QColor | str, second: QColor | str) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def mix(colour: QColor | str, other: QColor | str, share: float) -> QColor:
    """``colour`` moved ``share`` (0 to 1) of the way towards ``other``."""
    a, b = QColor(colour), QColor(other)
    return QColor.fromRgbF(*(x + share * (y - x) for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3])))


def readable(ink: QColor | str, background: QColor | str, minimum: float = AA_CONTRAST) -> QColor:
    """``ink`` if it reaches ``minimum`` contrast on ``background``, else the least change of it towards black or
    white (whichever the background contrasts with more) that does."""
    ink = QColor(ink)
    if contrast_ratio(ink, background) >= minimum:
        return ink
    target = QColor("black") if contrast_ratio("black", background) >= contrast_ratio("white", background) else QColor("white")
    for step in range(1, 21):
        moved = mix(ink, target, step / 20)
        if contrast_ratio(moved, background) >= minimum:
            return moved
    return target


def background_color(widget: QWidget) -> QColor:
    """The colour a widget's text is drawn on: its palette's colour for its background role (Window for a label)."""
    return widget.palette().color(widget.backgroundRole())


def style_axis(axis) -> None:
    """A pyqtgraph axis's numbers and title in AXIS_TEXT (plots draw on white, on any desktop)."""
    axis.setTextPen(AXIS_TEXT)


def tab_frame_color(colours: QPalette) -> QColor:
    """The colour Qt's Fusion style paints a tab page with (its button colour, lightened as Fusion does): text on
    a tab page is drawn on this, not on the window colour (#434343 under a #353535 button colour)."""
    button = QColor(colours.color(QPalette.ColorRole.Button))
    button = button.lighter(100 + max(1, (180 - qGray(button.rgb())) // 6))
    button.setHsv(button.hue(), int(button.saturation() * 0.75), button.value())
    return button.lighter(104)


def text_backgrounds(widget: QWidget) -> list[QColor]:
    """The colours ``widget``'s text may be painted on: its background role's colour, and the tab frame's (a
    widget may be put on a tab page after it is styled, and no event tells it)."""
    inherited = _inherited(widget)
    return [inherited.color(widget.backgroundRole()), tab_frame_color(inherited)]


def worst_contrast(ink: QColor | str, backgrounds: list[QColor]) -> float:
    """The lowest contrast of ``ink`` on any of ``backgrounds``."""
    return min(contrast_ratio(ink, background) for background in backgrounds)


def _inherited(widget: QWidget) -> QPalette:
    """The palette a widget would have without colours of its own: its parent's, or the application's."""
    parent = widget.parentWidget()
    return parent.palette() if parent is not None else QApplication.palette(widget)


def secondary_text_color(widget: QWidget) -> QColor:
    """Quieter text for ``widget``: its palette's text colour mixed QUIET towards its background, less where that
    would fall below AA_CONTRAST (light or dark palette alike)."""
    backgrounds = text_backgrounds(widget)
    text, background = _inherited(widget).color(widget.foregroundRole()), backgrounds[0]
    for share in (QUIET, 0.3, 0.2, 0.1, 0.0):
        quiet = mix(text, background, share)
        if worst_contrast(quiet, backgrounds) >= AA_CONTRAST:
            return quiet
    return readable(text, max(backgrounds, key=lambda b: -contrast_ratio(text, b)))


def error_text_color(widget: QWidget) -> QColor:
    """ERROR red, lightened on a dark background (darkened on a pale one) until it reaches AA_CONTRAST."""
    backgrounds = text_backgrounds(widget)
    return readable(ERROR, min(backgrounds, key=lambda b: contrast_ratio(ERROR, b)))


class _FollowPalette(QObject):
    """Gives a label secondary text now and whenever its palette, or the application's, changes."""

    EVENTS = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.ParentChange)

    def __init__(self, label: QWidget) -> None:
        super().__init__(label)
        label.installEventFilter(self)
        self.apply(label)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt naming
        if event.type() in self.EVENTS and isinstance(watched, QWidget):
            self.apply(watched)
        return False

    @staticmethod
    def apply(label: QWidget) -> None:
        colour = secondary_text_color(label)
        current = label.palette()
        groups = (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive)
        if all(current.color(group, label.foregroundRole()) == colour for group in groups):
            return  # the same: no new PaletteChange (and no loop)
        for group in groups:
            current.setColor(group, label.foregroundRole(), colour)
        label.setPalette(current)


def style_secondary(label: QWidget) -> None:
    """Make ``label``'s text secondary (parameter counts, badges, explanations): quieter than the window's text,
    at least AA_CONTRAST on its background, following the palette (a dark desktop) as it changes."""
    if label.findChild(_FollowPalette) is None:
        _FollowPalette(label)
