"""Issue 21 §1: an exported script recreates its run from NumPy alone, to the last bit of its final loss.

Every configuration is trained as the app trains it, exported, and the script run in a Python that can import the
standard library and NumPy only; its last line must print the run's ``loss[-1]`` exactly (``repr``), and its own
assertion must hold. The printout is the one ``mlp-gui train --notebook`` prints for the same run. The runs are
exported once per session and their scripts run in one such Python (each in its own namespace); a test that changes
a script or runs it from elsewhere runs its own.
"""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

from mlp_gui.core import notebook
from mlp_gui.core.config import TrainConfig
from mlp_gui.core.export_checks import MAX_LITERAL_NUMBERS, ExportError, check_exportable, export_problem
from mlp_gui.core.export_files import write_export
from mlp_gui.core.network import Kernel
from tests.export_helpers import final_loss, run_script, run_scripts, trained

NOTEBOOK = TrainConfig()
SPIRAL = TrainConfig(data="spiral", layers=(2, 8, 8, 2), activation="tanh", output="softmax", loss="cross-entropy",
                     batch_size=16, stepsize=0.3, samples=120)
RELU_HE = TrainConfig(data="sine", layers=(1, 8, 1), activation="relu", init="he", batch_size=10, stepsize=0.05, samples=80)
XOR_SIGMOID = TrainConfig(data="xor", layers=(2, 6, 1), output="sigmoid", loss="cross-entropy", batch_size=7, stepsize=0.5,
                          samples=60, test_fraction="0.25")
ALL_BATCH = TrainConfig(data="circles", layers=(2, 5, 2), activation="tanh", output="sigmoid", loss="mse", batch_size=0,
                        stepsize=0.8, samples=50, noise=0.05, init="xavier")
PER_LAYER = TrainConfig(data="gaussians", layers=(2, 5, 4, 3, 2), activation="tanh,relu,linear", output="softmax",
                        loss="mse", batch_size=9, stepsize=0.4, samples=64, init="xavier", test_fraction="0")
NO_HIDDEN = TrainConfig(data="xor", layers=(2, 1), output="sigmoid", loss="cross-entropy", batch_size=0, samples=40)

CONFIGS = {
    "notebook-100": (NOTEBOOK, 100),
    "notebook-2000": (NOTEBOOK, 2000),
    "spiral-tanh-softmax-xent-minibatch": (SPIRAL, 12),
    "sine-relu-he": (RELU_HE, 15),
    "xor-sigmoid-xent": (XOR_SIGMOID, 20),
    "circles-batch-all": (ALL_BATCH, 40),
    "gaussians-per-layer-activations": (PER_LAYER, 10),
    "xor-no-hidden-layer": (NO_HIDDEN, 25),
    "notebook-wider-seed": (TrainConfig(seed=7, layers=(4, 6, 3), batch_size=9, init="xavier", activation="tanh"), 60),
}


