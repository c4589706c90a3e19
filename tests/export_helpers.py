"""Shared by the export tests: runs made as the app makes them, and exported scripts run where only NumPy exists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.runfile import SavedRun, run_from_trainer
from mlp_gui.core.trainer import Trainer

#: run in the subprocess before the exported script: only the stdlib and NumPy may be importable
RUNNER = """
import importlib.util, runpy, sys
sys.path.insert(0, {numpy_dir!r})
for name in ("mlp_gui", "PySide6", "pyqtgraph", "tests"):
    assert importlib.util.find_spec(name) is None, name + " is importable: the script must need NumPy only"
done = runpy.run_path({script!r}, run_name="__main__")
if {dump!r}:  # the parameters the script ended with, to compare with the run's bit for bit
    import numpy
    numpy.savez({dump!r}, *done["parameters"])
"""


#: runs several exported scripts in one Python (NumPy imported once): each in its own namespace, its printout into
#: its own file, its final parameters into its .npz, and what went wrong (if anything) into NAME.error
MANY = """
import contextlib, importlib.util, runpy, sys, traceback
sys.path.insert(0, {numpy_dir!r})
for name in ("mlp_gui", "PySide6", "pyqtgraph", "tests"):
    assert importlib.util.find_spec(name) is None, name + " is importable: the script must need NumPy only"
import numpy
for script in {scripts!r}:
    with open(script[:-3] + ".out", "w") as out, contextlib.redirect_stdout(out):
        try:
            done = runpy.run_path(script, run_name="__main__")
            numpy.savez(script[:-3] + ".npz", *done["parameters"])
        except BaseException:
            with open(script[:-3] + ".error", "w") as err:
                err.write(traceback.format_exc())
"""


def trained(config: TrainConfig, epochs: int, *, then: tuple[float, int] | None = None,
            settings: tuple[dict, int] | None = None) -> SavedRun:
    """A run of ``config`` for ``epochs`` (as the window and ``mlp-gui train`` make it); ``then``: (stepsize, epochs)
    more with another stepsize, as the window's stepsize change continues a run; ``settings``: ({name: value}, epochs)
    more with other settings (the optimizer's numbers, the penalty, the decay), as continuing with changed settings
    does."""
    trainer = Trainer.new(config, capacity=epochs)
    trainer.step(epochs)
    if then is not None:
        trainer.set_stepsize(then[0])
        trainer.step(then[1])
    if settings is not None:
        trainer.set_settings(**settings[0])
        trainer.step(settings[1])
    return run_from_trainer(trainer)


def numpy_only_dir(folder: Path) -> Path:
    """A folder holding only NumPy (links to the installed package and its bundled libraries)."""
    site = Path(np.__file__).resolve().parent.parent
    target = folder / "numpy_only"
    if not target.exists():
        target.mkdir()
        for name in ("numpy", "numpy.libs"):
            if (site / name).exists():
                os.symlink(site / name, target / name)
    return target


def run_script(script: Path, *, cwd: Path | None = None, dump: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``script`` in a Python that sees the standard library and NumPy only (-I -S: no site, no environment);
    ``dump``: an .npz to write the script's final ``parameters`` to (``arr_0``, ``arr_1``, ... in their order)."""
    code = RUNNER.format(numpy_dir=str(numpy_only_dir(script.parent)), script=str(script), dump=str(dump or ""))
    return subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True,
                          cwd=cwd or script.parent, timeout=120)


def run_scripts(scripts: list[Path]) -> None:
    """Run every script of ``scripts`` (all in one folder) in one Python that sees the standard library and NumPy only;
    each leaves NAME.out (its printout), NAME.npz (its final parameters) or NAME.error (its traceback) beside it."""
    folder = scripts[0].parent
    code = MANY.format(numpy_dir=str(numpy_only_dir(folder)), scripts=[str(s) for s in scripts])
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, cwd=folder,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def final_loss(stdout: str) -> str:
    """The repr of the final loss the script prints on its last line."""
    return stdout.strip().splitlines()[-1].rsplit(" ", 1)[-1]


def run_cells(path: Path) -> list[str]:
    """What each code cell of the notebook at ``path`` prints, its cells run in order in this process, in one fresh
    namespace, from the notebook's folder (as a kernel started there runs them; a notebook's plain Python needs no
    kernel to say what it prints: tests/test_export_notebook.py runs one in a real kernel)."""
    import contextlib
    import io
    import json

    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, object] = {"__name__": "__main__"}
    outputs, here = [], os.getcwd()
    os.chdir(path.parent)
    try:
        for cell in (c for c in cells if c["cell_type"] == "code"):
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile("".join(cell["source"]), f"{path.name} cell", "exec"), namespace)  # noqa: S102
            outputs.append(printed.getvalue())
    finally:
        os.chdir(here)
    return outputs
