"""Update rules: how a step turns the gradient into new parameters, written once for every caller.

A rule works on the flat buffers (see :mod:`mlp_gui.core.flat_layout`). Each step it computes an amount
``u`` and the parameters become ``θ − u``; plain gradient descent's ``u`` is ``g · stepsize``. Optimizers
with memory (momentum's velocity, Adam's m, v and step count) keep it in a *state*: a dict of named float64
arrays shaped like θ, and counters (int64, 0-d; one per run for a stack), plain arrays that trainer states,
snapshots and run files can keep beside θ, so that going back and resuming stay exact.

- :meth:`UpdateRule.apply` is the hot loop's: ``θ`` and the state change in place (given a scratch buffer,
  nothing is allocated).
- :meth:`UpdateRule.delta` is every view's that shows ΔW or the next value: the ``−u`` the next
  :meth:`~UpdateRule.apply` would make, with nothing changed; ``θ + delta`` is apply's ``θ − u`` to the bit.

A rule is a small subclass naming its state (and its settings) and writing ``u`` once, in
:meth:`UpdateRule.step`; :func:`register` makes it usable everywhere by its name (:func:`rule_named`), and
:func:`rule_for` is the one place a run's rule is made, from its settings or from its run file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from mlp_gui.core.flat_layout import FlatLayout, Layer, Params
from mlp_gui.core.optimizer_settings import OPTIMIZERS
from mlp_gui.core.penalty import Penalty, penalty_for

State = dict[str, np.ndarray]
Stepsize = float | np.ndarray  # a number, or one per run of a stack (shape ``(runs, 1)``)


class UpdateRule:
    """The base of every rule: subclasses set :attr:`name`, :attr:`state_names` (and :attr:`counter_names`)
    and write :meth:`step`."""

    name: ClassVar[str] = ""
    formula: ClassVar[str] = ""  # ΔW in words, for the views
    state_names: ClassVar[tuple[str, ...]] = ()  # per-parameter float64 arrays, each shaped like θ
    counter_names: ClassVar[tuple[str, ...]] = ()  # steps taken and the like: int64, one per run (0-d for one run)
    # numbers the rule is made with: its keyword arguments and attributes, and the run's settings of the same names
    settings: ClassVar[tuple[str, ...]] = ()
    #: the run's L1/L2 penalty (:mod:`mlp_gui.core.penalty`): its gradient joins ``grad`` before :meth:`step` sees it,
    #: in :meth:`apply` and :meth:`delta` alike. None: no penalty (nothing added, nothing computed)
    penalty: Penalty | None = None

    def as_dict(self) -> dict[str, str | float]:
        """The rule's name and settings, as a run file keeps them (:func:`rule_for` makes the rule again from it)."""
        return {"name": self.name, **{key: float(getattr(self, key)) for key in self.settings}}

    def state_size(self, size: int) -> int:
        """How many numbers the state holds for a buffer of ``size`` parameters (the snapshot budget counts them)."""
        return len(self.state_names) * int(size) + len(self.counter_names)

    def new_state(self, size: int, lead: tuple[int, ...] = ()) -> State:
        """The state before the first step, for a buffer of ``size`` parameters (``lead``: a stack of runs)."""
        state = {name: np.zeros(tuple(lead) + (int(size),)) for name in self.state_names}
        state.update({name: np.zeros(tuple(lead), dtype=np.int64) for name in self.counter_names})
        return state

    def step(self, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: Stepsize, out: np.ndarray) -> np.ndarray:
        """Write ``u`` (the step is ``θ ← θ − u``) into ``out`` and return it; advance ``state`` in place.

        ``theta`` is only read; ``out`` is a buffer of its own (never ``grad``'s), so a rule may write it early.
        ``grad`` already holds the penalty's gradient (:attr:`penalty`). Called by :meth:`apply` on the real state
        and by :meth:`delta` on a copy.
        """
        raise NotImplementedError

    def apply(self, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: Stepsize,
              scratch: np.ndarray | None = None) -> None:
        """One step in place: ``θ ← θ − u`` and the state advanced. ``scratch``: a buffer like ``θ`` for ``u``
        (the hot loop passes one, so nothing is allocated)."""
        if self.penalty is not None:
            grad = self.penalty.gradient(theta, grad)
        u = self.step(theta, grad, state, stepsize, np.empty_like(theta) if scratch is None else scratch)
        np.subtract(theta, u, out=theta)

    def delta(self, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: Stepsize) -> np.ndarray:
        """``−u``: the change the next :meth:`apply` makes to ``θ`` (a new array; ``θ`` and ``state`` unchanged)."""
        if self.penalty is not None:
            grad = self.penalty.gradient(theta, grad)
        u = self.step(theta, grad, copy_state(state), stepsize, np.empty_like(theta))
        return np.negative(u, out=u)

    def update_norms(self, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: float, *, starts: np.ndarray,
                     grad_norms: np.ndarray, out: np.ndarray) -> np.ndarray:
        """‖Δθ‖ of each segment beginning at ``starts`` (each layer's W and b) for the next step, into ``out``.

        By default the norms of :meth:`delta`; ``grad_norms`` (the same segments of ``grad``) serve rules that
        can say it in fewer operations. Nothing changes.
        """
        change = self.delta(theta, grad, state, stepsize)
        return np.sqrt(np.add.reduceat(change * change, starts), out=out)

    def check_state(self, state: State, size: int, lead: tuple[int, ...] = (), *, values: bool = True) -> str | None:
        """What is wrong with ``state`` for a buffer of ``size`` parameters (from a file, say), or None.

        ``lead``: the state's leading axes (several snapshots' states stacked). ``values``: check the numbers too
        (finite arrays, counts not negative), not only names, shapes and types.
        """
        if set(state) != set(self.state_names + self.counter_names):
            want = ", ".join(self.state_names + self.counter_names) or "none"
            return f"the {self.name} update keeps {want}, not {', '.join(sorted(state)) or 'none'}"
        for name in self.state_names:
            value = np.asarray(state[name])
            if value.shape != tuple(lead) + (size,) or value.dtype != np.float64 or (values and not np.all(np.isfinite(value))):
                return f"the {self.name} state {name!r} is not {size} finite numbers"
        for name in self.counter_names:
            value = np.asarray(state[name])
            if value.shape != tuple(lead) or value.dtype != np.int64 or (values and np.any(value < 0)):
                return f"the {self.name} counter {name!r} is not a count"
        return None


