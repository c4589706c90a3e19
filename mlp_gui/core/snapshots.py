"""Going back in time: a run's parameters kept at log-spaced epochs and the most recent ones, within a budget.

Epoch 0 is always kept. Later snapshots are taken at chunk ends when the epoch has passed the next mark
of a doubling schedule (1, 2, 4, 8, ...), and every ``recent_every`` epochs for the newest ones; when the
store is full, the newest of the densest pair of neighbours goes, so the kept epochs spread over the whole
run and the recent past. The newest epoch offered is always kept too (the *tip*, off the schedule, replaced
by the next offer), so the last epoch of a finished, paused or stopped run can be gone back to. A snapshot
holds the parameters and the update rule's state beside them (nothing for plain gradient descent; a
momentum's velocity, say); the gradients at them are recomputed by the kernel, bit for bit, which is what
makes continuing from one exact. The budget counts the state's bytes too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from mlp_gui.core.update_rule import State, UpdateRule, copy_state

DEFAULT_BUDGET = 64 * 2**20
MAX_SNAPSHOTS = 2000


@dataclass
class SnapshotStore:
    """Epochs, flat parameter rows (``[W1, b1, W2, ...]`` flattened) and the update rule's state at each (``states``,
    one dict per row: empty for gradient descent), at most ``capacity`` of them."""

    capacity: int
    epochs: list
    rows: list
    tip: bool = False  # the last snapshot is off the schedule: kept only until the next offer replaces it
    states: list = field(default_factory=list)  # one State per row; left empty: an empty state for each row

    def __post_init__(self) -> None:
        if not self.states:
            self.states = [{} for _ in self.rows]
        if len(self.states) != len(self.rows) or len(self.rows) != len(self.epochs):
            raise ValueError(f"{len(self.epochs)} epochs, {len(self.rows)} rows and {len(self.states)} states do not pair up")

    @classmethod
    def for_size(cls, parameters: int, budget: int | None = None, *, state_size: int = 0) -> SnapshotStore:
        """A store of as many snapshots of ``parameters`` floats and ``state_size`` numbers of update-rule state
        as ``budget`` bytes allow (2 to 2,000; the budget :data:`DEFAULT_BUDGET` as it is when called)."""
        budget = DEFAULT_BUDGET if budget is None else budget
        return cls(max(2, min(MAX_SNAPSHOTS, budget // max(8 * (parameters + state_size), 1))), [], [])

    def copy(self) -> SnapshotStore:
        """A store of copies of the snapshots, to go on adding to (as one read from a file: the tip is kept for good)."""
        return SnapshotStore(self.capacity, list(self.epochs), [r.copy() for r in self.rows],
                             states=[copy_state(s) for s in self.states])

    def state_problem(self, rule: UpdateRule, size: int) -> str | None:
        """What makes the kept states unfit for ``rule`` on ``size`` parameters (None: nothing)."""
        for epoch, state in zip(self.epochs, self.states):
            problem = rule.check_state(state, size, values=False)
            if problem:
                return f"{problem} (the snapshot of epoch {epoch})"
        return None

    def offer(self, epoch: int, theta: np.ndarray, recent_every: int, state: State | None = None) -> bool:
        """Keep a copy of ``theta`` (and of the update rule's ``state``) at ``epoch``, the newest epoch (False: it is
        not newer than the last kept).

        It stays for good if the schedule wants one there; otherwise it is the tip, which the next offer replaces.
        """
        if self.epochs and epoch <= self.epochs[-1]:
            return False
        if self.tip:  # the old tip makes way: the schedule goes on from the last epoch it chose
            del self.epochs[-1], self.rows[-1], self.states[-1]
        last = self.epochs[-1] if self.epochs else -1
        due = not self.epochs or epoch >= 2 ** math.ceil(math.log2(max(last, 1) + 1)) or epoch - last >= recent_every
        self.epochs.append(int(epoch))
        self.rows.append(np.array(theta, dtype=np.float64, copy=True))
        self.states.append(copy_state(state or {}))
        self.tip = not due
        if len(self.epochs) > self.capacity:
            self._thin()
        return True

    def fit(self, capacity: int) -> int:
        """Lower the capacity to ``capacity`` (at least 2), thinning as offers do until the store fits; how many went."""
        self.capacity = max(2, capacity)
        dropped = max(0, len(self.epochs) - self.capacity)
        for _ in range(dropped):
            self._thin()
        return dropped

    def _thin(self) -> None:
        """Drop one snapshot where they are densest on a log scale; epoch 0 and the most recent ones always stay."""
        recent = max(1, min(32, self.capacity // 4))
        logs = np.log1p(np.array(self.epochs[: len(self.epochs) - recent + 1], dtype=float))
        if len(logs) < 3:
            i = len(self.epochs) - recent  # too few old ones to choose from: the oldest of the recent goes
        else:
            gaps = logs[2:] - logs[:-2]  # removing i leaves the gap between i-1 and i+1
            i = int(np.argmin(gaps)) + 1
        del self.epochs[i], self.rows[i], self.states[i]

    def latest_at_or_before(self, epoch: int) -> int | None:
        """The index of the newest snapshot at or before ``epoch``."""
        found = [i for i, e in enumerate(self.epochs) if e <= epoch]
        return found[-1] if found else None

    def truncate(self, epoch: int) -> None:
        """Forget the snapshots after ``epoch`` (the run went back there)."""
        while self.epochs and self.epochs[-1] > epoch:
            self.epochs.pop()
            self.rows.pop()
            self.states.pop()
            self.tip = False  # the tip is always the last: gone, the new last is one the schedule chose

    def arrays(self) -> tuple[np.ndarray, np.ndarray, State]:
        """``(snapshot_epochs, snapshot_params, states)`` as a run file keeps them: ``states`` stacks each named
        part of the update rule's state over the snapshots (nothing for gradient descent)."""
        if not self.rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0)), {}
        states = {name: np.stack([s[name] for s in self.states]) for name in self.states[0]}
        return np.array(self.epochs, dtype=np.int64), np.stack(self.rows), states
