"""Saved runs: a plain ``.npz`` (no pickle) that the CLI and the window both read and write.

Arrays: ``W1, b1, ..., WL, bL`` (final parameters), ``grad_W1, ...`` (gradients
at those parameters), ``loss`` (float64, one value per epoch plus the initial
one: the number of epochs the run holds is ``len(loss) - 1``), ``x``, ``y``,
and ``config`` (a JSON string of the run's settings, from the settings schema).
Files written before the schema also kept ``epochs`` in the config; it must
then agree with the loss history.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from mlp_gui import __version__
from mlp_gui.core.config import ConfigError, TrainConfig
from mlp_gui.core.model import Params, flatten, layer_shapes, pair_up, parameter_names
from mlp_gui.core.trainer import Trainer

FORMAT_TAG = "mlp-gui-run"


class RunFileError(ValueError):
    """A run file is missing, truncated, foreign or inconsistent; the message says which and why."""


@dataclass(frozen=True)
class SavedRun:
    """Everything a run file holds, checked for consistency."""

    config: TrainConfig
    layers: Params
    grads: Params
    loss: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @property
    def epochs(self) -> int:
        return len(self.loss) - 1

    @property
    def params(self) -> list[np.ndarray]:
        """``[W1, b1, ...]``."""
        return flatten(self.layers)

    @property
    def diverged_at(self) -> int | None:
        bad = np.flatnonzero(~np.isfinite(self.loss))
        return int(bad[0]) if bad.size else None

    def with_config(self, config: TrainConfig) -> SavedRun:
        """The same run continued under other settings (e.g. a new stepsize)."""
        return replace(self, config=config)

    def trainer(self, extra_epochs: int = 0) -> Trainer:
        """A trainer that continues this run, with room for ``extra_epochs`` more."""
        if self.diverged_at is not None:
            raise RunFileError(f"this run diverged at epoch {self.diverged_at}; it cannot be continued")
        return self.frozen_trainer(extra_epochs)

    def frozen_trainer(self, extra_epochs: int = 0) -> Trainer:
        """A trainer holding this run as it is, diverged or not (a diverged one takes no more steps)."""
        return Trainer(self.config, layers=self.layers, x=self.x, y=self.y, history=self.loss, capacity=self.epochs + extra_epochs)


def run_from_trainer(trainer: Trainer) -> SavedRun:
    """The trainer's current state as a run (copies)."""
    snap = trainer.snapshot()
    return SavedRun(
        config=trainer.config,
        layers=snap.layers,
        grads=snap.grads,
        loss=trainer.loss_history.copy(),
        x=trainer.x.copy(),
        y=trainer.y.copy(),
    )


def save_run(path: str | os.PathLike, run: SavedRun) -> Path:
    """Write ``run`` to ``path`` atomically: a failed write never clobbers an existing file."""
    path = Path(path)
    names = parameter_names(len(run.layers))
    arrays = {name: p for name, p in zip(names, flatten(run.layers))}
    arrays.update({f"grad_{name}": g for name, g in zip(names, flatten(run.grads))})
    arrays.update(
        loss=np.asarray(run.loss, dtype=np.float64),
        x=run.x,
        y=run.y,
        config=np.array(run.config.to_json()),
        format=np.array(FORMAT_TAG),
        version=np.array(__version__),
    )
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_run(path: str | os.PathLike) -> SavedRun:
    """Read and check a run file; raise RunFileError naming the file and the problem."""
    path = Path(path)
    if not path.exists():
        raise RunFileError(f"{path}: no such file")
    if path.is_dir():
        raise RunFileError(f"{path}: is a folder, not a run file")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise RunFileError(f"{path}: cannot be opened ({exc.strerror or exc})") from None
    if magic != b"PK\x03\x04":
        what = "the file is empty" if not magic else "not an .npz file (it is not a zip archive)"
        raise RunFileError(f"{path}: {what}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, EOFError) as exc:
        raise RunFileError(f"{path}: not a complete .npz file (truncated or corrupt: {exc})") from None
    except (ValueError, OSError, KeyError, zipfile.LargeZipFile) as exc:
        raise RunFileError(f"{path}: cannot be read as an .npz run file ({exc})") from None
    if not isinstance(arrays, dict) or "config" not in arrays:
        raise RunFileError(f"{path}: not an mlp-gui run (no 'config' array)")
    try:
        return _check_run(arrays)
    except (ConfigError, RunFileError) as exc:
        raise RunFileError(f"{path}: {exc}") from None


def _check_run(arrays: dict[str, np.ndarray]) -> SavedRun:
    config_arr = arrays["config"]
    if config_arr.shape != () or config_arr.dtype.kind not in "US":
        raise RunFileError("'config' is not a JSON string")
    cfg, legacy = TrainConfig.from_json(str(config_arr))
    names = parameter_names(len(cfg.layers) - 1)
    required = names + [f"grad_{n}" for n in names] + ["loss", "x", "y"]
    missing = [k for k in required if k not in arrays]
    if missing:
        raise RunFileError(f"missing arrays: {', '.join(missing)}")
    shapes = [shape for pair in layer_shapes(cfg.layers) for shape in pair]
    for name, shape in zip(names, shapes):
        _expect_shape(name, arrays[name], shape)
        _expect_shape(f"grad_{name}", arrays[f"grad_{name}"], shape)
    params = [_float_array(arrays, n) for n in names]
    grads = [_float_array(arrays, f"grad_{n}") for n in names]
    x, y, loss = _float_array(arrays, "x"), _float_array(arrays, "y"), _float_array(arrays, "loss")
    _expect_shape("x", x, (cfg.layers[0], cfg.batch_size))
    _expect_shape("y", y, (cfg.layers[-1], cfg.batch_size))
    if loss.ndim != 1 or len(loss) < 1:
        raise RunFileError(f"'loss' must be a non-empty 1-D array, has shape {loss.shape}")
    if "epochs" in legacy and legacy["epochs"] != len(loss) - 1:
        raise RunFileError(f"'loss' has {len(loss)} values but config says {legacy['epochs']!r} epochs (expected {len(loss) - 1})")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise RunFileError("'x' or 'y' holds inf or NaN")
    return SavedRun(config=cfg, layers=pair_up(params), grads=pair_up(grads), loss=loss, x=x, y=y)


def _float_array(arrays: dict[str, np.ndarray], name: str) -> np.ndarray:
    arr = arrays[name]
    if arr.dtype.kind not in "fiu":
        raise RunFileError(f"'{name}' is not numeric (dtype {arr.dtype})")
    return np.asarray(arr, dtype=np.float64)


def _expect_shape(name: str, arr: np.ndarray, shape: tuple[int, ...]) -> None:
    if arr.shape != shape:
        raise RunFileError(f"'{name}' has shape {arr.shape}, expected {shape} for these layers")
