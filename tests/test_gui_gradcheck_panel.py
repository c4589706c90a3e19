"""The gradient check panel: real checks on real nets, coloured by the error, never blocking the GUI."""

from __future__ import annotations

import logging
import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QThread, QTimer  # noqa: E402

import mlp_gui.gui.gradcheck_panel as panel_module  # noqa: E402
from mlp_gui.core import TrainConfig, Trainer, gradcheck  # noqa: E402
from mlp_gui.core.gradcheck import AMBER_THRESHOLD, PASS_THRESHOLD, ArrayCheck, rating  # noqa: E402
from mlp_gui.core.model import Model  # noqa: E402
from mlp_gui.gui.gradcheck_panel import READY_TEXT, GradCheckPanel  # noqa: E402
from mlp_gui.gui.gradcheck_texts import tiny_note  # noqa: E402
from mlp_gui.gui.palette import ERROR, RATINGS  # noqa: E402

TIMEOUT_MS = 20_000


def _shown(qtbot, widget: GradCheckPanel, width: int, height: int) -> GradCheckPanel:
    """``widget`` shown offscreen at ``width`` x ``height``; its thread is shut down before pytest-qt closes it."""
    qtbot.addWidget(widget, before_close_func=lambda w: w.shutdown())
    widget.resize(width, height)
    widget.show()
    return widget


@pytest.fixture
def panel(qtbot):
    widget = _shown(qtbot, GradCheckPanel(), 1100, 480)
    yield widget
    assert widget.shutdown()


def _load(panel: GradCheckPanel, trainer: Trainer) -> None:
    """What the window does when a run starts: the run's data and its current snapshot."""
    panel.set_run(trainer.x, trainer.y, trainer.snapshot())


def _check(qtbot, panel) -> list[ArrayCheck]:
    with qtbot.waitSignal(panel.check_finished, timeout=TIMEOUT_MS) as blocker:
        assert panel.check_now()
    return blocker.args[0]


def _row_fill(panel, row: int) -> str:
    return panel.summary.item(row, 0).background().color().name()


def _gated_check(monkeypatch) -> threading.Event:
    """Make the panel's checks wait on the returned event (set it to let them finish): no sleeping, no races."""
    gate = threading.Event()
    real = panel_module.gradient_check

    def gated(*args, **kwargs):
        assert gate.wait(TIMEOUT_MS / 1000), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(panel_module, "gradient_check", gated)
    return gate


def test_default_net_agrees_and_shows_green(qtbot, panel):
    trainer = Trainer.new(TrainConfig())
    _load(panel, trainer)
    results = _check(qtbot, panel)
    assert [r.name for r in results] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert max(r.rel_error for r in results) < PASS_THRESHOLD
    assert panel.summary.rowCount() == 6
    for row, r in enumerate(results):
        assert panel.summary.item(row, 0).text() == r.name
        assert _row_fill(panel, row) == RATINGS["green"][0]
        assert panel.summary.item(row, 3).text() == f"✓ {r.rel_error:.1e}"
        assert panel.summary.item(row, 2).text() == f"{r.total} of {r.total}"  # small net: every entry
    assert "agrees with finite differences in all 6 arrays" in panel.status.text()
    assert "epoch 0" in panel.status.text()
    assert panel.note.isHidden()


def test_entries_show_backprop_beside_finite_differences(qtbot, panel):
    trainer = Trainer.new(TrainConfig())
    _load(panel, trainer)
    _check(qtbot, panel)
    panel.summary.selectRow(0)  # W1
    assert panel.entries.rowCount() == 12
    for row in range(12):
        index = np.unravel_index(row, (4, 3))
        assert panel.entries.item(row, 0).text() == f"W1[{index[0]}, {index[1]}]"
        backprop = float(panel.entries.item(row, 1).text())
        numeric = float(panel.entries.item(row, 2).text())
        assert backprop == pytest.approx(trainer.flat_grads[0][index], rel=1e-9)
        assert numeric == pytest.approx(backprop, rel=1e-6)
    assert panel.entries_title.text() == "W1: 12 of 12 entries checked (all)"


