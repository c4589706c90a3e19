"""What the window says when the run's state changes: the status bar's line, and the note after a divergence."""

from __future__ import annotations

from mlp_gui.core.run_state import RunState
from mlp_gui.progress import count


def state_line(state: RunState, session, guard_line: str) -> str | None:
    """The status bar's line for ``state`` (None: none; a divergence gets :func:`divergence_note` instead).
    ``guard_line``: why the divergence guard stopped the run ("" if it did not)."""
    s = session
    lines = {
        RunState.RUNNING: "Training…",
        RunState.PAUSED: guard_line if s.guard_stopped else f"Paused at epoch {s.epoch:,}",
        RunState.STOPPED: f"Stopped at epoch {s.epoch:,}",
        RunState.FINISHED: f"Finished: {count(s.epoch, 'epoch')}, loss {s.loss:.6g}",
        RunState.READY: f"Ready at epoch {s.epoch:,}: press Resume (Ctrl+Return)" if s.epoch else "Ready: press Start (Ctrl+Return)",
    }
    return lines.get(state)


def divergence_note(session) -> str:
    """What a run that diverged did, what is shown, and what to do."""
    s = session
    became = s.snapshot.diverged_loss if s.snapshot is not None else float("nan")
    return (f"Diverged at epoch {s.diverged_at:,}: the loss became {became}. The parameters shown are epoch {s.epoch:,}'s, "
            "the last finite ones. Lower the stepsize, then Start a new run.")
