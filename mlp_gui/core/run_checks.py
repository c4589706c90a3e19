"""What a saved run's settings imply about its values, and about flags given with it.

A run file is read as untrusted: its arrays have the right shapes (checked from their headers), but
their values must also be ones the run's settings can produce: targets a cross-entropy loss can
take, a class count its outputs and data allow, at least one sample to train on. Runs an earlier
version allowed and this one refuses for new runs (cross-entropy on targets that are any numbers)
still open, to be looked at: :func:`earlier_version_note` says so. And a run opened or resumed keeps
its network and data: a flag contradicting them is refused, not ignored, in the window as in
``mlp-gui train --resume``.
"""

from __future__ import annotations

import numpy as np

from mlp_gui.core.config import CONTINUABLE, VALUE_TARGETS, TrainConfig, format_value, saved_only_problem
from mlp_gui.core.data import CLASSIFICATION, GENERATED
from mlp_gui.core.parse import ConfigError
from mlp_gui.core.settings import RUN_SETTINGS

#: settings a flag may change when a saved run is continued: the stepsize, the optimizer's numbers, the penalty, the decay
CHANGEABLE = frozenset({"stepsize", *CONTINUABLE})


def check_flags_match(saved: TrainConfig, asked: TrainConfig, given: frozenset[str] | set[str]) -> None:
    """ConfigError (one line, naming the flag) if a setting given on the command line differs from the saved run's.

    Only :data:`CHANGEABLE` may change (and the epochs, which are no run setting): the run continues with them.
    """
    for s in RUN_SETTINGS:
        if s.name not in CHANGEABLE and s.name in given and getattr(asked, s.name) != getattr(saved, s.name):
            raise ConfigError(
                f"{s.flag} {format_value(s.name, getattr(asked, s.name))} differs from the saved run's "
                f"{format_value(s.name, getattr(saved, s.name))}; a saved run keeps its network and data "
                "(only --stepsize and --epochs can change, and the optimizer's numbers, --l1, --l2 and the decay)", s.name)


def earlier_version_note(cfg: TrainConfig) -> str | None:
    """What to tell someone opening a run whose settings an earlier version trained with and this one refuses for
    new runs (cross-entropy on the notebook's or the sine data): it opens to be looked at, it cannot go on."""
    if saved_only_problem(cfg) is None:
        return None
    return (f"made by an earlier version with loss cross-entropy on data {cfg.data}, whose targets are not "
            "probabilities (its loss can go below 0): it can be looked at, not continued; a new run needs loss mse")


def value_problem(cfg: TrainConfig, x: np.ndarray, y: np.ndarray, classes: int, y_test: np.ndarray | None) -> str | None:
    """What is impossible about these data values for a run of ``cfg`` (None: nothing)."""
    if x.shape[1] < 1:
        return "'x' holds no samples: a run trains on at least one"
    problem = _classes_problem(cfg, classes)
    if problem:
        return problem
    for name, targets in (("y", y), ("y_test", y_test)):
        if targets is None or targets.size == 0:
            continue
        # data whose targets are any numbers: earlier versions trained cross-entropy on it, their files still open
        if cfg.loss == "cross-entropy" and cfg.data not in VALUE_TARGETS and (targets.min() < 0 or targets.max() > 1):
            return (f"'{name}' holds {_outside(targets)}, outside 0 to 1: cross-entropy needs targets that are "
                    "probabilities")
        if classes and not np.all((targets == 0) | (targets == 1)):
            return f"'{name}' holds {_outside(targets, (0, 1))}, but the run's {classes} classes give 0/1 targets"
        if classes and targets.shape[0] > 1 and not np.all(targets.sum(axis=0) == 1):
            return f"'{name}' has a column without exactly one 1, but the run's {classes} classes give one-hot targets"
    return None


def _classes_problem(cfg: TrainConfig, classes: int) -> str | None:
    """A class count the settings cannot produce: none for regression data, 2 for the generated sets, one per output."""
    n_out = cfg.layers[-1]
    if cfg.data == "notebook" or cfg.data in GENERATED:
        want = 2 if cfg.data in CLASSIFICATION else 0
        if classes != want:
            return f"'classes' is {classes}, but data {cfg.data} has {want or 'no'} classes"
        return None
    if classes == 0:
        return None
    if classes < 2 or classes != (2 if n_out == 1 else n_out):
        return (f"'classes' is {classes}, impossible for {n_out} output{'s' if n_out > 1 else ''} "
                f"(one output takes 2 classes, several take one class each)")
    return None


def _outside(values: np.ndarray, allowed: tuple[float, ...] | None = None) -> str:
    """The first offending value, for the message."""
    bad = ~np.isin(values, allowed) if allowed is not None else (values < 0) | (values > 1)
    return f"{float(values[bad].flat[0])!r}"
