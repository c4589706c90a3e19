"""Kept runs on disk, so the curves kept for comparison survive a restart of the window.

One ``.npz`` of plain arrays: ``epochs_0, losses_0, epochs_1, ...`` (each run's plotted points, a few
thousand at most) and ``kept``, a JSON list of ``{"label", "visible", "config"}``. Written atomically;
read as any untrusted file (bounded, float64 and int64 only, no pickle, JSON nesting checked before it
is parsed). A file that cannot be read is reported and skipped, never a reason not to start.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from mlp_gui.core.config import ConfigError, TrainConfig
from mlp_gui.core.npz_reader import MemberSpec, NpzError, read_npz
from mlp_gui.core.parse import json_depth
from mlp_gui.core.safe_write import atomic_write

MAX_RUNS = 50
MAX_POINTS = 100_000  # per run: far above what a loss envelope hands the plot
MAX_DEPTH = 8  # the list nests 3 deep (a run's settings in its entry, layer sizes in those)
MAX_META_CHARS = MAX_RUNS * 16 * 1024


@dataclass(frozen=True)
class StoredRun:
    """A kept curve as stored: its settings, label, visibility and points."""

    config: TrainConfig
    label: str
    visible: bool
    epochs: np.ndarray
    losses: np.ndarray


def save_kept(path: str | os.PathLike, runs: list[StoredRun]) -> None:
    """Write the kept runs (at most MAX_RUNS, the newest) atomically."""
    runs = runs[-MAX_RUNS:]
    arrays: dict[str, np.ndarray] = {}
    for i, run in enumerate(runs):
        arrays[f"epochs_{i}"] = np.asarray(run.epochs, dtype=np.int64)[:MAX_POINTS]
        arrays[f"losses_{i}"] = np.asarray(run.losses, dtype=np.float64)[:MAX_POINTS]
    meta = [{"label": r.label, "visible": r.visible, "config": json.loads(r.config.to_json())} for r in runs]
    arrays["kept"] = np.array(json.dumps(meta))
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load_kept(path: str | os.PathLike) -> list[StoredRun]:
    """The kept runs stored at ``path`` ([] if there is no file); ValueError with one line if it cannot be read."""
    if not os.path.lexists(path):
        return []
    try:
        text = str(read_npz(path, {"kept": MemberSpec((), kinds="U")}, required=["kept"],
                            max_member_bytes=4 * MAX_META_CHARS + 256)["kept"])
        if json_depth(text) > MAX_DEPTH:
            raise ValueError("'kept' is nested too deeply to be a list of kept runs")
        meta = json.loads(text)
        if not isinstance(meta, list) or len(meta) > MAX_RUNS:
            raise ValueError("'kept' is not a list of at most 50 runs")
        spec = {f"epochs_{i}": MemberSpec((None,), kinds="iu", itemsize=8, max_elements=MAX_POINTS) for i in range(len(meta))}
        spec |= {f"losses_{i}": MemberSpec((None,), kinds="f", itemsize=8, max_elements=MAX_POINTS) for i in range(len(meta))}
        arrays = read_npz(path, spec, required=list(spec))
        return [_stored(entry, arrays[f"epochs_{i}"], arrays[f"losses_{i}"]) for i, entry in enumerate(meta)]
    except (NpzError, ConfigError, ValueError, TypeError, KeyError, RecursionError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def _stored(entry: dict, epochs: np.ndarray, losses: np.ndarray) -> StoredRun:
    if len(epochs) != len(losses):
        raise ValueError("a kept run's epochs and losses differ in length")
    config, _ = TrainConfig.from_json(json.dumps(entry["config"]))
    return StoredRun(config, str(entry["label"])[:200], bool(entry.get("visible", True)), epochs.astype(np.int64), losses)
