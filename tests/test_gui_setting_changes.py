"""Changing the momentum (or the penalty) of a trained run in the form continues the run (asked as for the stepsize):
the session goes on with it, the views show the new rule's ΔW at once, Step 1 takes exactly that step, the loss
plot marks the change, and an opened run with changes shows its marks; flags given with a run file continue it."""

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from mlp_gui.core import TrainConfig, Trainer, run_from_trainer, save_run
from mlp_gui.core.run_state import RunState
from mlp_gui.gui.kept_runs import label_for
from mlp_gui.launch import LaunchOptions
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, set_settings, wait_state

# the tests share one window, lent in turn (a fresh run put back after each, the window and its controls checked)
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

START = TrainConfig(optimizer="momentum", momentum=0.9, stepsize=0.02)


def _trained(window, qtbot, epochs: int = 100, plan: int = 300) -> None:
    window.session.new_run(START, plan)
    qtbot.waitUntil(lambda: window.session.config == START and window.session.epoch == 0, timeout=TIMEOUT_MS)
    window.session.step(epochs)
    qtbot.waitUntil(lambda: window.session.epoch == epochs, timeout=TIMEOUT_MS)
    wait_state(window, qtbot, RunState.PAUSED, RunState.READY, RunState.FINISHED)


def _answer(monkeypatch, button_text: str) -> dict:
    """Answer the real question with the button whose text starts with ``button_text``; what it showed lands in the dict."""
    seen: dict = {}

    def answer(box: QMessageBox) -> int:
        seen.update(name=box.objectName(), text=box.text())
        next(b for b in box.buttons() if b.text().startswith(button_text)).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    return seen


def _mark_labels(window) -> list[str]:
    return [line.label.format for line in window.plot.stepsize_marks]


def _expected_updates() -> list:
    """ΔW of the step after epoch 100 once the momentum is 0.5, computed by the core alone."""
    trainer = Trainer.new(START)
    trainer.step(100)
    trainer.set_settings(momentum=0.5)
    return trainer.snapshot().updates(trainer.stepsize)


def test_changing_the_momentum_midway_continues_the_run_and_step_1_takes_the_shown_step(lent_window, qtbot, monkeypatch):
    window = lent_window
    window.actions["show_updates"].setChecked(True)  # View ▸ Show the update ΔW (unchecked again by the put-back)
    _trained(window, qtbot)
    seen = _answer(monkeypatch, "Continue this run")
    set_settings(window, qtbot, momentum=0.5)
    qtbot.waitUntil(lambda: "name" in seen, timeout=TIMEOUT_MS)
    assert seen["name"] == "settingsQuestion" and "momentum 0.5" in seen["text"]
    session = window.session
    assert session.epoch == 100 and session.config.momentum == 0.5 and session.snapshot.rule.momentum == 0.5
    assert session.changes == ((0, (("momentum", 0.9),)), (100, (("momentum", 0.5),)))
    assert _mark_labels(window) == ["momentum 0.5"] and window.plot.stepsize_marks[0].value() == 100
    expected = _expected_updates()
    shown = window.heatmaps.updates
    qtbot.waitUntil(lambda: all(np.array_equal(v.matrix, d.W) for v, d in zip(shown, expected)), timeout=TIMEOUT_MS)
    before = [layer.W.copy() for layer in session.snapshot.layers]
    session.step(1)
    qtbot.waitUntil(lambda: session.epoch == 101, timeout=TIMEOUT_MS)
    for w, dw, after in zip(before, expected, session.snapshot.layers):
        np.testing.assert_array_equal(after.W, w + dw.W)  # bit for bit the step the ΔW column showed


def test_the_session_says_the_settings_changed_with_the_new_config(lent_window, qtbot):
    window = lent_window
    _trained(window, qtbot, epochs=20)
    with (qtbot.waitSignal(window.session.settings_changed, timeout=TIMEOUT_MS) as changed,
          qtbot.waitSignal(window.session.snapshot_ready, timeout=TIMEOUT_MS) as delivered):
        window.session.set_settings(l2=0.01, stepsize=0.01)
    assert changed.args[0].l2 == 0.01 and changed.args[0].stepsize == 0.01
    assert delivered.args[0].rule.penalty is not None and delivered.args[0].rule.penalty.l2 == 0.01
    assert window.session.stepsize == 0.01 and window.session.changes[-1] == (20, (("l2", 0.01),))