class GradientDescent(UpdateRule):
    """The notebook's plain gradient descent: ``θ ← θ − stepsize · g``; no state."""

    name = "gd"
    formula = "ΔW = −stepsize · ∂L/∂W"

    def step(self, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: Stepsize, out: np.ndarray) -> np.ndarray:
        return np.multiply(grad, stepsize, out=out)  # with apply's subtract: the notebook's two operations, to the bit

    def update_norms(self, theta: np.ndarray, grad: np.ndarray, state: State, stepsize: float, *, starts: np.ndarray,
                     grad_norms: np.ndarray, out: np.ndarray) -> np.ndarray:
        if self.penalty is not None:  # the step follows the total gradient, not the data gradient the norms are of
            return super().update_norms(theta, grad, state, stepsize, starts=starts, grad_norms=grad_norms, out=out)
        return np.multiply(grad_norms, abs(stepsize), out=out)  # |η|·‖g‖: what run files have always kept


UPDATE_RULES: dict[str, type[UpdateRule]] = {}


def register(rule_class: type[UpdateRule]) -> type[UpdateRule]:
    """Make ``rule_class`` usable everywhere by its ``name`` (also as a class decorator); returns it."""
    name = rule_class.name
    if not name or not isinstance(name, str):
        raise ValueError(f"{rule_class.__name__} needs a name to be registered")
    if UPDATE_RULES.get(name, rule_class) is not rule_class:
        raise ValueError(f"an update rule named {name!r} is already registered")
    UPDATE_RULES[name] = rule_class
    return rule_class


