"""What of a run the exported code can recreate, and how: the checks behind ``mlp-gui export`` and File ▸ Export.

:func:`export_problem` names, in one line, what the code does not write yet (a plug-in's update rule, weights
typed in midway, a setting newer than the export); :func:`check_exportable` also makes sure the run is its seed's (the
weights at epoch 0 and the first loss); :func:`data_plan` says where the code gets its data; :func:`replayed_rows`
which stepsize and settings each step used.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from mlp_gui.core import setting_changes
from mlp_gui.core.config import CONTINUABLE, TrainConfig
from mlp_gui.core.export_optimizers import WRITTEN
from mlp_gui.core.network import Kernel
from mlp_gui.core.update_rule import rule_for

#: data up to this many numbers (x and y of the training part) is written into the code; more goes into NAME-data.npz
MAX_LITERAL_NUMBERS = 20_000
#: the settings the exported code writes out; any other setting (a newer one) must be at its default to export
EXPORTED_SETTINGS = ("seed", "layers", "batch_size", "stepsize", "optimizer", "momentum", "rho", "beta1", "beta2", "eps",
                     "l1", "l2", "decay_every", "decay_factor", "activation", "output", "loss", "init", "data", "features",
                     "samples", "noise", "target", "standardize", "test_fraction")
#: what the export cannot write yet, and why (one line each)
NOT_YET = {
    "setting": "the export does not write this setting yet",
    "weight_edits": "weights were typed in by hand midway ({edit}): the export does not write weight edits yet",
}


class ExportError(ValueError):
    """A run that cannot be exported (yet): the message is one line naming the part and why."""


@dataclass(frozen=True)
class DataPlan:
    """Where the exported code gets its data: ``seed`` (drawn, the notebook's batch), ``literal`` or ``file``."""

    source: str
    file_name: str = ""  # the NAME-data.npz beside the code, for ``file``


def export_problem(run: object) -> str | None:
    """Why ``run`` (a SavedRun) cannot be exported yet, in one line; None if it can."""
    config: TrainConfig = run.config  # type: ignore[attr-defined]
    defaults = type(config)()
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name not in EXPORTED_SETTINGS and value != getattr(defaults, f.name, value):
            return f"{f.name.replace('_', ' ')} {value}: {NOT_YET['setting']}"
    rule = str(getattr(getattr(run, "rule", None), "name", "gd"))
    if rule not in WRITTEN:
        return f"optimizer {rule}: the export writes {', '.join(WRITTEN)} only, not a plug-in's update"
    edits = tuple(getattr(run, "weight_edits", None) or ())
    if edits:
        first = edits[0]
        return NOT_YET["weight_edits"].format(edit=getattr(first, "text", f"at epoch {getattr(first, 'epoch', '?')}"))
    changed = getattr(run, "changes", None) or ()
    names = sorted({str(name) for _, values in changed for name in dict(values or {})} - set(CONTINUABLE))
    if names:
        return f"{', '.join(names)} changed midway: the export does not write changes of these"
    return None


def data_plan(run: object, *, stem: str) -> DataPlan:
    """The notebook's batch is drawn from the seed when the run's is the seed's; other data is written into the code
    (:data:`MAX_LITERAL_NUMBERS`) or into ``STEM-data.npz`` beside it."""
    if run.config.data == "notebook" and _seed_draws(run) is not None:  # type: ignore[attr-defined]
        return DataPlan("seed")
    if run.x.size + run.y.size <= MAX_LITERAL_NUMBERS:  # type: ignore[attr-defined]
        return DataPlan("literal")
    return DataPlan("file", f"{stem}-data.npz")


def check_exportable(run: object) -> None:
    """ExportError (one line) unless the code can recreate ``run``: settings it writes, weights its seed draws, and a
    first loss the kernel gives again on the run's data."""
    problem = export_problem(run)
    if problem:
        raise ExportError(problem)
    config = run.config  # type: ignore[attr-defined]
    drawn = config.model.init_weights(np.random.RandomState(config.seed))
    initial = getattr(run, "initial", None)
    if initial is not None and not all(np.array_equal(a, b) for d, i in zip(drawn, initial) for a, b in zip(d, i)):
        raise ExportError("the run's weights at epoch 0 are not the ones its seed draws, so no code can draw them again")
    with np.errstate(all="ignore"):
        first = Kernel(config.model).trace(drawn, run.x, run.y).loss  # type: ignore[attr-defined]
    if not _same(float(first), float(run.loss[0])):  # type: ignore[attr-defined]
        raise ExportError("the run's first loss is not what its seed's weights give on its data; the file does not "
                          "hold a run this version can recreate")
    d = getattr(run, "diverged_at", None)
    if d is not None and getattr(run, "continuable", False) and not replayed_rows(run).replays:
        raise ExportError(f"the run diverged at epoch {d} and its stepsize or settings were changed afterwards; its file "
                          "no longer says which it diverged with (continue it with the new ones first)")


class Rows(NamedTuple):
    """The stepsize rows and the settings-change rows the run stepped with; ``replays``: a diverged run's last epoch,
    replayed with them, gives the loss it recorded (always True for a run that did not diverge)."""

    stepsizes: tuple[tuple[int, float], ...]
    changes: tuple
    replays: bool = True


def replayed_rows(run: object) -> Rows:
    """The (epoch, stepsize) rows and the settings' change rows (``run.changes``) the run stepped with.

    A diverged run whose stepsize or settings were changed at its last finite epoch ``d − 1`` is ambiguous in its
    file: the change came before the step to ``d`` (which then diverged with it), or after the divergence (for a
    continuation not yet trained). That one epoch is replayed from the file's parameters at ``d − 1`` with the
    values before the change first: if it gives the recorded loss, the change came after and is left out.
    """
    rows = tuple((int(e), float(v)) for e, v in (getattr(run, "stepsizes", ()) or ()))
    changes = tuple(getattr(run, "changes", ()) or ())
    d = getattr(run, "diverged_at", None)
    if d is None or not getattr(run, "continuable", False):
        return Rows(rows, changes)
    drop_stepsize = (True, False) if len(rows) > 1 and rows[-1][0] == d - 1 else (False,)
    drop_change = (True, False) if len(changes) > 1 and changes[-1][0] == d - 1 else (False,)
    for drop_s in drop_stepsize:
        for drop_c in drop_change:
            kept_rows = rows[:-1] if drop_s else rows
            kept_changes = changes[:-1] if drop_c else changes
            stepsize = kept_rows[-1][1] if kept_rows else run.config.stepsize  # type: ignore[attr-defined]
            settings = setting_changes.values_at(kept_changes, d - 1)
            if _replays_last_epoch(run, stepsize, settings):
                return Rows(kept_rows, kept_changes)  # a row at epoch 0 alone: the values the run began with
    return Rows(rows, changes, replays=False)


def stepsize_rows(run: object) -> tuple[tuple[int, float], ...]:
    """The (epoch, stepsize) rows the run stepped with, the first at epoch 0 (empty: the config's stepsize throughout);
    see :func:`replayed_rows`."""
    return replayed_rows(run).stepsizes


def _replays_last_epoch(run: object, stepsize: float, settings: dict[str, float]) -> bool:
    """Whether the diverged run's last epoch, stepped from its parameters at ``d − 1`` with ``stepsize`` and
    ``settings``, gives the loss it recorded at ``d``."""
    config = run.config.with_changes(stepsize=stepsize, **settings)  # type: ignore[attr-defined]
    fields = {f.name for f in dataclasses.fields(run)}  # type: ignore[arg-type]
    kept = {"rule": rule_for(config)} if "rule" in fields else {}
    if "changes" in fields:
        kept["changes"] = ()
    before = dataclasses.replace(run, config=config, stepsizes=(), **kept)  # type: ignore[type-var]
    replayed = before.trainer(extra_epochs=1).step(1)
    return len(replayed) == 1 and _same(float(replayed[0]), float(run.loss[-1]))  # type: ignore[attr-defined]


def _seed_draws(run: object) -> tuple | None:
    """The notebook's batch as the seed draws it (after the weights), if it is the run's; else None."""
    config = run.config  # type: ignore[attr-defined]
    rng = np.random.RandomState(config.seed)
    config.model.init_weights(rng)
    m = run.x.shape[1]  # type: ignore[attr-defined]
    x, y = rng.rand(config.layers[0], m), rng.randn(config.layers[-1], m)
    if x.shape == run.x.shape and y.shape == run.y.shape and np.array_equal(x, run.x) and np.array_equal(y, run.y):  # type: ignore[attr-defined]
        return x, y
    return None


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


__all__ = ["EXPORTED_SETTINGS", "MAX_LITERAL_NUMBERS", "NOT_YET", "DataPlan", "ExportError", "Rows", "check_exportable",
           "data_plan", "export_problem", "replayed_rows", "stepsize_rows"]
