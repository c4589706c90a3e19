"""Issue 21 §1 with the optimizers, the penalty, stepsize decay, input features and settings changed midway: every
run exports, and the exported script (NumPy only) ends with the run's final loss and parameters to the last bit.

The matrix (each optimizer × no penalty, L1, L2 × decay off and on × the notebook's batch and a data set in
mini-batches) is exported once per session and the scripts run in one Python that sees NumPy only; each
configuration is then its own test.
"""

from __future__ import annotations

import dataclasses
import itertools
import types

import numpy as np
import pytest

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.export_checks import ExportError, check_exportable, export_problem
from mlp_gui.core.export_files import write_export
from mlp_gui.core.runfile import SavedRun, load_run, save_run
from tests.export_helpers import final_loss, run_script, run_scripts, trained

NOTEBOOK = TrainConfig()
MINIBATCH = TrainConfig(data="spiral", layers=(2, 6, 2), activation="tanh", output="softmax", loss="cross-entropy",
                        batch_size=16, samples=60)
XOR_FEATURES = TrainConfig(data="xor", layers=(4, 5, 1), features="x1sq,x2sq,x1x2,sinx1", output="sigmoid",
                           loss="cross-entropy", batch_size=10, samples=80, stepsize=0.5)
#: features whose mini-batches the export once made in another memory order than mlp-gui (their last bits differed)
GAUSSIANS_FEATURES = TrainConfig(seed=23467, layers=(3, 3, 2, 2), batch_size=16, stepsize=0.0045168069152414355, l1=0.01,
                                 l2=0.01, activation="tanh", output="softmax", init="he", data="gaussians",
                                 features="x2,x2sq,x1", samples=90)
OPTIMIZERS = ("gd", "momentum", "nesterov", "rmsprop", "adam")
PENALTIES = {"none": {}, "l1": {"l1": 0.003}, "l2": {"l2": 0.01}}
DECAY = {"decay-off": {}, "decay-on": {"decay_every": 20, "decay_factor": 0.5}}
DATA = {"notebook": NOTEBOOK, "minibatch": MINIBATCH}
EPOCHS = 200
#: the matrix's 60 runs are shorter: the script must match every step to the bit, and 80 epochs take three decays
MATRIX_EPOCHS = 80


def matrix_config(data: str, optimizer: str, penalty: str, decay: str) -> TrainConfig:
    stepsize = 0.01 if optimizer in ("rmsprop", "adam") else 0.1  # adaptive steps are ~stepsize each: keep them small
    return DATA[data].with_changes(optimizer=optimizer, stepsize=stepsize, **PENALTIES[penalty], **DECAY[decay]).validated()


MATRIX = {"-".join(key): matrix_config(*key) for key in itertools.product(DATA, OPTIMIZERS, PENALTIES, DECAY)}


def momentum_changed() -> SavedRun:
    """Momentum 0.9 for 100 epochs, then 0.5 for 100 more (Run ▸ continue with changed settings)."""
    return trained(NOTEBOOK.with_changes(optimizer="momentum"), 100, settings=({"momentum": 0.5}, 100))


def many_changes() -> SavedRun:
    """Adam with β₁ crossing 0.5 (PyTorch's two forms of m's update), an L1 penalty switched on then off for L2, decay
    switched on then off, and the stepsize changed."""
    from mlp_gui.core.runfile import run_from_trainer
    from mlp_gui.core.trainer import Trainer

    trainer = Trainer.new(MINIBATCH.with_changes(optimizer="adam", stepsize=0.01))
    trainer.step(30)
    for settings in ({"l1": 0.01, "beta1": 0.3}, {"decay_every": 10, "decay_factor": 0.5, "l1": 0.0, "l2": 0.02},
                     {"stepsize": 0.003, "beta1": 0.9, "decay_every": 0}):
        trainer.set_settings(**settings)
        trainer.step(30)
    return run_from_trainer(trainer)


