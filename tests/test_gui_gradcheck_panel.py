"""The gradient check panel: real checks on real nets, coloured by the error, never blocking the GUI."""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402

from mlp_gui.core import TrainConfig, Trainer  # noqa: E402
from mlp_gui.core import gradcheck  # noqa: E402
from mlp_gui.core.gradcheck import ArrayCheck  # noqa: E402
from mlp_gui.gui.gradcheck_panel import COLOURS, GradCheckPanel, rating, tiny_note  # noqa: E402
from tests.gui_helpers import shown  # noqa: E402

TIMEOUT_MS = 20_000


@pytest.fixture
def panel(qtbot):
    widget = shown(qtbot, GradCheckPanel(), 1100, 480, exposed=False)
    yield widget
    widget.wait_for_done()


def _check(qtbot, panel) -> list[ArrayCheck]:
    with qtbot.waitSignal(panel.check_finished, timeout=TIMEOUT_MS) as blocker:
        assert panel.check_now()
    return blocker.args[0]


def _row_fill(panel, row: int) -> str:
    return panel.summary.item(row, 0).background().color().name()


def test_default_net_agrees_and_shows_green(qtbot, panel):
    trainer = Trainer(TrainConfig())
    panel.set_trainer(trainer)
    results = _check(qtbot, panel)
    assert [r.name for r in results] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert max(r.rel_error for r in results) < 1e-6
    assert panel.summary.rowCount() == 6
    for row, r in enumerate(results):
        assert panel.summary.item(row, 0).text() == r.name
        assert _row_fill(panel, row) == COLOURS["green"][0]
        assert panel.summary.item(row, 3).text() == f"✓ {r.rel_error:.1e}"
        assert panel.summary.item(row, 2).text() == f"{r.total} of {r.total}"  # small net: every entry
    assert "agrees with finite differences in all 6 arrays" in panel.status.text()
    assert "epoch 0" in panel.status.text()
    assert panel.note.isHidden()


def test_entries_show_backprop_beside_finite_differences(qtbot, panel):
    trainer = Trainer(TrainConfig())
    panel.set_trainer(trainer)
    _check(qtbot, panel)
    panel.summary.selectRow(0)  # W1
    assert panel.entries.rowCount() == 12
    for row in range(12):
        index = np.unravel_index(row, (4, 3))
        assert panel.entries.item(row, 0).text() == f"W1[{index[0]}, {index[1]}]"
        backprop = float(panel.entries.item(row, 1).text())
        numeric = float(panel.entries.item(row, 2).text())
        assert backprop == pytest.approx(trainer.grads[0][index], rel=1e-9)
        assert numeric == pytest.approx(backprop, rel=1e-6)
    assert panel.entries_title.text() == "W1: 12 of 12 entries checked (all)"


def test_a_wrong_gradient_shows_red_and_is_selected(qtbot, panel, monkeypatch):
    real = gradcheck.loss_and_grads

    def w2_one_percent_off(params, x, y):
        loss, grads = real(params, x, y)
        grads[2] = grads[2] * 1.01
        return loss, grads

    monkeypatch.setattr(gradcheck, "loss_and_grads", w2_one_percent_off)
    panel.set_trainer(Trainer(TrainConfig()))
    results = _check(qtbot, panel)
    assert results[2].rel_error == pytest.approx(0.01 / 1.01, rel=1e-3)
    assert _row_fill(panel, 2) == COLOURS["red"][0]
    assert panel.summary.item(2, 3).text().startswith("✗ 9.9e-03")
    assert _row_fill(panel, 0) == COLOURS["green"][0]
    assert panel.summary.selectionModel().selectedRows()[0].row() == 2  # the worst array is opened
    assert "largest relative error 9.9e-03, in W2" in panel.status.text()


def test_ratings():
    assert [rating(e) for e in (0.0, 9.9e-7, 1e-6, 9.9e-4, 1e-3, 0.5, float("nan"))] == [
        "green", "green", "amber", "amber", "red", "red", "red"]


def _fake_check(name: str, gradient: float, rel_error: float) -> ArrayCheck:
    backprop = np.array([gradient, -gradient / 2])
    return ArrayCheck(name=name, backprop=backprop, numeric=backprop * (1 + rel_error), indices=((0,), (1,)),
                      rel_error=rel_error, worst_index=(0,), worst_abs_error=abs(gradient) * rel_error,
                      checked=2, total=2, shape=(2,))


