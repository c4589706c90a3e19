"""The loss plot on its own: extreme values, divergence, ten million epochs, kept curves, a frugal view, the legend,
hover read-out, smoothing, stepsize marks, its context menu, tick labels and exported images."""

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QContextMenuEvent, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from mlp_gui.gui.exports import write_plot_image
from mlp_gui.gui.loss_plot import LIVE_COLOUR, MAX_POINTS, LossPlot
from mlp_gui.gui.plot_axes import format_epoch, format_power
from mlp_gui.gui.run_files import clip_polyline
from tests.gui_helpers import shown


@pytest.fixture
def plot(qtbot):
    return shown(qtbot, LossPlot(), 500, 600)


def test_tiny_zero_inf_and_nan_losses_are_handled(plot, qtbot):
    plot.set_planned_epochs(10)
    plot.reset(np.array([1.0]))
    plot.append(np.array([1e-8, 1e-16, 5e-324, 0.0, 1e-300]))
    plot.append(np.array([np.inf, np.nan]))
    x, y = plot.curve_data()
    np.testing.assert_array_equal(x, [0, 1, 2, 3, 5])  # 0 has no place on a log axis
    np.testing.assert_array_equal(y, [1.0, 1e-8, 1e-16, 5e-324, 1e-300])
    assert plot.divergence_line.isVisible() and plot.divergence_line.value() == 6
    assert "diverged at epoch 6" in plot.divergence_line.label.format
    (_, _), (lo, hi) = plot.getPlotItem().getViewBox().viewRange()
    assert lo <= -300 and hi >= 0  # down to what a float's log axis can show (about 1e-307)
    plot.grab()  # paints without raising


def test_ten_million_epochs_stay_a_few_thousand_points(plot):
    plot.set_planned_epochs(10_000_000)
    plot.reset(np.array([1.0]))
    epochs = np.arange(1, 1_000_001)
    for chunk in range(10):
        plot.append(np.exp(-(epochs + chunk * 1_000_000) / 1e6))
    x, y = plot.curve_data()
    assert plot.envelope.count == 10_000_001
    assert len(x) <= MAX_POINTS
    assert x[-1] == 10_000_000 and y[-1] == pytest.approx(np.exp(-10.0))
    assert plot.getPlotItem().getViewBox().viewRange()[0][1] >= 10_000_000


def test_the_view_moves_in_coarse_steps(plot):
    plot.set_planned_epochs(100_000)
    plot.reset(np.array([1.0]))
    ranges = set()
    for start in range(0, 100_000, 1000):
        plot.append(np.full(1000, 0.5 * 0.9998 ** start))
        plot.curve_data()  # drawn now, not when the redraw's turn comes
        ranges.add(tuple(map(tuple, plot.getPlotItem().getViewBox().viewRange())))
    assert len(ranges) <= 12  # a hundred updates, a handful of axis changes
    assert plot.getPlotItem().getViewBox().viewRange()[0][1] == pytest.approx(100_000, rel=0.05)


def test_kept_curves_come_and_go(plot):
    plot.reset(np.array([1.0, 0.5]))
    plot.add_curve("a", np.arange(3), np.array([2.0, 1.0, 1e-3]), "stepsize=1", "#E69F00")
    assert plot.extra_keys() == ["a"]
    assert plot.getPlotItem().getViewBox().viewRange()[1][0] <= -3
    plot.set_curve_visible("a", False)
    plot.remove_curve("a")
    plot.remove_curve("never added")
    assert plot.extra_keys() == []
    assert [item.text for _, item in plot.legend.items] == ["current run"]


def test_axis_labels():
    assert [format_epoch(v) for v in (0, 900, 5000, 20_000, 1_500_000)] == ["0", "900", "5000", "20k", "1.5M"]


# ------------------------------------------------------------ a diverged run does not ruin the plot


def climbing(start: float = 1.06, factor: float = 6.0, epochs: int = 420) -> np.ndarray:
    """A run that blows up as a stepsize-3 run does: a few times worse every epoch up to ~1e300, then inf."""
    losses = start * factor ** np.arange(epochs, dtype=np.float64).clip(max=np.log(1e305) / np.log(factor))
    losses = losses[losses < 1e305]
    return np.append(losses, np.inf)


