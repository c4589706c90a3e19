"""Where the loss plot's view goes: round ends, whole decades, and no move while the data fits."""

import math

import numpy as np
import pytest

from mlp_gui.core.view_range import MIN_X_SPAN, data_bounds, next_view, nice_span, round_up_125, x_end


def test_round_numbers():
    assert [nice_span(v) for v in (0, 11, 2000, 2001, 7e6)] == [10, 20, 2000, 5000, 1e7]
    assert [round_up_125(v) for v in (0.7, 1.0, 1.2, 3.0, 5.0, 6.0, 0.003)] == [1.0, 1.0, 2.0, 5.0, 5.0, 10.0, 0.005]
    assert round_up_125(0.0) == round_up_125(-3.0) == round_up_125(math.nan) == 1.0
    assert nice_span(-5) == MIN_X_SPAN


def test_the_x_axis_ends_at_the_plan_once_near_it_and_past_it_if_need_be():
    assert x_end(100, 10_000) == 200
    assert x_end(9_500, 10_000) == 10_000  # not 20,000: the plan
    assert x_end(12_000, 10_000) == 20_000  # the run went on


def test_bounds_over_curves():
    assert data_bounds([], []) is None
    assert data_bounds([None], [30.0]) == (1.0, 1.0, 30.0)  # every curve diverged at once: the starting decade
    assert data_bounds([(0.1, 2.0), None, (1e-3, 0.5)], [30.0, 50.0]) == (1e-3, 2.0, 50.0)


def test_a_log_view_moves_by_whole_decades_with_one_to_spare_and_only_when_it_must():
    view = next_view((2e-3, 0.9, 100), planned_epochs=1000, log_scale=True, shown=None)
    assert view == (-4, 0, 200)
    assert next_view((1.5e-3, 0.95, 120), planned_epochs=1000, log_scale=True, shown=view) is None  # still fits
    assert next_view((5e-5, 0.95, 120), planned_epochs=1000, log_scale=True, shown=view) == (-6, 0, 200)
    assert next_view((1e-3, 1.0, 1), planned_epochs=1000, log_scale=True, shown=None) == (-4, 0, 10)  # decades exactly


def test_a_linear_view_spans_zero_to_a_round_number():
    assert next_view((0.01, 0.7, 5), planned_epochs=100, log_scale=False, shown=None) == (0.0, 1.0, 10)


def test_a_long_run_moves_the_view_a_handful_of_times():
    shown, moves = None, 0
    for epoch in range(0, 100_001, 500):
        view = next_view((0.5 * 0.9998**epoch, 1.0, epoch), planned_epochs=100_000, log_scale=True, shown=shown)
        if view is not None:
            shown, moves = view, moves + 1
    assert moves <= 12 and shown[2] == 100_000


@pytest.mark.parametrize("high", [1e-300, 0.5, 1e300])
def test_the_view_always_holds_the_data(high):
    low = high / 1e5
    lo, hi, _ = next_view((low, high, 10), planned_epochs=10, log_scale=True, shown=None)
    assert lo <= np.log10(low) and np.log10(high) <= hi
