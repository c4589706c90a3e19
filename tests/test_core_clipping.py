"""Where a loss curve blew up: found in the whole curve, or chunk by chunk as the live run grows; how high it went."""

import numpy as np
import pytest

from mlp_gui.core.clipping import DivergenceWatch, blowup_peak, divergence, loss_range, range_before


def climbing(start: float = 1.06, factor: float = 6.0, epochs: int = 420) -> np.ndarray:
    """A run that blows up as a stepsize-3 run does: a few times worse every epoch up to ~1e300, then inf."""
    losses = start * factor ** np.arange(epochs, dtype=np.float64).clip(max=np.log(1e305) / np.log(factor))
    losses = losses[losses < 1e305]
    return np.append(losses, np.inf)


def test_divergence_is_where_the_climb_to_a_million_times_the_start_began():
    assert divergence(np.array([1.0, 0.5, 0.1, 1e-9])) is None
    assert divergence(np.array([1.0, 1e-12, 1e-5, 1e-12])) is None  # a spike that recovers is not divergence
    assert divergence(np.array([1.0, 0.5, 3.0, 50.0, 2e6, 1e300, np.inf])) == (2, 4)
    assert divergence(np.array([1.0, 0.5, np.nan])) == (2, 2)
    assert divergence(climbing()) == (1, 8)  # 1.06 * 6**8 > 1e6 * 1.06


CURVES = {
    "converges": 0.9 * 0.99 ** np.arange(300),
    "climbs": climbing(),
    "dips then climbs": np.concatenate([[1.0, 0.5, 0.2, 0.9, 1.0, 3.0], 10.0 ** np.arange(1, 12)]),
    "nan at once": np.array([np.nan, 2.0, 1.0]),
    "zeros first": np.array([0.0, 0.0, 1.0, 0.5, 1e7]),
    "spike that recovers": np.array([1.0, 1e-12, 1e-5, 1e-12, 1e-13]),
    "back below the start, then up": np.concatenate([[1.0, 50.0, 0.8, 1.0, 40.0], [5e6, np.inf]]),
}


@pytest.mark.parametrize("name", CURVES)
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1000])
def test_the_watch_finds_what_divergence_finds_however_the_curve_is_chunked(name, chunk):
    curve = CURVES[name]
    watch = DivergenceWatch()
    for start in range(0, len(curve), chunk):
        watch.extend(curve[start:start + chunk])
        found = divergence(curve[:start + chunk])
        assert (watch.climb_at, watch.diverged_at) == (found if found is not None else (None, None))
    assert watch.count == len(curve)
    watch.clear()
    assert watch.count == 0 and watch.diverged_at is None and watch.climb_at is None


def test_the_peak_of_a_climb_is_its_highest_finite_loss():
    x = np.arange(6)
    y = np.array([1.0, 0.5, 3e6, 2e9, np.inf, np.nan])
    peak = blowup_peak(x, y, 2)
    assert (peak.epoch, peak.loss) == (3, 2e9)
    assert blowup_peak(x, y, None) is None
    assert blowup_peak(x, np.array([1.0, 0.5, np.inf, np.inf, np.nan, 0.0]), 2) is None  # nothing finite to mark


def test_the_range_the_view_must_show_ends_where_the_climb_began():
    x = np.array([0, 2, 4, 6])
    y = np.array([1.0, 0.25, 4e6, np.inf])
    assert loss_range(y) == (0.25, 4e6)
    assert range_before(x, y, 4) == (0.25, 1.0)
    assert range_before(x, y, None) == (0.25, 4e6)
    assert range_before(x, y, 0) is None and loss_range(np.array([0.0, np.nan])) is None
