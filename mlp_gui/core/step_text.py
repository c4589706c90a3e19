"""One parameter's next step written out with its own numbers, for any update rule (the weight panel's lines).

:func:`step_lines` turns a :class:`~mlp_gui.core.step_terms.StepTerms` into the formulas a student can redo on a
calculator: the penalty's share of the gradient, the rule's state before and after (momentum's v, RMSprop's s,
Adam's m, v, t and bias corrections) and the change, each with the numbers the run's own step computes.
:func:`update_formula` is the rule in symbols (with the penalty's gradient when there is one); "" for the
notebook's plain gradient descent, whose views write ``−stepsize · ∂L/∂W``. :func:`update_heading` is the heatmaps'
update column's heading in forms from the whole to the narrowest.
"""

from __future__ import annotations

import math

from mlp_gui.core.schedule import StepDecay
from mlp_gui.core.step_terms import StepTerms
from mlp_gui.core.update_rule import GradientDescent, UpdateRule

HEADING_CHARS = 24  # a longer ΔW formula is named, not written, in a column heading


def n(value: float) -> str:
    """A number of the formulas: nine significant digits."""
    return f"{value:.9g}"


def is_plain(rule: UpdateRule) -> bool:
    """The notebook's update: gradient descent without a penalty."""
    return rule.name == GradientDescent.name and rule.penalty is None


def unhatted(formula: str) -> str:
    """Adam's m̂ and √v̂ written out (m/(1−β₁ᵗ), √(v/(1−β₂ᵗ))): Qt draws the combining hats askew, off their letters."""
    return formula.replace("m̂", "m/(1−β₁ᵗ)").replace("√v̂", "√(v/(1−β₂ᵗ))")


def update_formula(rule: UpdateRule) -> str:
    """The rule's ΔW in symbols, with the penalty's ``g = ∂L/∂W + λ₂·W`` when it has one ("" for plain descent)."""
    if is_plain(rule):
        return ""
    penalty = rule.penalty
    text = unhatted(rule.formula) if rule.name != GradientDescent.name else "ΔW = −stepsize · g"
    if penalty is None:
        return text
    grads = [t for t, on in (("λ₁·sign(W)", penalty.l1), ("λ₂·W", penalty.l2)) if on]
    return f"{text};  g = ∂L/∂W + {' + '.join(grads)}"


def update_clause(rule: UpdateRule, stepsize: float) -> str:
    """A column heading's ΔW, short enough to sit over a heatmap: ``ΔW = −0.01 · v``, or for a longer formula (Adam's)
    ``ΔW: adam step, η = 0.01``; with a penalty, which one (``, with L2``: the whole formula is in the hover)."""
    if is_plain(rule):
        return f"ΔW = −{stepsize:g}·∂L/∂W"
    formula = update_formula(rule)
    clause = next((part.strip() for part in formula.split(";") if part.strip().startswith("ΔW")), formula)
    clause = clause.replace("stepsize", f"{stepsize:g}")
    if len(clause) > HEADING_CHARS:
        clause = f"ΔW: {rule.name} step, η = {stepsize:g}"
    penalty = penalty_words(rule)
    return f"{clause}, {penalty}" if penalty else clause


def penalty_words(rule: UpdateRule) -> str:
    """``with L1``, ``with L1 and L2``, or "" without a penalty: a heading's name for the penalty."""
    penalty = rule.penalty
    if penalty is None:
        return ""
    return "with " + " and ".join(name for name, on in (("L1", penalty.l1), ("L2", penalty.l2)) if on)


def update_heading(rule: UpdateRule, stepsize: float) -> tuple[tuple[str, ...], ...]:
    """The update column's heading in forms from the whole to the shortest, each a tuple of lines: ``update`` and
    :func:`update_clause` on one line, then on two, then the rule (``ΔW: adam step, η = 0.01``) over the penalty
    (``with L1``), then shorter words for the rule (``adam, η = 0.01``), at last ``adam, L1`` over ``η = 0.01``. A
    narrow column shows the first that fits."""
    clause, penalty = update_clause(rule, stepsize), penalty_words(rule)
    forms: list[tuple[str, ...]] = [(f"update {clause}",), ("update", clause)]
    rule_part = clause.removesuffix(f", {penalty}") if penalty else clause
    short = rule_part.replace(f"ΔW: {rule.name} step,", f"{rule.name},")
    for part in dict.fromkeys((rule_part, short.replace(f"{rule.name},", f"ΔW: {rule.name},"), short)):
        forms.append((part, penalty) if penalty else ("update", part))
    eta = f"η = {stepsize:g}"  # the narrowest: the rule's name (and penalty's) over the stepsize, both kept
    if is_plain(rule):
        forms.append(("ΔW =", clause.removeprefix("ΔW = ")))
    else:
        forms.append((f"{rule.name}, {penalty.removeprefix('with ')}" if penalty else rule.name, eta))
    return tuple(dict.fromkeys(forms))


