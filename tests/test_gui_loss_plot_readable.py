"""The loss plot stays readable in hard cases: a blown-up run (marked where the view clips it, shown in full by Fit,
its red label inside the view), twenty kept runs (a compact legend, distinct colours, the live run on top and
boldest), mini-batch epochs named as such, and pens as bold on a 2x screen."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QRectF

from mlp_gui.core import TrainConfig
from mlp_gui.core.data import batches
from mlp_gui.gui.kept_runs import KEPT_COLOURS, KeptRunsModel
from mlp_gui.gui.loss_plot import LIVE_COLOUR, LossPlot
from mlp_gui.gui.plot_axes import updates_per_epoch
from tests.gui_helpers import shown

GUARD_STOP = np.array([1.06, 4.2e5, 5.81128e11])  # stepsize 1000: the guard stops the run at epoch 2


def view_of(plot):
    return plot.getPlotItem().getViewBox()


def text_rect(item) -> QRectF:
    """Where a pyqtgraph TextItem's text is drawn, in scene pixels."""
    return item.textItem.mapRectToScene(item.textItem.boundingRect())


def inside(inner: QRectF, outer: QRectF, slack: float = 1.0) -> bool:
    return outer.adjusted(-slack, -slack, slack, slack).contains(inner)


# ------------------------------------------------------------ a blown-up run


def test_a_blown_up_live_run_is_marked_at_the_top_and_fit_shows_it(qtbot):
    plot = shown(qtbot, LossPlot(), 420, 600)
    plot.set_planned_epochs(100_000)
    plot.reset(GUARD_STOP[:1])
    plot.append(GUARD_STOP[1:])
    plot.mark_divergence(2)
    plot.curve_data()
    (_, _), (_, top) = view_of(plot).viewRange()
    assert top < 5  # followed: the blow-up takes no decades...
    mark = plot.blowup
    assert mark.arrow.isVisible() and mark.arrow.pos().x() == 2 and mark.arrow.pos().y() == pytest.approx(top)
    assert "5.81e+11" in mark.note.toPlainText() and "Ctrl+F" in mark.note.toPlainText()  # ...but is marked, with its value
    plot.fit()  # Ctrl+F
    assert view_of(plot).viewRange()[1][1] >= np.log10(5.81128e11)
    assert not mark.arrow.isVisible()  # nothing clipped, nothing to mark
    plot.reset(np.array([1.0]))
    assert not plot.show_blowups and not mark.arrow.isVisible()


@pytest.mark.parametrize(("width", "epoch"), [(420, 2), (420, 10), (260, 2), (260, 9)])
def test_the_red_label_is_never_clipped(qtbot, width, epoch):
    plot = shown(qtbot, LossPlot(), width, 600)
    plot.set_planned_epochs(100_000 if width < 300 else 10)
    plot.reset(GUARD_STOP[:1])
    plot.append(np.append(GUARD_STOP[1:], np.full(epoch - 2, 1e12)))
    plot.mark_divergence(epoch)
    plot.curve_data()
    plot.grab()  # a TextItem takes its place in pixels when painted
    view = view_of(plot).sceneBoundingRect()
    label = plot.divergence_line.label
    assert label.isVisible() and " ".join(label.toPlainText().split()) == f"diverged at epoch {epoch:,}"
    assert inside(text_rect(label), view), (text_rect(label), view)
    assert not text_rect(label).intersects(text_rect(plot.blowup.note))  # under the blow-up's note, not over it
    assert inside(text_rect(plot.blowup.note), view)


def test_the_marks_at_the_top_edge_never_cover_one_another(qtbot):
    plot = shown(qtbot, LossPlot(), 420, 600)
    plot.set_planned_epochs(3000)
    plot.reset(GUARD_STOP[:1])
    plot.append(GUARD_STOP[1:])
    plot.mark_divergence(2)
    for key, factor in ((1, 6.0), (2, 30.0)):  # two kept runs that blew up near the live one's blow-up
        blown = 1.06 * factor ** np.arange(12.0)
        plot.add_curve(key, np.arange(12), blown, f"stepsize={key}", "#D55E00")
    plot.mark_stepsize_change(1, 0.5)
    plot.curve_data()
    plot.grab()
    view = view_of(plot).sceneBoundingRect()
    texts = [plot.blowup.note, *(plot.kept_curves[key].note for key in (1, 2)), plot.divergence_line.label,
             plot.stepsize_marks[0].label]
    rects = [text_rect(text) for text in texts]
    for i, rect in enumerate(rects):
        assert inside(rect, view), texts[i]
        for other in rects[i + 1:]:
            assert not rect.intersects(other), (texts[i], rect, other)


# ------------------------------------------------------------ twenty kept runs


def keep_twenty(plot) -> KeptRunsModel:
    model = KeptRunsModel()
    model.added.connect(lambda run: plot.add_curve(run.key, run.epochs, run.losses, run.label, run.colour))
    plot.reset(0.9 * 0.999 ** np.arange(3001))
    for i in range(20):
        model.keep(TrainConfig(), np.arange(3001), (1 + i / 10) * 0.999 ** np.arange(3001),
                   f"stepsize={0.02 + 0.03 * i:.2f} (3,000 ep.)")
    return model


