"""What each array of a run file may be, judged from the run's settings before any data is read.

Shapes follow from the layer sizes; the data's size from the settings (the notebook's batch, a
generated set's samples, a CSV's cell limit); the histories from the most epochs a file holds. Float
arrays must be float64, what the app writes: a narrow type would widen into far more memory than the
file holds. The snapshots' rows (parameters and the update rule's state beside them) are chosen once
their epochs are read, so a file holding more than a run of its size keeps (older files did) is read
within the snapshot budget. The rule's state arrays are float64 like the parameters, its counters int64.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mlp_gui.core import platform
from mlp_gui.core.config import TrainConfig, format_bytes
from mlp_gui.core.data import GENERATED
from mlp_gui.core.norm_record import grid_rows
from mlp_gui.core.npz_reader import MemberSpec, SpecFunc
from mlp_gui.core.setting_changes import MAX_LINES as SETTING_LINES
from mlp_gui.core.snapshots import MAX_SNAPSHOTS, SnapshotStore
from mlp_gui.core.stepsize_history import MAX_ROWS as STEPSIZE_ROWS
from mlp_gui.core.trainer import METRICS
from mlp_gui.core.update_rule import GradientDescent, UpdateRule
from mlp_gui.core.weight_edits import KEY as EDITS_KEY
from mlp_gui.core.weight_edits import MAX_EDITS

MAX_EPOCHS_IN_FILE = 2 * 10**9  # 16 GB of loss history: the writer refuses longer runs before training
MAX_CELLS = 10**7  # of a data set: the CSV loader's limit too
NORM_ARRAYS = ("grad_norms", "weight_norms", "update_norms")
RULE_KEY = "update_rule"  # the update rule's name and settings, as JSON
END_STATE = "rule_state_"  # + each part of the rule's state: its value at the run's end
SNAPSHOT_STATE = "snapshot_state_"  # + each part of the rule's state: one row per snapshot
_PLAIN = GradientDescent()


def state_keys(rule: UpdateRule) -> tuple[str, ...]:
    """The names of the parts of ``rule``'s state: its arrays, then its counters."""
    return rule.state_names + rule.counter_names


def snapshot_capacity(cfg: TrainConfig, rule: UpdateRule = _PLAIN) -> int:
    """How many snapshots a run of ``cfg``'s size keeps under ``rule``: as many (parameters and the rule's state) as
    the snapshot budget holds (2 to 2,000)."""
    size = cfg.model.layout.size
    return SnapshotStore.for_size(size, state_size=rule.state_size(size)).capacity


def reading_limit(cfg: TrainConfig, rule: UpdateRule = _PLAIN) -> tuple[int, str]:
    """Bytes a file of this run may expand to (what such a run holds, within 80% of the memory this process may
    use), and words to add to a refusal when the memory was the limit."""
    limit = _total_limit(cfg, rule)
    memory = platform.available_memory()
    if memory is not None and 0.8 * memory < limit:
        return int(0.8 * memory), f" (80% of the {format_bytes(memory)} of memory this process may use now)"
    return limit, ""


def required_arrays(cfg: TrainConfig, rule: UpdateRule = _PLAIN) -> list[str]:
    names = cfg.model.layout.names
    return names + [f"grad_{n}" for n in names] + ["loss", "x", "y"] + [END_STATE + n for n in state_keys(rule)]


def spec_for(cfg: TrainConfig, rule: UpdateRule = _PLAIN) -> SpecFunc:
    """Each array's spec; the snapshots' rows are chosen once their epochs are known (the budget holds on reading)."""
    specs = _specs(cfg, rule)
    per_snapshot = {"snapshot_params", *(SNAPSHOT_STATE + n for n in state_keys(rule))}

    def spec(name: str, done: dict[str, np.ndarray]) -> MemberSpec | None:
        if name in per_snapshot and "snapshot_epochs" in done:
            at = done["snapshot_epochs"]
            rows = kept_snapshots(at, snapshot_capacity(cfg, rule))
            shape = (len(at), *specs[name].shape[1:])
            return replace(specs[name], shape=shape, keep_rows=None if rows is None else tuple(rows))
        return specs.get(name)

    return spec


def kept_snapshots(at: np.ndarray, capacity: int) -> list[int] | None:
    """Which snapshots (indices) fit ``capacity``, thinned as a run thins them; None: all, or epochs too odd to judge."""
    if len(at) <= capacity or np.any(np.diff(at) <= 0) or at[0] < 0:
        return None
    store = SnapshotStore(len(at), [int(e) for e in at], list(range(len(at))))
    store.fit(capacity)
    return store.rows


