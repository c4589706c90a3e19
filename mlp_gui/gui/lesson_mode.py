"""Lesson mode: a lesson (:class:`~mlp_gui.core.lesson.Lesson`) applied to the main window, and left again.

Applying hides or locks (disables) the controls the lesson names, through the window's public widgets: the
settings form's fields (label and field), the run buttons with their menu commands and shortcuts, and the tabs with
their View ▸ commands; it shows a pane on top of the window with the lesson's title and text (plain text, never
interpreted) and a *Leave lesson* button. Leaving restores everything. Controls the window itself enables and
disables (the run buttons) are kept disabled while locked and put back to what the run's state calls for on leaving.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mlp_gui.core.lesson import Lesson, LessonError, control_names
from mlp_gui.core.settings import SETTINGS
from mlp_gui.gui import tabs

#: each run button's widgets (dotted attributes of the window) and its commands (keys of ``window.actions``)
BUTTONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "start": (("run_panel.start_button",), ("start",)),
    "step": (("run_panel.step1_button", "run_panel.step10_button"), ("step1", "step10")),
    "reset": (("run_panel.reset_button",), ("reset",)),
    "stop": (("run_panel.stop_button",), ("stop",)),
    "sweep": (("left.sweep_button",), ("sweep",)),
    "keep": (("left.keep_button",), ("keep",)),
}
SETTING_NAMES = frozenset(s.name for s in SETTINGS)
TEXT_MAX_PX = 120  # the lesson's text shows this tall at most, then scrolls: the plots keep their room


def tab_keys() -> tuple[str, ...]:
    return tuple(tab.key for tab in tabs.TABS)


class _KeptDisabled(QObject):
    """Holds widgets disabled: whoever enables one (the window, after every state change), it is disabled again."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.held: list[QWidget] = []

    def hold(self, widget: QWidget) -> None:
        self.held.append(widget)
        widget.setEnabled(False)
        widget.installEventFilter(self)

    def release_all(self) -> None:
        for widget in self.held:
            widget.removeEventFilter(self)
            widget.setEnabled(True)
        self.held = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt naming
        if event.type() == QEvent.Type.EnabledChange and watched in self.held:
            parent = watched.parentWidget()
            if watched.isEnabledTo(parent) if parent is not None else watched.isEnabled():
                watched.setEnabled(False)
        return False


class LessonPane(QDockWidget):
    """The lesson's title and text on top of the window, and a button to leave it."""

    def __init__(self, lesson: Lesson, leave: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__("Lesson", parent)
        self.setObjectName("lessonPane")
        self.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)  # it goes with Leave lesson only
        self.title = QLabel(lesson.title)
        self.text = QLabel(lesson.text)
        for label in (self.title, self.text):
            label.setTextFormat(Qt.TextFormat.PlainText)  # a lesson's text is shown, never interpreted
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.text)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setVisible(bool(lesson.text))
        self.leave_button = QPushButton("Leave lesson")
        self.leave_button.setToolTip("Back to the full app: every control shown and usable (Run ▸ Leave lesson)")
        self.leave_button.clicked.connect(leave)
        body = QWidget()
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.leave_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 2, 8, 4)
        layout.addLayout(top)
        layout.addWidget(self.scroll)
        self.setWidget(body)
        self.setTitleBarWidget(QWidget())  # the lesson's own title says what this is

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        """As tall as the text at this width, up to TEXT_MAX_PX (a long text scrolls)."""
        super().resizeEvent(event)
        width = max(self.scroll.viewport().width(), 100)
        self.scroll.setFixedHeight(min(self.text.heightForWidth(width) + 4, TEXT_MAX_PX))


