"""A run file keeps the Epochs it was saved with: ``mlp-gui RUN.npz`` and File ▸ Open both show that target (unless
--epochs is given: then that many more), whatever the Epochs field held before."""

from __future__ import annotations

from dataclasses import replace

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.runfile import load_run, run_from_trainer, save_run
from mlp_gui.gui.app import Launcher
from mlp_gui.launch import LaunchOptions
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, set_settings

# the window's tests share one window, lent in turn (a fresh run put back after each, the window and its controls checked)
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def _saved(tmp_path, planned: int | None):
    trainer = Trainer.new(TrainConfig())
    trainer.step(300)
    path = tmp_path / "run.npz"
    save_run(path, replace(run_from_trainer(trainer), planned_epochs=planned))
    return path


def test_the_plan_a_run_was_saved_with_is_read_back(tmp_path) -> None:
    assert load_run(_saved(tmp_path, 2_000_000)).planned_epochs == 2_000_000
    assert load_run(_saved(tmp_path, None)).planned_epochs is None  # older files: not said


def test_the_window_saves_its_plan_with_the_run(lent_window, qtbot) -> None:
    window = lent_window
    set_settings(window, qtbot, epochs=2_000_000)  # typed in, Return pressed
    qtbot.waitUntil(lambda: window.session.planned_epochs == 2_000_000, timeout=TIMEOUT_MS)
    assert window.session.saved_run().planned_epochs == 2_000_000


def test_the_launcher_and_file_open_both_give_the_saved_target(lent_window, qtbot, tmp_path) -> None:
    window = lent_window
    path = _saved(tmp_path, 2_000_000)
    window.form.set_epochs(100_000)  # the field as a fresh profile has it
    assert Launcher(window, LaunchOptions(run_file=path)).open_file()
    qtbot.waitUntil(lambda: window.session.epoch == 300, timeout=TIMEOUT_MS)
    assert window.session.target_epoch == 2_000_000 and window.form.epochs() == 2_000_000
    window.form.set_epochs(500_000)
    assert window.open_run_from(path)  # File ▸ Open
    qtbot.waitUntil(lambda: window.session.target_epoch == 2_000_000, timeout=TIMEOUT_MS)


def test_epochs_on_the_command_line_add_to_the_opened_run(lent_window, qtbot, tmp_path) -> None:
    window = lent_window
    path = _saved(tmp_path, 2_000_000)
    options = LaunchOptions(run_file=path, epochs=1_000, explicit=frozenset({"epochs"}))
    assert Launcher(window, options).open_file()
    qtbot.waitUntil(lambda: window.session.epoch == 300, timeout=TIMEOUT_MS)
    assert window.session.target_epoch == 1_300
