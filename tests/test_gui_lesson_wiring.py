"""The lesson commands in the window (issue 21 §3–§5): Run ▸ Predict the next step opens the questions under the
plots, File ▸ Save as lesson… writes a run file with a lesson block, opening it gives lesson mode and Run ▸ Leave lesson
the full app again; a double-click on a weight types in a new value and the run branches there."""

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog

from mlp_gui.core import load_run
from mlp_gui.core.lesson import Lesson
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.gui import tabs
from mlp_gui.gui.lesson_dialog import LessonDialog
from mlp_gui.gui.predict_panel import PredictPanel
from mlp_gui.gui.weight_editing import WeightEditDialog
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS

# the tests share one window (its controls checked too), a fresh run put back after each; the two that answer a question
# have their own: the questions' running score lasts as long as the window, as a person's does
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def shown_child(window, kind):
    """The one ``kind`` dialog of ``window`` shown now (None if none): a window lent from test to test keeps the
    closed dialogs of earlier tests among its children."""
    shown = [child for child in window.findChildren(kind) if child.isVisible()]
    assert len(shown) <= 1, f"{len(shown)} {kind.__name__}s shown at once"
    return shown[0] if shown else None


def stepped(window, qtbot, epochs: int) -> None:
    target = window.session.epoch + epochs
    window.step(epochs)
    qtbot.waitUntil(lambda: window.session.epoch == target and not window.session.state.busy, timeout=TIMEOUT_MS)


def test_ctrl_p_opens_the_questions_under_the_plots_and_a_digit_answers(window, qtbot):
    action = window.actions["predict"]
    assert action.shortcut().toString() == "Ctrl+P" and not action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    panel = window.findChild(PredictPanel)
    assert action.isChecked() and panel.isVisible() and window.training_split.indexOf(panel) >= 1
    assert panel.height() >= panel.minimumHeight() and panel.question is not None
    with qtbot.waitSignal(panel.answered, timeout=TIMEOUT_MS):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1 + panel.question.answer)
    assert window.session.epoch == 1 and panel.score_label.text().startswith("1 of 1 right")
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert not panel.isVisible() and not action.isChecked()


def fill_lesson(window, qtbot, title: str) -> LessonDialog:
    window.actions["save_lesson"].trigger()
    dialog = shown_child(window, LessonDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.title, title)
    dialog.text.setPlainText("Watch the loss fall.\nThen predict the next step.")
    dialog.set_control("seed", hidden=True)
    dialog.set_control("gradcheck", hidden=True)
    dialog.set_control("stepsize", locked=True)
    dialog.set_control("reset", hidden=True)
    dialog.questions.setChecked(True)
    return dialog


def test_save_as_lesson_writes_the_lesson_and_opening_it_gives_lesson_mode(lent_window, qtbot, tmp_path, monkeypatch):
    stepped(lent_window, qtbot, 3)
    path = tmp_path / "lesson.npz"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "Runs (*.npz)"))
    dialog = fill_lesson(lent_window, qtbot, "")
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # no title: one line says so, nothing is written
    assert dialog.isVisible() and dialog.error.text() == "The lesson's title is empty"
    assert not path.exists()
    qtbot.keyClicks(dialog.title, "Stepsize matters")
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(path.exists, timeout=TIMEOUT_MS)
    run = load_run(path)
    assert run.epochs == 3 and run.lesson == Lesson.checked(
        "Stepsize matters", "Watch the loss fall.\nThen predict the next step.", hidden=["seed", "reset", "gradcheck"],
        locked=["stepsize"], questions=True)
    assert "lesson.npz" in lent_window.statusBar().currentMessage()

    assert lent_window.open_run_from(path)
    pane = lent_window.findChild(QDockWidget, "lessonPane")
    assert pane is not None and pane.isVisible() and pane.title.text() == "Stepsize matters"
    assert lent_window.run_panel.reset_button.isHidden() and not lent_window.tabs.isTabVisible(1)
    assert not lent_window.form.edits["stepsize"].isEnabled()
    leave = lent_window.actions["leave_lesson"]
    assert leave.isEnabled() and lent_window.actions["predict"].isChecked()  # the lesson asks questions
    assert lent_window.findChild(PredictPanel).isVisible()
    leave.trigger()
    assert lent_window.findChild(QDockWidget, "lessonPane") is None or not pane.isVisible()
    assert not leave.isEnabled() and not lent_window.run_panel.reset_button.isHidden() and lent_window.tabs.isTabVisible(1)
    assert lent_window.form.edits["stepsize"].isEnabled() and not lent_window.actions["predict"].isChecked()


