"""Predict, then see: one question about the coming Step 1, drawn from the run's own numbers, and a running score.

:func:`next_step` takes the coming epoch on copies, exactly as the trainer will (the update rule's own
:meth:`~mlp_gui.core.update_rule.UpdateRule.apply`, mini-batches drawn as :func:`~mlp_gui.core.data.batches`
draws them), so the answers are the step's, to the bit. :func:`draw_question` asks one of four things:

- ``sign``: will a weight grow or shrink (a cell whose change is not negligible);
- ``loss``: will the loss fall;
- ``sample``: which sample's term ``δ_l[i, s] · a_{l−1}[j, s]`` in ``∂L/∂W_l[i, j]`` is largest in size (the
  kernel's δ already holds the loss's ``1/M``, so the terms sum to the gradient);
- ``layer``: which layer's gradient ``‖∂L/∂W_l‖`` (Frobenius) is largest.

The kind and the details come from ``numpy.random.default_rng([seed, epoch, SALT])``: the same run at the same epoch
asks the same question. A kind whose answer would be a near tie is not asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.data import batches
from mlp_gui.core.flat_layout import FlatLayout, Params, copy_layers
from mlp_gui.core.network import Kernel, quiet_float
from mlp_gui.core.one_weight import WeightRef, weight_step
from mlp_gui.core.predict_texts import layer_lines, loss_lines, sample_lines, sign_lines
from mlp_gui.core.trainer_state import Snapshot
from mlp_gui.core.update_rule import copy_state

KINDS = ("sign", "loss", "sample", "layer")
SALT = 21  # the questions' own stream: never the mini-batches' default_rng([seed, epoch])
NEGLIGIBLE = 1e-3  # a change below this share of the largest one is not asked about
TIE = 1e-6  # a largest value within this share of the runner-up is a tie: not asked
LOSS_TIE = 1e-12  # a loss change below this share of the loss is in its last digits: not asked


@dataclass(frozen=True)
class NextStep:
    """The coming epoch taken on copies: parameters and loss before and after, and how many updates it makes."""

    before: Params
    after: Params
    loss_before: float
    loss_after: float
    updates: int  # parameter updates in the epoch: 1 full batch, else one per mini-batch

    def change(self, ref: WeightRef) -> float:
        """What the epoch adds to ``ref`` (after minus before)."""
        return ref.of(self.after) - ref.of(self.before)


def step_stepsize(config: TrainConfig, snapshot: Snapshot) -> float:
    """The stepsize the step after ``snapshot`` takes: the run's η, decayed as the run's decay says by then."""
    return snapshot.stepsize_at(config.stepsize)


def next_step(config: TrainConfig, snapshot: Snapshot, x: np.ndarray, y: np.ndarray) -> NextStep:
    """Epoch ``snapshot.epoch + 1`` on copies of ``snapshot``'s parameters and rule state (the rule with its penalty),
    with ``config``'s stepsize (decayed as the snapshot's decay says), batch size and seed: what a Step 1 of the
    trainer will give, bit for bit (nothing of ``snapshot`` changes)."""
    kernel, rule, stepsize = Kernel(config.model), snapshot.rule, step_stepsize(config, snapshot)
    layout = FlatLayout.for_layers(snapshot.layers)
    theta = layout.pack(snapshot.layers)
    state = copy_state(snapshot.rule_state) if snapshot.rule_state else rule.new_state(layout.size)
    n = x.shape[1]
    size = 0 if config.data == "notebook" else config.batch_size  # the notebook's batch is always all of it
    drawn = batches(n, size, config.seed, snapshot.epoch + 1)
    with quiet_float():
        if len(drawn) == 1:  # full batch: the trainer applies the gradient it holds, the snapshot's
            rule.apply(theta, layout.pack(snapshot.grads), state, stepsize)
        else:
            for idx in drawn:
                grads = kernel.trace(layout.views(theta), x[:, idx], y[:, idx]).grads
                rule.apply(theta, layout.pack(grads), state, stepsize)
        after = layout.unpack(theta)
        loss_after = float(kernel.trace(after, x, y).loss)
    return NextStep(copy_layers(snapshot.layers), after, float(snapshot.loss), loss_after, len(drawn))


@dataclass(frozen=True)
class Question:
    """One question: its text, 2–4 choices, the index of the right one and the numbers that decide it.

    ``options`` holds what each choice stands for (+1/−1 for grow/shrink, True/False for falls, a sample's index, a
    layer's number); ``ref`` is the cell it is about (None for the layer question), to highlight.
    """

    kind: str
    epoch: int
    text: str
    choices: tuple[str, ...]
    options: tuple[object, ...]
    answer: int
    explanation: str
    ref: WeightRef | None = None

    def is_right(self, choice: int) -> bool:
        return choice == self.answer

    @property
    def right_choice(self) -> str:
        return self.choices[self.answer]


@dataclass
class Score:
    """Questions asked, answered right, and the current and best streaks of right answers."""

    asked: int = 0
    right: int = 0
    streak: int = 0
    best: int = 0

    def record(self, right: bool) -> None:
        self.asked += 1
        self.right += int(right)
        self.streak = self.streak + 1 if right else 0
        self.best = max(self.best, self.streak)

    @property
    def text(self) -> str:
        if not self.asked:
            return "No answers yet"
        return f"{self.right} of {self.asked} right · streak {self.streak} (best {self.best})"


@dataclass
class _Run:
    """What the builders share: the run now, its coming epoch (taken once, when a kind needs it), and the stream."""

    config: TrainConfig
    snapshot: Snapshot
    x: np.ndarray
    y: np.ndarray
    rng: np.random.Generator
    _next: NextStep | None = field(default=None, repr=False)

    @property
    def next(self) -> NextStep:
        if self._next is None:
            self._next = next_step(self.config, self.snapshot, self.x, self.y)
        return self._next

    def weight_step(self, ref: WeightRef):
        s = self.snapshot
        return weight_step(self.config.model, s.layers, self.x, self.y, step_stepsize(self.config, s), ref, s.epoch,
                           rule=s.rule, state=s.rule_state or None)


def question_rng(seed: int, epoch: int) -> np.random.Generator:
    """The stream a run's question at ``epoch`` is drawn from."""
    return np.random.default_rng([int(seed), int(epoch), SALT])


def draw_question(config: TrainConfig, snapshot: Snapshot, x: np.ndarray, y: np.ndarray, *,
                  kinds: Sequence[str] = KINDS) -> Question | None:
    """A question about the step after ``snapshot`` (``config``: the settings the step uses), of one of ``kinds`` drawn
    from ``(config.seed, snapshot.epoch)``; None if the run cannot step (it diverged) or no kind has a clear answer."""
    unknown = [k for k in kinds if k not in BUILDERS]
    if unknown:
        raise ValueError(f"unknown question kind {unknown[0]!r}; choose from {', '.join(KINDS)}")
    if snapshot.diverged_at is not None or x.shape[1] == 0:
        return None
    run = _Run(config, snapshot, x, y, question_rng(config.seed, snapshot.epoch))
    for i in run.rng.permutation(len(kinds)):
        question = BUILDERS[kinds[i]](run)
        if question is not None:
            return question
    return None


def _pick(rng: np.random.Generator, sizes: list[np.ndarray]) -> WeightRef | None:
    """A weight ``W_l[i, j]`` whose size (``sizes[l − 1][i, j]``) is finite, not zero and not negligible beside the
    largest of all."""
    flat = np.concatenate([np.abs(s).ravel() for s in sizes])
    flat[~np.isfinite(flat)] = 0.0
    top = float(flat.max()) if flat.size else 0.0
    able = np.flatnonzero(flat >= NEGLIGIBLE * top) if top > 0 else np.zeros(0, dtype=int)
    if not able.size:
        return None
    at = int(rng.choice(able))
    for layer, s in enumerate(sizes, start=1):
        if at < s.size:
            row, col = np.unravel_index(at, s.shape)
            return WeightRef(layer, int(row), int(col))
        at -= s.size
    return None


def _clear_top(values: np.ndarray) -> int | None:
    """The index of the largest value if it beats the runner-up by more than a tie, else None."""
    if values.size < 2 or not np.all(np.isfinite(values)):
        return None
    order = np.argsort(values)[::-1]
    top, second = values[order[0]], values[order[1]]
    return int(order[0]) if top > second + TIE * abs(top) and top > 0 else None


def _sign_question(run: _Run) -> Question | None:
    step = run.next
    if not np.isfinite(step.loss_after):  # the run diverges there and keeps its weights: only the loss question fits
        return None
    ref = _pick(run.rng, [a.W - b.W for a, b in zip(step.after, step.before)])
    if ref is None:
        return None
    before, after = ref.of(step.before), ref.of(step.after)
    grows = after > before
    text = (f"Look at {ref.name}, {ref.meaning}. It is {before:.6g} now. "
            f"After Step 1 (epoch {run.snapshot.epoch + 1:,}), will it be larger or smaller?")
    lines = sign_lines(run.weight_step(ref), step.updates, after, rule=run.snapshot.rule)
    return Question("sign", run.snapshot.epoch, text, (f"Larger (Δ{ref.name} > 0)", f"Smaller (Δ{ref.name} < 0)"),
                    (1, -1), 0 if grows else 1, "\n".join(lines), ref)


def _loss_question(run: _Run) -> Question | None:
    step = run.next
    before, after = step.loss_before, step.loss_after
    if np.isfinite(after) and abs(after - before) <= LOSS_TIE * abs(before):
        return None  # a change in the last digits: nothing to reason about
    falls = bool(after < before)
    text = f"The loss is {before:.6g} at epoch {run.snapshot.epoch:,}. Will Step 1 make it fall?"
    lines = loss_lines(step, run.snapshot.grads, stepsize=step_stepsize(run.config, run.snapshot))
    return Question("loss", run.snapshot.epoch, text, ("Yes, the loss falls", "No, the loss rises"), (True, False),
                    0 if falls else 1, "\n".join(lines))


def _sample_question(run: _Run) -> Question | None:
    samples = run.x.shape[1]
    if samples < 2:
        return None
    ref = _pick(run.rng, [g.W for g in run.snapshot.grads])
    if ref is None:
        return None
    step = run.weight_step(ref)
    sizes = np.abs(step.terms)
    hardest = _clear_top(sizes)
    if hardest is None:
        return None
    order = np.argsort(sizes)[::-1]
    others = [int(s) for s in order[1:]]
    picked = others[:1] + [int(s) for s in run.rng.permutation(others[1:])[:2]]  # the runner-up and two more
    shown = [int(s) for s in run.rng.permutation([hardest] + picked)]
    text = (f"∂L/∂{ref.name} is a sum of one term per sample, δ·a (over {samples:,} samples). "
            f"Which of these samples pulls {ref.name} hardest (the term largest in size)?")
    return Question("sample", run.snapshot.epoch, text, tuple(f"Sample {s}" for s in shown), tuple(shown),
                    shown.index(hardest), "\n".join(sample_lines(step, shown, hardest)), ref)


def _layer_question(run: _Run) -> Question | None:
    grads = run.snapshot.grads
    if len(grads) < 2:
        return None
    norms = np.array([np.linalg.norm(g.W) for g in grads])
    top = _clear_top(norms)
    if top is None:
        return None
    layers = list(range(1, len(grads) + 1))
    others = [n for n in layers if n != top + 1]
    shown = sorted([top + 1] + [int(n) for n in run.rng.permutation(others)[:3]])
    sizes = run.config.layers
    text = "Which layer's weights have the largest gradient right now, measured by ‖∂L/∂W_l‖ (all its entries)?"
    choices = tuple(f"W{n} ({sizes[n - 1]}→{sizes[n]} units)" for n in shown)
    return Question("layer", run.snapshot.epoch, text, choices, tuple(shown), shown.index(top + 1),
                    "\n".join(layer_lines(norms, top + 1)))


BUILDERS: dict[str, Callable[[_Run], Question | None]] = {
    "sign": _sign_question, "loss": _loss_question, "sample": _sample_question, "layer": _layer_question,
}

__all__ = ["KINDS", "NextStep", "Question", "Score", "draw_question", "next_step", "question_rng", "step_stepsize"]
