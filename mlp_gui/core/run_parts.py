"""The optional parts of a run file, checked as they are read.

The parameters at epoch 0, the data's test part, the update rule (``update_rule``: its name and settings as
JSON; its state at the run's end, ``rule_state_<name>``), the snapshots with the rule's state beside each
(``snapshot_state_<name>``, one row per snapshot), the gradient-flow norms, λ_max at the kept snapshots
(``sharpness_epochs``, ``sharpness``) and the settings changed midway (``setting_changes``). A file from before a part was
kept reads as without it: an older file's rule is plain gradient descent, which keeps no state. Every
problem is a :class:`RunFileError` of one line.
"""

from __future__ import annotations

import json

import numpy as np

from mlp_gui.core import setting_changes
from mlp_gui.core.config import ConfigError, TrainConfig
from mlp_gui.core.flat_layout import Params, pair_up
from mlp_gui.core.norm_record import NormRows, check_rows
from mlp_gui.core.parse import json_depth
from mlp_gui.core.run_specs import END_STATE, NORM_ARRAYS, RULE_KEY, SNAPSHOT_STATE, kept_snapshots, state_keys
from mlp_gui.core.settings import BY_NAME
from mlp_gui.core.sharpness_record import SharpnessRecord, record_problem
from mlp_gui.core.snapshots import SnapshotStore
from mlp_gui.core.update_rule import State, UpdateRule, rule_for


class RunFileError(ValueError):
    """A run file is missing, truncated, foreign or inconsistent; the message says which and why."""


def rule_of(text: str | None, cfg: TrainConfig) -> UpdateRule:
    """The run's update rule from the file's ``update_rule`` (None: the file kept none) and its settings."""
    saved = None
    if text is not None:
        try:
            saved = json.loads(text) if json_depth(text) <= 1 else None
        except ValueError:
            saved = None
        if not isinstance(saved, dict):
            raise RunFileError(f"'{RULE_KEY}' is not an update rule's name and settings")
    try:
        return rule_for(cfg, saved)
    except ValueError as exc:
        raise RunFileError(f"'{RULE_KEY}': {exc}") from None


def end_state(arrays: dict[str, np.ndarray], rule: UpdateRule, size: int, *, diverged: bool) -> State:
    """The rule's state at the run's end (its values checked unless the run diverged, as its parameters are)."""
    state = _typed(rule, {name: arrays[END_STATE + name] for name in state_keys(rule)})
    problem = rule.check_state(state, size, values=not diverged)
    if problem:
        raise RunFileError(f"{problem} at the run's end ('{END_STATE}...')")
    return state


def snapshots(arrays: dict[str, np.ndarray], epochs: int, capacity: int, rule: UpdateRule,
              size: int) -> tuple[SnapshotStore | None, tuple[str, ...]]:
    """The kept snapshots with the rule's state beside each, within ``capacity`` (thinned while reading, or here),
    and a note if some were left out."""
    if "snapshot_epochs" not in arrays or "snapshot_params" not in arrays:
        return None, ()
    at = arrays["snapshot_epochs"].astype(np.int64)
    if np.any(np.diff(at) <= 0) or (len(at) and (at[0] < 0 or at[-1] > epochs)):
        raise RunFileError("the snapshots' epochs are not increasing epochs of this run")
    keep = kept_snapshots(at, capacity)
    rows = _kept_rows(arrays, "snapshot_params", at, keep)
    if not np.all(np.isfinite(rows)):
        raise RunFileError("a snapshot holds inf or NaN")
    missing = [SNAPSHOT_STATE + name for name in state_keys(rule) if SNAPSHOT_STATE + name not in arrays]
    if missing:
        raise RunFileError(f"the snapshots lack the {rule.name} update's state ({', '.join(missing)})")
    stacks = _typed(rule, {name: _kept_rows(arrays, SNAPSHOT_STATE + name, at, keep) for name in state_keys(rule)})
    problem = rule.check_state(stacks, size, lead=(len(rows),))
    if problem:
        raise RunFileError(f"{problem} in the snapshots")
    states = [{name: stack[i, ...] for name, stack in stacks.items()} for i in range(len(rows))]
    if keep is None:
        return SnapshotStore(max(capacity, len(at)), [int(e) for e in at], list(rows), states=states), ()
    note = (f"kept {len(keep)} of the file's {len(at)} snapshots (a run of this size keeps at most {capacity}); "
            "going back can reach fewer epochs")
    return SnapshotStore(capacity, [int(at[i]) for i in keep], list(rows), states=states), (note,)


def _kept_rows(arrays: dict[str, np.ndarray], key: str, at: np.ndarray, keep: list[int] | None) -> np.ndarray:
    """``arrays[key]``'s rows for the kept snapshots (the reader skipped the others, unless it read the whole array
    before it knew the epochs)."""
    rows = arrays[key]
    if keep is not None and len(rows) == len(at):
        rows = rows[keep]
    if len(rows) != (len(at) if keep is None else len(keep)):
        raise RunFileError(f"'{key}' has {len(rows)} rows for {len(at)} snapshot epochs")
    return rows


