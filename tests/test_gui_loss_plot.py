"""The loss plot on its own: extreme values, divergence, ten million epochs, kept curves, a frugal view."""

import numpy as np
import pytest

from mlp_gui.gui.loss_plot import MAX_POINTS, LossPlot, at_most, format_epoch, nice_span
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
        plot._draw()
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
    assert [nice_span(v) for v in (0, 11, 2000, 2001, 7e6)] == [10, 20, 2000, 5000, 1e7]


def test_very_long_curves_are_cut_down_keeping_every_extreme():
    x = np.arange(100_000)
    y = np.exp(-x / 3e4) * (1 + 0.01 * np.sin(x))
    y[77_777] = 50.0  # a spike
    y[12_345] = 1e-9  # a dip
    rx, ry = at_most(x, y, 1000)
    assert len(rx) <= 1000 + 100 and np.all(np.diff(rx) > 0)
    assert 77_777 in rx and 12_345 in rx
    short_x, short_y = at_most(x[:10], y[:10], 1000)
    np.testing.assert_array_equal(short_y, y[:10])  # short curves are drawn exactly