def test_a_diverged_kept_run_leaves_the_loss_axis_to_the_others(plot):
    plot.set_planned_epochs(1000)
    live = 0.9 * 0.99 ** np.arange(1001)
    plot.reset(live)
    plot.add_curve("ok", np.arange(1001), 1.4 * 0.995 ** np.arange(1001), "stepsize=0.03", "#009E73")
    blown = climbing()
    plot.add_curve("blown", np.arange(len(blown)), blown, "stepsize=3", "#CC79A7")
    largest_finite = np.log10(1.4)
    view_box = plot.getPlotItem().getViewBox()
    (_, _), (lo, hi) = view_box.viewRange()
    assert hi < largest_finite + 5 and lo < np.log10(live.min())
    plot.fit()  # Fit shows the blow-up in full, on request
    assert plot.show_blowups and plot.menu.blowups_action.isChecked()
    assert view_box.viewRange()[1][1] >= np.log10(blown[np.isfinite(blown)].max())
    plot.set_show_blowups(False)  # and unticking it leaves the axis to the others again
    (_, _), (lo, hi) = view_box.viewRange()
    assert hi < largest_finite + 5 and lo < np.log10(live.min()) and not plot.menu.blowups_action.isChecked()
    kept = plot.kept_curves["blown"]
    assert np.nanmax(kept.raw.yData) > 1e300  # the climb is drawn, clipped at the top edge
    assert plot.curve_divergence("blown") == 8 and plot.curve_divergence("ok") is None
    assert kept.arrow.isVisible() and kept.arrow.pos().x() == 8 and kept.arrow.pos().y() == pytest.approx(hi)
    assert kept.note.toPlainText().strip() == "diverged at epoch 8" and "diverged at epoch 8" in kept.arrow.toolTip()
    plot.set_curve_visible("blown", False)
    assert not kept.arrow.isVisible()
    plot.remove_curve("blown")
    assert kept.arrow.scene() is None


def test_the_live_run_diverging_keeps_the_axis_and_its_red_line(plot):
    plot.set_planned_epochs(1000)
    blown = climbing()
    plot.reset(blown[:1])
    plot.append(blown[1:])
    plot.curve_data()
    (_, _), (_, hi) = plot.getPlotItem().getViewBox().viewRange()
    assert hi < 5
    assert plot.divergence_line.isVisible() and plot.divergence_line.value() == len(blown) - 1
    assert plot.divergence_line.label.toPlainText() == f"diverged at epoch {len(blown) - 1}"
    assert f"current run: {blown[100]:.4g}" in plot.readout_at(100)  # the climb reads out as it is drawn
    assert f"current run: diverged at epoch {len(blown) - 1}" in plot.readout_at(len(blown) + 5)


# ------------------------------------------------------------ legend


def test_the_legend_is_below_the_plot_never_over_a_curve(plot, qtbot):
    plot.reset(0.9 * 0.99 ** np.arange(1001))
    for key in range(4):
        plot.add_curve(key, np.arange(1001), 10 ** (-key / 2) * 0.995 ** np.arange(1001), f"stepsize=0.{key} (1,000 ep.)", "#009E73")
    view_box = plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: plot.legend.isVisible() and plot.legend.pos().y() > 0)  # placed by the plot's layout
    legend, view = plot.legend.sceneBoundingRect(), view_box.sceneBoundingRect()
    assert not legend.intersects(view) and legend.top() >= view.bottom()
    for _, label in plot.legend.items:  # every entry's text inside the widget
        text = label.mapRectToScene(QRectF(0, 0, label.preferredWidth(), label.preferredHeight()))
        assert QRectF(plot.rect()).contains(text), label.text
    assert plot.legend.columnCount >= 2  # side by side: the plot keeps its height
    plot.set_legend_visible(False)
    qtbot.waitUntil(lambda: view_box.sceneBoundingRect().height() > view.height())  # the plot gets the room
    assert not plot.legend.isVisible() and not plot.legend_visible


def test_identical_kept_runs_are_told_apart(plot):
    plot.reset(np.array([1.0, 0.5]))
    for key in (1, 2, 3):
        plot.add_curve(key, np.arange(3), np.array([2.0, 1.0, 0.5]), "stepsize=1 (2 ep.)", "#009E73")
    labels = [label.text for _, label in plot.legend.items]
    assert labels == ["current run", "stepsize=1 (2 ep.)", "stepsize=1 (2 ep.) #2", "stepsize=1 (2 ep.) #3"]
    styles = [plot.kept_curves[key].raw.opts["pen"].style() for key in (1, 2, 3)]
    assert len(set(styles)) == 3 and styles[0] == Qt.PenStyle.SolidLine


# ------------------------------------------------------------ hover read-out


