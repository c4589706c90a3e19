"""One real main window per test process (each pytest-xdist worker), lent in turn to the tests of every module that
sets fields, sizes, tabs, a new run or trains one and reads what the window shows: building, showing and freeing a
window is most of such a test's time.

The window is registered once, in tests/conftest.py (``module_window``, session-scoped: a module binding it itself would
make a window of its own); a module takes ``reused_window = window_reuse.reused_window`` in and its tests ask for
``reused_window``. Each test gets the window shown, the only main window on screen (its shortcuts are
application-wide: two shown windows would make each key ambiguous) and in the state a fresh window is in: checked
against what the window showed when new, not assumed. Afterwards the window is hidden (so keys sent to another test's
window never reach it), a fresh run is put back as a person would start one (tests/run_leftovers.py: stop, clear the
kept runs, restore the defaults, reset), the size, tab and View choices too, and what it shows is checked again, what
training leaves included (the curve's points, the timeline, the figures, kept runs, the file): a leftover fails the
test that left it. Tests of what a brand-new window shows, or that close it, take ``window``.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from tests.gui_helpers import TIMEOUT_MS, module_main_window, wait_read
from tests.hover_checks import Hover
from tests.run_leftovers import put_a_fresh_run_back, run_state


def shown_state(win) -> dict:
    """What a test could read from the window and find changed by an earlier test."""
    form = win.form
    return {
        "fields": {name: edit.text() for name, edit in form.edits.items()},
        "field tooltips": {name: edit.toolTip() for name, edit in form.edits.items()},
        "field styles": {name: edit.styleSheet() for name, edit in form.edits.items()},
        "errors": dict(form.errors),
        "note": form.note.text(),
        "summary": form.summary.text(),
        "more settings shown": (form.more_button.isChecked(), form.more.isVisibleTo(form)),
        "run": (win.session.config, win.session.epoch, win.session.state, win.session.target_epoch),
        "start enabled": (win.run_panel.start_button.isEnabled(), win.actions["start"].isEnabled()),
        "size": (win.width(), win.height(), win.isMaximized()),
        "tab": win.tabs.currentIndex(),
        "checked actions": {key: action.isChecked() for key, action in win.actions.items() if action.isCheckable()},
        "checked menu items": menu_checks(win),
        "scale mode": win.heatmaps.scale_mode,
        "ΔW column": win.heatmaps.show_updates,
        "dialogs' folder": win.files.folder,
        "locked scales": win.run_panel.lock_scales.isChecked(),
        "kept runs": list(win.plot.extra_keys()),
        "title": (win.windowTitle(), win.isWindowModified()),
        "status": win.statusBar().currentMessage(),
        "weight panel shown": win.weight_panel.isVisibleTo(win),
        "other windows shown": open_windows(win),
        **run_state(win),
    }


def open_windows(win) -> list[str]:
    """The windows shown besides ``win`` (a message box, a dialog, a dock floated off): one left open takes the keys."""
    return sorted(f"{type(w).__name__} {w.objectName()!r} {w.windowTitle()!r}" for w in QApplication.topLevelWidgets()
                  if w.isVisible() and w is not win)


def menu_actions(win) -> list:
    """Every checkable item of the menu bar's menus and their submenus (some are not in the action table)."""
    found, menus = [], [action.menu() for action in win.menuBar().actions() if action.menu()]
    while menus:
        for action in menus.pop().actions():
            if action.menu():
                menus.append(action.menu())
            elif action.isCheckable():
                found.append(action)
    return found


def menu_checks(win) -> dict:
    return {action.text(): action.isChecked() for action in menu_actions(win)}


def put_back(win, fresh: dict, qtbot) -> None:
    """Undo what the tests lending the window change: the run (a fresh one from the defaults), the weight panel, View
    choices, tab, size, the mouse over a heatmap (a redraw would tell its cell's value again)."""
    for view in win.heatmaps.weights + win.heatmaps.gradients + win.heatmaps.updates:
        view.image.hoverEvent(Hover(0, 0, exit=True))
    win.weight_panel.close_panel()  # as Esc closes it
    put_a_fresh_run_back(win, qtbot, fresh)
    wait_read(win.form, qtbot)
    for key, checked in fresh["checked actions"].items():
        if checked:  # the checked choice of an exclusive group unchecks the others
            win.actions[key].setChecked(True)
    for key, checked in fresh["checked actions"].items():
        if not checked and win.actions[key].isChecked() and win.actions[key].actionGroup() is None:
            win.actions[key].setChecked(False)
    for action in menu_actions(win):
        if action.isChecked() and not fresh["checked menu items"].get(action.text(), True) and action.actionGroup() is None:
            action.setChecked(False)
    win.set_scale_mode(fresh["scale mode"])
    win.set_show_updates(fresh["ΔW column"])
    win.files.folder = fresh["dialogs' folder"]
    win.run_panel.lock_scales.setChecked(fresh["locked scales"])
    win.tabs.setCurrentIndex(fresh["tab"])
    win.setWindowState(Qt.WindowState.WindowNoState)  # not maximized, without showing it
    win.resize(*fresh["size"][:2])
    win.form.show_more(fresh["more settings shown"][0])
    win.statusBar().showMessage(fresh["status"])


def differences(now: dict, fresh: dict) -> dict:
    """What differs (now, fresh); of a table, only its entries that differ."""
    found = {}
    for key, value in now.items():
        if value != fresh[key]:
            was = fresh[key]
            both = isinstance(value, dict) and isinstance(was, dict)
            found[key] = differences(value, was) if both and value.keys() == was.keys() else (value, was)
    return found


@pytest.fixture(scope="session")
def module_window(qapp, tmp_path_factory):
    """The process's lent window (hidden between tests), its settings folder, and what it showed when new."""
    with module_main_window(tmp_path_factory, "reused") as (win, settings):
        fresh = shown_state(win)
        win.hide()
        yield win, settings, fresh


@pytest.fixture
def reused_window(module_window, qtbot):
    """The module's window for one test: shown, the only main window shown, as fresh; put back afterwards."""
    from mlp_gui.gui.window import MainWindow

    win, settings, fresh = module_window
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings))
    win.show()
    try:
        qtbot.waitExposed(win)
        # the heatmaps draw at their pace, and hidden not at all: they draw now the run put back after the last test
        win.heatmaps.flush()
        qtbot.waitUntil(lambda: win.heatmaps.shown is win.session.snapshot, timeout=TIMEOUT_MS)
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        assert shown == [win], f"another main window is still shown ({len(shown)} in all): its shortcuts would clash"
        assert not differences(shown_state(win), fresh), differences(shown_state(win), fresh)
    except BaseException:
        win.hide()  # never left shown: its shortcuts would clash with the next test's window
        raise
    yield win
    focused = QApplication.focusWidget()
    if focused is not None:  # focus leaving a field (a data list's, say) can count as choosing: before the put-back
        focused.clearFocus()
    win.hide()  # first: a hidden window lays nothing out while it is put back (several times faster)
    put_back(win, fresh, qtbot)
    left = differences(shown_state(win), fresh)
    assert not left, f"the test left the reused window changed, and putting it back did not undo: {left}"
