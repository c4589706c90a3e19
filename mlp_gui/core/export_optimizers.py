"""The update step of an exported run as source text: the optimizer, the L1/L2 penalty, stepsize decay and settings
changed midway, written for a student to read.

Each update is written the way the course notebook writes gradient descent (a loop over the parameters), with its
state named as in the formulas (momentum's ``v``, RMSprop's ``s``, Adam's ``m`` and ``v``), and does the same
floating-point operations in the same order as :mod:`mlp_gui.core.optimizers`, :mod:`mlp_gui.core.penalty` and
:mod:`mlp_gui.core.schedule` (the trainer applies them to one flat buffer; every operation is elementwise, so per
array it is the same arithmetic). A change to a formula there needs the same change here: the export tests run
every optimizer with and without a penalty and decay and compare the results bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlp_gui.core.update_rule import UPDATE_RULES

#: the optimizers the export writes (a rule registered by a plug-in is not among them)
WRITTEN = ("gd", "momentum", "nesterov", "rmsprop", "adam")
#: settings besides the optimizer's own numbers that shape every update
SHARED = ("l1", "l2", "decay_every", "decay_factor")
#: each optimizer's name in the comments
TITLES = {"gd": "gradient descent", "momentum": "momentum", "nesterov": "Nesterov momentum", "rmsprop": "RMSprop",
          "adam": "Adam"}


@dataclass(frozen=True)
class UpdatePlan:
    """What the exported update needs: the optimizer, the settings it starts with, the changes made midway, and
    which parts (penalty terms, decay, Adam's two forms of the mean's update) the run ever uses."""

    optimizer: str
    start: dict[str, float]  # the settings the update reads (the optimizer's numbers and SHARED), at epoch 0
    changes: dict[int, dict[str, float]]  # from epoch e on, these values (only settings the update reads)
    stages: tuple[dict[str, float], ...]  # every combination of values in force, in order

    def uses(self, name: str) -> bool:
        """Whether ``name`` (l1, l2) is ever non-zero, so its code is written."""
        return any(stage[name] for stage in self.stages)

    def varies(self, name: str) -> bool:
        """Whether ``name`` is zero in some stages and not in others (its code then checks it)."""
        return self.uses(name) and not all(stage[name] for stage in self.stages)

    @property
    def decays(self) -> bool:
        return any(_decaying(stage) for stage in self.stages)

    @property
    def decay_varies(self) -> bool:
        return self.decays and not all(_decaying(stage) for stage in self.stages)

    @property
    def adam_forms(self) -> set[bool]:
        """PyTorch's two forms of Adam's ``m`` update: True where |1 − β₁| < 0.5 (the small weight's), False else."""
        return {abs(1 - stage["beta1"]) < 0.5 for stage in self.stages} if self.optimizer == "adam" else set()


def _decaying(stage: dict[str, float]) -> bool:
    return stage["decay_every"] > 0 and stage["decay_factor"] != 1.0


def update_plan(run: object, *, changes: tuple | None = None) -> UpdatePlan:
    """The :class:`UpdatePlan` of ``run`` (a SavedRun: its config holds the values at its end; ``changes``, by default
    its ``changes``, the rows of the values before: see :func:`mlp_gui.core.export_checks.replayed_rows`)."""
    config = run.config  # type: ignore[attr-defined]
    optimizer = str(getattr(config, "optimizer", "gd"))
    names = tuple(getattr(UPDATE_RULES.get(optimizer), "settings", ())) + SHARED
    rows = tuple(getattr(run, "changes", ()) or ()) if changes is None else changes
    start = {name: _value(name, getattr(config, name)) for name in names}
    changes: dict[int, dict[str, float]] = {}
    for at, values in rows:
        kept = {name: _value(name, value) for name, value in dict(values).items() if name in names}
        if int(at) == 0:
            start.update(kept)
        elif kept:
            changes[int(at)] = kept
    stages, now = [dict(start)], dict(start)
    for at in sorted(changes):
        now.update(changes[at])
        stages.append(dict(now))
    return UpdatePlan(optimizer, start, changes, tuple(stages))


def _value(name: str, value: object) -> float:
    return int(value) if name == "decay_every" else float(value)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the numbers, before the loop

SETTING_COMMENTS = {
    "momentum": "# momentum μ: the share of the velocity v kept each step",
    "nesterov": "# momentum μ: the share of the velocity v kept each step",
    "rmsprop": "# RMSprop's ρ (the share of the mean square s kept each step) and ε (keeps the division finite)",
    "adam": "# Adam's β₁ and β₂ (the shares of the means m and v kept each step) and ε (keeps the division finite)",
}
STATE_LINES = {
    "gd": [],
    "momentum": ["# the velocity v: one array per parameter, zero before the first step",
                 "v = [np.zeros_like(p) for p in parameters]"],
    "rmsprop": ["# s, the running mean of the squared gradients: one array per parameter, zero before the first step",
                "s = [np.zeros_like(p) for p in parameters]"],
    "adam": ["# m, the running mean of the gradients, and v, that of their squares: one array each per parameter,",
             "# zero before the first step; t counts the steps taken",
             "m = [np.zeros_like(p) for p in parameters]", "v = [np.zeros_like(p) for p in parameters]", "t = 0"],
}
STATE_LINES["nesterov"] = STATE_LINES["momentum"]


def setting_lines(plan: UpdatePlan) -> list[str]:
    """The optimizer's numbers, the penalty's λs, the decay and the settings changed midway, as assignments; then
    the optimizer's state."""
    start, lines = plan.start, []
    own = [n for n in start if n not in SHARED]
    if own:
        lines += [SETTING_COMMENTS[plan.optimizer], f"{', '.join(own)} = {', '.join(_number(start[n]) for n in own)}"]
    terms = [(n, t) for n, t in (("l1", "λ₁·Σ|W|"), ("l2", "(λ₂/2)·ΣW²")) if plan.uses(n)]
    if terms:
        lines += [f"# the penalty on the weights (never the biases), added to the loss: {' + '.join(t for _, t in terms)}",
                  f"{', '.join(n for n, _ in terms)} = {', '.join(_number(start[n]) for n, _ in terms)}"]
    if plan.decays:
        lines += ["# stepsize decay: the updates of epoch t (counting from 0) step with stepsize·F^⌊t/N⌋,",
                  "# N = decay_every, F = decay_factor (PyTorch's StepLR, stepped once an epoch)",
                  f"decay_every, decay_factor = {start['decay_every']}, {_number(start['decay_factor'])}"]
    if plan.changes:
        rows = [f"    {at}: {{{', '.join(f'{_quoted(n)}: {_number(v)}' for n, v in values.items())}}},"
                for at, values in plan.changes.items()]
        lines += ["# the run changed these settings midway: from epoch e on, its steps used setting_changes[e]",
                  "setting_changes = {", *rows, "}"]
    return lines + STATE_LINES[plan.optimizer]


def _number(value: float) -> str:
    return repr(value)  # reads back as the same float (an int for decay_every)


def _quoted(name: str) -> str:
    return f'"{name}"'


# ---------------------------------------------------------------- each epoch, and each step


def epoch_lines(plan: UpdatePlan, *, stepsize: str = "stepsize") -> list[str]:
    """At the top of epoch i (indented for the loop): settings changed from epoch i − 1 on, and the decayed stepsize
    ``eta`` when the run decays (``stepsize`` names the run's stepsize η)."""
    lines = []
    if plan.changes:
        names = sorted({n for values in plan.changes.values() for n in values})
        lines += ["    if i - 1 in setting_changes:  # from here on the run stepped with other settings",
                  *(f"        {n} = setting_changes[i - 1].get({_quoted(n)}, {n})" for n in names)]
    if plan.decays:
        lines.append("    # the stepsize of this epoch's updates, decayed: η·F^⌊t/N⌋ after t = i − 1 epochs")
        decayed = f"{stepsize} * decay_factor ** ((i - 1) // decay_every)"
        if plan.decay_varies:
            decayed += f" if decay_every > 0 and decay_factor != 1.0 else {stepsize}"
        lines.append(f"    eta = {decayed}")
    return lines


def update_lines(plan: UpdatePlan, *, indent: int, stepsize: str) -> list[str]:
    """One step of the run's optimizer on every parameter, ``gradients`` the data's (the penalty's are added here),
    ``stepsize`` the name of this epoch's stepsize; indented by ``indent`` spaces."""
    if plan.optimizer == "gd" and not (plan.uses("l1") or plan.uses("l2")):
        body = ["# gradient descent: every parameter p ← p − stepsize · ∂L/∂p",
                "for j in range(len(parameters)):",
                f"    parameters[j] = parameters[j] - (gradients[j] * {stepsize})"]
    else:
        body = [*_counter_lines(plan), "for j in range(len(parameters)):", "    g = gradients[j]",
                *_penalty_lines(plan), *_step_lines(plan, stepsize)]
    return [" " * indent + line for line in body]


def _counter_lines(plan: UpdatePlan) -> list[str]:
    if plan.optimizer != "adam":
        return []
    return ["# Adam counts its steps: the bias corrections 1 − β₁ᵗ and √(1 − β₂ᵗ) undo the means' start at zero",
            "t = t + 1", "correction1 = 1 - beta1 ** t", "root2 = np.sqrt(1 - beta2 ** t)"]


def _penalty_lines(plan: UpdatePlan) -> list[str]:
    lines = []
    terms = [t for n, t in (("l1", "λ₁·sign(W)"), ("l2", "λ₂·W")) if plan.uses(n)]
    if terms:
        lambdas = "λ is" if len(terms) == 1 else "λs are"
        lines += [f"    # the penalty's gradient joins the weights' gradients: g ← g + {' + '.join(terms)}. The parameters",
                  f"    # alternate W1, b1, W2, b2, …: on a bias (odd j) the {lambdas} 0, so nothing changes"]
    for name, term in (("l1", "np.sign(parameters[j])"), ("l2", "parameters[j]")):
        if not plan.uses(name):
            continue
        line = f"g = g + {term} * ({name} if j % 2 == 0 else 0.0)"
        lines += [f"    if {name}:", f"        {line}"] if plan.varies(name) else [f"    {line}"]
    return lines


def _step_lines(plan: UpdatePlan, eta: str) -> list[str]:
    name = plan.optimizer
    if name == "gd":
        return ["    # gradient descent: p ← p − stepsize · g", f"    parameters[j] = parameters[j] - (g * {eta})"]
    if name == "momentum":
        return ["    # momentum: v ← μ·v + g, then p ← p − stepsize · v",
                "    v[j] = v[j] * momentum + g",
                f"    parameters[j] = parameters[j] - v[j] * {eta}"]
    if name == "nesterov":
        return ["    # Nesterov momentum: v ← μ·v + g, then p ← p − stepsize · (g + μ·v)",
                "    v[j] = v[j] * momentum + g",
                f"    parameters[j] = parameters[j] - (g + v[j] * momentum) * {eta}"]
    if name == "rmsprop":
        return ["    # RMSprop: s ← ρ·s + (1−ρ)·g², then p ← p − stepsize · g / (√s + ε)",
                "    s[j] = s[j] * rho + (1 - rho) * g * g",
                f"    parameters[j] = parameters[j] - {eta} * g / (np.sqrt(s[j]) + eps)"]
    return _adam_lines(plan, eta)


def _adam_lines(plan: UpdatePlan, eta: str) -> list[str]:
    small = "m[j] = m[j] + (1 - beta1) * (g - m[j])"
    large = "m[j] = g - (1 - (1 - beta1)) * (g - m[j])"
    forms = plan.adam_forms
    lines = ["    # Adam: m ← β₁·m + (1−β₁)·g and v ← β₂·v + (1−β₂)·g², then p ← p − stepsize · m̂ / (√v̂ + ε) with",
             "    # m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). Written as PyTorch computes it, to the last bit: m moves towards g"]
    if forms == {True, False}:
        lines += ["    # by (1−β₁)·(g − m) (from g back, when β₁ ≤ 0.5), and the step is (stepsize/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)",
                  "    if abs(1 - beta1) < 0.5:", f"        {small}", "    else:", f"        {large}"]
    else:
        how = "by (1−β₁)·(g − m)" if True in forms else "from g back by β₁·(g − m)"
        lines += [f"    # {how}, and the step is (stepsize/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)",
                  f"    {small if True in forms else large}"]
    return lines + ["    v[j] = v[j] * beta2 + (1 - beta2) * g * g",
                    f"    parameters[j] = parameters[j] - ({eta} / correction1) * m[j] / (np.sqrt(v[j]) / root2 + eps)"]


def described(plan: UpdatePlan) -> str:
    """``Adam, an L2 penalty and stepsize decay`` (empty for plain gradient descent with neither)."""
    parts = [f"an {n.upper()} penalty" for n in ("l1", "l2") if plan.uses(n)] + ["stepsize decay"] * plan.decays
    if plan.optimizer == "gd" and not parts:
        return ""
    parts.insert(0, TITLES[plan.optimizer])
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


__all__ = ["SHARED", "WRITTEN", "UpdatePlan", "described", "epoch_lines", "setting_lines", "update_lines", "update_plan"]