def _specs(cfg: TrainConfig, rule: UpdateRule) -> dict[str, MemberSpec]:
    """The shape and type every array must have for this config and rule: checked from each header before reading.

    Float arrays must be float64 (what the app writes); the data's size follows from the settings.
    """
    f8, i8 = {"kinds": "f", "itemsize": 8}, {"kinds": "iu", "itemsize": 8}
    layout = cfg.model.layout
    specs = {prefix + s.name: MemberSpec(s.shape, **f8) for prefix in ("", "grad_", "init_") for s in layout.spans}
    specs["loss"] = MemberSpec((None,), max_elements=MAX_EPOCHS_IN_FILE + 1, **f8)
    specs |= {k: MemberSpec((None,), max_elements=MAX_EPOCHS_IN_FILE + 1, **f8) for k in METRICS}
    samples = _max_samples(cfg)
    for name, rows in (("x", cfg.model.n_inputs), ("y", cfg.layers[-1])):  # x: the raw inputs (features are made)
        exact = cfg.batch_size if cfg.data == "notebook" else None  # the notebook's batch is its data
        specs[name] = MemberSpec((rows, exact), max_elements=rows * samples, **f8)
        specs[f"{name}_test"] = MemberSpec((rows, None), max_elements=rows * samples, **f8)
    specs["classes"] = MemberSpec((), kinds="iu")
    specs["planned_epochs"] = MemberSpec((), kinds="iu")  # the window's plan when saved (checked on reading)
    params = layout.size
    specs["snapshot_epochs"] = MemberSpec((None,), kinds="iu", max_elements=MAX_SNAPSHOTS)
    specs["snapshot_params"] = MemberSpec((None, params), max_elements=MAX_SNAPSHOTS * params, **f8)
    for name in rule.state_names:
        specs[END_STATE + name] = MemberSpec((params,), **f8)
        specs[SNAPSHOT_STATE + name] = MemberSpec((None, params), max_elements=MAX_SNAPSHOTS * params, **f8)
    for name in rule.counter_names:
        specs[END_STATE + name] = MemberSpec((), **i8)
        specs[SNAPSHOT_STATE + name] = MemberSpec((None,), max_elements=MAX_SNAPSHOTS, **i8)
    rows, layers = grid_rows(MAX_EPOCHS_IN_FILE), len(cfg.layers) - 1
    specs["norm_epochs"] = MemberSpec((None,), kinds="iu", max_elements=rows)
    specs |= {k: MemberSpec((None, layers), max_elements=rows * layers, **f8) for k in NORM_ARRAYS}
    specs["stepsize_changes"] = MemberSpec((None, 2), max_elements=2 * STEPSIZE_ROWS, **f8)
    specs["setting_changes"] = MemberSpec((None, 3), max_elements=3 * SETTING_LINES, **f8)  # see core/setting_changes.py
    specs["sharpness_epochs"] = MemberSpec((None,), kinds="iu", max_elements=MAX_SNAPSHOTS)  # λ_max at kept snapshots
    specs["sharpness"] = MemberSpec((None,), max_elements=MAX_SNAPSHOTS, **f8)
    specs[EDITS_KEY] = MemberSpec((None, 6), max_elements=6 * MAX_EDITS, **f8)  # see core/weight_edits.py
    return specs


def _max_samples(cfg: TrainConfig) -> int:
    """The most samples the run's data can have: the notebook's batch, a generated set's size, a CSV's cell limit."""
    if cfg.data == "notebook":
        return cfg.batch_size
    return cfg.samples if cfg.data in GENERATED else MAX_CELLS


def _total_limit(cfg: TrainConfig, rule: UpdateRule) -> int:
    """All arrays of a run of this shape and rule, plus the largest history a file may hold."""
    params = cfg.model.layout.size
    state = rule.state_size(params)
    data = 2 * (cfg.model.n_inputs + cfg.layers[-1]) * _max_samples(cfg)
    norms = grid_rows(MAX_EPOCHS_IN_FILE) * (1 + 3 * (len(cfg.layers) - 1))
    snapshots = MAX_SNAPSHOTS * (1 + params + state)
    return 8 * (3 * params + state + snapshots + data + 4 * (MAX_EPOCHS_IN_FILE + 1) + norms) + 2**20
