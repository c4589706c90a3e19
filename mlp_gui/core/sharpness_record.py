"""Sharpness against the stepsize: λ_max at a run's kept snapshots, and the limit the update rule puts on it.

Gradient descent with stepsize η is stable on a quadratic only while its largest curvature λ_max is below 2/η;
heavy-ball momentum μ moves the limit to 2(1+μ)/η, Nesterov's momentum to 2(1+μ)/((1+2μ)η) (Cohen et al., ICLR
2021, "edge of stability": full-batch training raises λ_max until it sits at that limit). λ_max is
:func:`mlp_gui.core.hessian.sharpness`'s estimate (Lanczos on Hessian-vector products).

- :class:`SharpnessRecord`: epochs (increasing) and λ_max there (NaN where the curvature could not be resolved,
  after a blow-up). Run files keep its finite values as ``sharpness_epochs`` and ``sharpness``.
- :func:`stability_limit` and :func:`limit_steps`: the limit for one stepsize, and over a run whose stepsize
  changed, as a step curve.
- :func:`compute_record`: λ_max at every kept snapshot of a run, reusing values already known for the same
  parameters (keyed by epoch and a digest of the snapshot's parameters); :class:`TrainedCurvature` adds an L2
  penalty's curvature to the data loss's, so λ_max is that of what the run descends.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.hessian import Curvature, Progress, report
from mlp_gui.core.model import Model
from mlp_gui.core.schedule import NO_DECAY, StepDecay

Key = tuple[int, bytes]  # a snapshot: its epoch and a digest of its parameters


@dataclass(frozen=True, eq=False)
class SharpnessRecord:
    """λ_max (``values``, float64; NaN: not resolved) at increasing ``epochs`` (int64)."""

    epochs: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, epochs: Sequence[int] | np.ndarray, values: Sequence[float] | np.ndarray) -> SharpnessRecord:
        return cls(np.asarray(epochs, dtype=np.int64).reshape(-1), np.asarray(values, dtype=np.float64).reshape(-1))

    def __len__(self) -> int:
        return int(self.epochs.size)

    def upto(self, epoch: int) -> SharpnessRecord:
        """The entries at or before ``epoch`` (the run went back there)."""
        keep = self.epochs <= epoch
        return SharpnessRecord(self.epochs[keep], self.values[keep])

    def at(self, epochs: Sequence[int] | np.ndarray) -> SharpnessRecord:
        """The entries at ``epochs`` only (the snapshots a run still keeps)."""
        keep = np.isin(self.epochs, np.asarray(epochs, dtype=np.int64))
        return SharpnessRecord(self.epochs[keep], self.values[keep])

    def finite(self) -> SharpnessRecord:
        """The resolved entries: what a run file keeps."""
        keep = np.isfinite(self.values)
        return SharpnessRecord(self.epochs[keep], self.values[keep])

    def as_dict(self) -> dict[int, float]:
        return {int(e): float(v) for e, v in zip(self.epochs, self.values)}


def record_problem(epochs: np.ndarray, values: np.ndarray, *, run_epochs: int) -> str | None:
    """What is wrong with a file's ``sharpness_epochs`` and ``sharpness`` for a run of ``run_epochs`` (None: nothing)."""
    if epochs.ndim != 1 or values.ndim != 1 or epochs.size != values.size:
        return (f"'sharpness' has {values.size} values for {epochs.size} epochs in 'sharpness_epochs'"
                if epochs.ndim == values.ndim == 1 else "'sharpness_epochs' and 'sharpness' are not two lists")
    if np.any(np.diff(epochs) <= 0) or (epochs.size and (epochs[0] < 0 or epochs[-1] > run_epochs)):
        return "'sharpness_epochs' are not increasing epochs of this run"
    if not np.all(np.isfinite(values)):
        return "'sharpness' holds inf or NaN"
    return None


def stability_limit(stepsize: float, *, rule: str = "gd", momentum: float = 0.0) -> float | None:
    """The largest λ_max at which the update ``rule`` with ``stepsize`` is stable on a quadratic (None: no such
    limit is known for the rule, or the stepsize is not positive).

    ``gd``: 2/η; ``momentum`` (heavy ball, μ = ``momentum``): 2(1+μ)/η; ``nesterov``: 2(1+μ)/((1+2μ)η).
    """
    if not (math.isfinite(stepsize) and stepsize > 0):
        return None
    if rule == "gd":
        return 2.0 / stepsize
    if rule == "momentum":
        return 2.0 * (1.0 + momentum) / stepsize
    if rule == "nesterov":
        return 2.0 * (1.0 + momentum) / ((1.0 + 2.0 * momentum) * stepsize)
    return None


def limit_formula(rule: str, momentum: float = 0.0) -> str | None:
    """The limit in symbols, for a legend (None: the rule has none)."""
    return {"gd": "2/η", "momentum": f"2(1+μ)/η, μ = {momentum:g}",
            "nesterov": f"2(1+μ)/((1+2μ)η), μ = {momentum:g}"}.get(rule)


def rule_kind(rule: object, config: object = None) -> tuple[str, float]:
    """``(kind, μ)`` for :func:`stability_limit` from a run's update rule (or its settings' ``optimizer`` and
    ``momentum``): ``gd``, ``momentum``, ``nesterov``, or the rule's own name (no limit known)."""
    name = getattr(rule, "name", None) or getattr(config, "optimizer", "gd") or "gd"
    momentum = getattr(rule, "momentum", None)
    if momentum is None:
        momentum = getattr(config, "momentum", 0.0)
    momentum = float(momentum or 0.0)
    if name in ("gd", "nesterov", "momentum"):
        return name, momentum
    if "nesterov" in name:
        return "nesterov", momentum
    if "momentum" in getattr(rule, "settings", ()):
        return "momentum", momentum  # a heavy-ball rule under another name
    return name, momentum


