"""Column headings (and the notes under the columns) of the heatmap panel that always fit, whatever the window's width.

A heading is given in forms, from the whole text to the shortest (one line; two lines; shorter words), and shows the
first form whose every line fits its column's width; when even the last form does not fit, its lines are elided
(``…``). The whole heading, and the update rule's formula where there is one, is the heading's tooltip.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF

from mlp_gui.core.step_text import update_formula, update_heading
from mlp_gui.core.update_rule import UpdateRule
from mlp_gui.gui import palette
from mlp_gui.gui.image_axes import OverhangingTitle

SIZE_PT = 9.0  # the headings' font size
SLACK = 2.0  # pixels kept free beside a line (rounding of the glyphs' edges)
WRAP_WIDTHS = (100, 80, 64, 52, 44, 38, 32, 27, 23, 19, 16)  # characters per line of a note's forms, widest first

Forms = Sequence[Sequence[str]]


def fitted_lines(forms: Forms, metrics: QFontMetricsF, width: float) -> tuple[str, ...]:
    """The first form whose lines are all at most ``width`` wide, else the last form with each line elided to it."""
    forms = [tuple(form) for form in forms if form]
    if not forms:
        return ()
    room = max(0.0, width - SLACK)
    for form in forms:
        if all(metrics.horizontalAdvance(line) <= room for line in form):
            return form
    return tuple(metrics.elidedText(line, Qt.TextElideMode.ElideRight, room) for line in forms[-1])


def wrapped_forms(text: str) -> tuple[tuple[str, ...], ...]:
    """A note's forms: on one line, then wrapped at fewer and fewer characters a line (more and more lines)."""
    forms = [(text,)] + [tuple(textwrap.wrap(text, width)) for width in WRAP_WIDTHS if width < len(text)]
    return tuple(dict.fromkeys(forms))


class FittedHeading(OverhangingTitle):
    """A heading over a pair of layout columns (a plot and its colour bar) showing the first of its forms that fits
    its width (:func:`fitted_lines`), again at every resize. :attr:`lines` are the lines shown, :attr:`full_text`
    the whole heading on one line, and the tooltip says it all."""

    forms: tuple[tuple[str, ...], ...] = ()
    lines: tuple[str, ...] = ()
    full_text = ""
    size_pt = SIZE_PT

    def __init__(self) -> None:
        super().__init__("")

    def set_forms(self, forms: Forms, *, tip: str = "", color: str | None = None, size_pt: float = SIZE_PT) -> None:
        """Show ``forms`` (the whole first; see :func:`fitted_lines`); ``tip``: more for the tooltip than the text."""
        self.forms = tuple(tuple(form) for form in forms if form)
        self.full_text = " ".join(self.forms[0]) if self.forms else ""
        self.size_pt = size_pt
        self.opts["size"], self.opts["color"] = f"{size_pt:g}pt", color or palette.MUTED
        self.setToolTip("\n".join(dict.fromkeys(part for part in (self.full_text, tip) if part)))
        self.lines = ()
        self._refit()

    def line_font(self) -> QFont:
        """The font the lines are drawn in (the text item's, at the headings' size)."""
        font = QFont(self.item.font())
        font.setPointSizeF(self.size_pt)
        return font

    def _refit(self) -> None:
        width = self.width() if self.width() > 0 else float("inf")  # not laid out yet: the whole text
        lines = fitted_lines(self.forms, QFontMetricsF(self.line_font()), width)
        if lines == self.lines and self.text:
            return
        self.lines = lines
        body = "<br>".join(html.escape(line, quote=False) for line in lines)
        self._show(f"<div align='center'>{body}</div>" if len(lines) > 1 else body)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().resizeEvent(event)
        if event is not None and self.forms:
            self._refit()


def update_tip(rule: UpdateRule | None) -> str:
    """The update column's tooltip: what ΔW is and, for a rule other than plain descent, its whole formula."""
    formula = update_formula(rule) if rule is not None else ""
    return f"the change the next step applies: {formula}" if formula else "the change the next step applies"


def column_forms(*, scale_mode: str, updates: bool, rule: UpdateRule | None, stepsize: float) -> list[tuple[Forms, str]]:
    """Each column's heading forms and tooltip: weights, gradients and (``updates``) the update, saying which share a
    scale (``scale_mode``); the update's from ``rule`` at ``stepsize`` (None: plain gradient descent's)."""
    shared = {"shared": " (shared)", "log": " (log, shared)"}.get(scale_mode, "")
    weights = "(log scales)" if scale_mode == "log" else ""
    columns: list[tuple[Forms, str]] = [
        (two_forms("weights and biases", weights, short="weights"), "each layer's W, its bias b beside it"),
        (two_forms("their gradients" if not updates else "gradients", f"∂L/∂·{shared}", short="gradients"),
         "∂L/∂W and ∂L/∂b: how the loss changes with each weight and bias"),
    ]
    if updates:
        if shared:
            columns.append((two_forms("updates", f"ΔW{shared}", short="ΔW"), update_tip(rule)))
        elif rule is None:
            columns.append((two_forms("update", f"ΔW = −{stepsize:g}·∂L/∂W", short="ΔW"), update_tip(rule)))
        else:
            columns.append((update_heading(rule, stepsize), update_tip(rule)))
    return columns


def two_forms(first: str, second: str, *, short: str) -> tuple[tuple[str, ...], ...]:
    """``first second`` on one line, on two, then ``short`` over ``second`` (without a second: ``first``, then
    ``short`` over the rest of ``first``)."""
    if not second:
        return (first,), (short, first.removeprefix(short).strip())
    return (f"{first} {second}",), (first, second), (short, second)


__all__ = ["FittedHeading", "column_forms", "fitted_lines", "two_forms", "update_tip", "wrapped_forms"]
