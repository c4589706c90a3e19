"""The window's lesson commands (issue 21 §3–§5), kept out of the window: the predict panel under the plots, lesson
mode, File ▸ Save as lesson… and editing a weight by double-clicking it.

:class:`LessonCommands` gives the window the methods its action table names (Run ▸ Predict the next step, Run ▸ Leave
lesson, File ▸ Save as lesson…); :class:`LessonWiring` (the window's ``lessons``) makes the pieces and connects them.
A run file with a lesson block opens in lesson mode (:meth:`LessonWiring.opened`); another run file leaves it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from mlp_gui.core.lesson import Lesson, LessonError
from mlp_gui.core.run_lock import ChangedOnDiskError, LockedError
from mlp_gui.core.run_parts import RunFileError
from mlp_gui.core.runfile import SavedRun
from mlp_gui.gui import run_files
from mlp_gui.gui.file_actions import RUN_FILTER, with_filter_suffix
from mlp_gui.gui.lesson_dialog import LessonDialog
from mlp_gui.gui.lesson_mode import LessonMode
from mlp_gui.gui.predict_panel import PredictPanel
from mlp_gui.gui.weight_editing import WeightEditing


class LessonCommands:
    """The window's slots for the lesson commands of the action table (a mixin: the window holds ``lessons``)."""

    lessons: LessonWiring

    def predict_next_step(self, shown: bool) -> None:
        """Run ▸ Predict the next step (checkable): open or close the questions under the plots."""
        self.lessons.set_predict(shown)

    def leave_lesson(self) -> None:
        """Run ▸ Leave lesson: back to the full app."""
        self.lessons.mode.leave()

    def save_lesson_dialog(self) -> None:
        """File ▸ Save as lesson…"""
        self.lessons.save_lesson_dialog()


class LessonWiring:
    """The predict panel, lesson mode, the lesson dialog and weight editing, connected to ``window``."""

    def __init__(self, window) -> None:
        self.window = window
        self.predict = PredictPanel(window.session, step=window.step)
        self.predict.setVisible(False)
        window.training_split.addWidget(self.predict)  # under the plots (and the weight panel when it shows)
        self.predict.closed.connect(lambda: window.actions["predict"].setChecked(False))
        highlight = getattr(window.heatmaps, "highlight", None)
        if highlight is not None:
            self.predict.asked_about.connect(highlight)
        self.mode = LessonMode(window, questions=lambda shown: window.actions["predict"].setChecked(shown))
        self.mode.applied.connect(self._on_applied)
        self.mode.left.connect(self._on_left)
        window.actions["leave_lesson"].setEnabled(False)
        self.weights = WeightEditing(window)
        self.dialog: LessonDialog | None = None

    # ------------------------------------------------------------ predict, then see

    def set_predict(self, shown: bool) -> None:
        if not shown:
            if self.predict.isVisible():
                self.predict.set_open(False)
            return
        opening = not self.predict.isVisible()
        self.predict.set_open(True)
        if opening:  # room for it under the plots, the weight panel keeping its own
            split = self.window.training_split
            sizes = split.sizes()
            room = max(self.predict.minimumHeight(), split.height() // 3)
            sizes[-1] = room
            sizes[0] = max(split.height() - sum(sizes[1:]), 100)
            split.setSizes(sizes)

    # ------------------------------------------------------------ lesson mode

    def opened(self, run: SavedRun) -> None:
        """A run file was opened: its lesson applied, or the lesson left when it has none; its weight edits marked."""
        self.weights.opened(run)
        if run.lesson is None:
            self.mode.leave()
            return
        try:
            self.mode.apply(run.lesson)
        except LessonError as exc:  # names controls this version does not have
            self.window.show_note(f"The lesson was not applied: {exc}", error=True)

    def _on_applied(self, lesson: Lesson) -> None:
        self.window.actions["leave_lesson"].setEnabled(True)
        self.window.statusBar().showMessage(f"Lesson: {lesson.title} (Run ▸ Leave lesson returns to the full app)")

    def _on_left(self) -> None:
        self.window.actions["leave_lesson"].setEnabled(False)
        self.window.statusBar().showMessage("Left the lesson: every control is back")

    # ------------------------------------------------------------ saving a lesson

    def save_lesson_dialog(self) -> LessonDialog:
        """Ask for the lesson (the current one filled in), then where to save it."""
        self.dialog = LessonDialog(self.window, initial=self.mode.lesson)
        self.dialog.accepted.connect(lambda d=self.dialog: self._ask_where(d.lesson))
        self.dialog.open()
        return self.dialog

    def _ask_where(self, lesson: Lesson) -> None:
        files = self.window.files
        start = str((files.folder or Path.cwd()) / "lesson.npz")
        path, chosen = QFileDialog.getSaveFileName(self.window, "Save as lesson", start, RUN_FILTER)
        if path:
            self.save_lesson_to(with_filter_suffix(Path(path), chosen, RUN_FILTER), lesson)

    def save_lesson_to(self, path: Path, lesson: Lesson) -> None:
        """The run with ``lesson`` in it, saved as Save run saves (under the file's lock, atomically)."""
        w = self.window

        def save() -> None:
            run = w.session.saved_run()
            if run is None:
                w.files.error("Cannot save lesson", "Start a run first: a lesson is saved with its run")
                return
            try:
                run_files.write_run_stamped(path, replace(run, lesson=lesson))
            except LockedError as exc:
                w.files.error("Cannot save lesson", f"{path.name} is in use by {exc.holder or 'another process'}")
            except (OSError, RunFileError, ChangedOnDiskError) as exc:
                w.files.error("Cannot save lesson", f"{path}: {getattr(exc, 'strerror', None) or exc}")
            else:
                w.statusBar().showMessage(f"Saved the lesson “{lesson.title}” to {path.name}: "
                                          f"'mlp-gui {path.name}' opens it in lesson mode")

        if not w.session.has_run:
            w.files.error("Cannot save lesson", "Start a run first: a lesson is saved with its run")
            return
        w.session.pause_then(save)


__all__ = ["LessonCommands", "LessonWiring"]
