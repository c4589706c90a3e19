"""A run's stepsize as decayed, its penalty term, and going on with other settings (the stepsize, the optimizer's
numbers, the penalty, the decay).

:class:`SettingsChanges` is the part of :class:`~mlp_gui.core.trainer.Trainer` that continues a run with other
settings from its current epoch on, keeping the update rule's state and the run's history, and recording each
change (:mod:`mlp_gui.core.stepsize_history`, :mod:`mlp_gui.core.setting_changes`) so the loss plot can mark it and
a run file can keep it.
"""

from __future__ import annotations

import numpy as np

from mlp_gui.core import setting_changes, stepsize_history
from mlp_gui.core.config import ConfigError, TrainConfig
from mlp_gui.core.network import quiet_float
from mlp_gui.core.norm_record import NormRecord
from mlp_gui.core.schedule import StepDecay
from mlp_gui.core.settings import BY_NAME
from mlp_gui.core.update_rule import State, UpdateRule, rule_for


class SettingsChanges:
    """The trainer's stepsize, penalty and settings changes (a mixin: the trainer holds these attributes)."""

    config: TrainConfig
    rule: UpdateRule
    rule_state: State
    decay: StepDecay
    epoch: int
    norms: NormRecord
    stepsizes: stepsize_history.Rows
    changes: setting_changes.Rows
    _theta: np.ndarray
    _grad: np.ndarray

    @property
    def stepsize(self) -> float:
        """The run's stepsize η (the decay, if any, scales it: :meth:`stepsize_at`)."""
        return self.config.stepsize

    @property
    def penalty(self) -> float:
        """The penalty term λ₁·Σ|W| + (λ₂/2)·ΣW² at the current parameters (0 without one; the loss is the data's)."""
        return self.rule.penalty.value(self._theta) if self.rule.penalty is not None else 0.0

    def stepsize_at(self, epoch: int) -> float:
        """The stepsize of the update from ``epoch`` to ``epoch + 1``: η·F^⌊epoch/N⌋ with a decay, else η."""
        return self.decay.at(self.config.stepsize, epoch)

    def set_settings(self, **changes: float) -> None:
        """Continue with other settings from the next epoch on: the stepsize and those of
        :data:`~mlp_gui.core.setting_changes.CONTINUABLE` (the optimizer's numbers, the penalty, the decay). The rule
        is made again from the settings and keeps its state; the change is kept in :attr:`changes` (the stepsize's in
        :attr:`stepsizes`). ConfigError (one line) for a bad value or a setting that needs a new run."""
        stepsize = changes.pop("stepsize", self.config.stepsize)
        config = self.config.with_changes(**changes) if changes else self.config
        for name, value in changes.items():
            if name not in setting_changes.CONTINUABLE:
                raise ConfigError(f"{name.replace('_', ' ')} cannot change while a run goes on: it needs a new run", name)
            BY_NAME[name].check(value)
        if config != self.config:
            self.changes = setting_changes.changed(self.changes, epoch=self.epoch, before=self._continuable(),
                                                   after=self._continuable(config))
            self.config, self.rule, self.decay = config, rule_for(config), StepDecay.of(config)
        self.set_stepsize(stepsize)

    def _continuable(self, config: TrainConfig | None = None) -> dict[str, float]:
        config = config or self.config
        return {name: getattr(config, name) for name in setting_changes.CONTINUABLE}

    def _changes_upto(self, rows: setting_changes.Rows, epoch: int) -> setting_changes.Rows:
        """``rows`` up to ``epoch``, and a change there to the settings the run goes on with, if they differ."""
        return setting_changes.changed(rows, epoch=epoch, before=self._continuable(), after=self._continuable())

    def set_stepsize(self, stepsize: float) -> None:
        """Continue with another stepsize from the next epoch on (the history is kept)."""
        self.config = self.config.with_changes(stepsize=stepsize)
        self.stepsizes = stepsize_history.changed(self.stepsizes, epoch=self.epoch, stepsize=self.config.stepsize)
        with quiet_float():
            self.norms.restep(self.epoch, self._theta, self._grad, self.stepsize_at(self.epoch), rule=self.rule,
                              state=self.rule_state)


__all__ = ["SettingsChanges"]