def test_hover_reads_out_each_visible_run_at_the_epoch_under_the_mouse(qtbot):
    plot = shown(qtbot, LossPlot(hover_ms=1), 500, 600)
    plot.set_planned_epochs(1000)
    live = 0.9 * 0.99 ** np.arange(1001)
    plot.reset(live)
    kept = 1.4 * 0.995 ** np.arange(601)
    plot.add_curve("k", np.arange(601), kept, "stepsize=0.03", "#009E73")
    plot.add_curve("hidden", np.arange(601), kept, "stepsize=9", "#D55E00")
    plot.set_curve_visible("hidden", False)
    text = plot.readout_at(500.6)
    assert text.startswith("epoch 501")
    assert f"current run: {live[500]:.4g}" in text and f"stepsize=0.03: {kept[500]:.4g}" in text
    assert "stepsize=9" not in text
    assert "ended at epoch 600" in plot.readout_at(900)
    blown = climbing()
    plot.add_curve("blown", np.arange(len(blown)), blown, "stepsize=3", "#CC79A7")
    assert "stepsize=3: diverged at epoch 8" in plot.readout_at(300)

    view_box = plot.getPlotItem().getViewBox()
    where = plot.mapFromScene(view_box.mapViewToScene(QPointF(250, np.log10(live[250]))))
    with qtbot.waitSignal(plot.hover_text, timeout=2000) as hovered:
        qtbot.mouseMove(plot.viewport(), where)
    epoch = round(view_box.mapSceneToView(plot.mapToScene(where)).x())
    assert hovered.args[0].startswith(f"epoch {epoch}") and "current run: " in hovered.args[0]
    assert "stepsize=0.03: " in hovered.args[0]
    assert plot.hover.visible and plot.hover.cursor_line.value() == pytest.approx(epoch, abs=1)
    assert "current run" in plot.hover.readout.toPlainText()
    with qtbot.waitSignal(plot.hover_text, timeout=2000) as left:
        plot.hide_hover()
    assert left.args == [""] and not plot.hover.visible


# ------------------------------------------------------------ smoothing, stepsize marks


def test_smoothing_changes_the_drawn_curves_and_off_restores_them(plot):
    rng = np.random.default_rng(1)
    noisy = np.exp(-np.arange(500) / 100) * np.exp(rng.normal(0, 0.5, 500))
    plot.reset(noisy)
    plot.add_curve("k", np.arange(500), noisy * 2, "kept", "#009E73")
    raw_live, raw_kept = plot.shown_data(), plot.shown_data("k")
    plot.set_smoothing(0.9)
    x, y = plot.shown_data()
    np.testing.assert_array_equal(x, raw_live[0])
    assert not np.allclose(y, raw_live[1]) and np.std(np.diff(np.log10(y))) < np.std(np.diff(np.log10(raw_live[1]))) / 3
    assert not np.allclose(plot.shown_data("k")[1], raw_kept[1])
    assert plot.curve.opacity() < 0.5 and plot.smooth_curve.isVisible()  # the raw curve stays, faintly
    np.testing.assert_array_equal(plot.curve_data()[1], noisy)  # what Keep and the tests read stays raw
    plot.set_smoothing(0)
    np.testing.assert_array_equal(plot.shown_data()[1], raw_live[1])
    np.testing.assert_array_equal(plot.shown_data("k")[1], raw_kept[1])
    assert plot.curve.opacity() == 1 and not plot.smooth_curve.isVisible()
    with pytest.raises(ValueError):
        plot.set_smoothing(1.0)


def test_a_stepsize_change_is_marked_until_reset(plot):
    plot.reset(0.9 * 0.99 ** np.arange(101))
    plot.mark_stepsize_change(60, 0.5)
    [line] = plot.stepsize_marks
    assert line.value() == 60 and line.label.toPlainText() == "stepsize 0.5" and line in plot.getPlotItem().items
    assert line.pen.style() == Qt.PenStyle.DotLine
    plot.reset(np.array([1.0]))
    assert plot.stepsize_marks == [] and line not in plot.getPlotItem().items


# ------------------------------------------------------------ context menu


