"""The session is the one source of the stepsize the next step uses: it says so whenever that changes."""

from mlp_gui.core import TrainConfig
from mlp_gui.gui.session import TrainingSession


def test_the_session_says_when_the_stepsize_changes(qtbot):
    session = TrainingSession()
    seen = []
    session.stepsize_changed.connect(seen.append)
    try:
        session.new_run(TrainConfig(), 10)
        assert seen == [0.1] and session.stepsize == 0.1
        session.new_run(TrainConfig(seed=3), 10)  # a new run with the same stepsize: nothing to say
        session.set_stepsize(0.5)  # continue with another one
        assert seen == [0.1, 0.5] and session.stepsize == 0.5 and session.config.stepsize == 0.5
        session.set_stepsize(0.5)
        session.new_run(TrainConfig(), 10)  # a reset to the settings' 0.1
        assert seen == [0.1, 0.5, 0.1]
    finally:
        session.shutdown()
