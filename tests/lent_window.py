"""The process's shared window (tests/window_reuse.py) lent to a test that may also hide, lock or open parts of it (a lesson,
the weight panel, a dialog's dock): besides what window_reuse checks, every control's shown and enabled state, every tab's,
every field's row and the open docks must be as the test found them once the window is put back, so one test's leftover
fails that test, not a later one. A module takes ``controls_unchanged`` and ``lent_window`` in as it takes window_reuse's
``reused_window``, and its tests ask for ``lent_window``."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QComboBox, QDockWidget

from tests.window_reuse import differences


def row_state(win, name: str) -> tuple:
    """Whether a setting's row shows (its field and label) and whether its field takes input."""
    form = win.form
    edit = form.edits[name]
    field = edit.parentWidget() if isinstance(edit.parentWidget(), QComboBox) else edit
    layout = form.main_form if form.main_form.getWidgetPosition(field)[0] >= 0 else form.more_form
    label = layout.labelForField(field)
    return layout.isRowVisible(field), label is None or not label.isHidden(), edit.isEnabledTo(form)


def controls_state(win) -> dict:
    """What a lesson, a panel or a dock could leave changed in ``win``, read alike whether the window is shown or not."""
    tabs = win.tabs
    return {
        "actions": {key: (a.isVisible(), a.isEnabled(), a.isChecked()) for key, a in win.actions.items()},
        "tabs": [(tabs.tabText(i), tabs.isTabVisible(i), tabs.isTabEnabled(i)) for i in range(tabs.count())],
        "rows": {name: row_state(win, name) for name in win.form.edits},
        "buttons": {f"{b.text()}#{n}": (b.isHidden(), b.isEnabled())
                    for owner in (win.run_panel, win.left) for n, b in enumerate(owner.findChildren(QAbstractButton))},
        "docks": sorted(d.objectName() for d in win.findChildren(QDockWidget) if not d.isHidden()),
        "weight panel": (win.weight_panel.isHidden(), win.weight_panel.ref),
    }


@pytest.fixture
def controls_unchanged(module_window):
    """Set up before ``reused_window`` (so checked after it put the window back): the controls as they were."""
    win = module_window[0]
    before = controls_state(win)
    yield
    changed = differences(controls_state(win), before)
    assert not changed, f"the test left the shared window's controls changed (now, before): {changed}"


@pytest.fixture
def lent_window(controls_unchanged, reused_window):
    """The shared window for one test; its weight panel closed afterwards, then everything checked."""
    yield reused_window
    reused_window.weight_panel.close_panel()
