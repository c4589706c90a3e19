"""Going back in time: a run's parameters kept at log-spaced epochs and the most recent ones, within a budget.

Epoch 0 is always kept. Later snapshots are taken at chunk ends when the epoch has passed the next mark
of a doubling schedule (1, 2, 4, 8, ...), and every ``recent_every`` epochs for the newest ones; when the
store is full, the newest of the densest pair of neighbours goes, so the kept epochs spread over the whole
run and the recent past. The newest epoch offered is always kept too (the *tip*, off the schedule, replaced
by the next offer), so the last epoch of a finished, paused or stopped run can be gone back to. A snapshot
holds only the parameters: the gradients at them are recomputed by the kernel, bit for bit, which is what
makes continuing from one exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEFAULT_BUDGET = 64 * 2**20
MAX_SNAPSHOTS = 2000


@dataclass
class SnapshotStore:
    """Epochs and flat parameter rows (``[W1, b1, W2, ...]`` flattened), at most ``capacity`` of them."""

    capacity: int
    epochs: list
    rows: list
    tip: bool = False  # the last snapshot is off the schedule: kept only until the next offer replaces it

    @classmethod
    def for_size(cls, parameters: int, budget: int = DEFAULT_BUDGET) -> SnapshotStore:
        """A store of as many snapshots of ``parameters`` floats as ``budget`` bytes allow (2 to 2,000)."""
        return cls(max(2, min(MAX_SNAPSHOTS, budget // max(8 * parameters, 1))), [], [])

    def offer(self, epoch: int, theta: np.ndarray, recent_every: int) -> bool:
        """Keep a copy of ``theta`` at ``epoch``, the newest epoch (False: it is not newer than the last kept).

        It stays for good if the schedule wants one there; otherwise it is the tip, which the next offer replaces.
        """
        if self.epochs and epoch <= self.epochs[-1]:
            return False
        if self.tip:  # the old tip makes way: the schedule goes on from the last epoch it chose
            del self.epochs[-1], self.rows[-1]
        last = self.epochs[-1] if self.epochs else -1
        due = not self.epochs or epoch >= 2 ** math.ceil(math.log2(max(last, 1) + 1)) or epoch - last >= recent_every
        self.epochs.append(int(epoch))
        self.rows.append(np.array(theta, dtype=np.float64, copy=True))
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
        del self.epochs[i], self.rows[i]

    def latest_at_or_before(self, epoch: int) -> int | None:
        """The index of the newest snapshot at or before ``epoch``."""
        found = [i for i, e in enumerate(self.epochs) if e <= epoch]
        return found[-1] if found else None

    def truncate(self, epoch: int) -> None:
        """Forget the snapshots after ``epoch`` (the run went back there)."""
        while self.epochs and self.epochs[-1] > epoch:
            self.epochs.pop()
            self.rows.pop()
            self.tip = False  # the tip is always the last: gone, the new last is one the schedule chose

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(snapshot_epochs, snapshot_params)`` as a run file keeps them."""
        if not self.rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0))
        return np.array(self.epochs, dtype=np.int64), np.stack(self.rows)
