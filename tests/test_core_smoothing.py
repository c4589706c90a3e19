"""The loss plot's smoothing: TensorBoard's debiased exponential moving average, in log space."""

import numpy as np

from mlp_gui.core.smoothing import smoothed


def test_smoothing_is_tensorboards_debiased_moving_average_in_log_space():
    y = np.exp(np.random.default_rng(2).normal(0, 1, 3000))
    expected, last = [], 0.0
    for t, v in enumerate(np.log10(y)):
        last = 0.6 * last + 0.4 * v
        expected.append(last / (1 - 0.6 ** (t + 1)))
    np.testing.assert_allclose(np.log10(smoothed(y, 0.6)), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(smoothed(y, 0.0), y)


def test_a_flat_curve_stays_flat_and_an_empty_one_empty():
    np.testing.assert_allclose(smoothed(np.full(100, 0.3), 0.9), 0.3, rtol=1e-12)  # debiased: no start at 0
    assert smoothed(np.empty(0), 0.9).size == 0
    np.testing.assert_allclose(smoothed(np.array([2.0]), 0.6), [2.0])
