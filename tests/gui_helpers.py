"""Small helpers shared by the GUI tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QSettings, Qt

from mlp_gui.core import TrainConfig
from mlp_gui.core.run_state import RunState

TIMEOUT_MS = 20_000


@contextmanager
def module_main_window(tmp_path_factory, name: str) -> Iterator[tuple]:
    """A main window for a whole test module, shown, with remembered settings in a folder of its own: ``(window,
    folder)``. Closed at the end, after checking that no test trained it (``name`` says which window in the message)."""
    from PySide6.QtTest import QTest

    from mlp_gui.gui.window import MainWindow

    settings = tmp_path_factory.mktemp("module-window-settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings))
    win = MainWindow()
    win.show()
    assert QTest.qWaitForWindowExposed(win)
    yield win, settings
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings))  # its own, not the last test's
    assert win.session.epoch == 0, f"the {name} window was left with a trained run: putting a fresh run back failed"
    win.close()
    win.deleteLater()


def set_settings(window, qtbot, **values) -> None:
    """Type settings into the fields as a person would, pressing Return after each (and waiting while a CSV file
    they name is read: the form reads it off the GUI thread)."""
    for name, value in values.items():
        edit = window.form.edits[name]
        edit.setFocus()
        edit.selectAll()
        qtbot.keyClicks(edit, str(value))
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        wait_read(window.form, qtbot)


def wait_read(form, qtbot, timeout: int = TIMEOUT_MS) -> None:
    """Until the settings form has read the CSV file it waits for (at once if none)."""
    qtbot.waitUntil(lambda: not form.reading, timeout=timeout)


def press_start(window, qtbot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def wait_state(window, qtbot, *states: RunState, timeout: int = TIMEOUT_MS) -> None:
    qtbot.waitUntil(lambda: window.session.state in states, timeout=timeout)


def configure(window, qtbot, **changes) -> TrainConfig:
    """Put ``changes`` into the form and return the config the window now holds."""
    set_settings(window, qtbot, **changes)
    return window.form.config()


def shown(qtbot, widget, width: int, height: int, *, exposed: bool = True):
    """``widget`` shown offscreen at ``width`` x ``height`` and closed after the test."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    if exposed:
        qtbot.waitExposed(widget)
    return widget