def test_a_lesson_file_opened_as_the_launcher_opens_it_and_a_plain_file_leaves_the_lesson(lent_window, qtbot, tmp_path,
                                                                                          monkeypatch):
    lesson_path, plain_path = tmp_path / "lesson.npz", tmp_path / "plain.npz"
    lent_window.save_run_to(plain_path)
    qtbot.waitUntil(plain_path.exists, timeout=TIMEOUT_MS)
    lent_window.lessons.save_lesson_to(lesson_path, Lesson.checked("Only look", hidden=["step", "start"]))
    qtbot.waitUntil(lesson_path.exists, timeout=TIMEOUT_MS)
    lent_window.open_saved_run(lent_window.files.read_run(lesson_path), lesson_path)  # what `mlp-gui lesson.npz` does
    assert lent_window.lessons.mode.active and lent_window.run_panel.start_button.isHidden()
    assert not lent_window.actions["predict"].isChecked()  # this lesson asks no questions
    assert lent_window.open_run_from(plain_path)
    assert not lent_window.lessons.mode.active and not lent_window.run_panel.start_button.isHidden()


def cell_point(window, layer: int, row: int, col: int):
    """Where a W cell (col -1: the bias) shows in the heatmaps' viewport."""
    view = window.heatmaps.weights[layer - 1]
    x = view.matrix.shape[1] + 1.5 if col < 0 else col + 0.5
    scene = view.image.mapToScene(QPointF(x, row + 0.5))
    return window.heatmaps.view.mapFromScene(scene)


def test_double_click_a_weight_types_a_new_value_and_the_run_branches_there(lent_window, qtbot, tmp_path):
    stepped(lent_window, qtbot, 5)
    before = tmp_path / "before.npz"
    lent_window.save_run_to(before)
    qtbot.waitUntil(before.exists, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: len(lent_window.heatmaps.weights) > 1, timeout=TIMEOUT_MS)
    old = float(lent_window.session.snapshot.layers[1].W[0, 1])
    qtbot.mouseDClick(lent_window.heatmaps.view.viewport(), Qt.MouseButton.LeftButton, pos=cell_point(lent_window, 2, 0, 1))
    dialog = shown_child(lent_window, WeightEditDialog)
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "Edit W2[0, 1]"
    assert dialog.field.text() == repr(old)
    qtbot.keyClicks(dialog.field, "abc")
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.error.text() == "'abc' is not a number: type one like 0.5 or -1.2e-3"
    dialog.field.selectAll()
    qtbot.keyClicks(dialog.field, "0.5")
    with qtbot.waitSignal(lent_window.lessons.weights.edited, timeout=TIMEOUT_MS) as edited:
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    edit = edited.args[0]
    assert (edit.epoch, edit.ref.name, edit.old, edit.new) == (5, "W2[0, 1]", old, 0.5)
    assert lent_window.session.epoch == 5 and lent_window.session.snapshot.layers[1].W[0, 1] == 0.5
    assert "edited" in lent_window.run_panel.identity.text()
    assert lent_window.windowTitle().startswith("before.npz") and lent_window.isWindowModified()  # not in the file yet
    labels = [mark.label.format for mark in lent_window.plot.stepsize_marks]
    assert f"W2[0, 1] {old:.6g} → 0.5 at 5" in labels
    stepped(lent_window, qtbot, 10)
    path = tmp_path / "edited.npz"
    lent_window.save_run_to(path)
    qtbot.waitUntil(path.exists, timeout=TIMEOUT_MS)
    run = load_run(path)
    assert run.weight_edits == (edit,) and run.epochs == 15
    assert np.array_equal(run.layers[1].W, lent_window.session.snapshot.layers[1].W)