def test_twenty_kept_runs_leave_the_plot_its_room_and_the_live_run_on_top(qtbot):
    plot = shown(qtbot, LossPlot(), 420, 650)
    model = keep_twenty(plot)
    legend = plot.legend
    qtbot.waitUntil(lambda: legend.pos().y() > 0)  # placed by the plot's layout
    assert legend.sceneBoundingRect().height() <= 0.25 * plot.height()
    assert not legend.sceneBoundingRect().intersects(view_of(plot).sceneBoundingRect())
    for sample, label in legend.items[: legend.shown_count]:  # every shown entry inside the widget
        assert sample.isVisible() and label.isVisible()
        assert QRectF(plot.rect()).contains(label.mapRectToScene(label.boundingRect()))
    names = legend.names()
    assert names[0] == "current run" and len(names) == 21
    rest = names[legend.shown_count:]  # more than a quarter of the plot holds: the others are named under "+N more"
    assert rest and legend.columnCount >= 2 and legend.shown_count >= 12
    assert legend.more.isVisible() and legend.more.text.startswith(f"+{len(rest)} more")
    assert all(name in legend.more.toolTip() for name in rest)
    live_pen = plot.curve.opts["pen"]
    assert len(model.runs) == 20
    kept_items = [item for item in plot.getPlotItem().listDataItems() if item.name() and item.name() != "current run"]
    assert len(kept_items) == 20
    for item in kept_items:
        assert plot.curve.zValue() > item.zValue()  # the live run on top
        assert live_pen.widthF() > item.opts["pen"].widthF()  # and boldest
        assert item.opacity() < 1  # kept runs faded


def test_shortened_names_keep_what_tells_same_named_runs_apart(qtbot):
    plot = shown(qtbot, LossPlot(), 420, 650)
    plot.reset(0.9 * 0.999 ** np.arange(301))
    for key in range(12):  # Keep pressed twelve times on one run
        plot.add_curve(key, np.arange(301), 0.9 * 0.999 ** np.arange(301), "stepsize=0.1, layers=3,4,4,2 (300 ep.)", "#009E73")
    legend = plot.legend
    shown_texts = [label.text for _, label in legend.items[: legend.shown_count]]
    assert any("…" in text for text in shown_texts)  # shortened...
    for n, text in enumerate(shown_texts[2:], start=2):
        assert text.endswith(f" #{n}")  # ...but each still told apart
    assert legend.names()[5] == "stepsize=0.1, layers=3,4,4,2 (300 ep.) #5"
    assert legend.items[5][1].toolTip() == legend.names()[5]  # the full name under the mouse


def test_at_least_twelve_kept_runs_get_colours_of_their_own():
    model = KeptRunsModel()
    runs = [model.keep(TrainConfig(), np.arange(2), np.ones(2), f"run {i}") for i in range(15)]
    colours = [run.colour.lower() for run in runs]
    assert len(set(colours)) == 15 and LIVE_COLOUR.lower() not in colours
    model.remove(runs[3].key)
    assert model.keep(TrainConfig(), np.arange(2), np.ones(2), "again").colour == runs[3].colour  # a freed colour is reused
    assert len(KEPT_COLOURS) >= 12


def test_kept_colours_are_far_apart_on_white():
    def lab(colour: str) -> np.ndarray:  # sRGB to CIELAB (D65)
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
        rgb = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
        xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ rgb
        xyz /= np.array([0.95047, 1.0, 1.08883])
        f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
        return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])

    points = [lab(c) for c in [*KEPT_COLOURS, LIVE_COLOUR]]
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(points) for b in points[i + 1:]]
    assert min(gaps) > 20  # CIELAB distance: told apart at a glance


# ------------------------------------------------------------ epochs and updates


def test_the_epoch_axis_says_what_an_epoch_is(qtbot):
    plot = shown(qtbot, LossPlot(), 420, 600)
    assert "one update each" in plot.epoch_axis_title
    plot.set_updates_per_epoch(13)
    assert "13 mini-batch updates each" in plot.epoch_axis_title
    plot.set_updates_per_epoch(1)
    assert "one update each" in plot.epoch_axis_title


@pytest.mark.parametrize(("data", "batch", "samples", "updates"),
                         [("notebook", 5, 5, 1), ("spiral", 0, 240, 1), ("spiral", 16, 240, 15), ("xor", 5, 3, 1),
                          ("spiral", 25, 240, 10), ("spiral", 240, 240, 1)])
def test_updates_per_epoch_are_the_trainers_mini_batches(data, batch, samples, updates):
    config = TrainConfig().with_changes(data=data, batch_size=batch)
    assert updates_per_epoch(config, samples) == updates
    if data != "notebook":
        assert len(batches(samples, batch, 1, 0)) == updates


# ------------------------------------------------------------ HiDPI


def test_the_curves_are_as_bold_on_a_2x_screen():
    script = ("from PySide6.QtWidgets import QApplication\n"
              "app = QApplication([])\n"
              "from mlp_gui.gui.loss_plot import LossPlot, LIVE_WIDTH\n"
              "plot = LossPlot(); plot.resize(400, 500); plot.show(); app.processEvents()\n"
              "print(plot.devicePixelRatioF(), plot.curve.opts['pen'].widthF() / LIVE_WIDTH)\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True)
    dpr, scale = map(float, out.stdout.split()[-2:])
    assert dpr == 2 and scale == 2  # a cosmetic pen's width is in device pixels: twice as many at 2x
