"""What each action does in each state of a run: a small state machine, free of Qt and of threads.

The window's session (:mod:`mlp_gui.gui.session`) adapts it to signals and a
worker thread; the rules themselves live here and are unit-tested here:

============  ==========================  =======================================
state         what can happen             next state
============  ==========================  =======================================
ready         start, step                 running
running       pause / stop                pausing / stopping
pausing       stop; the worker halts      stopping; paused, finished, diverged
paused        start (resume), step; stop  running; stopped
stopping      the worker halts            stopped (or diverged)
stopped       step (Start begins anew)    running
finished      start (more planned), step  running
diverged      nothing trains              (a new or opened run: ready)
============  ==========================  =======================================

Actions that need the trainer idle (save, open, a new run) are *queued*
while the worker runs: the machine asks the worker to pause (or stop) and
hands the queue back when the worker halts. A failure on the worker drops
the queue: a save or new run queued before the failure never fires later.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum


class RunState(StrEnum):
    READY = "ready"  # set up (new, reset or opened), nothing trained since
    RUNNING = "running"
    PAUSING = "pausing"  # pause asked, the worker finishing its chunk
    PAUSED = "paused"
    STOPPING = "stopping"  # stop asked, the worker finishing its chunk
    STOPPED = "stopped"
    FINISHED = "finished"  # reached the planned epochs
    DIVERGED = "diverged"  # the loss became inf or NaN: no more steps

    @property
    def busy(self) -> bool:
        """The worker holds the trainer: nobody else may read or change it."""
        return self in (RunState.RUNNING, RunState.PAUSING, RunState.STOPPING)


#: states from which Start trains (given epochs left to train); Step trains from these and STOPPED
STARTABLE = frozenset({RunState.READY, RunState.PAUSED, RunState.FINISHED})
STEPPABLE = STARTABLE | {RunState.STOPPED}
#: why the worker halted -> the state it leaves the run in
HALTED = {"paused": RunState.PAUSED, "stopped": RunState.STOPPED, "diverged": RunState.DIVERGED,
          "guarded": RunState.PAUSED}  # the divergence guard stopped a finite run: it can go back, or go on

Action = Callable[[], None]


class RunMachine:
    """The run's state and the actions queued until the worker halts.

    Methods return what the caller must tell the worker, so the machine never
    touches a thread itself. ``on_change(state)`` is called on every change.
    """

    def __init__(self, on_change: Callable[[RunState], None] | None = None) -> None:
        self.state = RunState.READY
        self._queued: list[Action] = []
        self._on_change = on_change or (lambda state: None)

    @property
    def queued(self) -> int:
        return len(self._queued)

    def can_start(self) -> bool:
        return self.state in STARTABLE

    def can_step(self) -> bool:
        return self.state in STEPPABLE

    def start(self, *, step: bool = False) -> bool:
        """Start, resume or step: True if the caller should now hand the trainer to the worker."""
        if not (self.can_step() if step else self.can_start()):
            return False
        self._set(RunState.RUNNING)
        return True

    def pause(self) -> bool:
        """True if the worker must be asked to pause."""
        if self.state is not RunState.RUNNING:
            return False
        self._set(RunState.PAUSING)
        return True

    def stop(self, *, trained: bool = False) -> bool:
        """True if the worker must be asked to stop (a paused run stops at once, as does a ready one that is
        ``trained``: an opened run, or one gone back to, has epochs to end)."""
        if self.state in (RunState.RUNNING, RunState.PAUSING):
            self._set(RunState.STOPPING)
            return True
        if self.state is RunState.PAUSED or (self.state is RunState.READY and trained):
            self._set(RunState.STOPPED)
        return False

    def when_idle(self, action: Action, *, stop: bool = False) -> str:
        """Run ``action`` now if the worker is idle, else queue it for the next halt.

        Returns ``"now"`` (the caller runs it), ``"queued"``, or ``"pause"`` / ``"stop"`` when the caller must
        also ask the worker to halt that way (``stop=True``: the run will not resume).
        """
        if not self.state.busy:
            return "now"
        self._queued.append(action)
        if stop and self.state is not RunState.STOPPING:
            self._set(RunState.STOPPING)
            return "stop"
        if self.state is RunState.RUNNING:
            self._set(RunState.PAUSING)
            return "pause"
        return "queued"

    def halted(self, reason: str, reached_plan: bool) -> list[Action]:
        """The worker halted (``done``, ``paused``, ``stopped`` or ``diverged``); the queued actions to run now."""
        if reason == "diverged":
            state = RunState.DIVERGED
        elif reason == "guarded":
            state = RunState.PAUSED
        elif self.state is RunState.STOPPING:
            state = RunState.STOPPED
        elif reason == "done":
            state = RunState.FINISHED if reached_plan else RunState.PAUSED
        else:
            state = HALTED[reason]
        self._set(state)
        queued, self._queued = self._queued, []
        return queued

    def failed(self) -> list[Action]:
        """Training raised: the run stops and the queued actions are dropped (returned, for the record)."""
        dropped, self._queued = self._queued, []
        self._set(RunState.STOPPED)
        return dropped

    def installed(self, diverged: bool) -> None:
        """A new, reset or opened run replaced the old one (only while idle)."""
        if self.state.busy:
            raise RuntimeError("a run can be replaced only while the worker is idle")
        self._set(RunState.DIVERGED if diverged else RunState.READY)

    def _set(self, state: RunState) -> None:
        if state is not self.state:
            self.state = state
            self._on_change(state)
