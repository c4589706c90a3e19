"""The loss plot's one way to mark where the run went on changed, ``mark(epoch, text)``: stepsize changes, other
settings and typed-in weights all draw the same thin dotted line with their text, and each keeps its own marks."""

from __future__ import annotations

from mlp_gui.core.one_weight import WeightRef
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def stepped(window, qtbot, epochs: int) -> None:
    target = window.session.epoch + epochs
    window.step(epochs)
    qtbot.waitUntil(lambda: window.session.epoch == target and not window.session.state.busy, timeout=TIMEOUT_MS)


def labels(window) -> list[str]:
    return [line.label.format for line in window.plot.stepsize_marks]


def shown(line) -> str:
    return line.label.toPlainText().replace("\n", " ")


def test_mark_draws_the_dotted_line_a_stepsize_change_draws_with_any_text(lent_window):
    plot = lent_window.plot
    stepsize = plot.mark_stepsize_change(20, 0.5)
    line = plot.mark(40, "momentum 0.9")
    assert line in plot.getPlotItem().items and line in plot.stepsize_marks and line.value() == 40
    assert line.label.format == "momentum 0.9" and shown(line) == "momentum 0.9"
    assert shown(stepsize) == "stepsize 0.5"
    assert line.pen.style() == stepsize.pen.style() and line.pen.color() == stepsize.pen.color()
    assert line.zValue() == stepsize.zValue()
    plot.unmark(line)
    assert line not in plot.getPlotItem().items and plot.stepsize_marks == [stepsize]


def test_a_typed_in_weight_keeps_its_mark_when_the_stepsize_changes_after_it(lent_window, qtbot):
    for _ in range(6):
        stepped(lent_window, qtbot, 1)
    edit = lent_window.lessons.weights.apply(WeightRef(1, 0, None), 1.5)
    assert edit is not None and labels(lent_window) == [edit.text]
    [edit_line] = lent_window.plot.stepsize_marks
    assert shown(edit_line) == edit.text and edit_line.value() == 6
    stepped(lent_window, qtbot, 4)
    lent_window.continue_with_stepsize(0.05)
    assert sorted(labels(lent_window)) == sorted([edit.text, "stepsize 0.05"])  # the edit's mark is still there
    stepped(lent_window, qtbot, 3)
    lent_window.continue_with_stepsize(0.02)
    assert sorted(labels(lent_window)) == sorted([edit.text, "stepsize 0.05", "stepsize 0.02"])