def zoom_in(plot) -> None:
    """One notch of the mouse wheel over the middle of the plot, as a person zooms."""
    centre = plot.viewport().rect().center()
    wheel = QWheelEvent(QPointF(centre), QPointF(plot.viewport().mapToGlobal(centre)), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(plot.viewport(), wheel)


def test_the_context_menu_is_ours(plot, qtbot):
    item = plot.getPlotItem()
    assert not item.menuEnabled() and not item.getViewBox().menuEnabled()
    actions = {action.text(): action for action in plot.menu.actions() if action.text()}
    assert list(actions) == ["Fit", "Show blow-ups in full", "Log scale", "Smoothing", "Show legend", "Export image…"]
    assert [a.text() for a in plot.menu.smoothing_menu.actions()] == ["Off", "0.6", "0.9"]
    plot.reset(0.9 * 0.99 ** np.arange(101))
    item.getViewBox().setRange(yRange=(-1, 0), padding=0)
    zoom_in(plot)  # the person zooms: the plot stops following the data
    assert not plot.following
    actions["Fit"].trigger()
    assert plot.following and item.getViewBox().viewRange()[1][0] < -1
    actions["Log scale"].trigger()
    assert not plot.log_scale and not item.getAxis("left").logMode and item.getViewBox().viewRange()[1][0] <= 0
    actions["Log scale"].trigger()
    assert plot.log_scale and item.getAxis("left").logMode
    plot.menu.smoothing_menu.actions()[2].trigger()
    assert plot.smoothing == 0.9 and plot.menu.smoothing_menu.actions()[2].isChecked()
    actions["Show legend"].trigger()
    assert not plot.legend_visible
    with qtbot.waitSignal(plot.export_requested, timeout=1000):
        actions["Export image…"].trigger()
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.RightButton, pos=plot.viewport().rect().center())
    qtbot.waitUntil(plot.menu.isVisible)
    plot.menu.hide()
    center = plot.rect().center()
    QApplication.sendEvent(plot, QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, center, plot.mapToGlobal(center)))
    qtbot.waitUntil(plot.menu.isVisible)  # the keyboard's menu key too
    plot.menu.hide()


# ------------------------------------------------------------ tick labels


@pytest.mark.parametrize(("lo", "hi"), [(-10.2, 1.2), (-3, 0), (-0.8, -0.1), (-330, 10), (-60, 3)])
def test_log_tick_labels_are_all_powers_of_ten_in_one_style(plot, lo, hi):
    axis = plot.getPlotItem().getAxis("left")
    labelled = []
    for spacing, values in axis.tickValues(lo, hi, 500):
        for value, text in zip(values, axis.tickStrings(values, 1.0, spacing), strict=True):
            if text:
                assert re.fullmatch(r"([2-9]·)?10⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+", text), text
                labelled.append(value)
    assert labelled
    gaps = np.diff(sorted(labelled)) * 500 / (hi - lo)
    assert gaps.min() >= 20  # no crowding ("10¹ 9 8 7 6")
    if hi - lo > 5:
        assert all(float(v).is_integer() for v in labelled)  # decades only when decades are close together
    if hi - lo > 300:
        assert all(v % 10 == 0 for v in labelled)
    assert [format_power(e) for e in (0, -1, 5, -300)] == ["10⁰", "10⁻¹", "10⁵", "10⁻³⁰⁰"]


# ------------------------------------------------------------ export


def test_export_is_a_landscape_1600_by_1000_image_and_the_screen_stays(plot, tmp_path, qtbot):
    plot.reset(0.9 * 0.99 ** np.arange(1001))
    plot.add_curve("k", np.arange(1001), 1.4 * 0.995 ** np.arange(1001), "stepsize=0.03 (1,000 ep.)", "#009E73")
    qtbot.waitUntil(lambda: plot.legend.pos().y() > 0)  # laid out
    before = plot.grab().toImage()
    write_plot_image(tmp_path / "loss.png", plot)
    image = QImage(str(tmp_path / "loss.png"))
    assert (image.width(), image.height()) == (1600, 1000)
    pixels = np.frombuffer(image.convertToFormat(QImage.Format.Format_RGB32).constBits(), np.uint8).reshape(1000, 1600, 4)
    live = np.array([int(LIVE_COLOUR[i:i + 2], 16) for i in (5, 3, 1)])  # B, G, R
    assert (np.abs(pixels[..., :3].astype(int) - live).sum(axis=2) < 60).sum() > 1600  # the live curve, 2 px wide
    write_plot_image(tmp_path / "loss.svg", plot)
    svg = (tmp_path / "loss.svg").read_text()
    width, height = (float(re.search(rf'{side}="([0-9.]+)', svg).group(1)) for side in ("width", "height"))
    assert width / height == pytest.approx(1.6, rel=0.01)  # landscape too
    assert plot.grab().toImage() == before  # drawn at the export's size off screen, then laid out as it was
    QApplication.processEvents()
    assert plot.grab().toImage() == before