def rule_named(name: str, **settings: float) -> UpdateRule:
    """A new rule of the registered class ``name``, with its settings (e.g. ``momentum=0.9``); ValueError naming
    what is wrong."""
    if name not in UPDATE_RULES:
        raise ValueError(f"unknown update rule {name!r}; choose one of {', '.join(UPDATE_RULES)}")
    rule_class = UPDATE_RULES[name]
    for key, value in settings.items():
        if key not in rule_class.settings:
            raise ValueError(f"the {name} update has no setting {key!r}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"the {name} update's {key} must be a finite number, not {value!r}")
    return rule_class(**settings)


def rule_for(config: object, saved: Mapping[str, object] | None = None) -> UpdateRule:
    """The update rule of a run: the one its settings name, else the one its run file kept, else gradient descent.

    Settings name a rule with an ``optimizer`` field; the rule's own settings are the config's fields of the
    same names (:attr:`UpdateRule.settings`); their ``l1`` and ``l2`` give it its :attr:`UpdateRule.penalty`.
    ``saved``: what a run file kept (:meth:`UpdateRule.as_dict`); when the settings name a rule too, the two must
    agree. ValueError (one line) for an unknown or bad rule.
    """
    name = getattr(config, "optimizer", None)
    if name == GradientDescent.name and saved is not None and saved.get("name") not in (name, *OPTIMIZERS):
        name = None  # a rule registered by a plug-in, which no setting names: the file's (plain descent is the default)
    if name is not None:
        settings = {key: getattr(config, key) for key in getattr(UPDATE_RULES.get(name), "settings", ())}
        rule = rule_named(str(name), **settings)
        rule.penalty = penalty_for(config)
        if saved is not None and dict(saved) != rule.as_dict():
            raise ValueError(f"the file's update rule {_described(saved)} is not the settings' {_described(rule.as_dict())}")
        return rule
    if saved is None:
        return GradientDescent()
    if not isinstance(saved.get("name"), str):
        raise ValueError("the update rule has no name")
    rule = rule_named(str(saved["name"]), **{k: v for k, v in saved.items() if k != "name"})
    rule.penalty = penalty_for(config)
    return rule


def _described(rule: Mapping[str, object]) -> str:
    settings = ", ".join(f"{k}={v!r}" for k, v in rule.items() if k != "name")
    return f"{rule.get('name')!r}" + (f" ({settings})" if settings else "")


def copy_state(state: State) -> State:
    """A copy of ``state`` that later steps leave alone."""
    return {name: np.array(value, copy=True) for name, value in state.items()}


def restore_state(into: State, source: State) -> None:
    """Put ``source``'s values into ``into``'s arrays, in place (the hot loop may hold them)."""
    for name, value in into.items():
        value[...] = source[name]


register(GradientDescent)
from mlp_gui.core import optimizers  # noqa: E402, F401  (registers momentum, nesterov, rmsprop and adam)


def layer_updates(layers: Sequence[Layer], grads: Sequence[Layer], stepsize: float, *, rule: UpdateRule | None = None,
                  state: State | None = None) -> Params:
    """ΔW and Δb of every layer: what the next step of ``rule`` (gd by default) adds to ``layers``, new arrays.

    ``state`` is the rule's state now (a fresh one by default, as at a run's start).
    """
    layout = FlatLayout.for_layers(layers)
    rule = rule or GradientDescent()
    state = rule.new_state(layout.size) if state is None else state
    return layout.views(rule.delta(layout.pack(layers), layout.pack(grads), state, stepsize))


__all__ = ["UPDATE_RULES", "GradientDescent", "State", "Stepsize", "UpdateRule", "copy_state", "layer_updates", "register",
           "restore_state", "rule_for", "rule_named"]
