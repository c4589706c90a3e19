"""Lesson mode (issue 21 §5) on the real window: a lesson hides and locks what it names, shows its pane, and leaving
gives back the full app, whatever the run did in between."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDockWidget

from mlp_gui.core import TrainConfig
from mlp_gui.core.lesson import RUN_BUTTONS, TAB_KEYS, Lesson, LessonError
from mlp_gui.gui.lesson_mode import BUTTONS, LessonMode, tab_keys
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, set_settings

# no test here trains; all but one (its data set's proposal stays in the form) share a window, put back and checked after each
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def row_shown(window, name: str) -> bool:
    """Whether the setting's field and its label show (the field of a list is its combo box)."""
    edit = window.form.edits[name]
    field = edit.parentWidget() if isinstance(edit.parentWidget(), QComboBox) else edit
    form = window.form.main_form if window.form.main_form.getWidgetPosition(field)[0] >= 0 else window.form.more_form
    return form.isRowVisible(field) and not form.labelForField(field).isHidden()


def field_enabled(window, name: str) -> bool:
    edit = window.form.edits[name]
    return edit.isEnabledTo(window.form)


LESSON = Lesson.checked("Stepsize matters", "Change nothing but the stepsize. <b>not bold</b>",
                        hidden=["stepsize", "seed", "gradcheck", "reset", "sweep"],
                        locked=["layers", "activation", "step", "stop", "backprop"])


def test_a_lesson_hides_and_locks_what_it_names_and_leaving_restores_it(lent_window, qtbot):
    window = lent_window
    mode = LessonMode(window)
    mode.apply(LESSON)
    assert mode.active and not row_shown(window, "stepsize") and not row_shown(window, "seed")
    assert row_shown(window, "layers") and not field_enabled(window, "layers") and not field_enabled(window, "activation")
    assert field_enabled(window, "epochs")
    panel = window.run_panel
    assert panel.reset_button.isHidden() and window.left.sweep_button.isHidden()
    assert not panel.step1_button.isEnabled() and not panel.step10_button.isEnabled() and panel.start_button.isEnabled()
    assert not window.actions["reset"].isVisible() and not window.actions["step1"].isEnabled()
    assert not window.actions["defaults"].isEnabled()  # restoring the defaults would undo the locked settings
    tabs = window.tabs
    assert not tabs.isTabVisible(1) and not tabs.isTabEnabled(3) and tabs.isTabVisible(3) and tabs.isTabEnabled(0)
    assert not window.actions["tab_gradcheck"].isVisible() and not window.actions["tab_backprop"].isEnabled()
    pane = window.findChild(QDockWidget, "lessonPane")
    assert pane is mode.pane and pane.isVisible() and pane.title.text() == "Stepsize matters"
    assert pane.text.text().endswith("<b>not bold</b>") and pane.text.textFormat() == Qt.TextFormat.PlainText

    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # Ctrl+1: Step is locked
    assert not window.session.state.busy and window.session.epoch == 0
    with qtbot.waitSignal(window.session.run_reset, timeout=TIMEOUT_MS):
        window.session.new_run(TrainConfig(seed=7), 50)  # the window enables its run buttons again after a new run
    assert window.session.epoch == 0 and not panel.step1_button.isEnabled() and not window.actions["step1"].isEnabled()

    with qtbot.waitSignal(mode.left, timeout=TIMEOUT_MS):
        qtbot.mouseClick(pane.leave_button, Qt.MouseButton.LeftButton)
    assert not mode.active and mode.pane is None and not pane.isVisible()
    assert all(row_shown(window, n) for n in ("stepsize", "layers")) and field_enabled(window, "layers")
    assert row_shown(window, "seed")  # its row is back (under More settings, folded or not as before)
    assert panel.step1_button.isEnabled() and panel.reset_button.isVisible() and window.left.sweep_button.isVisible()
    assert all(window.actions[k].isEnabled() and window.actions[k].isVisible()
               for k in ("reset", "step1", "step10", "sweep", "defaults", "tab_gradcheck", "tab_backprop"))
    assert all(tabs.isTabVisible(i) and tabs.isTabEnabled(i) for i in range(tabs.count()))
    assert not panel.stop_button.isEnabled()  # as the run's state calls for: nothing to stop


def test_hidden_fields_stay_hidden_when_the_data_changes_and_come_back_as_the_data_calls_for(lent_window, qtbot):
    window = lent_window
    mode = LessonMode(window)
    mode.apply(Lesson.checked("Data", hidden=["samples", "noise"]))
    window.form.show_more(True)
    set_settings(window, qtbot, data="xor")  # the form shows samples and noise for a data set: the lesson keeps them hidden
    assert not row_shown(window, "samples") and not row_shown(window, "noise") and row_shown(window, "test_fraction")
    mode.leave()
    assert row_shown(window, "samples") and row_shown(window, "noise")
    mode.apply(Lesson.checked("Data", hidden=["samples"]))
    set_settings(window, qtbot, data="notebook")
    mode.leave()
    assert not row_shown(window, "samples")  # the notebook's batch has no samples setting: the form's own rule


def test_a_hidden_current_tab_moves_to_an_open_one_and_questions_open_with_the_lesson(lent_window, qtbot):
    window = lent_window
    calls = []
    mode = LessonMode(window, questions=calls.append)
    window.show_tab(0)
    mode.apply(Lesson.checked("Look only", hidden=["training", "start", "step"], questions=True))
    assert window.tabs.currentIndex() == 1 and calls == [True]
    assert window.run_panel.start_button.isHidden() and not window.actions["start"].isEnabled()
    mode.apply(Lesson.checked("Another"))  # a new lesson replaces the old one
    assert calls == [True, False] and window.tabs.isTabVisible(0) and window.run_panel.start_button.isVisible()
    assert len(window.findChildren(QDockWidget, "lessonPane")) >= 1 and mode.pane.title.text() == "Another"
    mode.leave()
    mode.leave()  # twice: nothing more happens
    assert window.actions["start"].isEnabled()


def test_unknown_controls_are_refused_in_one_line(lent_window):
    window = lent_window
    mode = LessonMode(window)
    with pytest.raises(LessonError, match="unknown controls 'colour'"):
        mode.apply(Lesson("t", hidden=("colour",)))
    assert not mode.active


def test_the_core_knows_the_windows_tabs_and_run_buttons():
    assert tab_keys() == TAB_KEYS  # a new tab: add its key to core.lesson.TAB_KEYS too
    assert set(BUTTONS) == set(RUN_BUTTONS)