def test_cancelling_the_question_puts_the_field_back(lent_window, qtbot, monkeypatch):
    window = lent_window
    _trained(window, qtbot, epochs=20)
    _answer(monkeypatch, "Cancel")
    set_settings(window, qtbot, l2=0.01)
    assert window.session.config.l2 == 0 and window.form.edits["l2"].text() == "0"
    assert window.session.changes == () and _mark_labels(window) == []


def test_a_finished_run_asks_for_more_epochs_first(lent_window, qtbot, monkeypatch):
    window = lent_window
    _trained(window, qtbot, epochs=30, plan=30)
    assert window.session.state is RunState.FINISHED
    _answer(monkeypatch, "Continue")
    set_settings(window, qtbot, momentum=0.5)
    assert "Raise Epochs above 30 to continue with momentum 0.5" in window.statusBar().currentMessage()
    assert window.session.config.momentum == 0.9


def test_an_opened_run_shows_its_changes_and_a_flag_continues_it(lent_window, qtbot, tmp_path):
    window = lent_window
    from mlp_gui.gui.app import Launcher

    trainer = Trainer.new(START)
    trainer.step(100)
    trainer.set_settings(momentum=0.5, stepsize=0.01)
    trainer.step(50)
    path = save_run(tmp_path / "run.npz", run_from_trainer(trainer))
    options = LaunchOptions(run_file=path, config=TrainConfig(l2=0.001), explicit=frozenset({"l2"}))
    assert Launcher(window, options).open_file()
    session = window.session
    qtbot.waitUntil(lambda: session.epoch == 150 and session.config.l2 == 0.001, timeout=TIMEOUT_MS)
    assert session.config.momentum == 0.5 and session.snapshot.rule.penalty.l2 == 0.001
    assert sorted(_mark_labels(window)) == ["l2 0.001", "momentum 0.5", "stepsize 0.01"]
    assert window.form.edits["l2"].text() == "0.001"


@pytest.mark.parametrize("changes, words", [
    (((0, (("momentum", 0.9),)), (100, (("momentum", 0.5),))),
     "momentum 0.9 → 0.5 at 100, stepsize=0.02, optimizer=momentum (300 ep.)"),
    ((), "stepsize=0.02, optimizer=momentum, momentum=0.5 (300 ep.)"),
])
def test_a_kept_runs_label_says_when_its_settings_changed(changes, words):
    config = START.with_changes(momentum=0.5)
    assert label_for(config, TrainConfig(), 300, changes=changes) == words


def test_what_follows_a_change_kept_label_copied_command_and_the_sharpness_limit(lent_window, qtbot):
    """A momentum change midway is named by the kept curve's label and the copied command, and the sharpness plot's
    stability limit 2(1+μ)/η follows the new μ."""
    window = lent_window
    _trained(window, qtbot, epochs=20)
    sharpness = window.flow.sharpness
    qtbot.waitUntil(lambda: sharpness.limit[1].size > 0, timeout=TIMEOUT_MS)
    assert sharpness.limit[1][-1] == pytest.approx(2 * 1.9 / 0.02)
    window.session.set_settings(momentum=0.5)
    qtbot.waitUntil(lambda: window.session.config.momentum == 0.5, timeout=TIMEOUT_MS)
    assert sharpness.limit[1][-1] == pytest.approx(2 * 1.5 / 0.02)
    assert sharpness.limit[1][0] == pytest.approx(2 * 1.9 / 0.02)  # a step at the change, not one line for the run
    assert sharpness.limit[0].tolist() == [0, 20, 20, 20]
    kept = window.explorer.keep_current_run()
    assert "momentum 0.9 → 0.5 at 20" in kept.label
    assert "momentum 0.9 → 0.5 at 20" in window.files.command_line()


def test_a_bad_value_entered_says_why_in_the_status_bar_too(lent_window, qtbot):
    """The field's own message may be scrolled out of view under More settings: Enter puts it in the status bar."""
    window = lent_window
    from PySide6.QtCore import Qt

    edit = window.form.edits["beta1"]
    edit.setText("1")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    message = window.statusBar().currentMessage()
    assert message.startswith("beta1 must be at least 0 and below 1") and message.endswith("got 1")
