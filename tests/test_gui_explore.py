"""Saved runs in the window, exports, kept and swept runs, the gradient check, the notebook view, memory."""

import csv

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from mlp_gui.core import TrainConfig, Trainer, load_run
from mlp_gui.core.sweep import sweep_runs
from mlp_gui.gui import confirm
from mlp_gui.gui.session import RunState
from tests import notebook_data as nb
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, set_settings, wait_state

# the tests share one window, a fresh run put back after each; those that need a brand-new one make their own
reused_window = window_reuse.reused_window


def train(window, qtbot, **changes):
    configure(window, qtbot, **changes)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED, RunState.DIVERGED)


def test_save_then_reopen_and_resume(reused_window, qtbot, tmp_path):
    train(reused_window, qtbot, epochs=400)
    path = tmp_path / "run.npz"
    reused_window.save_run_to(path)
    saved = load_run(path)
    assert saved.epochs == 400
    np.testing.assert_array_equal(saved.loss, reused_window.session.loss_history())
    reused_window.reset()
    wait_state(reused_window, qtbot, RunState.READY)
    assert reused_window.open_run_from(path)
    qtbot.waitUntil(lambda: reused_window.session.epoch == 400, timeout=TIMEOUT_MS)
    np.testing.assert_array_equal(reused_window.plot.curve_data()[1], saved.loss)
    np.testing.assert_array_equal(reused_window.heatmaps.shown.params[0], saved.params[0])
    set_settings(reused_window, qtbot, epochs=600)  # resume the opened run
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    straight = Trainer.new(TrainConfig())
    straight.step(600)
    np.testing.assert_array_equal(reused_window.session.loss_history(), straight.loss_history)


def test_save_while_running_pauses_and_loses_nothing(reused_window, qtbot, tmp_path):
    configure(reused_window, qtbot, epochs=50_000_000)
    press_start(reused_window, qtbot)
    qtbot.waitUntil(lambda: reused_window.session.epoch > 2000, timeout=TIMEOUT_MS)
    reused_window.save_run_to(tmp_path / "mid.npz")
    qtbot.waitUntil(lambda: (tmp_path / "mid.npz").exists(), timeout=TIMEOUT_MS)
    assert reused_window.session.state is RunState.PAUSED
    assert load_run(tmp_path / "mid.npz").epochs == reused_window.session.epoch


BAD_FILES = {"empty": b"", "not a zip": b"not a zip at all", "truncated zip": b"PK\x03\x04truncated"}


def test_bad_files_leave_the_current_run_intact(reused_window, qtbot, tmp_path):
    """One trained run, each bad file tried on it in turn (each named on its own, so no earlier message can count)."""
    train(reused_window, qtbot, epochs=100)
    before = reused_window.session.loss_history().copy()
    for kind, content in BAD_FILES.items():
        bad = tmp_path / f"bad {kind}.npz"
        bad.write_bytes(content)
        assert not reused_window.open_run_from(bad), kind
        assert bad.name in reused_window.statusBar().currentMessage(), kind
        np.testing.assert_array_equal(reused_window.session.loss_history(), before, err_msg=kind)
        assert reused_window.plot.envelope.count == 101, kind
        box = QApplication.activeModalWidget()  # the message box saying so: closed as a person would, with Esc
        assert box is not None and box.objectName() == "fileError", kind
        qtbot.keyClick(box, Qt.Key.Key_Escape)  # closed, it is gone: no message box piles up in the window
        qtbot.waitUntil(lambda: not reused_window.findChildren(QMessageBox, "fileError"), timeout=TIMEOUT_MS)


def test_export_csv_png_svg(reused_window, qtbot, tmp_path):
    train(reused_window, qtbot, epochs=250)
    reused_window.export_csv(tmp_path / "loss.csv")
    qtbot.waitUntil(lambda: (tmp_path / "loss.csv").exists(), timeout=TIMEOUT_MS)
    with open(tmp_path / "loss.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss"] and len(rows) == 252
    assert [int(r[0]) for r in rows[1:]] == list(range(251))
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], reused_window.session.loss_history())
    reused_window.export_plot(tmp_path / "loss.png")
    reused_window.export_plot(tmp_path / "loss.svg")
    assert not QImage(str(tmp_path / "loss.png")).isNull()
    assert "<svg" in (tmp_path / "loss.svg").read_text()[:2000]


def test_two_kept_runs_and_a_live_one(reused_window, qtbot, monkeypatch):
    train(reused_window, qtbot, epochs=300)
    first = reused_window.explorer.keep_current_run()
    monkeypatch.setattr(confirm, "stepsize", lambda *args, **kw: False)  # "Start a new run"
    set_settings(reused_window, qtbot, stepsize=1)  # the new run starts at once
    qtbot.waitUntil(lambda: reused_window.session.config.stepsize == 1 and reused_window.session.state is RunState.FINISHED, timeout=20_000)
    assert reused_window.session.epoch == 300
    second = reused_window.explorer.keep_current_run()
    assert second.label.startswith("stepsize=1")
    assert set(reused_window.plot.extra_keys()) == {first.key, second.key}
    reused_window.explorer.kept.set_visible(first.key, False)
    assert not reused_window.plot.kept_curves[first.key].visible
    reused_window.explorer.kept.remove(second.key)
    assert reused_window.plot.extra_keys() == [first.key]
    assert reused_window.explorer.kept_list.list.count() == 1


