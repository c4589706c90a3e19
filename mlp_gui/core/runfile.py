"""Saved runs: a plain ``.npz`` (no pickle) that the CLI and the window both read and write.

Arrays: ``W1, b1, ..., WL, bL`` (parameters), ``grad_W1, ...`` (gradients at
those parameters), ``init_W1, ...`` (the parameters at epoch 0), ``loss`` (float64, one value per epoch plus the initial
one: the run holds ``len(loss) - 1`` epochs), ``x``, ``y``, and ``config`` (a
JSON string of the run's settings, from the settings schema). A run that
diverged ends its ``loss`` with the inf or NaN it became, and keeps the
parameters of its last finite epoch, so it can be continued with a smaller
stepsize. Files written before the schema also kept ``epochs`` in the config;
it must then agree with the history.

Gradient flow: ``norm_epochs`` (int, the epochs on the record's grid, see
:mod:`mlp_gui.core.norm_record`) and, one row per entry and one column per
layer (its W and b together), ``grad_norms`` (‖∂L/∂W_l‖), ``weight_norms``
(‖W_l‖) and ``update_norms`` (‖ΔW_l‖ of the next step; stepsize · ‖∂L/∂W_l‖
for gradient descent). Up to 512 epochs every epoch has its row (the arrays
are then epochs+1 by layers); longer runs thin out on a log grid (256 rows per
doubling of the epoch).

Going back and resuming: ``snapshot_epochs`` and ``snapshot_params`` (one flat
row of parameters per snapshot), ``update_rule`` (the update rule's name and
settings as JSON), ``rule_state_<name>`` (each part of the rule's state at the
run's end) and ``snapshot_state_<name>`` (the same, one row per snapshot).
``stepsize_changes``: the (epoch, stepsize) rows of a run whose stepsize changed midway
(:mod:`mlp_gui.core.stepsize_history`; the config's stepsize is the last one). ``setting_changes``: the
(epoch, setting, value) lines of the other settings changed midway (:mod:`mlp_gui.core.setting_changes`).
``sharpness_epochs`` and ``sharpness``: λ_max at kept snapshots, as far as the window computed it
(:mod:`mlp_gui.core.sharpness_record`; finite values only, at epochs the file keeps snapshots of).
Plain gradient descent keeps no state; files without ``update_rule`` are
read as gradient descent.

Reading treats the file as hostile: only regular files are opened; the zip
directory and every ``.npy`` header are checked against what the config
implies before anything is decompressed (:mod:`mlp_gui.core.run_specs`,
:mod:`mlp_gui.core.npz_reader`), and the values against what the settings can
produce (:mod:`mlp_gui.core.run_checks`, the optional parts in
:mod:`mlp_gui.core.run_parts`); nothing is ever unpickled. A file
holding more snapshots than a run of its size keeps is read with what fits,
and :attr:`SavedRun.notes` says what was left out. Writing is atomic, honours the umask, keeps an
existing file's mode, and refuses targets that are not regular files
(:mod:`mlp_gui.core.safe_write`).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from mlp_gui import __version__
from mlp_gui.core import run_parts, setting_changes, stepsize_history, weight_edits
from mlp_gui.core.config import MAX_JSON_CHARS, ConfigError, TrainConfig
from mlp_gui.core.data import CLASSIFICATION, Dataset
from mlp_gui.core.flat_layout import Params, copy_layers, flatten, pair_up
from mlp_gui.core.lesson import Lesson, LessonError
from mlp_gui.core.norm_record import NormRecord, NormRows
from mlp_gui.core.npz_reader import MemberSpec, NpzError, read_npz
from mlp_gui.core.plural import count
from mlp_gui.core.run_checks import value_problem
from mlp_gui.core.run_parts import RunFileError
from mlp_gui.core.run_specs import (
    END_STATE,
    MAX_CELLS,
    MAX_EPOCHS_IN_FILE,
    RULE_KEY,
    SNAPSHOT_STATE,
    reading_limit,
    required_arrays,
    snapshot_capacity,
    spec_for,
)
from mlp_gui.core.safe_write import atomic_write
from mlp_gui.core.sharpness_record import SharpnessRecord
from mlp_gui.core.snapshots import SnapshotStore
from mlp_gui.core.trainer import METRICS, RunHistory, Trainer
from mlp_gui.core.update_rule import GradientDescent, State, UpdateRule, copy_state, rule_for

FORMAT_TAG = "mlp-gui-run"


@dataclass(frozen=True, kw_only=True)
class SavedRun:
    """Everything a run file holds, checked for consistency (made with keywords only)."""

    config: TrainConfig
    layers: Params
    grads: Params
    loss: np.ndarray
    x: np.ndarray
    y: np.ndarray
    initial: Params | None = None  # the parameters at epoch 0 (files from before they were kept: None)
    x_test: np.ndarray | None = None  # the data set's test part, as used (None: none)
    y_test: np.ndarray | None = None
    classes: int = 0
    metrics: dict[str, np.ndarray] = field(default_factory=dict)  # test_loss, accuracy, test_accuracy per epoch
    snapshots: SnapshotStore | None = None  # parameters and rule states at earlier epochs (files from before: None)
    norms: NormRows | None = None  # per-layer gradient, weight and update norms over the run (files from before: None)
    notes: tuple[str, ...] = ()  # what reading the file left out, for the front ends to say
    rule: UpdateRule = field(default_factory=GradientDescent)  # the update rule (files from before: gradient descent)
    rule_state: State = field(default_factory=dict)  # its state at the end (gradient descent: none)
    stepsizes: stepsize_history.Rows = ()  # (epoch, stepsize) rows when the stepsize changed midway (else empty)
    changes: setting_changes.Rows = ()  # rows of the other settings changed midway (core/setting_changes.py; else empty)
    sharpness: SharpnessRecord | None = None  # λ_max at kept snapshots, as far as computed (None: not computed)
    weight_edits: weight_edits.Edits = ()  # weights typed in midway (core/weight_edits.py; else empty)
    lesson: Lesson | None = None  # a teacher's lesson block (core/lesson.py; None: none)
    planned_epochs: int | None = None  # the Epochs it was saved with, the window's plan (None: not said, older files)

    @property
    def epochs(self) -> int:
        return len(self.loss) - 1

    @property
    def params(self) -> list[np.ndarray]:
        """``[W1, b1, ...]``."""
        return flatten(self.layers)

    @property
    def diverged_at(self) -> int | None:
        return None if np.isfinite(self.loss[-1]) else len(self.loss) - 1

    @property
    def continuable(self) -> bool:
        """Whether training can go on from this file: its parameters are finite (a diverged run's last finite ones)."""
        return all(np.all(np.isfinite(a)) for a in self.params)

    def dataset(self) -> Dataset:
        """The data as the run used it (training and test part)."""
        empty_x, empty_y = np.empty((self.x.shape[0], 0)), np.empty((self.y.shape[0], 0))
        x_test = self.x_test if self.x_test is not None else empty_x
        y_test = self.y_test if self.y_test is not None else empty_y
        return Dataset(self.x, self.y, x_test, y_test, self.classes)

    def with_config(self, config: TrainConfig) -> SavedRun:
        """The same run continued under other settings (e.g. a new stepsize, from its last finite epoch on)."""
        stepsizes = self.stepsizes
        if config.stepsize != self.config.stepsize:
            at = self.epochs - (1 if self.diverged_at is not None else 0)
            stepsizes = stepsize_history.changed(stepsizes or ((0, self.config.stepsize),), epoch=at, stepsize=config.stepsize)
        return replace(self, config=config, stepsizes=stepsizes if len(stepsizes) > 1 else ())

    def history(self, *, frozen: bool = False) -> RunHistory:
        """Copies of what the run recorded, for a trainer to go on adding to.

        A diverged run continues from its last finite epoch (the non-finite loss is dropped, and RunFileError if
        its parameters are not finite); ``frozen`` keeps the run as it is.
        """
        if not frozen and not self.continuable:
            raise RunFileError(f"this run diverged at epoch {self.diverged_at} and its parameters are not finite; "
                               "it cannot be continued")
        loss = self.loss if frozen or self.diverged_at is None else self.loss[:-1]
        norms = None
        if self.norms is not None:
            norms = NormRecord.for_layout(self.config.model.layout)
            norms.extend(self.norms)
        snapshots = self.snapshots.copy() if self.snapshots is not None else None
        return RunHistory(loss=loss, metrics=self.metrics, snapshots=snapshots, norms=norms, stepsizes=self.stepsizes,
                          changes=self.changes)

    def trainer(self, extra_epochs: int = 0) -> Trainer:
        """A trainer that continues this run, with room for ``extra_epochs`` more (see :meth:`Trainer.resume`)."""
        return Trainer.resume(self, extra_epochs=extra_epochs)

    def frozen_trainer(self, extra_epochs: int = 0) -> Trainer:
        """A trainer holding this run as it is, diverged or not (a diverged one takes no more steps)."""
        return Trainer.resume(self, extra_epochs=extra_epochs, frozen=True)

    def from_epoch(self, epoch: int) -> tuple[SavedRun, int]:
        """The run as it was at its latest snapshot at or before ``epoch``, and that snapshot's epoch.

        Continuing it with the same settings reproduces the original run bit for bit from there.
        """
        store = self.snapshots
        index = store.latest_at_or_before(epoch) if store is not None else None
        if index is None:
            kept = ", ".join(str(e) for e in (store.epochs if store else [])[:12]) or "none"
            raise RunFileError(f"no snapshot at or before epoch {epoch} (kept: {kept})")
        at = store.epochs[index]
        metrics = {k: v[: at + 1] for k, v in self.metrics.items()}
        norms = self.norms.upto(at) if self.norms is not None else None
        kept = SnapshotStore(store.capacity, store.epochs[: index + 1], store.rows[: index + 1],
                             states=store.states[: index + 1])  # shared: a trainer made from it takes copies
        config, stepsizes = self.config, self.stepsizes
        if stepsizes:  # the stepsize in force there, and the changes made by then
            stepsizes = stepsize_history.upto(stepsizes, at)
            config = config.with_changes(stepsize=stepsizes[-1][1])
        rule = self.rule
        if self.changes:  # the settings in force there (and the rule made from them), and the changes made by then
            config = config.with_changes(**setting_changes.values_at(self.changes, at))
            rule = rule_for(config)
        sharp = self.sharpness.upto(at) if self.sharpness is not None else None
        run = replace(self, config=config, layers=config.model.layout.unpack(store.rows[index]), loss=self.loss[: at + 1],
                      metrics=metrics, snapshots=kept, norms=norms, rule_state=copy_state(store.states[index]),
                      stepsizes=stepsizes if len(stepsizes) > 1 else (), sharpness=sharp, rule=rule,
                      changes=setting_changes.upto(self.changes, at), weight_edits=weight_edits.upto(self.weight_edits, at))
        return run, at


def run_from_trainer(trainer: Trainer) -> SavedRun:
    """The trainer's current state as a run (copies)."""
    snap = trainer.snapshot()
    initial = copy_layers(trainer.initial_layers) if trainer.initial_layers is not None else None
    data = trainer.data
    x_test, y_test = (data.x_test.copy(), data.y_test.copy()) if data.has_test else (None, None)
    return SavedRun(config=trainer.config, layers=snap.layers, grads=snap.grads, loss=trainer.loss_history.copy(),
                    x=trainer.x.copy(), y=trainer.y.copy(), initial=initial, x_test=x_test, y_test=y_test,
                    classes=data.classes, metrics={k: v.copy() for k, v in trainer.metrics.items()},
                    snapshots=trainer.snapshots.copy(), norms=trainer.norms.rows(), rule=trainer.rule,
                    rule_state=snap.rule_state, stepsizes=trainer.stepsizes if len(trainer.stepsizes) > 1 else (),
                    changes=trainer.changes, weight_edits=trainer.weight_edits)


# ---------------------------------------------------------------- writing


def _arrays(run: SavedRun) -> dict[str, np.ndarray]:
    names = run.config.model.layout.names
    arrays = dict(zip(names, flatten(run.layers)))
    arrays.update({f"grad_{name}": g for name, g in zip(names, flatten(run.grads))})
    if run.initial is not None:
        arrays.update({f"init_{name}": p for name, p in zip(names, flatten(run.initial))})
    if run.x_test is not None:
        arrays.update(x_test=run.x_test, y_test=run.y_test)
    arrays.update({k: np.asarray(v, dtype=np.float64) for k, v in run.metrics.items()})
    arrays["classes"] = np.array(run.classes)
    arrays[RULE_KEY] = np.array(json.dumps(run.rule.as_dict()))
    arrays.update({END_STATE + k: v for k, v in run.rule_state.items()})
    if run.snapshots is not None and run.snapshots.epochs:
        arrays["snapshot_epochs"], arrays["snapshot_params"], states = run.snapshots.arrays()  # epochs first: see spec_for
        arrays.update({SNAPSHOT_STATE + k: v for k, v in states.items()})
    if len(run.stepsizes) > 1:
        arrays["stepsize_changes"] = stepsize_history.as_array(run.stepsizes)
    if run.changes:
        arrays["setting_changes"] = setting_changes.as_array(run.changes)
    if run.weight_edits:
        arrays[weight_edits.KEY] = weight_edits.as_array(run.weight_edits)
    if run.lesson is not None:
        arrays["lesson"] = np.array(run.lesson.to_json())
    if run.planned_epochs is not None:
        arrays["planned_epochs"] = np.array(run.planned_epochs, dtype=np.int64)
    sharp = run.sharpness.finite() if run.sharpness is not None else None
    if sharp is not None and len(sharp):
        arrays.update(sharpness_epochs=sharp.epochs, sharpness=sharp.values)
    if run.norms is not None:
        arrays.update(norm_epochs=run.norms.epochs, grad_norms=run.norms.grad, weight_norms=run.norms.weight,
                      update_norms=run.norms.update)
    arrays.update(
        loss=np.asarray(run.loss, dtype=np.float64),
        x=run.x,
        y=run.y,
        config=np.array(run.config.to_json()),
        format=np.array(FORMAT_TAG),
        version=np.array(__version__),
    )
    return arrays


def save_run(path: str | os.PathLike, run: SavedRun, *, fallback_dir: str | os.PathLike | None = None) -> Path:
    """Write ``run`` to ``path`` atomically; return where it went.

    A failed write never clobbers an existing file. With ``fallback_dir``, a
    run that cannot be written where asked (folder gone, disk full, no
    permission) is written there instead, and that path is returned.
    """
    arrays = _arrays(run)
    return atomic_write(path, lambda f: np.savez(f, **arrays), fallback_dir=fallback_dir)


def fallback_folder() -> str:
    """Where a run goes when its own folder cannot take it: the temporary folder."""
    return tempfile.gettempdir()


# ---------------------------------------------------------------- reading


def load_run(path: str | os.PathLike) -> SavedRun:
    """Read and check a run file; raise RunFileError naming the file and the problem, in one line.

    Only float64 is read for float arrays (a narrow type would widen into far more memory than the file
    holds). Snapshots beyond what a run of this size keeps (:func:`snapshot_capacity`) are skipped as
    they are read, the way the run itself would have thinned them, and :attr:`SavedRun.notes` says so.
    """
    path = Path(path)
    text = MemberSpec((), kinds="U", max_elements=1)
    try:
        first = read_npz(path, {"config": text, RULE_KEY: text, "lesson": text}, max_member_bytes=4 * MAX_JSON_CHARS + 256)
    except NpzError as exc:
        raise RunFileError(f"{path}: {exc}") from None
    if "config" not in first:
        raise RunFileError(f"{path}: not an mlp-gui run (no 'config' array)")
    try:
        cfg, legacy = TrainConfig.from_json(str(first["config"]))
        rule = run_parts.rule_of(str(first[RULE_KEY]) if RULE_KEY in first else None, cfg)
        limit, memory = reading_limit(cfg, rule)
        try:
            arrays = read_npz(path, spec_for(cfg, rule), required=required_arrays(cfg, rule), max_member_bytes=limit,
                              max_total_bytes=limit)
        except NpzError as exc:
            raise NpzError(f"{exc}{memory}" if "the limit" in str(exc) else str(exc)) from None
        return replace(_check_run(cfg, legacy, rule, arrays), lesson=_lesson(first))
    except (NpzError, ConfigError, RunFileError) as exc:
        raise RunFileError(f"{path}: {exc}") from None


def _check_run(cfg: TrainConfig, legacy: dict, rule: UpdateRule, arrays: dict[str, np.ndarray]) -> SavedRun:
    layout = cfg.model.layout
    names = layout.names
    params = [np.asarray(arrays[n], dtype=np.float64) for n in names]
    grads = [np.asarray(arrays[f"grad_{n}"], dtype=np.float64) for n in names]
    x, y, loss = (np.asarray(arrays[k], dtype=np.float64) for k in ("x", "y", "loss"))
    if len(loss) < 1:
        raise RunFileError("'loss' is empty: a run holds at least its initial loss")
    if "epochs" in legacy and legacy["epochs"] != len(loss) - 1:
        raise RunFileError(f"'loss' has {count(len(loss), 'value')} but config says {legacy['epochs']!r} epochs (expected {len(loss) - 1})")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise RunFileError("'x' or 'y' holds inf or NaN")
    if not np.all(np.isfinite(loss[:-1])):
        raise RunFileError(f"'loss' holds inf or NaN before its last value (at epoch {int(np.flatnonzero(~np.isfinite(loss))[0])})")
    diverged = not np.isfinite(loss[-1])
    if not diverged and not all(np.all(np.isfinite(a)) for a in params + grads):
        raise RunFileError("the parameters or gradients hold inf or NaN, but the run did not diverge")
    if x.shape[1] != y.shape[1]:
        raise RunFileError(f"'x' has {count(x.shape[1], 'sample')} but 'y' has {y.shape[1]}")
    initial = run_parts.initial(names, arrays)
    x_test, y_test = run_parts.held_out(arrays)
    metrics = {k: np.asarray(arrays[k], dtype=np.float64) for k in METRICS if k in arrays}
    if any(len(v) != len(loss) for v in metrics.values()):
        raise RunFileError("the test-loss or accuracy history does not match the loss history's length")
    classes = int(arrays["classes"]) if "classes" in arrays else _classes_of_old(cfg)
    problem = value_problem(cfg, x, y, classes, y_test)
    if problem:
        raise RunFileError(problem)
    snapshots, notes = run_parts.snapshots(arrays, len(loss) - 1, snapshot_capacity(cfg, rule), rule, layout.size)
    norms = run_parts.norms(arrays, layout.n_layers, len(loss) - 1, diverged)
    sharp = run_parts.sharpness(arrays, len(loss) - 1, snapshots)
    rule_state = run_parts.end_state(arrays, rule, layout.size, diverged=diverged)
    stepsizes: stepsize_history.Rows = ()
    if "stepsize_changes" in arrays:
        try:
            stepsizes = stepsize_history.from_array(arrays["stepsize_changes"], epochs=len(loss) - 1, final=cfg.stepsize)
        except ValueError as exc:
            raise RunFileError(str(exc)) from None
    changes = run_parts.setting_changes_of(arrays, cfg, epochs=len(loss) - 1)
    try:
        edits = weight_edits.from_array(arrays[weight_edits.KEY], epochs=len(loss) - 1, layout=layout) \
            if weight_edits.KEY in arrays else ()
    except ValueError as exc:
        raise RunFileError(str(exc)) from None
    plan = int(arrays["planned_epochs"]) if "planned_epochs" in arrays else None
    if plan is not None and not 0 <= plan <= MAX_EPOCHS_IN_FILE:
        raise RunFileError(f"'planned_epochs' is {plan:,}: not between 0 and {MAX_EPOCHS_IN_FILE:,}")
    return SavedRun(config=cfg, layers=pair_up(params), grads=pair_up(grads), loss=loss, x=x, y=y, initial=initial,
                    x_test=x_test, y_test=y_test, classes=classes, metrics=metrics, snapshots=snapshots, norms=norms,
                    notes=notes, rule=rule, rule_state=rule_state, stepsizes=stepsizes, sharpness=sharp, changes=changes,
                    weight_edits=edits, planned_epochs=plan)


def _lesson(first: dict[str, np.ndarray]) -> Lesson | None:
    """The file's lesson block (a 0-d text member), read as hostile input; None: the file has none."""
    if "lesson" not in first:
        return None
    try:
        return Lesson.from_json(str(first["lesson"]))
    except LessonError as exc:
        raise RunFileError(str(exc)) from None


def _classes_of_old(cfg: TrainConfig) -> int:
    """Files from before 'classes' was kept held only the notebook's data, or a generated set's."""
    return 2 if cfg.data in CLASSIFICATION else 0


__all__ = ["MAX_CELLS", "MAX_EPOCHS_IN_FILE", "RunFileError", "SavedRun", "fallback_folder", "load_run", "run_from_trainer",
           "save_run", "snapshot_capacity"]
