"""Kept runs: add, hide and remove many, labelled by what differs, followed by the plot."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtWidgets import QListView  # noqa: E402

from mlp_gui.core import LossEnvelope, TrainConfig, Trainer  # noqa: E402
from mlp_gui.gui.compare_runs import (  # noqa: E402
    PALETTE,
    ComparedRunsList,
    ComparedRunsModel,
    KeyRole,
    connect_plot,
    pick_colour,
    settings_label,
)

CURRENT = TrainConfig(epochs=20_000)
SWEEP = [("stepsize", 0.01), ("stepsize", 0.3), ("stepsize", 1.0), ("seed", 1), ("seed", 2),
         ("layers", (3, 8, 8, 2)), ("batch_size", 20), ("epochs", 5_000), ("stepsize", 0.05)]


class FakePlot:
    """Records what a loss plot would show: key -> [label, colour, visible, points]."""

    def __init__(self) -> None:
        self.curves: dict[int, list] = {}

    def add_curve(self, key, x, y, label, colour) -> None:
        self.curves[key] = [label, colour, True, len(x)]

    def remove_curve(self, key) -> None:
        self.curves.pop(key, None)

    def set_curve_visible(self, key, visible) -> None:
        if key in self.curves:
            self.curves[key][2] = visible


def _curve(epochs: int = 2_000, start: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(epochs + 1)
    return x, start * np.exp(-x / 500.0)


@pytest.fixture
def model() -> ComparedRunsModel:
    return ComparedRunsModel(reference=CURRENT)


@pytest.fixture
def listing(qtbot, model):
    widget = ComparedRunsList(model)
    qtbot.addWidget(widget)
    widget.resize(300, 360)
    widget.show()
    return widget


def _keep_sweep(model) -> list:
    runs = []
    for name, value in SWEEP:
        config = CURRENT.with_changes(**{name: value})
        runs.append(model.add_run(config, *_curve(), epochs_trained=config.epochs))
    return runs


def test_nine_runs_labelled_by_what_differs_in_distinct_colours(qtbot, model, listing):
    plot = FakePlot()
    connect_plot(model, plot)
    with qtbot.waitSignals([model.run_added] * len(SWEEP), timeout=1000):
        runs = _keep_sweep(model)
    assert model.rowCount() == len(model) == 9
    assert [r.label for r in runs] == ["stepsize=0.01", "stepsize=0.3", "stepsize=1", "seed=1", "seed=2",
                                       "layers=3,8,8,2", "batch size=20", "epochs=5000", "stepsize=0.05"]
    assert len({r.colour for r in runs}) == 9 and {r.colour for r in runs} == set(PALETTE)
    assert [model.data(model.index(i)) for i in range(9)] == [r.label for r in runs]
    assert sorted(plot.curves) == [r.key for r in runs]
    assert plot.curves[runs[2].key][:3] == ["stepsize=1", runs[2].colour, True]
    assert [listing.rows[r.key].checkbox.text() for r in runs] == [r.label for r in runs]
    assert listing.title.text() == "9 kept runs, faded on the plot"


def test_hide_and_show_one_by_one_from_the_list(qtbot, model, listing):
    plot = FakePlot()
    connect_plot(model, plot)
    runs = _keep_sweep(model)
    for run in runs[::2]:
        with qtbot.waitSignal(model.visibility_changed, timeout=1000) as blocker:
            box = listing.rows[run.key].checkbox
            qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
        assert blocker.args == [run.key, False]
    hidden = {r.key for r in runs[::2]}
    assert {k for k, c in plot.curves.items() if not c[2]} == hidden
    assert {r.key for r in model.runs() if not r.visible} == hidden
    assert model.data(model.index(0), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    model.set_visible(runs[0].key, True)  # from elsewhere (e.g. the plot's legend): the list follows
    assert listing.rows[runs[0].key].checkbox.isChecked() and plot.curves[runs[0].key][2]


def test_remove_one_by_one_and_clear_all(qtbot, model, listing):
    plot = FakePlot()
    connect_plot(model, plot)
    runs = _keep_sweep(model)
    with qtbot.waitSignal(model.run_removed, timeout=1000) as blocker:
        listing.rows[runs[3].key].remove_button.click()
    assert blocker.args == [runs[3].key]
    assert runs[3].key not in plot.curves and runs[3].key not in listing.rows
    assert model.rowCount() == 8 and model.run(runs[3].key) is None
    assert not model.remove_run(runs[3].key)  # already gone
    again = model.add_run(CURRENT.with_changes(seed=9), *_curve())
    assert again.colour == runs[3].colour  # the freed colour is reused first
    with qtbot.waitSignals([model.run_removed] * 9, timeout=1000):
        listing.clear_button.click()
    assert len(model) == 0 and plot.curves == {} and listing.rows == {}
    assert listing.hint.isVisibleTo(listing) and not listing.clear_button.isEnabled()


def test_colours_are_shared_fairly_past_the_palette():
    assert pick_colour([]) == PALETTE[0]
    assert pick_colour(list(PALETTE[:3])) == PALETTE[3]
    assert pick_colour(list(PALETTE) + [PALETTE[0]]) == PALETTE[1]


def test_labels_for_same_settings_stopped_and_diverged_runs(model):
    a = model.add_run(CURRENT, *_curve(), epochs_trained=20_000)
    b = model.add_run(CURRENT, *_curve(), epochs_trained=20_000)
    c = model.add_run(CURRENT, *_curve(7_000), epochs_trained=7_000)
    d = model.add_run(CURRENT.with_changes(stepsize=5.0), *_curve(12), diverged_at=12)
    assert [r.label for r in (a, b, c, d)] == [
        "same settings", "same settings (2)", "same settings (stopped at 7,000)", "stepsize=5 (diverged at 12)"]
    assert c.epochs_trained == 7_000 and "trained 7,000 epochs" in c.tooltip()
    assert settings_label(CURRENT, None) == "kept run"


def test_labels_follow_the_current_run(qtbot, model):
    plot = FakePlot()
    connect_plot(model, plot)
    a = model.add_run(CURRENT.with_changes(stepsize=1.0), *_curve(20_000))
    b = model.add_run(CURRENT, *_curve(20_000))
    with qtbot.waitSignals([model.run_relabelled, model.run_relabelled], timeout=1000):
        model.set_reference(CURRENT.with_changes(stepsize=1.0))
    assert (a.label, b.label) == ("same settings", "stepsize=0.1")
    assert plot.curves[b.key][0] == "stepsize=0.1"


def test_kept_runs_hold_the_decimated_curve_not_the_history(model):
    trainer = Trainer(TrainConfig(epochs=30_000))
    envelope = LossEnvelope(max_buckets=256)
    envelope.extend(trainer.loss_history)
    envelope.extend(trainer.step(30_000))
    run = model.add_envelope(trainer.config, envelope)
    assert run.epochs_trained == 30_000 and run.label == "epochs=30000"
    assert len(run.epochs) <= 4 * 256 < 30_000
    x, y = envelope.xy()
    np.testing.assert_array_equal(run.epochs, x)
    np.testing.assert_array_equal(run.losses, y)
    assert run.final_loss == trainer.loss


def test_the_model_drives_a_plain_list_view(qtbot, model):
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    runs = _keep_sweep(model)
    index = model.index(4)
    assert model.data(index, KeyRole) == runs[4].key
    assert model.data(index, Qt.ItemDataRole.DecorationRole).name().upper() == runs[4].colour.upper()
    assert model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.setData(index, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert not runs[4].visible


def test_wiring_to_the_real_loss_plot(qtbot, model):
    from mlp_gui.gui.loss_plot import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    runs = _keep_sweep(model)
    connect_plot(model, plot)  # runs kept before the wiring are shown too
    model.set_visible(runs[1].key, False)
    assert sorted(plot.extra_keys()) == [r.key for r in runs]
    assert not plot._extra[runs[1].key].isVisible() and plot._extra[runs[2].key].isVisible()
    model.remove_run(runs[0].key)
    assert sorted(plot.extra_keys()) == [r.key for r in runs[1:]]
    model.clear()
    assert plot.extra_keys() == []
