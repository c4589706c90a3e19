"""Issue 21 §1: ``--notebook`` writes valid nbformat 4 whose cells mirror the course notebook's, and it runs top to
bottom to the run's final loss (validated with nbformat and run with nbclient where they are installed; one notebook
runs in a real kernel, the others' cells run in this process, which is quicker and prints the same)."""

from __future__ import annotations

import json

import pytest

from mlp_gui.core import notebook
from mlp_gui.core.config import TrainConfig
from mlp_gui.core.export_files import write_export
from mlp_gui.core.network import Kernel
from tests.export_helpers import run_cells, trained

SPIRAL = TrainConfig(data="spiral", layers=(2, 6, 2), activation="tanh", output="softmax", loss="cross-entropy",
                     batch_size=10, stepsize=0.3, samples=60)


def cells_of(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell) -> str:
    return "".join(cell["source"])


def test_the_cells_mirror_the_course_notebooks(tmp_path):
    path = tmp_path / "run.ipynb"
    write_export(path, trained(TrainConfig(), 10), kind="notebook")
    book = json.loads(path.read_text(encoding="utf-8"))
    assert (book["nbformat"], book["nbformat_minor"]) == (4, 5)
    kinds = [c["cell_type"] for c in book["cells"]]
    assert kinds == ["markdown", "code", "code", "code", "code", "code"]
    title, init, network, first, training, check = (source(c) for c in book["cells"])
    assert "```\nmlp-gui train --epochs 10  # run " in title
    assert "np.random.seed(12345)" in init and "def initialize(batchsize):" in init and "initialize(5)" in init
    assert network.startswith("class NN:") and "def backwardPass(self, input, target, printResults):" in network
    assert 'print("Question 1: Loss of the forward Pass: {}".format(loss), "\\n")' in first
    assert training.startswith("# Optimizing the NN using a stepsize and multiple epochs")
    assert "assert same" in check
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in book["cells"] if c["cell_type"] == "code")


def test_it_is_valid_nbformat_4(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    for name, run in (("default", trained(TrainConfig(), 3)), ("spiral", trained(SPIRAL, 3))):
        path = tmp_path / f"{name}.ipynb"
        write_export(path, run, kind="notebook")
        nbformat.validate(nbformat.read(path, as_version=4))


def executed(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    book = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(book, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    return ["".join(o.get("text", "") for o in c.outputs) for c in book.cells if c.cell_type == "code"]


def test_it_runs_top_to_bottom_and_prints_the_notebooks_report(tmp_path):
    run = trained(TrainConfig(), 30)
    path = tmp_path / "run.ipynb"
    write_export(path, run, kind="notebook")
    outputs = executed(path)
    grads = Kernel(run.config.model).trace(run.initial, run.x, run.y).grads
    assert outputs[2] == notebook.initial_report(run.loss[0], [a for layer in grads for a in layer])
    assert outputs[3] == notebook.training_report(run.loss, run.epochs)
    assert outputs[4] == f"The final loss is the run's, to the last bit: {float(run.loss[-1])!r}\n"


def test_a_notebook_with_its_data_in_a_file_beside_it_runs(tmp_path, monkeypatch):
    from mlp_gui.core import export_checks

    monkeypatch.setattr(export_checks, "MAX_LITERAL_NUMBERS", 10)  # this small set's data then goes beside it
    run = trained(SPIRAL, 4)
    exported = write_export(tmp_path / "spiral.ipynb", run, kind="notebook")
    assert exported.data_path == tmp_path / "spiral-data.npz"
    assert run_cells(exported.path)[-1] == f"The final loss is the run's, to the last bit: {float(run.loss[-1])!r}\n"


def test_an_adam_run_with_a_penalty_and_decay_runs_as_a_notebook_to_its_final_loss(tmp_path):
    config = SPIRAL.with_changes(optimizer="adam", stepsize=0.01, l2=0.01, decay_every=5, decay_factor=0.5)
    run = trained(config, 20)
    path = tmp_path / "adam.ipynb"
    write_export(path, run, kind="notebook")
    training = source(cells_of(path)[4])
    assert "m = [np.zeros_like(p) for p in parameters]" in training and "eta = stepsize * decay_factor" in training
    assert run_cells(path)[-1] == f"The final loss is the run's, to the last bit: {float(run.loss[-1])!r}\n"
