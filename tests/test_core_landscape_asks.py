"""compute_ask: a slice or line asked for (the Landscape tab's way and mlp-gui landscape's) is the core's own slice or
line of the run, to the bit, with every setting of the ask passed on."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.landscape import Line, Slice, Trajectory, compute_line, compute_slice
from mlp_gui.core.landscape_asks import LineAsk, SliceAsk, compute_ask
from mlp_gui.core.runfile import run_from_trainer


@pytest.fixture(scope="module")
def trajectory():
    trainer = Trainer.new(TrainConfig())
    for _ in range(6):
        trainer.step(50)
    return Trajectory.of_run(run_from_trainer(trainer))


def _same(a, b) -> None:
    for name, value in a.arrays().items():
        np.testing.assert_array_equal(value, b.arrays()[name], strict=True)


def test_a_slice_ask_is_the_cores_slice_with_all_its_settings(trajectory):
    ask = SliceAsk("random", 7, 0.5, seed=3, at=120, with_sharpness=True)
    got = compute_ask(trajectory, ask)
    assert isinstance(got, Slice) and got.sharpness is not None and got.center_epoch <= 120
    _same(got, compute_slice(trajectory, "random", grid=7, span=0.5, at=120, seed=3, with_sharpness=True))
    plain = compute_ask(trajectory, SliceAsk(grid=5))
    assert plain.sharpness is None and plain.plane == "pca"
    _same(plain, compute_slice(trajectory, "pca", grid=5))


def test_a_line_ask_is_the_cores_line_and_hears_progress(trajectory):
    calls = []
    got = compute_ask(trajectory, LineAsk(0, None, grid=9), progress=lambda done, total: calls.append(done) or True)
    assert isinstance(got, Line) and got.epoch_a == 0 and len(got.ts) == 9 and calls
    _same(got, compute_line(trajectory, 0, None, grid=9))
