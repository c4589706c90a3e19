"""The run's state machine: what each action does in each state, queued actions, failures."""

import pytest

from mlp_gui.core.run_state import RunMachine, RunState

S = RunState


def machine_in(state: RunState) -> RunMachine:
    m = RunMachine()
    m.state = state
    return m


@pytest.mark.parametrize(
    "state, starts, steps",
    [(S.READY, True, True), (S.PAUSED, True, True), (S.FINISHED, True, True), (S.STOPPED, False, True),
     (S.DIVERGED, False, False), (S.RUNNING, False, False), (S.PAUSING, False, False), (S.STOPPING, False, False)],
)
def test_what_start_and_step_do(state, starts, steps):
    assert machine_in(state).start() is starts
    assert machine_in(state).start(step=True) is steps
    m = machine_in(state)
    m.start()
    assert m.state is (S.RUNNING if starts else state)


def test_pause_and_stop():
    m = machine_in(S.RUNNING)
    assert m.pause() and m.state is S.PAUSING
    assert not m.pause()  # already pausing
    assert m.stop() and m.state is S.STOPPING
    paused = machine_in(S.PAUSED)
    assert not paused.stop() and paused.state is S.STOPPED  # nothing running: it stops at once
    assert not machine_in(S.READY).pause() and not machine_in(S.FINISHED).stop()


@pytest.mark.parametrize(
    "before, reason, reached, after",
    [(S.RUNNING, "done", True, S.FINISHED), (S.RUNNING, "done", False, S.PAUSED), (S.PAUSING, "paused", False, S.PAUSED),
     (S.STOPPING, "stopped", False, S.STOPPED), (S.STOPPING, "done", True, S.STOPPED), (S.PAUSING, "diverged", False, S.DIVERGED),
     (S.STOPPING, "diverged", False, S.DIVERGED), (S.PAUSING, "done", True, S.FINISHED)],
)
def test_where_a_halt_leaves_the_run(before, reason, reached, after):
    m = machine_in(before)
    m.halted(reason, reached)
    assert m.state is after


def test_actions_wait_for_the_halt_and_run_once():
    done = []
    m = machine_in(S.RUNNING)
    assert m.when_idle(lambda: done.append("save")) == "pause" and m.state is S.PAUSING
    assert m.when_idle(lambda: done.append("export")) == "queued"
    for action in m.halted("paused", False):
        action()
    assert done == ["save", "export"] and m.queued == 0
    assert m.halted("paused", False) == []  # they never fire again


def test_a_new_run_queued_stops_the_run():
    m = machine_in(S.RUNNING)
    assert m.when_idle(lambda: None, stop=True) == "stop" and m.state is S.STOPPING
    assert machine_in(S.PAUSED).when_idle(lambda: None, stop=True) == "now"


def test_a_failure_drops_what_was_queued():
    """A save or new run queued before a failure must not fire at some later halt."""
    m = machine_in(S.RUNNING)
    m.when_idle(lambda: pytest.fail("fired after the failure"))
    assert len(m.failed()) == 1 and m.state is S.STOPPED and m.queued == 0
    m.start(step=True)
    for action in m.halted("done", False):
        action()


def test_changes_are_announced_once_each():
    seen = []
    m = RunMachine(seen.append)
    m.start()
    m.start()
    m.pause()
    m.halted("paused", False)
    m.installed(diverged=True)
    assert seen == [S.RUNNING, S.PAUSING, S.PAUSED, S.DIVERGED]
    with pytest.raises(RuntimeError):
        machine_in(S.RUNNING).installed(diverged=False)
