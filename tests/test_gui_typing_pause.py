"""Settings typed before any training apply once the typing pauses, not at every key: layer sizes typed key by key
made a new network (and rebuilt every heatmap) at each valid prefix. Return, leaving the field and any command apply
them at once, so nothing ever reads a run the fields no longer describe."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS
from tests.run_leftovers import listening

reused_window = window_reuse.reused_window


def type_into(window, qtbot, name: str, text: str) -> None:
    edit = window.form.edits[name]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_layer_sizes_typed_key_by_key_make_one_network_once_the_typing_pauses(reused_window, qtbot):
    made: list = []
    with listening(reused_window.session.run_reset, made.append):
        type_into(reused_window, qtbot, "layers", "3,8,8,2")  # 3,8 and 3,8,8 are valid networks on the way
        assert made == [] and reused_window.settings.typing, "a run was made while typing"
        qtbot.waitUntil(lambda: not reused_window.settings.typing, timeout=TIMEOUT_MS)
    assert [reset.config.layers for reset in made] == [(3, 8, 8, 2)]
    assert reused_window.heatmaps.weights[2].matrix.shape == (2, 8)


def test_return_applies_what_was_typed_at_once(reused_window, qtbot):
    type_into(reused_window, qtbot, "layers", "3,5,2")
    qtbot.keyClick(reused_window.form.edits["layers"], Qt.Key.Key_Return)
    assert reused_window.session.config.layers == (3, 5, 2) and not reused_window.settings.typing


def test_leaving_the_field_applies_what_was_typed_at_once(window, qtbot):
    """A window of its own: focus moves (and a field is left) only in the active window, which a lent one may not be."""
    type_into(window, qtbot, "layers", "3,6,2")
    assert window.form.edits["layers"].hasFocus()
    window.form.edits["seed"].setFocus()  # Tab, or a click elsewhere
    assert window.session.config.layers == (3, 6, 2) and not window.settings.typing


def test_a_command_right_after_typing_reads_the_run_the_fields_describe(reused_window, qtbot):
    type_into(reused_window, qtbot, "layers", "3,7,2")
    reused_window.actions["copy_command"].trigger()  # from the menu or a shortcut: the focus is still in the field
    assert "--layers 3,7,2" in QGuiApplication.clipboard().text(), "the command read the run made before the typing"
    reused_window.actions["step1"].trigger()  # Ctrl+1: the run trained is the one the fields describe
    qtbot.waitUntil(lambda: reused_window.session.epoch == 1, timeout=TIMEOUT_MS)
    assert reused_window.session.config.layers == (3, 7, 2)


def test_settings_filled_in_apply_at_once(reused_window, qtbot):
    made: list = []
    with listening(reused_window.session.run_reset, made.append):
        reused_window.form.set_field("layers", "3,9,2")  # what a proposal or an opened file does
    assert [reset.config.layers for reset in made] == [(3, 9, 2)] and not reused_window.settings.typing