def test_tiny_gradients_near_a_minimum_are_explained(qtbot, panel):
    results = [_fake_check("W1", 3e-10, 2e-5), _fake_check("b1", 1e-3, 1e-12)]
    panel.show_results(results, epoch=200_000, seconds=0.003)
    assert _row_fill(panel, 0) == COLOURS["amber"][0]
    assert panel.note.isVisibleTo(panel)
    assert "W1 up to 3e-10" in panel.note.text()
    assert "b1" not in panel.note.text()  # green: nothing to explain
    assert "not a bug in backprop" in panel.note.text()
    assert panel.status.text().endswith("Near a minimum that is rounding, not a bug: see below.")
    assert tiny_note([_fake_check("W1", 3e-10, 1e-9)]) == ""  # tiny but green: no note


def test_large_net_is_checked_off_the_gui_thread(qtbot, panel):
    """784-256-256-10, batch 128: sampled entries, ~1.5 s, while the GUI thread keeps ticking."""
    cfg = TrainConfig(layers=(784, 256, 256, 10), batch_size=128, epochs=10)
    panel.set_trainer(Trainer(cfg))
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    began = time.perf_counter()
    with qtbot.waitSignal(panel.check_finished, timeout=60_000) as blocker:
        assert panel.check_now()
        assert time.perf_counter() - began < 0.2  # the click returns at once
        assert panel.busy and not panel.check_button.isEnabled() and panel.progress.isVisibleTo(panel)
        assert panel.status.text().startswith("Checking the parameters at epoch 0")
    took = time.perf_counter() - began
    timer.stop()
    results = blocker.args[0]
    assert results[0].checked == 64 and results[0].total == 784 * 256
    assert all(r.rel_error < 1e-6 for r in results)
    assert panel.summary.item(0, 2).text() == "64 of 200,704 (sampled)"
    gaps = np.diff([began] + ticks)
    assert len(ticks) >= took / 0.2, "the GUI thread stalled during the check"
    assert gaps.max() < 0.5
    assert not panel.busy and panel.check_button.isEnabled() and panel.progress.isHidden()


def test_auto_check_when_a_run_halts(qtbot, panel):
    trainer = Trainer(TrainConfig())
    panel.set_run(trainer.x, trainer.y, trainer.snapshot())
    with qtbot.assertNotEmitted(panel.check_started):
        panel.run_halted()  # auto-check is off by default
    panel.auto_check.setChecked(True)
    trainer.step(100)
    panel.set_snapshot(trainer.snapshot())
    with qtbot.waitSignal(panel.check_finished, timeout=TIMEOUT_MS):
        panel.run_halted()
    assert panel.results_epoch == 100
    assert "at epoch 100 " in panel.status.text()


def test_results_say_when_the_run_has_moved_on(qtbot, panel):
    trainer = Trainer(TrainConfig())
    panel.set_trainer(trainer)
    _check(qtbot, panel)
    trainer.step(250)
    panel.set_snapshot(trainer.snapshot())
    assert "the run is now at epoch 250" in panel.status.text()
    _check(qtbot, panel)
    assert "now at epoch" not in panel.status.text()
    assert panel.results_epoch == 250


def test_asking_while_busy_checks_again_afterwards(qtbot, panel):
    trainer = Trainer(TrainConfig(layers=(300, 64, 10), batch_size=32))
    panel.set_trainer(trainer)
    finished = []
    panel.check_finished.connect(finished.append)
    panel.check_now()
    assert panel.check_now()  # while busy: remembered, not started twice at once
    qtbot.waitUntil(lambda: len(finished) == 2 and not panel.busy, timeout=TIMEOUT_MS)


def test_nothing_to_check_yet(qtbot, panel):
    assert not panel.check_now()
    assert "Nothing to check yet" in panel.status.text()


def test_a_new_run_clears_old_results(qtbot, panel):
    trainer = Trainer(TrainConfig())
    panel.set_trainer(trainer)
    _check(qtbot, panel)
    other = Trainer(TrainConfig(seed=7))
    panel.set_run(other.x, other.y, other.snapshot())
    assert panel.summary.rowCount() == 0 and panel.results == []
