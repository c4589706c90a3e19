"""Saved runs in the window, exports, kept and swept runs, the gradient check, the notebook view, memory."""

import csv

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from mlp_gui.core import TrainConfig, Trainer, load_run
from mlp_gui.core.sweep import sweep_runs
from mlp_gui.gui import confirm
from mlp_gui.gui.session import RunState
from tests import notebook_data as nb
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, set_settings, wait_state

# the tests that only set fields and read the window share one (put back after each); those that train have their own
module_window, reused_window = window_reuse.module_window, window_reuse.reused_window


def train(window, qtbot, **changes):
    configure(window, qtbot, **changes)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED, RunState.DIVERGED)


def test_save_then_reopen_and_resume(window, qtbot, tmp_path):
    train(window, qtbot, epochs=400)
    path = tmp_path / "run.npz"
    window.save_run_to(path)
    saved = load_run(path)
    assert saved.epochs == 400
    np.testing.assert_array_equal(saved.loss, window.session.loss_history())
    window.reset()
    wait_state(window, qtbot, RunState.READY)
    assert window.open_run_from(path)
    qtbot.waitUntil(lambda: window.session.epoch == 400, timeout=TIMEOUT_MS)
    np.testing.assert_array_equal(window.plot.curve_data()[1], saved.loss)
    np.testing.assert_array_equal(window.heatmaps.shown.params[0], saved.params[0])
    set_settings(window, qtbot, epochs=600)  # resume the opened run
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    straight = Trainer.new(TrainConfig())
    straight.step(600)
    np.testing.assert_array_equal(window.session.loss_history(), straight.loss_history)


def test_save_while_running_pauses_and_loses_nothing(window, qtbot, tmp_path):
    configure(window, qtbot, epochs=50_000_000)
    press_start(window, qtbot)
    qtbot.waitUntil(lambda: window.session.epoch > 2000, timeout=TIMEOUT_MS)
    window.save_run_to(tmp_path / "mid.npz")
    qtbot.waitUntil(lambda: (tmp_path / "mid.npz").exists(), timeout=TIMEOUT_MS)
    assert window.session.state is RunState.PAUSED
    assert load_run(tmp_path / "mid.npz").epochs == window.session.epoch


BAD_FILES = {"empty": b"", "not a zip": b"not a zip at all", "truncated zip": b"PK\x03\x04truncated"}


def test_bad_files_leave_the_current_run_intact(window, qtbot, tmp_path):
    """One trained run, each bad file tried on it in turn (each named on its own, so no earlier message can count)."""
    train(window, qtbot, epochs=100)
    before = window.session.loss_history().copy()
    for kind, content in BAD_FILES.items():
        bad = tmp_path / f"bad {kind}.npz"
        bad.write_bytes(content)
        assert not window.open_run_from(bad), kind
        assert bad.name in window.statusBar().currentMessage(), kind
        np.testing.assert_array_equal(window.session.loss_history(), before, err_msg=kind)
        assert window.plot.envelope.count == 101, kind


def test_export_csv_png_svg(window, qtbot, tmp_path):
    train(window, qtbot, epochs=250)
    window.export_csv(tmp_path / "loss.csv")
    qtbot.waitUntil(lambda: (tmp_path / "loss.csv").exists(), timeout=TIMEOUT_MS)
    with open(tmp_path / "loss.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss"] and len(rows) == 252
    assert [int(r[0]) for r in rows[1:]] == list(range(251))
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], window.session.loss_history())
    window.export_plot(tmp_path / "loss.png")
    window.export_plot(tmp_path / "loss.svg")
    assert not QImage(str(tmp_path / "loss.png")).isNull()
    assert "<svg" in (tmp_path / "loss.svg").read_text()[:2000]


def test_two_kept_runs_and_a_live_one(window, qtbot, monkeypatch):
    train(window, qtbot, epochs=300)
    first = window.explorer.keep_current_run()
    monkeypatch.setattr(confirm, "stepsize", lambda *args, **kw: False)  # "Start a new run"
    set_settings(window, qtbot, stepsize=1)  # the new run starts at once
    qtbot.waitUntil(lambda: window.session.config.stepsize == 1 and window.session.state is RunState.FINISHED, timeout=20_000)
    assert window.session.epoch == 300
    second = window.explorer.keep_current_run()
    assert second.label.startswith("stepsize=1")
    assert set(window.plot.extra_keys()) == {first.key, second.key}
    window.explorer.kept.set_visible(first.key, False)
    assert not window.plot.kept_curves[first.key].visible
    window.explorer.kept.remove(second.key)
    assert window.plot.extra_keys() == [first.key]
    assert window.explorer.kept_list.list.count() == 1


def test_eight_kept_runs(window, qtbot):
    train(window, qtbot, epochs=50)
    keys = [window.explorer.keep_current_run().key for _ in range(9)]
    assert len(set(keys)) == 9 and len(window.plot.extra_keys()) == 9


def test_sweep_overlays_one_curve_per_value(window, qtbot):
    runs = sweep_runs(TrainConfig(), 2000, "stepsize", "0.01, 0.1, 1")
    with qtbot.waitSignal(window.explorer.sweeps.finished, timeout=TIMEOUT_MS):
        assert window.explorer.sweeps.start(runs)
    kept = list(window.explorer.kept.runs.values())
    assert len(kept) == 3 and len(window.plot.extra_keys()) == 3
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


def test_notebook_view_reads_as_the_notebook(window, qtbot, notebook_trained):
    text = window.view("notebook").plain_text()
    assert text.startswith(nb.INITIAL_REPORT.rstrip("\n"))
    train(window, qtbot, epochs=20_002)
    lines = window.view("notebook").plain_text().splitlines()
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


def test_keyboard_shortcut_keeps_a_run(window, qtbot):
    train(window, qtbot, epochs=20)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert len(window.plot.extra_keys()) == 1


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