def stepsize_line(stepsize: float, decay: StepDecay, epoch: int) -> str:
    """``η = 0.1 × 0.5^⌊250/100⌋ = 0.025`` at ``epoch`` with a decay, else ``η = 0.1`` (``stepsize``: the run's η)."""
    if not decay.active:
        return f"η = {stepsize:g}"
    power = int(epoch) // decay.every
    return (f"η = {stepsize:g} × {decay.factor:g}^⌊{int(epoch):,}/{decay.every:,}⌋ = {stepsize:g} × {decay.factor:g}^{power}"
            f" = {n(decay.at(stepsize, epoch))}")


def penalty_line(rule: UpdateRule, terms: StepTerms, name: str, value: float) -> str:
    """``g = ∂L/∂w + λ₂·w = … + 0.001 × … = …`` (a bias: no penalty), or "" without a penalty."""
    penalty = rule.penalty
    if penalty is None:
        return ""
    if name.startswith("b"):
        return f"g = ∂L/∂{name} = {n(terms.total)}   (the penalty is on the weights only, not the biases)"
    symbols = [t for t, on in (("λ₁·sign(w)", penalty.l1), ("λ₂·w", penalty.l2)) if on]
    numbers = [t for t, on in ((f"{penalty.l1:g} × sign({n(value)})", penalty.l1), (f"{penalty.l2:g} × ({n(value)})", penalty.l2)) if on]
    return f"g = ∂L/∂{name} + {' + '.join(symbols)} = {n(terms.grad)} + {' + '.join(numbers)} = {n(terms.total)}"


def step_lines(rule: UpdateRule, terms: StepTerms, name: str, value: float) -> list[str]:
    """The next step of parameter ``name`` (value ``value``) under ``rule``, line by line with its numbers; the last
    line is ``name + Δ = …`` whose sum is the value the step gives it (the caller prints that sum)."""
    lines = [line for line in (penalty_line(rule, terms, name, value),) if line]
    g = "g" if rule.penalty is not None else f"∂L/∂{name}"
    eta, b, a = f"{terms.stepsize:g}", terms.before, terms.after
    if rule.name == GradientDescent.name:
        lines.append(f"{name} − η · {g} = {n(value)} − {eta} × ({n(terms.total)})")
        return lines
    if rule.name in ("momentum", "nesterov") and "velocity" in a:
        mu = f"{rule.momentum:g}"
        lines.append(f"v ← μ·v + {g} = {mu} × ({n(b['velocity'])}) + ({n(terms.total)}) = {n(a['velocity'])}")
        if rule.name == "momentum":
            lines.append(f"{name} − η · v = {n(value)} − {eta} × ({n(a['velocity'])})")
        else:
            lines.append(f"{name} − η · ({g} + μ·v) = {n(value)} − {eta} × ({n(terms.total)} + {mu} × {n(a['velocity'])})")
        return lines
    if rule.name == "rmsprop" and "square_avg" in a:
        rho = rule.rho
        lines.append(f"s ← ρ·s + (1−ρ)·{g}² = {rho:g} × {n(b['square_avg'])} + {1 - rho:.6g} × ({n(terms.total)})²"
                     f" = {n(a['square_avg'])}")
        lines.append(f"{name} − η · {g} / (√s + ε) = {n(value)} − {eta} × ({n(terms.total)}) / "
                     f"({n(math.sqrt(a['square_avg']))} + {rule.eps:g})")
        return lines
    if rule.name == "adam" and "exp_avg" in a:
        return lines + adam_lines(rule, terms, name, value, g)
    lines.append(f"{name} + Δ{name} = {n(value)} + ({n(terms.change)}), by {rule.formula}")
    return lines


def adam_lines(rule: UpdateRule, terms: StepTerms, name: str, value: float, g: str) -> list[str]:
    """Adam's step: t, m and v before and after, the bias corrections, m̂ and √v̂, and the change."""
    b, a = terms.before, terms.after
    corrections = terms.corrections(rule)
    first, root = corrections["1 − β₁ᵗ"], corrections["√(1 − β₂ᵗ)"]
    m, v = a["exp_avg"], a["exp_avg_sq"]
    b1, b2 = rule.beta1, rule.beta2
    t = int(a["step"])
    return [
        f"t = {t:,} (Adam's steps, this one included)",
        f"m ← β₁m + (1−β₁){g} = {b1:g} × ({n(b['exp_avg'])}) + {1 - b1:.6g} × ({n(terms.total)}) = {n(m)}",
        f"v ← β₂v + (1−β₂){g}² = {b2:g} × {n(b['exp_avg_sq'])} + {1 - b2:.6g} × ({n(terms.total)})² = {n(v)}",
        f"corrected m: m / (1−β₁ᵗ) = {n(m)} / {n(first)} = {n(m / first)}",
        f"corrected √v: √v / √(1−β₂ᵗ) = {n(math.sqrt(v))} / {n(root)} = {n(math.sqrt(v) / root)}",
        f"{name} − η · corrected m / (corrected √v + ε) = {n(value)} − {terms.stepsize:g} × {n(m / first)} / "
        f"({n(math.sqrt(v) / root)} + {rule.eps:g})",
    ]


__all__ = ["is_plain", "penalty_words", "step_lines", "stepsize_line", "unhatted", "update_clause", "update_formula",
           "update_heading"]