def test_a_wrong_gradient_shows_red_and_is_selected(qtbot, panel, monkeypatch):
    real = gradcheck.backprop_grads

    def w2_one_percent_off(model, layers, x, y):
        grads = real(model, layers, x, y)
        grads[2] = grads[2] * 1.01
        return grads

    monkeypatch.setattr(gradcheck, "backprop_grads", w2_one_percent_off)
    _load(panel, Trainer.new(TrainConfig()))
    results = _check(qtbot, panel)
    assert results[2].rel_error == pytest.approx(0.01 / 1.01, rel=1e-3)
    assert _row_fill(panel, 2) == RATINGS["red"][0]
    assert panel.summary.item(2, 3).text().startswith("✗ 9.9e-03")
    assert _row_fill(panel, 0) == RATINGS["green"][0]
    assert panel.summary.selectionModel().selectedRows()[0].row() == 2  # the worst array is opened
    assert "largest relative error 9.9e-03, in W2" in panel.status.text()


def _fake_check(name: str, gradient: float, rel_error: float) -> ArrayCheck:
    backprop = np.array([gradient, -gradient / 2])
    return ArrayCheck(name=name, backprop=backprop, numeric=backprop * (1 + rel_error), indices=((0,), (1,)),
                      rel_error=rel_error, worst_index=(0,), worst_abs_error=abs(gradient) * rel_error,
                      checked=2, total=2, shape=(2,))


def test_rows_are_coloured_by_the_cores_thresholds(qtbot, panel):
    errors = [0.0, PASS_THRESHOLD * 0.99, PASS_THRESHOLD, AMBER_THRESHOLD * 0.99, AMBER_THRESHOLD, 0.5, float("nan")]
    expected = ["green", "green", "amber", "amber", "red", "red", "red"]
    assert [rating(e) for e in errors] == expected
    panel.show_results([_fake_check(f"W{i + 1}", 1.0, e) for i, e in enumerate(errors)])
    assert [_row_fill(panel, row) for row in range(len(errors))] == [RATINGS[grade][0] for grade in expected]
    assert "below 1e-6 is green, below 1e-3 amber" in panel.explanation.text()  # the core's constants, formatted


def test_tiny_gradients_near_a_minimum_are_explained(qtbot, panel):
    results = [_fake_check("W1", 3e-10, 2e-5), _fake_check("b1", 1e-3, 1e-12)]
    panel.show_results(results, epoch=200_000, seconds=0.003)
    assert _row_fill(panel, 0) == RATINGS["amber"][0]
    assert panel.note.isVisibleTo(panel)
    assert "W1 up to 3e-10" in panel.note.text()
    assert "b1" not in panel.note.text()  # green: nothing to explain
    assert "not a bug in backprop" in panel.note.text()
    assert panel.status.text().endswith("Near a minimum that is rounding, not a bug: see below.")
    assert tiny_note([_fake_check("W1", 3e-10, 1e-9)]) == ""  # tiny but green: no note


def test_large_net_is_checked_off_the_gui_thread(qtbot, panel):
    """784-256-256-10: sampled entries (64 of W1's 200,704), while the GUI thread keeps handling events. A batch of 32
    (a few tenths of a second, many 20 ms ticks): a batch of 128 costs some 8 times that and checks nothing more."""
    cfg = TrainConfig(layers=(784, 256, 256, 10), batch_size=32)
    _load(panel, Trainer.new(cfg))
    ticks_while_busy = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: panel.busy and ticks_while_busy.append(1))
    timer.start()
    with qtbot.waitSignal(panel.check_finished, timeout=60_000) as blocker:
        assert panel.check_now()  # returns before the check is done: the panel is still busy
        assert panel.busy and not panel.check_button.isEnabled() and panel.progress.isVisibleTo(panel)
        assert panel.status.text().startswith("Checking the parameters at epoch 0")
    timer.stop()
    results = blocker.args[0]
    assert results[0].checked == 64 and results[0].total == 784 * 256
    assert all(r.rel_error < PASS_THRESHOLD for r in results)
    assert panel.summary.item(0, 2).text() == "64 of 200,704 (sampled)"
    assert ticks_while_busy, "the GUI thread handled no timer event while the check ran"
    assert not panel.busy and panel.check_button.isEnabled() and panel.progress.isHidden()


def test_the_check_runs_on_the_panels_worker_thread(qtbot, panel, monkeypatch):
    real = panel_module.gradient_check
    seen = []

    def recording(*args, **kwargs):
        seen.append((threading.get_ident(), QThread.currentThread().objectName()))
        return real(*args, **kwargs)

    monkeypatch.setattr(panel_module, "gradient_check", recording)
    _load(panel, Trainer.new(TrainConfig()))
    _check(qtbot, panel)
    _check(qtbot, panel)
    assert len(seen) == 2
    assert seen[0][0] != threading.get_ident()  # never the GUI thread
    assert seen[0] == seen[1]  # one long-lived worker thread, not a thread per check
    assert seen[0][1] == "mlp-gui gradient check"  # the shared helper's thread