def _typed(rule: UpdateRule, state: State) -> State:
    """Float64 arrays and int64 counters in the machine's byte order (the reader took only 8-byte numbers)."""
    typed = {name: np.asarray(state[name], dtype=np.float64) for name in rule.state_names}
    return typed | {name: np.asarray(state[name]).astype(np.int64) for name in rule.counter_names}


def norms(arrays: dict[str, np.ndarray], layers: int, epochs: int, diverged: bool) -> NormRows | None:
    """The gradient-flow rows (None: the file kept none)."""
    names = ("norm_epochs", *NORM_ARRAYS)
    present = [k for k in names if k in arrays]
    if not present:
        return None
    if len(present) < len(names):
        raise RunFileError(f"the file holds only some of the gradient-flow arrays ({', '.join(present)})")
    epochs_at = arrays["norm_epochs"].astype(np.int64)
    rows = NormRows(epochs_at, *(np.asarray(arrays[k], dtype=np.float64) for k in NORM_ARRAYS))
    problem = check_rows(rows, layers, epochs, diverged=diverged)
    if problem:
        raise RunFileError(problem)
    return rows


def sharpness(arrays: dict[str, np.ndarray], epochs: int, kept: SnapshotStore | None) -> SharpnessRecord | None:
    """λ_max at the kept snapshots as the file cached it (None: none), at the snapshots still kept only."""
    present = [k for k in ("sharpness_epochs", "sharpness") if k in arrays]
    if not present:
        return None
    if len(present) < 2:
        raise RunFileError(f"the file holds only one of 'sharpness_epochs' and 'sharpness' ({present[0]})")
    at, values = arrays["sharpness_epochs"].astype(np.int64), np.asarray(arrays["sharpness"], dtype=np.float64)
    problem = record_problem(at, values, run_epochs=epochs)
    if problem:
        raise RunFileError(problem)
    return SharpnessRecord.of(at, values).at(kept.epochs if kept is not None else [])


def setting_changes_of(arrays: dict[str, np.ndarray], cfg: TrainConfig, *, epochs: int) -> setting_changes.Rows:
    """The settings changed midway (besides the stepsize), as the file's ``setting_changes`` keeps them (none: the
    file kept none), each value one the settings allow."""
    if "setting_changes" not in arrays:
        return ()
    final = {name: getattr(cfg, name) for name in setting_changes.CONTINUABLE}
    lines = np.asarray(arrays["setting_changes"], dtype=np.float64)
    every = setting_changes.CONTINUABLE.index("decay_every")
    if lines.ndim == 2 and lines.shape[1] == 3 and np.any((lines[:, 1] == every) & (lines[:, 2] != np.round(lines[:, 2]))):
        raise RunFileError("'setting_changes' gives decay every a value that is not a whole number")
    try:
        rows = setting_changes.from_array(lines, epochs=epochs, final=final)
    except ValueError as exc:
        raise RunFileError(str(exc)) from None
    for at, values in rows:  # every value one the settings allow (a run going back there steps with it)
        for name, value in values:
            try:
                BY_NAME[name].check(value)
            except ConfigError as exc:
                raise RunFileError(f"'setting_changes' at epoch {at:,}: {exc}") from None
    return rows


def held_out(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The data's test part as the run used it (None, None: none)."""
    if "x_test" not in arrays and "y_test" not in arrays:
        return None, None
    if "x_test" not in arrays or "y_test" not in arrays:
        raise RunFileError("the file holds only one of 'x_test' and 'y_test'")
    x_test, y_test = (np.asarray(arrays[k], dtype=np.float64) for k in ("x_test", "y_test"))
    if x_test.shape[1] != y_test.shape[1] or not (np.all(np.isfinite(x_test)) and np.all(np.isfinite(y_test))):
        raise RunFileError("'x_test' and 'y_test' differ in samples or hold inf or NaN")
    return x_test, y_test


def initial(names: list[str], arrays: dict[str, np.ndarray]) -> Params | None:
    """The epoch-0 parameters if the file kept all of them (optional: older files did not), finite."""
    found = [arrays.get(f"init_{n}") for n in names]
    if any(a is None for a in found):
        return None
    params = [np.asarray(a, dtype=np.float64) for a in found]
    if not all(np.all(np.isfinite(a)) for a in params):
        raise RunFileError("the parameters at epoch 0 ('init_W1', ...) hold inf or NaN")
    return pair_up(params)


__all__ = ["RunFileError", "end_state", "held_out", "initial", "norms", "rule_of", "setting_changes_of", "sharpness",
           "snapshots"]
