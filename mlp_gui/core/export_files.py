"""Writing an exported run: the script or notebook, and its data file when the data is too big to write as numbers.

The data file (``NAME-data.npz``, plain arrays ``x`` and ``y``) goes first, then the code, each through
:func:`~mlp_gui.core.safe_write.atomic_write`: a reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlp_gui.core.explain import fingerprint
from mlp_gui.core.export_checks import check_exportable, data_plan
from mlp_gui.core.export_code import export_cells, script_text
from mlp_gui.core.export_notebook import notebook_json
from mlp_gui.core.run_command import train_command
from mlp_gui.core.safe_write import atomic_write

KINDS = ("script", "notebook")


@dataclass(frozen=True)
class Exported:
    """What an export wrote: the code's path and, when the data went beside it, the data file's."""

    path: Path
    data_path: Path | None = None

    def message(self) -> str:
        beside = f" (its data in {self.data_path.name} beside it)" if self.data_path else ""
        return f"Exported the run as code to {self.path}{beside}"


def run_command_line(run: object) -> str:
    """The ``mlp-gui train …`` line of ``run``'s settings and epochs, with its fingerprint."""
    config = run.config  # type: ignore[attr-defined]
    return train_command(config, run.epochs, fingerprint=fingerprint(config, getattr(run, "initial", None)),  # type: ignore[attr-defined]
                         stepsizes=tuple(getattr(run, "stepsizes", ()) or ()),
                         changes=tuple(getattr(run, "changes", ()) or ()))


def export_text(run: object, *, kind: str, stem: str) -> tuple[str, dict[str, np.ndarray] | None]:
    """The exported file's text and, when the data goes into ``STEM-data.npz``, the arrays for it.

    ExportError (one line) for a run that cannot be exported (:func:`~mlp_gui.core.export_code.check_exportable`).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    check_exportable(run)
    data = data_plan(run, stem=stem)
    command = run_command_line(run)
    cells = export_cells(run, data=data, notebook=kind == "notebook")
    text = script_text(cells, command) if kind == "script" else notebook_json(cells, command)
    arrays = {"x": np.asarray(run.x), "y": np.asarray(run.y)} if data.source == "file" else None  # type: ignore[attr-defined]
    return text, arrays


def write_export(path: str | os.PathLike, run: object, *, kind: str) -> Exported:
    """Write ``run`` as a ``kind`` (script or notebook) to ``path``, its data file first when it has one.

    ExportError for a run that cannot be exported; OSError (TargetError among them) for a file that cannot be written.
    """
    path = Path(path)
    text, arrays = export_text(run, kind=kind, stem=path.stem)
    data_path = None
    if arrays is not None:
        data_path = path.with_name(f"{path.stem}-data.npz")
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        atomic_write(data_path, lambda f: f.write(buffer.getbuffer()))
    encoded = text.encode("utf-8")
    atomic_write(path, lambda f: f.write(encoded))
    return Exported(path, data_path)


__all__ = ["KINDS", "Exported", "export_text", "run_command_line", "write_export"]
