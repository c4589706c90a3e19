"""Colour scales without Qt: nice symmetric limits that follow the data with hysteresis, signed-log scales,
and the short numbers written on colour bars and in cells, whatever their magnitude."""

import subprocess
import sys

import numpy as np
import pytest

from mlp_gui.core.color_scale import (
    KEEP_ABOVE,
    LOG_DECADES,
    NO_SCALE,
    WIDEST_BAR_LABEL,
    bar_ticks,
    colour_steps,
    follow_limit,
    format_cell,
    format_exponent,
    format_scale,
    format_short,
    log_bar_ticks,
    log_top,
    magnitudes,
    nice_limit,
    peak_magnitude,
    power_label,
    scale_exponent,
    signed_log,
    symmetric_limit,
)


def test_the_module_imports_no_qt():
    code = "import sys, mlp_gui.core.color_scale; print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("value, limit", [
    (0.7, 0.8), (0.8, 0.8), (0.81, 1.0), (1.2, 1.5), (2.5, 3.0), (3.5, 4.0), (4.5, 5.0), (5.5, 6.0), (7.0, 8.0),
    (9.0, 10.0), (1.3e-5, 1.5e-5), (1e-7, 1e-7), (1.0000000000000002e-16, 1e-16), (6.1e155, 8e155),
])
def test_nice_limits_are_one_of_eight_steps_per_decade(value, limit):
    assert nice_limit(value) == pytest.approx(limit, rel=1e-12)
    assert nice_limit(value) >= value * (1 - 1e-12)


@pytest.mark.parametrize("value", [0.0, -1.0, np.nan, np.inf])
def test_no_data_gives_the_smallest_scale(value):
    assert nice_limit(value) == NO_SCALE


def test_extreme_magnitudes_stay_finite():
    assert nice_limit(1.7e308) == sys.float_info.max  # 2e308 would be inf
    assert 0 < nice_limit(5e-320) <= 1e-307


def test_limits_cover_the_largest_finite_value():
    assert peak_magnitude(np.array([0.3, -0.7]), np.array([np.nan, np.inf])) == 0.7
    assert peak_magnitude(np.array([np.nan])) == 0.0
    assert symmetric_limit(np.array([0.3, -0.7]), np.array([np.nan])) == 0.8
    assert symmetric_limit(np.zeros(3)) == NO_SCALE


def test_a_scale_follows_the_data_with_hysteresis():
    assert follow_limit(1.0, 0.9) == 1.0  # still inside: kept
    assert follow_limit(1.0, KEEP_ABOVE) == 1.0  # down to KEEP_ABOVE of it: kept
    assert follow_limit(1.0, 0.3) == pytest.approx(0.3, rel=1e-12)  # shrank well inside: a new nice limit
    assert follow_limit(1.0, 1.1) == 1.5  # outgrew it
    assert follow_limit(1.0, 0.0) == NO_SCALE


def test_a_log_scale_top_is_a_power_of_ten_that_follows_the_data():
    assert log_top(0.0, 3e-5) == 1e-4 and log_top(1e-4, 3e-6) == 1e-4 and log_top(1e-4, 3e-7) == 1e-6
    assert log_top(1e-4, 2e-4) == 1e-3 and log_top(0.0, 1e300 * 1e8) == 1e308
    assert log_top(1e-2, 0.0) == 1e-2 and log_top(0.0, np.nan) == 1.0  # no data: kept, or 1


def test_signed_log_and_its_colour_bar():
    image = np.array([[-1.0, -1e-3, 0.0, 1e-7, 1e-6, 1e-2, 1.0, np.nan, np.inf]])
    drawn = signed_log(image, 1.0)
    np.testing.assert_allclose(drawn[0, :7], [-6, -3, 0, 0, 0, 4, 6], atol=1e-12)
    assert np.isnan(drawn[0, 7]) and drawn[0, 8] == LOG_DECADES
    major, minor = log_bar_ticks(1e-4)
    assert major == [(-6, "-1e-4"), (0.0, "0"), (6, "1e-4")]
    assert [text for _, text in minor][:2] == ["-1e-7", "1e-7"] and len(minor) == 2 + 8
    assert [power_label(e) for e in (-3, 0, 2, 3, -4)] == ["0.001", "1", "100", "1e3", "1e-4"]
    assert power_label(-5, negative=True) == "-1e-5"


def test_a_log_bar_keeps_only_the_labels_that_fit():
    major, _ = log_bar_ticks(1e-200)
    assert all(len(text) <= len(WIDEST_BAR_LABEL) for _, text in major)
    assert major[1] == (0.0, "0") and major[0][1] == ""  # -1e-200 is too long for the bar: a bare tick


