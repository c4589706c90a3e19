"""The plot's loss envelope stays bounded and keeps every extreme; so does cutting a long curve down."""

import numpy as np
import pytest

from mlp_gui.core import LossEnvelope
from mlp_gui.core.decimate import at_most, plottable


def test_short_history_is_exact():
    env = LossEnvelope(max_buckets=64)
    losses = np.random.default_rng(0).random(100)
    env.extend(losses[:30])
    env.extend(losses[30:])
    x, y = env.xy()
    np.testing.assert_array_equal(x, np.arange(100))
    np.testing.assert_array_equal(y, losses)


@pytest.mark.parametrize("chunks", [1, 7, 333])
def test_long_history_is_bounded_and_keeps_extremes(chunks):
    rng = np.random.default_rng(1)
    losses = np.exp(-np.linspace(0, 30, 200_000)) * (1 + rng.random(200_000))
    losses[123_456] = 50.0  # a spike must survive
    env = LossEnvelope(max_buckets=256)
    for part in np.array_split(losses, chunks):
        env.extend(part)
    x, y = env.xy()
    assert len(x) <= 4 * 256 + 4  # bounded, however long the run
    assert np.all(np.diff(x) > 0)
    np.testing.assert_array_equal(losses[x], y)  # every point is a real (epoch, loss)
    assert y.max() == losses.max() and y.min() == losses.min()
    assert 123_456 in x
    assert env.count == 200_000


def test_divergence_is_kept():
    env = LossEnvelope(max_buckets=4)
    losses = np.concatenate([np.linspace(1, 0.1, 97), [np.inf, np.nan]])
    env.extend(losses)
    x, y = env.xy()
    assert 97 in x and np.isinf(y[list(x).index(97)])  # the first non-finite epoch is drawn where it happened
    assert x[-1] == 98 and np.isnan(y[-1])


def test_clear_starts_over():
    env = LossEnvelope()
    env.extend(np.ones(10_000))
    env.clear()
    assert env.count == 0 and env.xy()[0].size == 0


def test_very_long_curves_are_cut_down_keeping_every_extreme():
    x = np.arange(100_000)
    y = np.exp(-x / 3e4) * (1 + 0.01 * np.sin(x))
    y[77_777] = 50.0  # a spike
    y[12_345] = 1e-9  # a dip
    rx, ry = at_most(x, y, 1000)
    assert len(rx) <= 1000 + 100 and np.all(np.diff(rx) > 0)
    assert 77_777 in rx and 12_345 in rx
    np.testing.assert_array_equal(y[rx], ry)
    short_x, short_y = at_most(x[:10], y[:10], 1000)
    np.testing.assert_array_equal(short_y, y[:10])  # short curves are drawn exactly


def test_plottable_keeps_what_a_log_axis_can_show():
    x, y = plottable(np.arange(6), np.array([1.0, 0.0, -1.0, np.inf, np.nan, 5e-324]))
    np.testing.assert_array_equal(x, [0, 5])
    np.testing.assert_array_equal(y, [1.0, 5e-324])
