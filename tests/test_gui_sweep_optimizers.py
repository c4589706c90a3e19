"""The Sweep dialog compares optimizers (and the penalty, the optimizer's numbers, the decay) in one sweep; each
curve kept on the plot is labelled by the optimizer it trained with."""

import pytest

from mlp_gui.core import TrainConfig
from mlp_gui.core.sweep import run_sweep
from mlp_gui.gui.sweep import SweepDialog
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

BASE = TrainConfig(data="xor", layers=(2, 4, 1), output="sigmoid", loss="cross-entropy", samples=40, stepsize=0.05)


def _dialog(qtbot, setting: str, values: str | None = None) -> SweepDialog:
    dialog = SweepDialog(BASE, 60)
    qtbot.addWidget(dialog)
    dialog.setting.setCurrentIndex(dialog.setting.findData(setting))
    if values is not None:
        dialog.values.setText(values)
    return dialog


@pytest.mark.parametrize("setting", ["optimizer", "momentum", "rho", "beta1", "beta2", "eps", "l1", "l2", "decay_every",
                                     "decay_factor"])
def test_the_dialog_offers_the_new_settings_with_valid_examples(qtbot, setting):
    dialog = _dialog(qtbot, setting)
    assert dialog.setting.currentData() == setting
    assert len(dialog.runs) >= 2 and "⚠" not in dialog.message.text(), dialog.message.text()


def test_an_optimizer_sweep_keeps_three_curves_labelled_by_optimizer(lent_window, qtbot):
    dialog = _dialog(qtbot, "optimizer", "gd, momentum, adam")
    assert [r.config.optimizer for r in dialog.runs] == ["gd", "momentum", "adam"]
    assert dialog.message.text().startswith("3 runs of up to 60 epochs")
    with qtbot.waitSignal(lent_window.explorer.sweeps.finished, timeout=TIMEOUT_MS):
        assert lent_window.explorer.sweeps.start(dialog.runs)
    labels = [run.label for run in lent_window.explorer.kept.runs.values()]
    assert labels == ["optimizer=gd (60 ep.)", "optimizer=momentum (60 ep.)", "optimizer=adam (60 ep.)"]
    kept = list(lent_window.explorer.kept.runs.values())
    alone = run_sweep(dialog.runs[1:2], lambda: False, lambda _f: None)[0].losses
    assert kept[1].losses[-1] == alone[-1]  # the momentum curve is the momentum run's own


def test_a_bad_l2_value_is_named_in_the_dialog(qtbot):
    dialog = _dialog(qtbot, "l2", "0, -1")
    assert dialog.runs == [] and "⚠" in dialog.message.text() and "-1" in dialog.message.text()