class LessonMode(QObject):
    """Applies a lesson to ``window`` and leaves it. ``questions(open)``: opens or closes the predict questions."""

    applied = Signal(object)  # Lesson
    left = Signal()

    def __init__(self, window, *, questions: Callable[[bool], None] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self._questions = questions
        self.lesson: Lesson | None = None
        self.pane: LessonPane | None = None
        self._kept = _KeptDisabled(self)
        self._hidden_rows: list[tuple[QFormLayout, QWidget]] = []
        self._hidden: list[QWidget] = []
        self._actions: list[tuple[object, bool, bool]] = []  # (action, visible, enabled) before the lesson
        self._tabs: list[int] = []
        self._opened_questions = False

    @property
    def active(self) -> bool:
        return self.lesson is not None

    def apply(self, lesson: Lesson) -> None:
        """Show only what ``lesson`` leaves (leaving the lesson before, if any); LessonError for unknown control names."""
        unknown = [n for n in lesson.hidden + lesson.locked if n not in control_names(tab_keys())]
        if unknown:
            raise LessonError(f"the lesson names unknown controls {', '.join(map(repr, unknown))}")
        if self.active:
            self.leave()
        self.lesson = lesson
        for name in dict.fromkeys(lesson.hidden + lesson.locked):
            hide = lesson.is_hidden(name)
            if name in SETTING_NAMES:
                self._setting(name, hide=hide)
            elif name in BUTTONS:
                self._button(name, hide=hide)
            else:
                self._tab(name, hide=hide)
        if any(n in SETTING_NAMES for n in lesson.hidden + lesson.locked):
            self._command("defaults", hide=False)  # restoring the defaults would change what the lesson holds
        self._fold_more_settings(lesson)
        self._to_an_open_tab()
        self.window.form.changed.connect(self._hide_rows_again)
        self.pane = LessonPane(lesson, self.leave, self.window)
        self.window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, self.pane)
        self.pane.show()
        if lesson.questions and self._questions is not None:
            self._questions(True)
            self._opened_questions = True
        self.applied.emit(lesson)

    def leave(self) -> None:
        """Back to the full app: every control the lesson hid or locked as it was, the run buttons as the run's state calls
        for, and the pane gone."""
        if not self.active:
            return
        self.window.form.changed.disconnect(self._hide_rows_again)
        self._kept.release_all()
        for form, widget in self._hidden_rows:
            form.setRowVisible(widget, True)
        for widget in self._hidden:
            widget.setVisible(True)
        for action, visible, enabled in self._actions:
            action.setVisible(visible)
            action.setEnabled(enabled)
        for index in self._tabs:
            self.window.tabs.setTabVisible(index, True)
            self.window.tabs.setTabEnabled(index, True)
        self._hidden_rows, self._hidden, self._actions, self._tabs = [], [], [], []
        self._refresh_window()
        self.window.removeDockWidget(self.pane)
        self.pane.deleteLater()
        self.pane, self.lesson = None, None
        if self._opened_questions and self._questions is not None:
            self._questions(False)
        self._opened_questions = False
        self.left.emit()

    # ------------------------------------------------------------ one control

    def _setting(self, name: str, *, hide: bool) -> None:
        edit = self.window.form.edits.get(name)
        if edit is None:  # a setting the form does not show: nothing to hide
            return
        widget = edit.parentWidget() if isinstance(edit.parentWidget(), QComboBox) else edit
        self._kept.hold(widget)
        forms = [f for f in (self.window.form.main_form, self.window.form.more_form) if f.getWidgetPosition(widget)[0] >= 0]
        if hide and forms:
            forms[0].setRowVisible(widget, False)
            self._hidden_rows.append((forms[0], widget))

    def _button(self, name: str, *, hide: bool) -> None:
        widgets, commands = BUTTONS[name]
        for path in widgets:
            widget = _attribute(self.window, path)
            self._kept.hold(widget)
            if hide:
                widget.setVisible(False)
                self._hidden.append(widget)
        for key in commands:
            self._command(key, hide=hide)

    def _tab(self, key: str, *, hide: bool) -> None:
        index = tab_keys().index(key)
        (self.window.tabs.setTabVisible if hide else self.window.tabs.setTabEnabled)(index, False)
        self._tabs.append(index)
        self._command(f"tab_{key}", hide=hide)

    def _command(self, key: str, *, hide: bool) -> None:
        action = self.window.actions.get(key)
        if action is None:
            return
        self._actions.append((action, action.isVisible(), action.isEnabled()))
        action.setEnabled(False)  # no shortcut reaches it (the start command follows its button's state too)
        if hide:
            action.setVisible(False)

    def _fold_more_settings(self, lesson: Lesson) -> None:
        """Every setting under *More settings* hidden: the fold goes too."""
        if all(lesson.is_hidden(s.name) for s in SETTINGS if s.advanced):
            form = self.window.form
            form.show_more(False)
            form.more_button.setVisible(False)
            self._hidden.append(form.more_button)

    def _to_an_open_tab(self) -> None:
        bar = self.window.tabs
        open_tabs = [i for i in range(bar.count()) if i not in self._tabs]
        if bar.currentIndex() in self._tabs and open_tabs:
            bar.setCurrentIndex(open_tabs[0])

    def _hide_rows_again(self) -> None:
        """The form shows or hides rows for the data chosen after every edit: the lesson's stay hidden."""
        for form, widget in self._hidden_rows:
            form.setRowVisible(widget, False)

    def _refresh_window(self) -> None:
        """The run buttons and the Start command as the run's state calls for (what the window does after a change)."""
        w, s = self.window, self.window.session
        w.run_panel.show_state(s.state, settings_valid=w.form.valid, can_continue=s.can_continue(w.form.epochs()),
                               guarded=s.guard_stopped, trained=s.epoch > 0)
        w.actions["start"].setEnabled(w.run_panel.start_button.isEnabled())
        if w.form.config() is not None:  # the rows the data calls for (a hidden row was shown back above)
            w.form.set_values(w.form.config(), w.form.epochs())


def _attribute(window: object, path: str) -> QWidget:
    for part in path.split("."):
        window = getattr(window, part)
    return window  # type: ignore[return-value]


__all__ = ["BUTTONS", "LessonMode", "LessonPane", "tab_keys"]