def test_eight_kept_runs(reused_window, qtbot):
    train(reused_window, qtbot, epochs=50)
    keys = [reused_window.explorer.keep_current_run().key for _ in range(9)]
    assert len(set(keys)) == 9 and len(reused_window.plot.extra_keys()) == 9


def test_sweep_overlays_one_curve_per_value(reused_window, qtbot):
    runs = sweep_runs(TrainConfig(), 2000, "stepsize", "0.01, 0.1, 1")
    with qtbot.waitSignal(reused_window.explorer.sweeps.finished, timeout=TIMEOUT_MS):
        assert reused_window.explorer.sweeps.start(runs)
    kept = list(reused_window.explorer.kept.runs.values())
    assert len(kept) == 3 and len(reused_window.plot.extra_keys()) == 3
    for run, value in zip(kept, ("0.01", "0.1", "1")):
        assert run.label.startswith(f"stepsize={value}")
    alone = Trainer.new(runs[2].config)
    alone.step(2000)
    np.testing.assert_array_equal(kept[2].losses, alone.loss_history)  # short runs are kept exactly


def test_gradient_check_tab_is_green_on_the_default_net(reused_window, qtbot):
    pane = reused_window.view("gradcheck")
    with qtbot.waitSignal(pane.check_finished, timeout=TIMEOUT_MS) as blocker:
        reused_window.tabs.setCurrentWidget(pane)
    results = blocker.args[0]
    assert [r.name for r in results] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert all(r.rel_error < 1e-6 for r in results)
    assert pane.summary.rowCount() == 6
    assert "agrees with finite differences in all 6 arrays" in pane.status.text()


def test_notebook_view_reads_as_the_notebook(reused_window, qtbot, notebook_trained):
    text = reused_window.view("notebook").plain_text()
    assert text.startswith(nb.INITIAL_REPORT.rstrip("\n"))
    train(reused_window, qtbot, epochs=20_002)
    lines = reused_window.view("notebook").plain_text().splitlines()
    losses = [line for line in lines if line.startswith("Loss after")]
    assert [int(line.split()[2]) for line in losses] == [1, 2, 3, 10001, 20001, 20002]
    for line in losses:  # the notebook's own run (trained headless, once per session) at each printed epoch
        epoch, value = int(line.split()[2]), float(line.split(": ")[1])
        assert value == notebook_trained.loss_history[epoch]
    assert "Optimize NN using Backpropagation:" in lines and f"Loss Start: {nb.INITIAL_LOSS} " in lines


def test_settings_survive_a_restart(qtbot, isolated_settings):
    from mlp_gui.gui.window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.form.set_field("stepsize", "0.5")
    first.form.set_field("layers", "3,8,2")
    first.splitter.setSizes([700, 300])
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.form.config() == TrainConfig(stepsize=0.5, layers=(3, 8, 2))
    second.restore_defaults()
    assert second.form.config() == TrainConfig()
    second.close()


def test_garbage_in_remembered_settings_falls_back_field_by_field(qtbot, isolated_settings):
    from mlp_gui.gui import remembered
    from mlp_gui.gui.window import MainWindow

    settings = remembered.store()
    settings.setValue("settings/stepsize", "fast")
    settings.setValue("settings/layers", "3,8,2")
    settings.setValue("window/geometry", "not bytes")
    settings.sync()
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.form.config() == TrainConfig(layers=(3, 8, 2))
    win.close()


def test_keep_needs_a_trained_curve(reused_window):
    reused_window.keep_run()
    assert "Train some epochs first" in reused_window.statusBar().currentMessage()
    assert reused_window.plot.extra_keys() == []


def test_keyboard_shortcut_keeps_a_run(reused_window, qtbot):
    train(reused_window, qtbot, epochs=20)
    qtbot.keyClick(reused_window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert len(reused_window.plot.extra_keys()) == 1


def test_remembered_stepsize_keeps_every_digit(qtbot, isolated_settings):
    from mlp_gui.gui import remembered

    remembered.save_config(TrainConfig(stepsize=0.123456789))
    assert remembered.load_config().stepsize == 0.123456789


def test_remembered_settings_too_big_for_memory_reset_only_the_culprit(qtbot, isolated_settings):
    from mlp_gui.gui import remembered

    settings = remembered.store()
    settings.setValue("settings/stepsize", "0.5")
    settings.setValue("settings/epochs", str(10**11))  # 800 GB of loss history
    settings.sync()
    assert remembered.load_config() == TrainConfig(stepsize=0.5)


def test_kept_runs_survive_a_restart(qtbot, isolated_settings):
    from mlp_gui.gui.window import MainWindow

    first = MainWindow(TrainConfig(), epochs=200)
    qtbot.addWidget(first)
    first.start_or_pause()
    wait_state(first, qtbot, RunState.FINISHED)
    kept = first.explorer.keep_current_run()
    first.explorer.kept.set_visible(kept.key, False)
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    runs = list(second.explorer.kept.runs.values())
    assert len(runs) == 1 and runs[0].label == kept.label and not runs[0].visible
    np.testing.assert_array_equal(runs[0].losses, kept.losses)
    assert second.explorer.kept_list.list.count() == 1
    second.close()


def test_a_broken_kept_runs_file_is_skipped(qtbot, isolated_settings, caplog):
    from mlp_gui.gui import remembered
    from mlp_gui.gui.window import MainWindow

    path = remembered.kept_runs_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x03\x04 garbage")
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.explorer.kept.runs == {} and "kept runs not restored" in caplog.text
    win.close()
