"""Several runs of the same network shape trained together, stacked on a leading axis.

A sweep over stepsizes or seeds trains runs whose arrays all have the same
shapes. Stacking them makes every NumPy call serve all runs at once, so a
sweep of K small runs costs little more than one. The arithmetic is the same
:class:`~mlp_gui.core.network.Kernel` as a single run's, with ``np.matmul``
broadcasting over the stack, and the same update rule with one stepsize per
run; each run's numbers are those of its own
:class:`~mlp_gui.core.trainer.Trainer` (a test checks it bit for bit).

Runs may differ in their optimizer, its numbers, their penalty and their
decay (an optimizer sweep): the forward and backward pass is still one pass
over the whole stack, and each block of neighbouring runs with the same rule
takes its update over its own rows (one block, one call, when all agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.config import ConfigError, TrainConfig
from mlp_gui.core.flat_layout import Params
from mlp_gui.core.network import Kernel, bias_columns, quiet_float
from mlp_gui.core.schedule import StepDecay
from mlp_gui.core.trainer import initialize
from mlp_gui.core.update_rule import State, UpdateRule, rule_for


def can_stack(configs: Sequence[TrainConfig]) -> bool:
    """Whether these runs share their network and batch size on the notebook's data (seed, stepsize, optimizer,
    penalty and decay may differ).

    Data sets (mini-batches, test sets) train one run after another.
    """
    shared = {(c.model, c.batch_size) for c in configs}
    return len(shared) == 1 and all(c.data == "notebook" for c in configs)


@dataclass
class _Block:
    """Neighbouring runs ``rows`` of a stack that share one update rule, and that rule's state over them."""

    rows: slice
    rule: UpdateRule
    state: State


def _blocks(configs: Sequence[TrainConfig], size: int) -> list[_Block]:
    """The stack cut where the rule (its name, settings and penalty) changes from one run to the next."""
    blocks: list[_Block] = []
    keys = [(tuple(rule_for(c).as_dict().items()), c.l1, c.l2) for c in configs]
    start = 0
    for k in range(1, len(configs) + 1):
        if k == len(configs) or keys[k] != keys[start]:
            rule = rule_for(configs[start])
            blocks.append(_Block(slice(start, k), rule, rule.new_state(size, (k - start,))))
            start = k
    return blocks


class StackedTrainer:
    """K runs of one shape; ``step(n)`` advances every run still going by up to ``n`` epochs.

    Run ``k`` trains for ``epochs[k]`` epochs, or until it diverges; a run that
    has ended keeps its parameters (its stepsize becomes 0).
    """

    def __init__(self, configs: Sequence[TrainConfig], epochs: Sequence[int]) -> None:
        if not configs:
            raise ConfigError("a sweep needs at least one run")
        if len(epochs) != len(configs):
            raise ValueError("one planned number of epochs per run")
        if not can_stack(configs):
            raise ConfigError("runs can be stacked only when layers and batch size are the same, on the notebook's data")
        for cfg in configs:
            cfg.validated()
        self.configs = list(configs)
        k = len(configs)
        model = configs[0].model
        self.kernel = Kernel(model, dot=np.matmul)
        self.layout = model.layout
        starts = [initialize(cfg) for cfg in configs]
        self._theta, self.layers = self.layout.zeros((k,))
        self._grad, self.grads = self.layout.zeros((k,))
        for run, (layers, _, _) in enumerate(starts):
            self.layout.pack(layers, out=self._theta[run])
        self.x = np.stack([s[1] for s in starts])
        self.y = np.stack([s[2] for s in starts])
        self._blocks = _blocks(configs, self.layout.size)
        self._update = np.empty_like(self._theta)
        self._stepsizes = np.array([[c.stepsize] for c in configs])
        self._decays = [StepDecay.of(c) for c in configs]
        self._ended = np.zeros(k, dtype=bool)
        self.epoch = 0
        self.ends = [int(e) for e in epochs]  # a run stops at its epochs or where it diverges
        self.diverged_at: list[int | None] = [None] * k
        self._history = np.full((k, max(self.ends) + 1), np.nan)
        self._history[:, 0] = self._pass()

    @property
    def done(self) -> bool:
        return all(self.epoch >= end for end in self.ends)

    @property
    def diverged(self) -> bool:
        """For the driver: a sweep as a whole never diverges; its runs do, one by one."""
        return False

    def loss_history(self, k: int) -> np.ndarray:
        """Run ``k``'s losses so far (a view)."""
        return self._history[k, : min(self.epoch, self.ends[k]) + 1]

    def run_state(self, k: int) -> tuple[Params, np.ndarray, np.ndarray]:
        """Copies of run ``k``'s parameters, inputs and targets (to save it or continue it alone)."""
        return self.layout.unpack(self._theta[k]), self.x[k].copy(), self.y[k].copy()

    def step(self, n: int) -> list[np.ndarray]:
        """Advance up to ``n`` epochs (no further than the longest run still going); each run's new losses."""
        before = self.epoch
        n = min(n, max(self.ends) - self.epoch)
        if n <= 0:
            return [np.empty(0) for _ in self.configs]
        theta, grad, update, stepsizes = self._theta, self._grad, self._update, self._stepsizes
        decaying = any(d.active for d in self._decays)
        with quiet_float():
            for _ in range(n):
                if decaying:
                    self._decay(self.epoch)
                for b in self._blocks:
                    b.rule.apply(theta[b.rows], grad[b.rows], b.state, stepsizes[b.rows], update[b.rows])
                self.epoch += 1
                self._record(self._pass())
        return [self._history[k, min(before, end) + 1 : min(self.epoch, end) + 1].copy() for k, end in enumerate(self.ends)]

    def _pass(self) -> np.ndarray:
        """Every run's loss, and its gradients written in place: the single-run kernel over the stack."""
        layers = bias_columns(self.layers)
        with quiet_float():
            zs, acts = self.kernel.forward(layers, self.x)
            loss, delta = self.kernel.loss_and_delta(zs[-1], acts[-1], self.y)
            self.kernel.backward(layers, zs, acts, delta, self.grads)
        return loss

    def _record(self, loss: np.ndarray) -> None:
        """Store this epoch's losses; a run whose loss is no longer finite, or that reached its epochs, ends here."""
        self._history[:, self.epoch] = loss  # entries past a run's end are never read
        for k in np.flatnonzero(~np.isfinite(loss)):
            if self.diverged_at[k] is None and self.epoch <= self.ends[k]:
                self.diverged_at[k] = self.ends[k] = self.epoch
        self._ended = np.array([self.epoch >= end for end in self.ends])
        self._stepsizes[self._ended] = 0.0  # a finished run's parameters stay as they ended

    def _decay(self, epoch: int) -> None:
        """Each run's stepsize for the update from ``epoch``: its own η·F^⌊epoch/N⌋ (0 once it has ended)."""
        for k, (config, decay) in enumerate(zip(self.configs, self._decays)):
            self._stepsizes[k, 0] = 0.0 if self._ended[k] else decay.at(config.stepsize, epoch)