def test_values_and_ticks_are_short():
    assert [format_cell(v) for v in (0.0, 1.234, -7.96, 1.7e-4, 123.0, np.nan, np.inf, -1.04e156)] == [
        "0.00", "1.23", "-7.96", "1.7e-4", "1.2e2", "nan", "inf", "-1e156"]
    assert [format_cell(v, -6) for v in (-3.553e-6, 4.19e-7, 0.0, 2e-9, np.nan)] == ["-3.55", "0.42", "0.00", "0.00", "nan"]
    assert [format_scale(v) for v in (0.0, 0.5, 8.0, 4e-4, -2e-9, 1500.0, 0.0075)] == ["0", "0.5", "8", "4e-4", "-2e-9", "1.5e3", "0.0075"]
    assert [format_scale(v, -5) for v in (-1.5000000000000002e-05, 7.5e-6, 0.0)] == ["-1.5", "0.75", "0"]
    assert [format_short(v) for v in (0.0873, -5.31, 123.0, -1.04e156, -np.inf)] == ["0.087", "-5.3", "120", "-1.0e156", "-inf"]


def test_plain_scales_have_no_factor():
    assert [scale_exponent(v) for v in (0.01, 0.8, 99.0, 100.0, 0.0099, 1.5e-5, 0.0, np.nan)] == [
        None, None, None, 2, -3, -5, None, None]
    assert format_exponent(-6) == "×1e-6"


@pytest.mark.parametrize("limit, title, labels", [
    (1.5e-5, "×1e-5", ["-1.5", "0", "1.5", "-0.75", "0.75"]),
    (2e-12, "×1e-12", ["-2", "0", "2", "-1", "1"]),
    (8e156, "×1e156", ["-8", "0", "8", "-4", "4"]),
    (0.015, "", ["-0.015", "0", "0.015", "", ""]),  # the widest plain labels; 0.0075 keeps its tick, not its text
    (0.8, "", ["-0.8", "0", "0.8", "-0.4", "0.4"]),
])
def test_colour_bar_labels_are_short_at_any_magnitude(limit, title, labels):
    bar_title, (major, minor) = bar_ticks(limit)
    assert bar_title == title
    assert [text for _, text in major + minor] == labels
    assert [value for value, _ in major] == [-limit, 0.0, limit]
    assert all(len(text) <= len(WIDEST_BAR_LABEL) for text in labels)


def test_colour_steps_tell_visible_change_and_keep_nan_apart():
    image = np.array([0.0, 0.5, 1.0, 2.0, -np.inf, np.nan])
    steps = colour_steps(image, 1.0)
    assert steps.tolist() == [0.0, 64.0, 128.0, 128.0, -128.0, 1000.0]
    assert colour_steps(np.array([0.5001]), 1.0)[0] == steps[1]  # too small a change to see


def test_magnitudes_name_the_largest_and_the_typical_value():
    image = np.array([[1.0, np.nan, -3.0], [np.inf, 0.0, 2.0]])
    peak, where, typical = magnitudes(image)
    assert (peak, where, typical) == (3.0, 2, 2.5)  # inf and NaN left out; the upper quartile of 1, 3, 2
    assert magnitudes(np.zeros((2, 2))) == (0.0, 0, 0.0)
    assert magnitudes(image, sample=np.array([0, 5]))[2] == 1.75  # of 1 and 2 only


def test_a_sparse_matrix_has_no_outlier_and_a_diverged_one_still_has():
    """L1 holds half of W near 0: its typical weight is the upper quartile, so an ordinary 3 sets no 'outlier' note;
    two diverged biases among ten values still dwarf the typical one."""
    from mlp_gui.core.color_scale import magnitudes

    sparse = np.array([[3.0, 1.2, -0.8, 1e-6, -2e-6, 5e-7, 2e-6, -1e-6], [0.9, -1.1, 3e-6, -1e-6, 2e-6, 4e-6, -3e-6, 1e-6]])
    peak, _, typical = magnitudes(sparse)
    assert peak == 3.0 and peak < 1e3 * typical
    diverged = np.array([[-5.4e5, -1.1e6, -1.2e5, -8.6e4, np.nan, 3.0e153], [-1.1e3, -2.3e3, -2.5e2, -1.8e2, np.nan, -1.04e156]])
    peak, _, typical = magnitudes(diverged)
    assert peak == 1.04e156 and peak > 1e3 * typical