#: the other tests' runs, exported and run in the same Python as CONFIGS' (each script in its own namespace)
OTHERS = {
    "notebook-20": lambda: trained(NOTEBOOK, 20),
    "notebook-1": lambda: trained(NOTEBOOK, 1),
    "spiral-stepsize-changed-midway": lambda: trained(SPIRAL, 6, then=(0.05, 6)),
    "diverged": lambda: trained(TrainConfig(stepsize=1e3), 200),
    "changed-after-the-divergence": lambda: trained(TrainConfig(stepsize=1e3), 200, then=(0.05, 0)),
    "changed-before-the-step-that-diverged": lambda: trained(NOTEBOOK, 10, then=(1e300, 5)),
    "without-starting-weights": lambda: dataclasses.replace(trained(NOTEBOOK, 40), initial=None),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every run of CONFIGS and OTHERS trained and exported, and the scripts run in one Python that sees NumPy only
    (each its printout in NAME.out, its final parameters in NAME.npz, or its traceback in NAME.error): name → (run,
    folder)."""
    folder = tmp_path_factory.mktemp("exported")
    runs = {name: trained(config, epochs) for name, (config, epochs) in CONFIGS.items()}
    runs.update({name: make() for name, make in OTHERS.items()})
    for name, run in runs.items():
        write_export(folder / f"{name}.py", run, kind="script")
    run_scripts([folder / f"{name}.py" for name in runs])
    return {name: (run, folder) for name, run in runs.items()}


def printed(exported, name: str):
    """``name``'s run and what its script printed; the script ran with NumPy only and passed its own check, and for a
    run that did not diverge it ended at the run's final parameters bit for bit (a stronger check than the loss alone,
    which can hide a last-bit difference in a layer that barely moves the loss)."""
    run, folder = exported[name]
    error = folder / f"{name}.error"
    assert not error.exists(), error.read_text()[-2000:]
    if run.diverged_at is None:
        with np.load(folder / f"{name}.npz") as ended:
            got = [ended[f"arr_{i}"] for i in range(len(run.params))]
        assert all(np.array_equal(a, b) for a, b in zip(got, run.params, strict=True))
    return run, (folder / f"{name}.out").read_text()


@pytest.mark.parametrize("name", list(CONFIGS))
def test_the_exported_script_ends_at_the_runs_loss_to_the_last_bit(name, exported):
    run, stdout = printed(exported, name)
    assert run.diverged_at is None and len(run.loss) == CONFIGS[name][1] + 1
    assert final_loss(stdout) == repr(float(run.loss[-1]))


def test_the_script_prints_what_mlp_gui_train_notebook_prints(exported):
    run, stdout = printed(exported, "notebook-20")
    assert len(run.loss) == 21
    kernel = Kernel(run.config.model)
    grads = kernel.trace(run.initial, run.x, run.y).grads
    expected = notebook.initial_report(run.loss[0], [a for layer in grads for a in layer])
    expected += notebook.training_report(run.loss, run.epochs)
    assert stdout.startswith(expected)
    assert stdout[len(expected):].startswith("The final loss is the run's, to the last bit")


def test_the_course_notebook_printout_comes_out_of_the_default_export(exported):
    from tests import notebook_data as nb

    run, stdout = printed(exported, "notebook-1")
    assert run.config == NOTEBOOK and stdout.startswith(nb.INITIAL_REPORT)


def test_a_stepsize_changed_midway_is_replayed(exported):
    run, stdout = printed(exported, "spiral-stepsize-changed-midway")
    assert len(run.stepsizes) == 2
    assert final_loss(stdout) == repr(float(run.loss[-1]))


def test_a_diverged_run_diverges_again_at_the_same_epoch(exported):
    run, stdout = printed(exported, "diverged")
    assert run.diverged_at == 52 and np.isinf(run.loss[-1])
    assert "The loss is no longer finite at epoch 52" in stdout
    assert final_loss(stdout) == "inf"


@pytest.mark.parametrize("when", ["before the step that diverged", "after the divergence"])
def test_a_stepsize_changed_at_the_last_finite_epoch_of_a_diverged_run(when, exported):
    """The file cannot say whether the change came before the last step or after it diverged: both export right."""
    # after: the student typed a smaller stepsize but has not continued yet (OTHERS makes both runs)
    run, stdout = printed(exported, f"changed-{when.replace(' ', '-')}")
    assert run.stepsizes[-1][0] == run.diverged_at - 1
    assert f"The loss is no longer finite at epoch {run.diverged_at}" in stdout


def test_a_run_whose_file_lost_the_stepsize_it_diverged_with_is_refused_in_one_line():
    blows_up_at_once = TrainConfig(data="sine", layers=(1, 1), activation="linear", batch_size=1, stepsize=10.0,
                                   seed=2871841566, samples=244)
    run = trained(blows_up_at_once, 5, then=(0.05, 0))  # diverged at epoch 1; the stepsize changed at epoch 0
    assert run.diverged_at == 1 and run.stepsizes == ()  # the history kept only the new stepsize
    with pytest.raises(ExportError, match="diverged at epoch 1 and its stepsize or settings were changed afterwards") as caught:
        check_exportable(run)
    assert "\n" not in str(caught.value)


def test_a_changed_script_fails_its_check(tmp_path):
    run = trained(NOTEBOOK, 30)
    script = tmp_path / "run.py"
    write_export(script, run, kind="script")
    script.write_text(script.read_text().replace("stepsize = 0.1\n", "stepsize = 0.1000001\n"))
    done = run_script(script)
    assert done.returncode != 0 and "AssertionError: this is not the run mlp-gui made" in done.stderr


def test_big_data_goes_into_a_data_file_beside_the_script(tmp_path):
    config = TrainConfig(data="sine", layers=(1, 3, 1), samples=20_000, batch_size=0, stepsize=0.2, test_fraction="0.1")
    run = trained(config, 3)
    assert run.x.size + run.y.size > MAX_LITERAL_NUMBERS
    exported = write_export(tmp_path / "big 'run\".py", run, kind="script")  # any name a student may give it
    assert exported.data_path == tmp_path / "big 'run\"-data.npz"
    assert "np.array([" not in exported.path.read_text()
    done = run_script(exported.path, cwd=tmp_path.parent)  # found beside the script, wherever it is run from
    assert final_loss(done.stdout) == repr(float(run.loss[-1]))


def test_data_up_to_the_limit_is_written_into_the_script(tmp_path):
    run = trained(SPIRAL, 2)
    exported = write_export(tmp_path / "small.py", run, kind="script")
    assert exported.data_path is None and "x = np.array([" in exported.path.read_text()


def test_a_file_without_its_starting_weights_still_exports(exported):
    run, stdout = printed(exported, "without-starting-weights")
    assert run.initial is None
    assert final_loss(stdout) == repr(float(run.loss[-1]))


def test_weights_that_are_not_the_seeds_are_refused_in_one_line():
    run = trained(NOTEBOOK, 5)
    edited = [type(layer)(layer.W + 1.0, layer.b) for layer in run.initial]
    with pytest.raises(ExportError, match="not the ones its seed draws") as caught:
        check_exportable(dataclasses.replace(run, initial=edited))
    assert "\n" not in str(caught.value)


def test_settings_newer_than_the_export_are_named_in_one_line():
    run = trained(NOTEBOOK, 2)

    @dataclasses.dataclass(frozen=True)
    class Later(TrainConfig):  # a setting a later version adds, which this export does not write
        dropout: float = 0.0

    def problem(**changes):
        return export_problem(dataclasses.replace(run, config=Later(**changes)))

    assert problem() is None  # at its default it changes nothing
    assert problem(dropout=0.5) == "dropout 0.5: the export does not write this setting yet"
    for written in ({"optimizer": "adam"}, {"l2": 0.01}, {"decay_every": 10, "decay_factor": 0.5},
                    {"features": "x1,x2,x1sq", "data": "xor", "layers": (3, 4, 1)}):
        assert export_problem(dataclasses.replace(run, config=run.config.with_changes(**written))) is None


def test_settings_changed_midway_that_no_update_reads_are_named():
    saved = trained(NOTEBOOK, 2)
    run = types.SimpleNamespace(config=saved.config, rule=saved.rule, changes=((0, (("dropout", 0.0),)), (1, (("dropout", 0.1),))))
    assert export_problem(run) == "dropout changed midway: the export does not write changes of these"
    ok = types.SimpleNamespace(config=saved.config, rule=saved.rule, changes=((0, (("l2", 0.0),)), (1, (("l2", 0.1),))))
    assert export_problem(ok) is None
