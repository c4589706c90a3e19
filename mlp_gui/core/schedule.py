"""Stepsize decay: the stepsize of the update at epoch t is ``η·F^⌊t/N⌋`` (PyTorch's ``StepLR`` stepped once an epoch).

Epochs count from 0: the update that takes epoch t to t + 1 (every mini-batch step of that epoch) uses
``η·F^⌊t/N⌋``, so the first N epochs step with η itself. ``η`` is the run's stepsize now: when it is changed
midway, the decay goes on counting from epoch 0 (the next update after epoch t steps with the new ``η·F^⌊t/N⌋``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepDecay:
    """Multiply the stepsize by ``factor`` every ``every`` epochs (``every`` 0 or ``factor`` 1: no decay)."""

    every: int = 0
    factor: float = 1.0

    @classmethod
    def of(cls, config: object) -> StepDecay:
        """The decay a run's settings ask for (``decay_every``, ``decay_factor``; none when it has neither)."""
        return cls(int(getattr(config, "decay_every", 0) or 0), float(getattr(config, "decay_factor", 1.0)))

    @property
    def active(self) -> bool:
        return self.every > 0 and self.factor != 1.0

    def at(self, stepsize: float, epoch: int) -> float:
        """The stepsize of the update from ``epoch`` to ``epoch + 1`` when the run's stepsize is ``stepsize``."""
        if not self.active:
            return stepsize
        return stepsize * self.factor ** (int(epoch) // self.every)

    def describe(self) -> str:
        """``× 0.5 every 100 epochs`` (empty when off)."""
        return f"× {self.factor:g} every {self.every:,} epochs" if self.active else ""


NO_DECAY = StepDecay()

__all__ = ["NO_DECAY", "StepDecay"]
