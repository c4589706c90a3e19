"""What a trainer hands out and takes in: a :class:`Snapshot` for the views, a :class:`TrainerState` to come
back to exactly, and a :class:`RunHistory` to continue a run from.

Each carries the update rule's state beside the parameters (empty for plain gradient descent), so that
going back, resuming and explaining the next step hold for any rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mlp_gui.core.flat_layout import FlatLayout, Params, flatten, parameter_names
from mlp_gui.core.network import quiet_float
from mlp_gui.core.norm_record import NormRecord, segment_norms
from mlp_gui.core.schedule import NO_DECAY, StepDecay
from mlp_gui.core.snapshots import SnapshotStore
from mlp_gui.core.update_rule import GradientDescent, State, Stepsize, UpdateRule, layer_updates


@dataclass(frozen=True)
class TrainerState:
    """A trainer at one epoch, exactly: its parameter and gradient buffers, its stepsize and its rule's state, and the
    settings it continued with there (``settings``: what :meth:`Trainer.set_settings` may change; empty: unknown)."""

    epoch: int
    theta: np.ndarray
    grad: np.ndarray
    stepsize: float
    rule_state: State = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


class FlatOrder:
    """``layers`` and ``grads`` also as flat lists ``[W1, b1, ...]``: the order files, printouts and the check use."""

    layers: Params
    grads: Params

    @property
    def names(self) -> list[str]:
        return parameter_names(len(self.layers))

    @property
    def params(self) -> list[np.ndarray]:
        return flatten(self.layers)

    @property
    def flat_grads(self) -> list[np.ndarray]:
        return flatten(self.grads)


@dataclass(frozen=True)
class Snapshot(FlatOrder):
    """Copies of the trainer's state at one epoch, safe to hand to another thread.

    ``rule`` and ``rule_state``: the update rule (with the run's penalty) and its state there, so a view shows the
    step the run takes next (:meth:`updates`), not plain gradient descent's. ``decay``: the run's stepsize decay;
    :meth:`updates` and :meth:`update_norms` take the run's stepsize η and step with the one in force after this
    snapshot's epoch (:meth:`stepsize_at`), as the run will.
    """

    epoch: int
    loss: float
    layers: Params
    grads: Params
    diverged_at: int | None
    diverged_loss: float | None = None  # the non-finite loss at ``diverged_at``
    rule: UpdateRule = field(default_factory=GradientDescent)
    rule_state: State = field(default_factory=dict)
    decay: StepDecay = NO_DECAY

    def stepsize_at(self, stepsize: float) -> float:
        """The stepsize of the step after this snapshot's epoch when the run's stepsize is ``stepsize`` (the decay's
        η·F^⌊epoch/N⌋; ``stepsize`` itself without a decay)."""
        return self.decay.at(stepsize, self.epoch)

    def updates(self, stepsize: Stepsize) -> Params:
        """ΔW and Δb of every layer: what the next step adds to the parameters (new arrays); ``stepsize``: the run's η."""
        if self.decay.active:
            stepsize = self.stepsize_at(float(stepsize))
        return layer_updates(self.layers, self.grads, stepsize, rule=self.rule, state=self.rule_state or None)

    def update_norms(self, stepsize: float) -> np.ndarray:
        """‖ΔW_l‖ per layer (its W and b together) of the next step, as the run's norm record computes it (``stepsize``:
        the run's η)."""
        stepsize = self.stepsize_at(stepsize)
        layout = FlatLayout.for_layers(self.layers)
        starts = np.asarray(layout.layer_starts)
        theta, grad = layout.pack(self.layers), layout.pack(self.grads)
        state = self.rule_state or self.rule.new_state(layout.size)
        with quiet_float():
            return self.rule.update_norms(theta, grad, state, stepsize, starts=starts,
                                          grad_norms=segment_norms(grad, starts), out=np.empty(len(starts)))


@dataclass
class RunHistory:
    """What a run recorded over its epochs, to continue it from: ``loss[0..epochs]`` (ending with the inf or NaN a
    diverged run stopped at), the per-epoch ``metrics``, the ``snapshots``, the ``norms`` and the
    ``stepsizes`` it stepped with.

    None for what a run (or an older file) did not keep: the trainer starts it afresh.
    """

    loss: np.ndarray
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    snapshots: SnapshotStore | None = None
    norms: NormRecord | None = None
    stepsizes: tuple[tuple[int, float], ...] = ()  # (epoch, stepsize) rows, see stepsize_history (empty: unchanged)
    changes: tuple = ()  # (epoch, settings) rows of other settings changed midway, see setting_changes (empty: none)


__all__ = ["RunHistory", "Snapshot", "TrainerState"]