def test_a_failing_check_shows_one_line_and_logs_the_traceback(qtbot, panel, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ValueError("shapes (4,3) and (2,5) not aligned\nsecond line of the message")

    monkeypatch.setattr(panel_module, "gradient_check", broken)
    _load(panel, Trainer.new(TrainConfig()))
    with caplog.at_level(logging.ERROR, logger=panel_module.__name__), \
            qtbot.assertNotEmitted(panel.check_finished), \
            qtbot.waitSignal(panel.check_failed, timeout=TIMEOUT_MS) as blocker:
        assert panel.check_now()
    assert blocker.args == ["ValueError: shapes (4,3) and (2,5) not aligned"]
    status = panel.status.text()
    assert "ValueError: shapes (4,3) and (2,5) not aligned" in status
    assert "\n" not in status and "second line" not in status
    assert ERROR in panel.status.styleSheet()
    assert not panel.busy and panel.check_button.isEnabled() and panel.progress.isHidden()
    failures = [r for r in caplog.records if r.name == panel_module.__name__ and r.levelno == logging.ERROR]
    assert len(failures) == 1 and failures[0].exc_info is not None
    assert failures[0].exc_info[0] is ValueError and "in broken" in caplog.text  # the traceback is in the log
    monkeypatch.undo()
    _check(qtbot, panel)  # the thread survived the failure
    assert "agrees with finite differences" in panel.status.text() and ERROR not in panel.status.styleSheet()


def test_results_say_when_the_run_has_moved_on(qtbot, panel):
    trainer = Trainer.new(TrainConfig())
    _load(panel, trainer)
    _check(qtbot, panel)
    checked = panel.status.text()
    assert "now at epoch" not in checked
    trainer.step(250)
    panel.set_snapshot(trainer.snapshot())
    assert panel.status.text() == checked + "  ⟶ the run is now at epoch 250: press Check now to check again."
    trainer.step(50)
    panel.set_snapshot(trainer.snapshot())
    assert panel.status.text() == checked + "  ⟶ the run is now at epoch 300: press Check now to check again."
    _check(qtbot, panel)
    assert "now at epoch" not in panel.status.text()
    assert "at epoch 300 " in panel.status.text()
    assert panel.results_epoch == 300


def test_auto_check_when_a_run_halts(qtbot, panel):
    trainer = Trainer.new(TrainConfig())
    _load(panel, trainer)
    with qtbot.assertNotEmitted(panel.check_started):
        panel.run_halted()  # auto-check is off by default
    panel.auto_check.setChecked(True)
    trainer.step(100)
    panel.set_snapshot(trainer.snapshot())
    with qtbot.waitSignal(panel.check_finished, timeout=TIMEOUT_MS):
        panel.run_halted()
    assert panel.results_epoch == 100
    assert "at epoch 100 " in panel.status.text()


def test_asking_while_busy_checks_again_afterwards(qtbot, panel, monkeypatch):
    gate = _gated_check(monkeypatch)
    trainer = Trainer.new(TrainConfig())
    _load(panel, trainer)
    finished, started = [], []
    panel.check_finished.connect(finished.append)
    panel.check_started.connect(lambda: started.append(panel.busy))
    assert panel.check_now()
    trainer.step(10)
    panel.set_snapshot(trainer.snapshot())
    assert panel.check_now()  # while busy: remembered, not started twice at once
    assert panel.check_now()  # asked twice: still only once more
    assert len(started) == 1
    gate.set()
    qtbot.waitUntil(lambda: len(finished) == 2 and not panel.busy, timeout=TIMEOUT_MS)
    assert len(started) == 2
    assert panel.results_epoch == 10  # the second check took the newest parameters


def test_nothing_to_check_yet(qtbot, panel):
    assert not panel.check_now()
    assert "Nothing to check yet" in panel.status.text()


def test_a_new_run_clears_old_results(qtbot, panel):
    trainer = Trainer.new(TrainConfig())
    _load(panel, trainer)
    _check(qtbot, panel)
    other = Trainer.new(TrainConfig(seed=7))
    _load(panel, other)
    assert panel.summary.rowCount() == 0 and panel.results == []
    assert panel.status.text() == READY_TEXT


def test_results_of_the_previous_run_are_ignored(qtbot, panel, monkeypatch):
    gate = _gated_check(monkeypatch)
    _load(panel, Trainer.new(TrainConfig()))
    finished = []
    panel.check_finished.connect(finished.append)
    assert panel.check_now()
    _load(panel, Trainer.new(TrainConfig(seed=7)))  # a new run while the old one is being checked
    gate.set()
    qtbot.waitUntil(lambda: not panel.busy, timeout=TIMEOUT_MS)
    assert finished == [] and panel.results == [] and panel.summary.rowCount() == 0
    assert panel.status.text() == READY_TEXT
    results = _check(qtbot, panel)  # the new run checks normally
    assert panel.results == results and panel.results_epoch == 0


def test_set_model_is_passed_to_the_check(qtbot, panel, monkeypatch):
    real = panel_module.gradient_check
    models = []

    def recording(*args, **kwargs):
        models.append(kwargs.get("model"))
        return real(*args, **kwargs)

    monkeypatch.setattr(panel_module, "gradient_check", recording)
    _load(panel, Trainer.new(TrainConfig()))
    _check(qtbot, panel)
    model = Model((3, 4, 4, 2), activations=("tanh",), output="sigmoid", loss="cross-entropy")
    panel.set_model(model)
    results = _check(qtbot, panel)
    assert models == [None, model]  # None: the notebook's model
    assert all(r.passed for r in results)


def test_shutdown_ends_the_thread_and_later_checks_do_not_crash(qtbot, panel):
    _load(panel, Trainer.new(TrainConfig()))
    _check(qtbot, panel)
    assert panel.thread_running
    assert panel.shutdown(TIMEOUT_MS)
    assert not panel.thread_running
    with qtbot.assertNotEmitted(panel.check_started):
        assert not panel.check_now()
    assert not panel.busy and "shut down" in panel.status.text()
    assert panel.shutdown()  # a second shutdown is harmless


def test_shutdown_while_checking_leaves_the_panel_idle(qtbot, panel):
    _load(panel, Trainer.new(TrainConfig()))
    finished = []
    panel.check_finished.connect(finished.append)
    assert panel.check_now()
    assert panel.shutdown(TIMEOUT_MS)
    assert not panel.busy and panel.check_button.isEnabled() and panel.progress.isHidden()
    QCoreApplication.processEvents()  # a result that arrives after shutdown is ignored
    assert finished == [] and panel.results == []


def _cell_colours(table, row: int, col: int) -> tuple:
    """The colours a table cell's text and background are drawn in: the item's own, else the table's palette's."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPalette

    item = table.item(row, col)
    ink, back = item.foreground(), item.background()
    roles = QPalette.ColorRole
    return (ink.color() if ink.style() != Qt.BrushStyle.NoBrush else table.palette().color(roles.Text),
            back.color() if back.style() != Qt.BrushStyle.NoBrush else table.palette().color(roles.Base))


def test_every_text_is_readable_on_a_dark_desktop(qtbot, panel, monkeypatch):
    """A dark palette (GTK_THEME=Adwaita:dark, Fusion): the table was white on pale green, the grey explanation
    nearly vanished. Every text keeps WCAG AA's 4.5:1 against the background it is drawn on."""
    from mlp_gui.gui.palette import contrast_ratio
    from tests.contrast_checks import dark_desktop, low_contrast

    with dark_desktop():
        panel.show_results([_fake_check("W1", 3e-10, 2e-5), _fake_check("b1", 1.0, 0.0), _fake_check("W2", 1.0, 0.5)],
                           epoch=10, seconds=0.01)
        for table in (panel.summary, panel.entries):
            assert table.rowCount() > 0
            for row in range(table.rowCount()):
                for col in range(table.columnCount()):
                    ink, back = _cell_colours(table, row, col)
                    assert contrast_ratio(ink, back) >= 4.5, (table.item(row, col).text(), ink.name(), back.name())
        assert panel.note.isVisibleTo(panel)
        for label in (panel.explanation, panel.note, panel.status, panel.entries_title):
            assert low_contrast(label) == [], label.text()[:40]

        def broken(*args, **kwargs):
            raise ValueError("no")

        monkeypatch.setattr(panel_module, "gradient_check", broken)
        _load(panel, Trainer.new(TrainConfig()))
        with qtbot.waitSignal(panel.check_failed, timeout=TIMEOUT_MS):
            assert panel.check_now()
        assert "failed" in panel.status.text() and low_contrast(panel.status) == []  # the red line, lightened
