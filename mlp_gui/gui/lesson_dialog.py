"""File ▸ Save as lesson…: a lesson's title and text, which controls a student sees hidden or locked, and whether the
app asks predict-then-see questions.

The controls are one table, a row each (the form's settings, the run buttons, the tabs) with a *Hide* and a *Lock*
check box: arrow keys move between them, Space toggles one. OK checks the lesson
(:meth:`~mlp_gui.core.lesson.Lesson.checked`); what will not do is said in one line and the dialog stays open.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlp_gui.core.lesson import MAX_TEXT, MAX_TITLE, RUN_BUTTONS, Lesson, LessonError
from mlp_gui.core.settings import SETTINGS
from mlp_gui.gui import palette, tabs

HIDE, LOCK = 1, 2  # the table's check-box columns


def control_rows() -> list[tuple[str, str]]:
    """(control name, what the table calls it): the settings, the run buttons, then the tabs."""
    rows = [(s.name, f"Setting: {s.label.replace('&', '').rstrip(':')}") for s in SETTINGS]
    rows += [(name, f"Button: {name.capitalize()}") for name in RUN_BUTTONS]
    rows += [(tab.key, f"Tab: {tab.title}") for tab in tabs.TABS]
    return rows


class LessonDialog(QDialog):
    """Title, text, the controls' table and *Ask predict-then-see questions*; :attr:`lesson` once accepted."""

    def __init__(self, parent: QWidget | None = None, *, initial: Lesson | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonDialog")
        self.setWindowTitle("Save as lesson")
        self.lesson: Lesson | None = None
        self.title = QLineEdit(initial.title if initial else "")
        self.title.setMaxLength(MAX_TITLE)
        self.title.setPlaceholderText("What the lesson is about, in one line")
        self.text = QPlainTextEdit(initial.text if initial else "")
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("A few lines for the student: what to do, what to look for")
        self.table = self._table(initial)
        self.questions = QCheckBox("Ask &predict-then-see questions before each step")
        self.questions.setChecked(bool(initial and initial.questions))
        self.error = QLabel()
        self.error.setObjectName("lessonError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {palette.ERROR};")
        self.error.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Title:", self.title)
        form.addRow("Te&xt:", self.text)
        hint = QLabel("Hidden or locked for the student (arrow keys move, Space ticks):")
        hint.setBuddy(self.table)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.questions)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, 640)
        self.title.setFocus()

    def _table(self, initial: Lesson | None) -> QTableWidget:
        rows = control_rows()
        table = QTableWidget(len(rows), 3)
        table.setObjectName("lessonControls")
        table.setHorizontalHeaderLabels(["Control", "Hide", "Lock"])
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move inside it
        for r, (name, text) in enumerate(rows):
            label = QTableWidgetItem(text)
            label.setData(Qt.ItemDataRole.UserRole, name)
            label.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            table.setItem(r, 0, label)
            for column, on in ((HIDE, initial is not None and name in initial.hidden),
                               (LOCK, initial is not None and name in initial.locked)):
                box = QTableWidgetItem()
                box.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
                box.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                box.setData(Qt.ItemDataRole.AccessibleTextRole, f"{'Hide' if column == HIDE else 'Lock'} {text}")
                table.setItem(r, column, box)
        table.setCurrentCell(0, HIDE)
        return table

    def set_control(self, name: str, *, hidden: bool = False, locked: bool = False) -> None:
        """Tick (or untick) ``name``'s boxes, as a click would."""
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == name:
                for column, on in ((HIDE, hidden), (LOCK, locked)):
                    self.table.item(r, column).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                return
        raise KeyError(f"no control {name!r}")

    def ticked(self, column: int) -> list[str]:
        """The controls whose box in ``column`` (HIDE or LOCK) is ticked, in the table's order."""
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.table.rowCount())
                if self.table.item(r, column).checkState() == Qt.CheckState.Checked]

    def accept(self) -> None:
        hidden = self.ticked(HIDE)
        locked = [n for n in self.ticked(LOCK) if n not in hidden]  # hidden is locked too
        if len(self.text.toPlainText()) > MAX_TEXT:
            return self._refuse(f"The text is {len(self.text.toPlainText()):,} characters long; at most {MAX_TEXT:,}")
        try:
            self.lesson = Lesson.checked(self.title.text(), self.text.toPlainText(), hidden, locked,
                                         self.questions.isChecked())
        except LessonError as exc:
            return self._refuse(str(exc)[0].upper() + str(exc)[1:])
        super().accept()

    def _refuse(self, line: str) -> None:
        self.error.setText(line)
        self.error.setVisible(True)


__all__ = ["LessonDialog", "control_rows"]
