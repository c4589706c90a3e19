"""Counts read right: "1 epoch", "1 layer", "1 sample", never "1 epochs" (every message counts with one helper)."""

from __future__ import annotations

import numpy as np

from mlp_gui.cli import main
from mlp_gui.core import TrainConfig
from mlp_gui.core.csv_data import load_csv
from mlp_gui.core.data import make_dataset
from mlp_gui.core.parse import ConfigError
from mlp_gui.core.run_state import RunState
from mlp_gui.progress import count
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def test_count_says_one_and_many():
    assert [count(n, "epoch") for n in (0, 1, 2, 12_345)] == ["0 epochs", "1 epoch", "2 epochs", "12,345 epochs"]
    assert count(1, "loss", "losses") == "1 loss" and count(3, "loss", "losses") == "3 losses"


def test_the_settings_summary_of_a_one_layer_network(qtbot):
    from mlp_gui.gui.settings_form import SettingsForm

    form = SettingsForm()
    qtbot.addWidget(form)
    form.set_field("layers", "3,1")
    qtbot.waitUntil(lambda: "4 parameters" in form.summary.text(), timeout=TIMEOUT_MS)
    assert "4 parameters in 1 layer<" in form.summary.text()
    form.set_field("layers", "1,1")
    qtbot.waitUntil(lambda: "2 parameters" in form.summary.text(), timeout=TIMEOUT_MS)
    assert "in 1 layer<" in form.summary.text()


def test_the_weight_panel_counts_one_sample():
    from mlp_gui.gui.weight_panel import pulls

    assert pulls(np.array([0.1, -0.3])).startswith("1 sample pushes it down, 1 up;")
    assert pulls(np.array([0.1, 0.2, -0.3])).startswith("2 samples push it down, 1 up;")


def test_a_small_data_set_says_one_test_sample():
    data = make_dataset("sine", (1, 4, 1), 4, 0.1, 0.2, np.random.RandomState(1))
    assert "3 training samples and 1 test sample" in data.description


def test_a_one_input_csv_says_one_input(tmp_path):
    path = tmp_path / "line.csv"
    path.write_text("x,y\n" + "".join(f"{i},{2 * i}\n" for i in range(10)))
    data = load_csv(TrainConfig(data=str(path), layers=(1, 4, 1), test_fraction="0.2"), np.random.RandomState(1))
    assert "10 rows, 1 input, regression" in data.description
    try:
        load_csv(TrainConfig(data=str(path), layers=(2, 4, 1), test_fraction="0.2"), np.random.RandomState(1))
    except ConfigError as exc:
        assert "has 1 input and needs 1 output;" in str(exc)
    else:
        raise AssertionError("a network with 2 inputs was accepted for a 1-input file")


def test_the_cli_summary_of_one_epoch(capsys):
    assert main(["train", "--epochs", "1", "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith("mlp-gui train: 1 epoch in ")


def test_the_window_after_one_epoch(lent_window, qtbot):
    lent_window.session.new_run(TrainConfig(), 1)
    lent_window.start_or_pause()
    qtbot.waitUntil(lambda: lent_window.session.state is RunState.FINISHED, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: lent_window.statusBar().currentMessage().startswith("Finished: "), timeout=TIMEOUT_MS)
    assert lent_window.statusBar().currentMessage().startswith("Finished: 1 epoch,")
    assert lent_window.run_panel.progress.format() == "1 / 1 epoch"


def test_the_progress_text_past_a_lowered_plan_says_so():
    from mlp_gui.gui.run_panel import progress_text

    assert progress_text(1_200, 20_000) == "1,200 / 20,000 epochs"
    assert progress_text(100_000, 20_000) == "100,000 epochs (plan: 20,000)"
    assert progress_text(1, 0) == "1 epoch (plan: 0)"
