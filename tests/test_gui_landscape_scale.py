"""The Landscape tab's log colours: their range, the colour bar's ticks (losses a student reads), contour lines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp_gui.gui.landscape_scale import (
    MAX_DECADES,
    MAX_TICKS,
    MIN_TICKS,
    colour_range,
    contour,
    log_image,
    scale_ticks,
)


@pytest.mark.parametrize(("low", "high", "labels"), [
    (1e-5, 1e3, ["1e-5", "0.001", "0.1", "10", "1e3"]),
    (6.3e-4, 0.08, ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05"]),
    (0.05, 2.5, ["0.05", "0.1", "0.2", "0.5", "1", "2"]),
    (0.8866, 1.19, ["0.90", "0.95", "1.00", "1.05", "1.10", "1.15"]),  # the notebook's pca slice at epoch 2,000
    (6.31e-8, 7.94e-8, ["6.5e-8", "7.0e-8", "7.5e-8"]),
])
def test_the_bar_is_labelled_with_round_losses_inside_its_range(low, high, labels):
    lo, hi = math.log10(low), math.log10(high)
    ticks = scale_ticks(lo, hi)
    assert [text for _, text in ticks] == labels
    for position, text in ticks:
        assert lo <= position <= hi
        assert float(text) == pytest.approx(10**position, rel=1e-9)  # each label is the loss at its place


@pytest.mark.parametrize("width", [1e-4, 0.01, 0.3, 1.0, 2.5, 7.0, 40.0, 300.0])
@pytest.mark.parametrize("start", [-307.0, -12.3, -1.0, 0.0, 2.7])
def test_every_range_gets_a_few_ticks_and_never_too_many(start, width):
    ticks = scale_ticks(start, start + width)
    assert MIN_TICKS <= len(ticks) <= MAX_TICKS + 1 or (width < 1e-3 and len(ticks) >= 1)
    positions = [p for p, _ in ticks]
    assert positions == sorted(positions) and len({t for _, t in ticks}) == len(ticks)


def test_colours_span_the_slice_capped_and_zero_or_non_finite_losses_are_handled():
    loss = np.array([[0.5, 2.0], [8.0, 1e30]])
    lo, hi = colour_range(loss)
    assert lo == pytest.approx(math.log10(0.5)) and hi == pytest.approx(lo + MAX_DECADES)  # a blow-up does not flatten the valley
    assert colour_range(np.full((2, 2), 3.0)) == pytest.approx((math.log10(3) - 0.05, math.log10(3) + 0.05))
    assert colour_range(np.full((2, 2), np.nan)) == (0.0, 0.1)
    image = log_image(np.array([[0.0, 1e-3], [np.inf, np.nan]]), -2.0)
    assert image[0, 0] == -2.0 and image[0, 1] == -2.0  # zero and anything below the range: the lowest colour
    assert np.isnan(image[1, 0]) and np.isnan(image[1, 1])  # not drawn


def test_a_contour_lies_where_the_loss_crosses_its_level_in_plane_coordinates():
    alphas, betas = np.linspace(-1.0, 1.0, 21), np.linspace(-2.0, 2.0, 11)
    image = np.broadcast_to(alphas, (len(betas), len(alphas)))  # rows β, columns α: the value is α itself
    xs, ys = contour(np.array(image), 0.25, alphas, betas)
    finite = np.isfinite(xs)
    assert finite.sum() >= len(betas) - 1
    np.testing.assert_allclose(xs[finite], 0.25, atol=1e-12)  # the vertical line α = 0.25
    assert ys[finite].min() == pytest.approx(-2.0) and ys[finite].max() == pytest.approx(2.0)