def test_no_weight_is_edited_while_the_run_trains(lent_window, qtbot):
    lent_window.session.set_plan(10**7)
    lent_window.session.start()
    qtbot.waitUntil(lambda: lent_window.session.state.busy, timeout=TIMEOUT_MS)
    assert lent_window.lessons.weights.ask(WeightRef(1, 0, 0)) is None
    assert "Pause the run" in lent_window.statusBar().currentMessage()
    lent_window.session.stop()


def test_an_edited_file_opens_with_its_marks_and_going_back_before_the_edit_drops_them(lent_window, qtbot, tmp_path):
    for _ in range(6):
        stepped(lent_window, qtbot, 1)  # a snapshot at every epoch
    edit = lent_window.lessons.weights.apply(WeightRef(1, 0, None), 1.5)
    assert edit is not None and edit.text == f"b1[0] {edit.old:.6g} → 1.5 at 6"
    stepped(lent_window, qtbot, 4)
    path = tmp_path / "edited.npz"
    lent_window.save_run_to(path)
    qtbot.waitUntil(path.exists, timeout=TIMEOUT_MS)
    lent_window.reset()
    assert lent_window.session.epoch == 0 and "edited" not in lent_window.run_panel.identity.text()
    assert edit.text not in [m.label.format for m in lent_window.plot.stepsize_marks]
    assert lent_window.open_run_from(path)
    assert lent_window.session.epoch == 10 and "edited (1 weight typed in)" in lent_window.run_panel.identity.text()
    assert [m.label.format for m in lent_window.plot.stepsize_marks].count(edit.text) == 1
    epochs = lent_window.session.snapshot_epochs()
    with qtbot.waitSignal(lent_window.session.run_reset, timeout=TIMEOUT_MS):
        lent_window.session.continue_from(epochs.index(6))  # back to the edit itself: it stays
    assert "edited" in lent_window.run_panel.identity.text() and lent_window.session.snapshot.layers[0].b[0] == 1.5
    with qtbot.waitSignal(lent_window.session.run_reset, timeout=TIMEOUT_MS):
        lent_window.session.continue_from(lent_window.session.snapshot_epochs().index(5))  # before it: gone
    assert "edited" not in lent_window.run_panel.identity.text()
    assert edit.text not in [m.label.format for m in lent_window.plot.stepsize_marks]


