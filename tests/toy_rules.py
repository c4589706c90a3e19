"""Toy update rules for the tests: registered (or passed to a Trainer) by a test alone, known to no production file.

Each test module subclasses :class:`HeavyBall` with a name of its own (and the counters it checks), so that two
modules never register one name."""

import numpy as np

from mlp_gui.core.update_rule import UpdateRule


class HeavyBall(UpdateRule):
    """v ← μ·v + g, θ ← θ − η·v, adding one to each of its counters a step: a rule with state (its sign can go
    against the gradient)."""

    formula = "v ← μ·v + ∂L/∂W;  ΔW = −stepsize · v"
    state_names = ("velocity",)
    settings = ("momentum",)

    def __init__(self, momentum: float = 0.9) -> None:
        self.momentum = momentum

    def step(self, theta, grad, state, stepsize, out):
        v = state["velocity"]
        np.multiply(v, self.momentum, out=v)
        np.add(v, grad, out=v)
        for counter in self.counter_names:
            state[counter] += 1
        return np.multiply(v, stepsize, out=out)