OTHERS = {
    "xor-features-gd": lambda: trained(XOR_FEATURES, EPOCHS),
    "xor-features-adam-l2-decay": lambda: trained(XOR_FEATURES.with_changes(optimizer="adam", stepsize=0.02, l2=0.001,
                                                                            decay_every=50, decay_factor=0.5), EPOCHS),
    "gaussians-features-gd-l1-l2": lambda: trained(GAUSSIANS_FEATURES, 50),
    "gaussians-features-rmsprop": lambda: trained(GAUSSIANS_FEATURES.with_changes(optimizer="rmsprop", features="x2,x1x2,sinx1,sinx2",
                                                                                  layers=(4, 5, 2), stepsize=0.01), 40),
    "momentum-changed-midway": momentum_changed,
    "adam-many-changes": many_changes,
}


#: runs that diverged with settings changed about then: exported and run with the others, checked on their own
DIVERGED = {
    # the student changed momentum after the run blew up, and has not continued: the run diverged with the old one
    "changed-after-the-divergence": lambda: trained(NOTEBOOK.with_changes(optimizer="momentum", stepsize=50.0), 100,
                                                    settings=({"momentum": 0.5}, 0)),
    # the stepsize and momentum changed at epoch 10 and the very next step blew up: the change is part of the run
    "changed-just-before-the-divergence": lambda: trained(NOTEBOOK.with_changes(optimizer="momentum"), 10,
                                                          settings=({"stepsize": 1e300, "momentum": 0.5}, 5)),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every run of MATRIX, OTHERS and DIVERGED trained, exported and its script run: name → (run, folder)."""
    folder = tmp_path_factory.mktemp("exported")
    runs = {name: trained(config, MATRIX_EPOCHS) for name, config in MATRIX.items()}
    runs.update({name: make() for name, make in (OTHERS | DIVERGED).items()})
    for name, run in runs.items():
        write_export(folder / f"{name}.py", run, kind="script")
    run_scripts([folder / f"{name}.py" for name in runs])
    return {name: (run, folder) for name, run in runs.items()}


def check_bit_for_bit(run: SavedRun, folder, name: str) -> str:
    """The script ran without error, printed the run's final loss and ended at its parameters, bit for bit."""
    error = folder / f"{name}.error"
    assert not error.exists(), error.read_text()[-2000:]
    printed = (folder / f"{name}.out").read_text()
    assert final_loss(printed) == repr(float(run.loss[-1]))
    with np.load(folder / f"{name}.npz") as ended:
        got = [ended[f"arr_{i}"] for i in range(len(run.params))]
    assert all(a.tobytes() == b.tobytes() for a, b in zip(got, run.params))  # the bits, the sign of a zero included
    return (folder / f"{name}.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(MATRIX))
def test_every_optimizer_penalty_and_decay_exports_bit_for_bit(name, exported):
    run, folder = exported[name]
    assert run.diverged_at is None and run.loss[-1] < run.loss[0]  # a run that learned, not one that stood still
    assert len(run.loss) == MATRIX_EPOCHS + 1
    code = check_bit_for_bit(run, folder, name)
    _, optimizer, penalty, decay = name.split("-", 3)
    formula = {"gd": "p ← p − stepsize", "momentum": "v ← μ·v + g", "nesterov": "p ← p − stepsize · (g + μ·v)",
               "rmsprop": "s ← ρ·s + (1−ρ)·g²", "adam": "m ← β₁·m + (1−β₁)·g"}[optimizer]
    assert formula in code  # each update names its formula
    assert ("g ← g + λ₁·sign(W)" in code) == (penalty == "l1")
    assert ("g ← g + λ₂·W" in code) == (penalty == "l2")
    assert ("stepsize·F^⌊t/N⌋" in code) == (decay == "decay-on")


@pytest.mark.parametrize("name", list(OTHERS))
def test_features_and_settings_changed_midway_export_bit_for_bit(name, exported):
    run, folder = exported[name]
    code = check_bit_for_bit(run, folder, name)
    if name.startswith("xor-features"):
        assert "return np.stack([x1 * x1, x2 * x2, x1 * x2, np.sin(x1)])" in code and "x = features(x)" in code
    if "features" in name:  # each mini-batch's features made from its raw inputs, as mlp-gui makes them
        assert "xb, yb = features(x_raw[:, batch]), y[:, batch]" in code
    if name == "momentum-changed-midway":
        assert len(run.changes) == 2  # the change is in the run: the export replays it
        assert "setting_changes = {\n    100: {\"momentum\": 0.5},\n}" in code and "momentum = 0.9" in code
        assert code.splitlines()[0].endswith("settings changed midway: momentum 0.9 → 0.5 at 100")
    if name == "adam-many-changes":
        assert "if abs(1 - beta1) < 0.5:" in code and "if l1:" in code and "stepsize_changes = {90: 0.003}" in code


def test_a_run_file_with_settings_changed_midway_exports(tmp_path):
    if "changes" not in {f.name for f in dataclasses.fields(SavedRun)}:
        pytest.skip("run files do not keep settings changed midway yet (runfile.py's setting_changes)")
    save_run(tmp_path / "run.npz", momentum_changed())
    run = load_run(tmp_path / "run.npz")
    assert len(run.changes) == 2
    script = tmp_path / "run.py"
    write_export(script, run, kind="script")
    assert final_loss(run_script(script).stdout) == repr(float(run.loss[-1]))


def test_a_changed_update_fails_its_check(tmp_path):
    run = momentum_changed()
    script = tmp_path / "run.py"
    write_export(script, run, kind="script")
    script.write_text(script.read_text(encoding="utf-8").replace("momentum = 0.9\n", "momentum = 0.8\n"), encoding="utf-8")
    done = run_script(script)
    assert done.returncode != 0 and "AssertionError: this is not the run mlp-gui made" in done.stderr


def diverged_printout(exported, name: str) -> tuple[SavedRun, str]:
    """``name``'s run (of DIVERGED) and what its script printed; the script ran without error (its own check held)."""
    run, folder = exported[name]
    error = folder / f"{name}.error"
    assert not error.exists(), error.read_text()[-2000:]
    return run, (folder / f"{name}.out").read_text()


def test_settings_changed_after_a_run_diverged_are_left_out(exported):
    """The student changed momentum after the run blew up, and has not continued: the run diverged with the old one."""
    run, stdout = diverged_printout(exported, "changed-after-the-divergence")
    assert run.diverged_at is not None and run.changes[-1][0] == run.diverged_at - 1
    assert f"The loss is no longer finite at epoch {run.diverged_at}" in stdout
    assert final_loss(stdout) == repr(float(run.loss[-1]))


def test_weights_typed_in_midway_are_refused_in_one_line():
    from mlp_gui.core import weight_edits

    run = trained(NOTEBOOK, 5)
    ref = weight_edits.parse_ref("W2", (0, 1))
    edited = dataclasses.replace(run, weight_edits=(weight_edits.WeightEdit(3, ref, 0.01, 0.5),))
    problem = export_problem(edited)
    assert problem.startswith("weights were typed in by hand midway (W2[0, 1] 0.01 → 0.5 at 3)")
    assert "\n" not in problem
    with pytest.raises(ExportError, match="weight edits"):
        check_exportable(edited)


def test_a_plug_in_update_rule_is_refused_in_one_line():
    run = types.SimpleNamespace(config=NOTEBOOK, rule=types.SimpleNamespace(name="lion"), changes=())
    assert export_problem(run) == "optimizer lion: the export writes gd, momentum, nesterov, rmsprop, adam only, not a " \
                                  "plug-in's update"


def test_settings_changed_just_before_the_step_that_diverged_are_kept(exported):
    """The stepsize and momentum changed at epoch 10 and the very next step blew up: the change is part of the run."""
    run, stdout = diverged_printout(exported, "changed-just-before-the-divergence")  # it ran without error
    assert run.diverged_at == 11 and run.changes[-1][0] == 10 and run.stepsizes[-1][0] == 10
    assert "The loss is no longer finite at epoch 11" in stdout
    assert final_loss(stdout) == repr(float(run.loss[-1]))
