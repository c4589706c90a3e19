"""The Landscape and sharpness job runners (JobRunner, mlp_gui.gui.worker_threads): a newer job cancels the one under
way and only its end is heard; once shut down, no job starts and no thread runs."""

import pytest

from mlp_gui.core import TrainConfig, Trainer, run_from_trainer
from mlp_gui.core.landscape import Line
from mlp_gui.gui.landscape_worker import LandscapeJobs, LineAsk, SliceAsk
from mlp_gui.gui.sharpness_worker import SharpnessJobs
from tests.gui_helpers import TIMEOUT_MS


@pytest.fixture(scope="module")
def run():
    trainer = Trainer.new(TrainConfig())
    for _ in range(4):
        trainer.step(50)
    return run_from_trainer(trainer)


def _start(jobs, run) -> bool:
    if isinstance(jobs, SharpnessJobs):
        return jobs.start(run, known={}, trusted={})
    return jobs.start(run, SliceAsk(grid=5))


@pytest.mark.parametrize("kind", [LandscapeJobs, SharpnessJobs])
def test_once_shut_down_no_job_starts(qtbot, run, kind):
    jobs = kind()
    assert _start(jobs, run) and jobs.busy
    assert jobs.shutdown(TIMEOUT_MS) and not jobs.busy and not jobs.thread_running
    assert not _start(jobs, run) and not jobs.busy and not jobs.thread_running


def test_a_newer_job_cancels_the_one_under_way_and_only_its_end_is_heard(qtbot, run):
    jobs = LandscapeJobs()
    heard = []
    jobs.finished.connect(lambda result: heard.append(result.value))
    jobs.cancelled.connect(lambda: heard.append("cancelled"))
    assert jobs.start(run, SliceAsk(grid=41))
    with qtbot.waitSignal(jobs.finished, timeout=TIMEOUT_MS):
        assert jobs.start(run, LineAsk(0, 200, grid=5))
    qtbot.waitUntil(lambda: not jobs.busy, timeout=TIMEOUT_MS)
    assert len(heard) == 1 and isinstance(heard[0], Line) and len(heard[0].ts) == 5
    assert jobs.shutdown(TIMEOUT_MS)