@pytest.mark.parametrize("name", ["loss", "loss.jpg"])
def test_export_refuses_names_without_png_or_svg_naming_the_file_once(plot, tmp_path, name):
    path = tmp_path / name
    with pytest.raises(OSError) as raised:
        write_plot_image(path, plot)
    message = str(raised.value)
    assert message.count(str(path)) == 1 and ".png" in message and ".svg" in message
    assert not path.exists()


def test_svg_curves_are_cut_at_the_edges_of_the_view():
    x = np.array([0.0, 1, 2, 3, 4, 5, 6])
    y = np.array([0.0, 0.5, 3.0, 300.0, 0.5, 0.2, 0.1])  # leaves the top (1) between 1 and 2, back between 3 and 4
    xs, ys, connect = clip_polyline(x, y, -1, 10, -1, 1)
    assert np.all(ys <= 1) and np.all(ys >= -1)
    np.testing.assert_allclose(xs, [0, 1, 1.2, 3 + 299 / 299.5, 4, 5, 6])
    np.testing.assert_allclose(ys, [0, 0.5, 1, 1, 0.5, 0.2, 0.1])
    np.testing.assert_array_equal(connect, [True, True, False, True, True, True, False])  # no line along the top edge
    assert [len(a) for a in clip_polyline(x, y + 10, -1, 10, -1, 1)] == [0, 0, 0]
    assert [len(a) for a in clip_polyline(np.array([0.0, 1.0]), np.array([2.0, 2.0]), -1, 10, -1, 1)] == [0, 0, 0]  # flat, above


def test_kept_runs_with_nothing_to_draw_are_harmless(plot):
    plot.add_curve("nan first", np.array([0, 1]), np.array([np.nan, 2.0]), "nan first", "#000000")  # nothing before it
    assert plot.curve_divergence("nan first") == 0
    plot.remove_curve("nan first")
    plot.reset(np.array([1.0, 0.5]))
    plot.add_curve("empty", np.array([], dtype=int), np.array([]), "empty", "#000000")
    plot.add_curve("at once", np.array([0, 1]), np.array([np.inf, np.nan]), "diverged at once", "#D55E00")
    assert plot.curve_divergence("at once") == 0
    (_, _), (lo, hi) = plot.getPlotItem().getViewBox().viewRange()
    assert -3 < lo < hi < 2
    plot.set_smoothing(0.6)
    assert plot.readout_at(1) == "epoch 1 · current run: 0.6484 (raw 0.5) · diverged at once: diverged at epoch 0"
    plot.grab()


def test_a_hidden_plot_does_not_redraw_and_catches_up_when_shown(qtbot):
    plot = shown(qtbot, LossPlot(), 600, 400)
    plot.reset(np.array([1.0, 0.5]))
    plot.hide()
    plot.append(np.array([0.25, 0.125]))
    assert len(plot.curve.yData) == 2 and not plot.redraw_scheduled  # nothing drawn, nor scheduled, while hidden
    plot.show()
    qtbot.waitUntil(lambda: len(plot.curve.yData) == 4, timeout=5000)
    plot.hide()
    plot.append(np.array([0.1]))
    assert list(plot.curve_data()[1][-2:]) == [0.125, 0.1]  # asking for the data draws it


def test_the_left_axis_names_the_runs_loss_on_either_scale(plot):
    label = lambda: plot.getPlotItem().getAxis("left").labelText  # noqa: E731
    plot.set_loss("cross-entropy")
    assert label() == "loss  (cross-entropy, log scale)"
    plot.set_log_scale(False)
    assert label() == "loss  (cross-entropy, linear scale)"  # the scale changed, the loss's name stays
    plot.set_loss("mse")
    assert label() == "loss  (½·mean squared error, linear scale)"


def test_the_redraw_interval_is_the_plots_to_choose(qtbot):
    eager = shown(qtbot, LossPlot(redraw_ms=0), 400, 300)
    eager.reset(np.array([1.0]))
    for n in range(2, 5):
        eager.append(np.array([0.5]))
        assert len(eager.curve.yData) == n and not eager.redraw_scheduled  # drawn at once, every time
    frugal = shown(qtbot, LossPlot(redraw_ms=60_000), 400, 300)
    frugal.reset(np.array([1.0]))
    frugal.append(np.array([0.5]))
    assert frugal.redraw_scheduled and len(frugal.curve.yData) == 1  # waits for its turn...
    assert list(frugal.curve_data()[1]) == [1.0, 0.5] and not frugal.redraw_scheduled  # ...unless the data is asked for
