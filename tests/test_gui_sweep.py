"""Sweeps: typed values become validated configs or a message naming what is wrong; the dialog says why."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from mlp_gui.core import ConfigError, TrainConfig  # noqa: E402
from mlp_gui.gui.sweep_dialog import SweepDialog  # noqa: E402
from mlp_gui.gui.sweep_plan import canonical_setting, parse_sweep, plan_sweep  # noqa: E402

BASE = TrainConfig()


def test_stepsize_sweep_changes_only_the_stepsize():
    plan = parse_sweep("stepsize: 0.01, 0.1, 1", BASE)
    assert plan.setting == "stepsize" and plan.values == (0.01, 0.1, 1.0)
    assert [c.stepsize for c in plan.configs] == [0.01, 0.1, 1.0]
    assert all(c.with_changes(stepsize=0.1) == BASE for c in plan.configs)
    assert plan.labels() == ["stepsize=0.01", "stepsize=0.1", "stepsize=1"]
    assert len(plan) == 3 and plan.total_epochs == 300_000


@pytest.mark.parametrize(
    "text, attribute, expected",
    [
        ("seed: 1, 2, 3", "seed", [1, 2, 3]),
        ("layers: 3,4,2; 3,8,8,2", "layers", [(3, 4, 2), (3, 8, 8, 2)]),
        ("batch size: 5, 20", "batch_size", [5, 20]),
        ("Batch-Size: 5; 20", "batch_size", [5, 20]),
        ("epochs: 1e3, 10_000", "epochs", [1000, 10_000]),
        ("lr: 0.5, 2", "stepsize", [0.5, 2.0]),
        ("stepsize: 0.1, 1,", "stepsize", [0.1, 1.0]),  # a trailing comma is forgiven
    ],
)
def test_every_setting_can_be_swept(text, attribute, expected):
    assert [getattr(c, attribute) for c in parse_sweep(text, BASE).configs] == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("stepsize 0.1, 1", "write the setting, a colon and the values, e.g. stepsize: 0.01, 0.1, 1"),
        (": 0.1, 1", "write the setting, a colon"),
        ("colour: 1, 2", "cannot sweep 'colour': choose one of seed, layers, batch size, stepsize, epochs"),
        ("stepsize: 0.1", "a sweep needs at least 2 values of stepsize, e.g. 0.01, 0.1, 1"),
        ("layers: 3,4,2, 3,8,2", "at least 2 values of layers (separate layer lists with ;)"),
        ("stepsize: 0.1, fast", "value 2 of 2 ('fast'): stepsize must be a number, got 'fast'"),
        ("stepsize: 0.1, -1", "value 2 of 2 ('-1'): stepsize must be positive, got -1"),
        ("stepsize: 0.1, inf", "stepsize must be a finite number"),
        ("stepsize: 0.1, 1e-1", "stepsize 0.1 appears twice"),
        ("batch size: 5, 0", "value 2 of 2 ('0'): batch size must be at least 1, got 0"),
        ("seed: 1, -1", "seed must be between 0 and 4294967295, got -1"),
        ("epochs: 10, 2.5", "value 2 of 2 ('2.5'): epochs must be a whole number, got '2.5'"),
        ("layers: 3,4,2; 3,a,2", "value 2 of 2 ('3,a,2'): layers: size 2 is 'a', not a whole number"),
        ("layers: 3,4,2; 3", "layers needs at least two sizes"),
        ("layers: 3,4,2; 3,100000,100000,2", "layers 3,100000,100000,2: this run needs about"),
        ("seed: " + ", ".join(str(i) for i in range(13)), "a sweep runs at most 12 values, got 13"),
    ],
)
def test_bad_sweeps_say_what_is_wrong(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_sweep(text, BASE)
    assert message in str(caught.value)


def test_setting_names_people_type():
    assert [canonical_setting(n) for n in ("Seed", " layers ", "batch size", "batch", "step size", "Epochs")] == [
        "seed", "layers", "batch_size", "batch_size", "stepsize", "epochs"]


def test_plan_keeps_the_base_settings():
    base = TrainConfig(seed=7, layers=(3, 5, 2), batch_size=8, stepsize=0.3, epochs=500)
    plan = plan_sweep(base, "seed", "1, 2")
    assert [c.with_changes(seed=7) for c in plan.configs] == [base, base]


# ---------------------------------------------------------------- the dialog


@pytest.fixture
def dialog(qtbot):
    widget = SweepDialog(BASE)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_dialog_starts_disabled_with_a_hint(dialog):
    assert dialog.setting() == "stepsize"
    assert not dialog.ok_button.isEnabled()
    assert dialog.reason() == "Type at least two values, e.g. 0.01, 0.1, 1"
    assert dialog.ok_button.toolTip() == dialog.reason()
    assert dialog.values_edit.placeholderText() == "e.g. 0.01, 0.1, 1"
    assert "seed 12345, layers 3,4,4,2, batch size 5, stepsize 0.1, epochs 100000" in dialog.base_label.text()


def test_typing_values_enables_run_sweep(qtbot, dialog):
    qtbot.keyClicks(dialog.values_edit, "0.01, 0.1, 1")
    assert dialog.ok_button.isEnabled() and dialog.reason() == ""
    assert [c.stepsize for c in dialog.configs()] == [0.01, 0.1, 1.0]
    assert dialog.message.text() == "3 runs, 300,000 epochs in all:  stepsize=0.01  ·  stepsize=0.1  ·  stepsize=1"
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.plan().setting == "stepsize"


def test_invalid_values_disable_run_sweep_and_say_why(qtbot, dialog):
    qtbot.keyClicks(dialog.values_edit, "0.01, fast, 1")
    assert not dialog.ok_button.isEnabled() and dialog.plan() is None
    assert dialog.reason() == "Value 2 of 3 ('fast'): stepsize must be a number, got 'fast'"
    assert dialog.message.text() == dialog.reason() == dialog.ok_button.toolTip()
    assert "#b71c1c" in dialog.message.styleSheet()


def test_changing_the_setting_revalidates(qtbot, dialog):
    qtbot.keyClicks(dialog.values_edit, "1, 2, 3")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(dialog.plan_changed, timeout=1000) as blocker:
        dialog.setting_combo.setCurrentIndex(dialog.setting_combo.findData("layers"))
    assert blocker.args == [None]  # "1, 2, 3" is one layer list of three sizes, not three values
    assert not dialog.ok_button.isEnabled()
    assert "separate layer lists with ;" in dialog.reason()
    dialog.values_edit.setText("3,4,2; 3,8,8,2")
    assert [c.layers for c in dialog.configs()] == [(3, 4, 2), (3, 8, 8, 2)]
    dialog.setting_combo.setCurrentIndex(dialog.setting_combo.findData("seed"))
    assert dialog.reason() == "Seed 3 appears twice: each run needs its own value"
    assert not dialog.ok_button.isEnabled()


def test_a_new_base_replans(dialog):
    dialog.values_edit.setText("0.5, 1")
    assert [c.layers for c in dialog.configs()] == [(3, 4, 4, 2)] * 2
    dialog.set_base(BASE.with_changes(layers=(3, 8, 2)))
    assert [c.layers for c in dialog.configs()] == [(3, 8, 2)] * 2