def test_double_click_an_edge_of_the_network_diagram_edits_its_weight(lent_window, qtbot):
    stepped(lent_window, qtbot, 2)
    lent_window.show_tab([t.key for t in tabs.TABS].index("surface"))
    diagram = lent_window.diagram
    qtbot.waitUntil(lambda: bool(diagram.edges) and diagram.node(1, 0) is not None, timeout=TIMEOUT_MS)
    edge = diagram.edges[-1]  # drawn on top
    source, target = diagram.node(edge.layer - 1, edge.source), diagram.node(edge.layer, edge.target)
    middle = QPointF((source.rect.right() + target.rect.left()) / 2,
                     (source.rect.center().y() + target.rect.center().y()) / 2)
    qtbot.mouseDClick(diagram, Qt.MouseButton.LeftButton, pos=middle.toPoint())
    dialog = shown_child(lent_window, WeightEditDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == f"Edit W{edge.layer}[{edge.target}, {edge.source}]"
    assert float(dialog.field.text()) == lent_window.session.snapshot.layers[edge.layer - 1].W[edge.target, edge.source]
    qtbot.keyClick(dialog.field, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and lent_window.lessons.weights.edits == ()


def test_the_lesson_dialog_is_keyboard_operable_and_refuses_hiding_every_tab_in_one_line(lent_window, qtbot, monkeypatch):
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: asked.append(a[1]) or ("", ""))  # cancelled
    dialog = lent_window.lessons.save_lesson_dialog()
    qtbot.keyClicks(dialog.title, "Keys only")
    table = dialog.table
    table.setFocus()
    first = table.item(0, 0).data(Qt.ItemDataRole.UserRole)
    qtbot.keyClick(table, Qt.Key.Key_Space)  # the current cell: row 0's Hide box
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Right)
    qtbot.keyClick(table, Qt.Key.Key_Space)  # row 1's Lock box
    second = table.item(1, 0).data(Qt.ItemDataRole.UserRole)
    assert dialog.ticked(1) == [first] and dialog.ticked(2) == [second]
    for tab in tabs.TABS:
        dialog.set_control(tab.key, hidden=True)
    dialog.accept()
    assert dialog.isVisible() and dialog.error.text() == "The lesson hides every tab: leave at least one to look at"
    dialog.set_control("training")
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
        dialog.accept()
    assert dialog.lesson.hidden == (first, *[t.key for t in tabs.TABS if t.key != "training"])
    assert dialog.lesson.locked == (second,) and asked == ["Save as lesson"]


def test_saving_in_lesson_mode_keeps_the_lesson(lent_window, qtbot, tmp_path):
    from dataclasses import replace

    from mlp_gui.core.runfile import run_from_trainer, save_run
    from mlp_gui.core.trainer import Trainer

    lesson = Lesson.checked("Momentum", "Change μ and watch.", hidden=["seed"], locked=[], questions=False)
    trainer = Trainer.new(lent_window.session.config)
    trainer.step(4)
    source = tmp_path / "given.npz"
    save_run(source, replace(run_from_trainer(trainer), lesson=lesson))
    assert lent_window.open_run_from(source)
    qtbot.waitUntil(lambda: lent_window.session.epoch == 4, timeout=TIMEOUT_MS)
    again = tmp_path / "again.npz"
    lent_window.save_run_to(again)
    qtbot.waitUntil(again.exists, timeout=TIMEOUT_MS)
    assert load_run(again).lesson == lesson
    lent_window.actions["leave_lesson"].trigger()  # Run ▸ Leave lesson, as a person ends one


def test_a_single_click_on_a_weight_explains_it_and_opens_no_editor(lent_window, qtbot):
    """One click (its press passed on to the heatmaps' parents too) is not a double-click."""
    stepped(lent_window, qtbot, 5)
    qtbot.waitUntil(lambda: len(lent_window.heatmaps.weights) > 1, timeout=TIMEOUT_MS)
    viewport = lent_window.heatmaps.view.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=cell_point(lent_window, 2, 0, 1))
    qtbot.waitUntil(lambda: lent_window.weight_panel.isVisible(), timeout=TIMEOUT_MS)
    assert shown_child(lent_window, WeightEditDialog) is None
    assert lent_window.weight_panel.ref == WeightRef(2, 0, 1)


def test_a_digit_answers_wherever_the_focus_is_but_stays_in_a_settings_field(window, qtbot):
    """A lesson opens with the focus anywhere: 1–4 answer from the whole window; typed into a field they stay there."""
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    panel = window.findChild(PredictPanel)
    qtbot.waitUntil(lambda: panel.question is not None, timeout=TIMEOUT_MS)
    field = window.form.edits["seed"]
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_1)
    assert field.text().endswith("1") and window.session.epoch == 0  # typed, not answered
    window.tabs.setFocus()  # the focus outside the panel, not in a text field
    with qtbot.waitSignal(panel.answered, timeout=TIMEOUT_MS):
        qtbot.keyClick(window.tabs, Qt.Key.Key_1 + panel.question.answer)
    assert window.session.epoch == 1