def limit_steps(stepsizes: Sequence[tuple[int, float]], *, end: int, rule: str = "gd", momentum: float = 0.0,
                decay: StepDecay = NO_DECAY, momenta: Sequence[tuple[int, float]] = ()) -> tuple[np.ndarray, np.ndarray]:
    """The limit over epochs 0..``end`` as a step curve ``(x, y)``: flat while a stepsize (and a momentum) was in
    force, a vertical jump where one changed. ``stepsizes``: ``(epoch, stepsize)`` rows, the first at epoch 0;
    ``momenta``: ``(epoch, μ)`` rows where the momentum changed midway (before the first: ``momentum``); ``decay``:
    the run's stepsize decay (each row's stepsize times ``F^⌊t/N⌋``; at most MAX_STEPS jumps, log-spaced beyond).
    Empty if the rule has no such limit."""
    xs: list[float] = []
    ys: list[float] = []
    steps = sorted((int(e), float(s)) for e, s in stepsizes)
    if not steps:
        return np.zeros(0), np.zeros(0)
    mus = sorted((int(e), float(m)) for e, m in momenta)
    starts = sorted({e for e, _ in steps} | {e for e, _ in mus if e >= steps[0][0]})
    for i, start in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else max(end, start)
        stepsize = next(s for e, s in reversed(steps) if e <= start)
        mu = next((m for e, m in reversed(mus) if e <= start), momentum)
        for a, b in _pieces(start, stop, decay):
            limit = stability_limit(decay.at(stepsize, a), rule=rule, momentum=mu)
            if limit is None:
                return np.zeros(0), np.zeros(0)
            xs += [a, b]
            ys += [limit, limit]
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64)


MAX_STEPS = 2000  # decay jumps drawn at most per stepsize; more frequent ones are drawn at log-spaced epochs


def _pieces(start: int, stop: int, decay: StepDecay) -> list[tuple[int, int]]:
    """``[start, stop]`` cut where the decay steps (every N epochs), into at most MAX_STEPS pieces."""
    if not decay.active or stop <= start:
        return [(start, stop)]
    cuts = np.arange((start // decay.every + 1) * decay.every, stop, decay.every, dtype=np.int64)
    if cuts.size > MAX_STEPS:
        cuts = np.unique(np.geomspace(max(cuts[0], 1), cuts[-1], MAX_STEPS).astype(np.int64))
    edges = [start, *(int(c) for c in cuts), stop]
    return list(zip(edges[:-1], edges[1:]))


class TrainedCurvature(Curvature):
    """The curvature of what the run descends: the data loss's, plus λ₂ on the weights' diagonal when the run has an
    L2 penalty (``(λ₂/2)·ΣW²``; an L1 penalty has no curvature where it is differentiable)."""

    def __init__(self, model: Model, x: np.ndarray, y: np.ndarray, *, l2: float = 0.0) -> None:
        super().__init__(model, x, y)
        self.penalty = float(l2) * model.layout.weight_mask() if l2 else None

    @classmethod
    def of_run(cls, config: object, x: np.ndarray, y: np.ndarray) -> TrainedCurvature:
        """For a run of ``config`` (its model and ``l2``, if it has one) on ``(x, y)``."""
        return cls(config.model, x, y, l2=float(getattr(config, "l2", 0.0) or 0.0))

    def _product(self, theta: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, float]:
        hv, floor = super()._product(theta, v)
        return (hv if self.penalty is None else hv + self.penalty * v), floor


def digest(row: np.ndarray) -> bytes:
    """A short digest of a snapshot's parameters: a value computed for them is reused only for the same numbers."""
    return hashlib.blake2b(np.ascontiguousarray(row, dtype=np.float64).tobytes(), digest_size=16).digest()


def compute_record(curvature: Curvature, epochs: Sequence[int], rows: Sequence[np.ndarray], *,
                   known: Mapping[Key, float] | None = None, trusted: Mapping[int, float] | None = None,
                   progress: Progress | None = None, into: dict[Key, float] | None = None,
                   ) -> tuple[SharpnessRecord, dict[Key, float]]:
    """λ_max at each ``(epoch, row)`` of a run, and its values by key (to pass as ``known`` next time).

    ``known``: values computed before, reused for the same epoch and parameters; ``trusted``: values by epoch
    alone (a run file's cache, for the run it was saved with). The rest is computed: Lanczos from the previous
    point's top eigenvector, so neighbouring snapshots take few products. ``progress(done, total)`` after each;
    ``into``: the dict to fill as values are found (what a cancelled computation had found stays there).
    """
    known, trusted = known or {}, trusted or {}
    found: dict[Key, float] = {} if into is None else into
    values = np.empty(len(epochs))
    start = None
    for i, (epoch, row) in enumerate(zip(epochs, rows)):
        key = (int(epoch), digest(row))
        if key in known:
            found[key] = known[key]
        elif int(epoch) in trusted:
            found[key] = float(trusted[int(epoch)])
        else:
            eigen = curvature.top(np.asarray(row, dtype=np.float64), 1, start=start)
            found[key] = float(eigen.values[0])
            start = eigen.vectors[0] if np.all(np.isfinite(eigen.vectors[0])) else None
        values[i] = found[key]
        report(progress, i + 1, len(epochs), "the sharpness computation")
    return SharpnessRecord.of(epochs, values), found


__all__ = ["MAX_STEPS", "SharpnessRecord", "TrainedCurvature", "compute_record", "digest", "limit_formula", "limit_steps",
           "record_problem", "rule_kind", "stability_limit"]
