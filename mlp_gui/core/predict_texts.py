"""The explanations a predict question shows after the step: plain text lines with the numbers that decide it.

The weight lines are the one-weight panel's (:mod:`mlp_gui.gui.weight_panel`), from the same
:class:`~mlp_gui.core.one_weight.WeightStep`: value, gradient as a sum of per-sample terms, and the next value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mlp_gui.core.flat_layout import Params
from mlp_gui.core.one_weight import WeightStep
from mlp_gui.core.plural import count
from mlp_gui.core.update_rule import GradientDescent, UpdateRule

if TYPE_CHECKING:
    from mlp_gui.core.predict import NextStep


def pulls(terms: np.ndarray) -> str:
    """Which way the samples pull: how many each way, and the one that pulls hardest with its share of the sum
    (the one-weight panel's line)."""
    if terms.size == 0:
        return "no samples"
    down, up = int(np.sum(terms > 0)), int(np.sum(terms < 0))  # a positive term lowers the weight
    hardest = int(np.argmax(np.abs(terms)))
    total = float(np.sum(np.abs(terms)))
    share = f", {abs(terms[hardest]) / total:.0%} of all pulling" if total > 0 else ""
    return f"{count(down, 'sample')} push{'es' if down == 1 else ''} it down, {up:,} up; hardest: sample {hardest}{share}"


def plain_descent(rule: UpdateRule) -> bool:
    """Plain gradient descent on the data's gradient alone (no penalty joins it): ``Δw = −η · ∂L/∂w``."""
    return rule.name == GradientDescent.name and getattr(rule, "penalty", None) is None  # rules before penalties had none


def weight_lines(step: WeightStep, *, rule: UpdateRule) -> list[str]:
    """The one-weight panel's explanation of ``step`` as plain lines: value, gradient, pulls, next value."""
    name, eta = step.ref.name, step.stepsize
    term = f"{step.delta_name} · {step.input_name}" if step.input_name else step.delta_name
    if plain_descent(rule):
        nxt = f"{name} − η · ∂L/∂{name} = {step.value:.9g} − {eta:g} × ({step.gradient:.9g})"
    else:
        nxt = f"{name} + Δ{name} = {step.value:.9g} + ({step.change:.9g}), by {rule.formula}"
    return [
        f"{name} at epoch {step.epoch:,}: {step.ref.meaning}",
        f"value: {step.value!r}",
        f"gradient: ∂L/∂{name} = Σ_s {term} over {count(step.samples, 'sample')} = {step.gradient:.9g}",
        f"  {pulls(step.terms)}",
        f"next: {nxt}",
        f"  = {step.next_value!r}",
    ]


def sign_lines(step: WeightStep, updates: int, after: float, *, rule: UpdateRule) -> list[str]:
    """Why ``step.ref`` grows or shrinks over the coming epoch of ``updates`` parameter updates, ending at ``after``."""
    name, change = step.ref.name, after - step.value
    lines = weight_lines(step, rule=rule)
    if updates > 1:
        lines.append(f"That is one full-batch step; an epoch here takes {updates:,} mini-batch steps, which together take "
                     f"{name} to {after!r}.")
    if change == 0:
        lines.append(f"So {name} stays where it is.")
        return lines
    way = "grows" if change > 0 else "shrinks"
    lines.append(f"So {name} {way}: Δ{name} = {change:+.6g}.")
    if plain_descent(rule) and updates == 1 and step.gradient != 0:
        sign = ">" if step.gradient > 0 else "<"
        lines.append(f"Gradient descent moves a weight against its gradient: ∂L/∂{name} {sign} 0, so it {way}.")
    return lines


def first_order(grads: Params, before: Params, after: Params) -> float:
    """``∂L/∂θ · Δθ``: the change in the loss the slope alone predicts for the step from ``before`` to ``after``."""
    total = 0.0
    for g, b, a in zip(grads, before, after):
        total += float(np.sum(g.W * (a.W - b.W))) + float(np.sum(g.b * (a.b - b.b)))
    return total


def loss_lines(step: NextStep, grads: Params, *, stepsize: float) -> list[str]:
    """Why the loss falls or rises over the coming epoch: the two losses and what the slope predicted."""
    before, after = step.loss_before, step.loss_after
    lines = [f"loss now: {before:.9g}", f"after Step 1: {after:.9g}"]
    if not np.isfinite(after):
        lines.append(f"The loss became {after}: the step was far too large (try a smaller stepsize than {stepsize:g}).")
        return lines
    change = after - before
    slope = first_order(grads, step.before, step.after)
    lines.append(f"change: {change:+.6g}, so the loss {'falls' if change < 0 else 'rises'}.")
    lines.append(f"The slope alone predicted ∂L/∂θ · Δθ = {slope:+.6g} (the gradient times the step, over every parameter).")
    if step.updates > 1:
        lines.append(f"The epoch takes {step.updates:,} mini-batch steps: each follows its own batch's gradient, so "
                     "the loss of the whole set need not fall.")
    elif slope < 0 <= change:
        lines.append(f"The step went further than the slope holds: the loss curves up within it (a stepsize smaller than "
                     f"{stepsize:g} would make it fall).")
    return lines


def sample_lines(step: WeightStep, shown: Sequence[int], hardest: int) -> list[str]:
    """Each shown sample's term in ``∂L/∂w``, and that they all sum to the gradient."""
    name = step.ref.name
    term = f"{step.delta_name} · {step.input_name}" if step.input_name else step.delta_name
    lines = [f"sample {s}: {term.replace(', s]', f', {s}]')} = {step.terms[s]:+.6g}" for s in shown]
    lines.append(f"Sample {hardest}'s term is the largest in size; all {count(step.samples, 'term')} sum to "
                 f"∂L/∂{name} = {step.gradient:.9g}.")
    lines.append(f"  {pulls(step.terms)}")
    return lines


def layer_lines(norms: np.ndarray, top: int) -> list[str]:
    """Every layer's gradient norm, and which is largest."""
    lines = [f"‖∂L/∂W{k}‖ = {norm:.6g}" for k, norm in enumerate(norms, start=1)]
    lines.append(f"W{top}'s gradient is the largest. On its way back, δ is multiplied by each layer's weights and "
                 "activation slopes, so the layers' gradients can differ by orders of magnitude.")
    return lines


__all__ = ["first_order", "layer_lines", "plain_descent", "loss_lines", "pulls", "sample_lines", "sign_lines", "weight_lines"]
