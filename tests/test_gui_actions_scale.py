"""View ▸ Colour scale: three exclusive choices whose check mark shows the mode the heatmaps use."""

from __future__ import annotations

from PySide6.QtCore import QPoint

from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

SCALES = {"scale_matrix": "matrix", "scale_shared": "shared", "scale_log": "log"}


def checked(window) -> list[str]:
    return [key for key in SCALES if window.actions[key].isChecked()]


def open_view_menu(window, qtbot):
    """Open View as a person would see it (the menu's check marks are what they read), then close it."""
    menu = window.menus["View"]
    menu.popup(window.mapToGlobal(QPoint(20, 20)))
    qtbot.waitUntil(menu.isVisible, timeout=TIMEOUT_MS)
    marks = checked(window)
    menu.hide()
    return marks


def test_the_scale_choices_are_one_exclusive_group_showing_the_current_mode(lent_window, qtbot):
    actions = [lent_window.actions[key] for key in SCALES]
    group = actions[0].actionGroup()
    assert group is not None and group.isExclusive() and all(a.actionGroup() is group for a in actions)
    assert all(a.isCheckable() for a in actions)
    assert lent_window.heatmaps.scale_mode == "matrix" and open_view_menu(lent_window, qtbot) == ["scale_matrix"]
    for key, mode in [("scale_log", "log"), ("scale_shared", "shared"), ("scale_shared", "shared"), ("scale_matrix", "matrix")]:
        lent_window.actions[key].trigger()
        assert lent_window.heatmaps.scale_mode == mode
        assert checked(lent_window) == [key] and open_view_menu(lent_window, qtbot) == [key]


def test_the_check_mark_follows_a_mode_changed_elsewhere(lent_window, qtbot):
    lent_window.set_scale_mode("log")
    assert open_view_menu(lent_window, qtbot) == ["scale_log"]
    lent_window.heatmaps.set_scale_mode("shared")
    assert open_view_menu(lent_window, qtbot) == ["scale_shared"]
