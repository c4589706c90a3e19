"""What to propose when a data set is chosen: layer ends that fit it, and settings that train well on it.

:data:`PRESETS` holds one recipe per built-in set (the notebook's batch gets the notebook's own settings).
Each was checked to train: tests/test_core_data_presets.py runs every recipe, with each activation a
person may keep, and asserts 90% training accuracy (a loss near the noise for values) within
:data:`VERIFIED_EPOCHS`, and that at each recipe's epochs the test accuracy is no worse than four times as
long (the proposal stops before overfitting). :func:`propose` turns a recipe into field values and leaves
alone the fields a person set; :func:`propose_for_csv` does the same for a CSV file; :func:`fit_ends`
makes the first and last layer sizes fit a data set; :func:`csv_shape` reads what a CSV file needs (its
inputs, its targets, its classes).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlp_gui.core import csv_data
from mlp_gui.core.config import TrainConfig
from mlp_gui.core.data import CLASSIFICATION, GENERATED, inputs_outputs
from mlp_gui.core.features import RAW
from mlp_gui.core.parse import ConfigError
from mlp_gui.core.plural import count

VERIFIED_EPOCHS = 3000


@dataclass(frozen=True)
class Preset:
    """Settings that train a data set well: hidden layers, activation, batch size, stepsize, epochs (where test
    accuracy is near its best: longer runs overfit the 40 test points) and noise (less where it decides generalising)."""

    hidden: tuple[int, ...]
    activation: str
    batch_size: int  # 0: all, one full-batch step an epoch
    stepsize: float  # with the preset's output and loss (softmax and cross-entropy for classes)
    mse_stepsize: float  # with an identity output and mse kept on a classification set
    epochs: int = 100_000
    ends: tuple[int, int] | None = None  # the first and last sizes, for data that does not fix them
    noise: float = 0.1


#: one recipe per data set: full-batch gradient descent on small sets (mini-batches of the notebook's 5 stall them)
PRESETS: dict[str, Preset] = {
    "notebook": Preset((4, 4), "sigmoid", 5, 0.1, 0.1, ends=(3, 2)),  # the course notebook's own settings
    "xor": Preset((8,), "tanh", 0, 1.0, 0.3, epochs=3000),  # test loss 0.28 there, 2.1 at 100,000
    "circles": Preset((8,), "tanh", 0, 1.0, 0.3, epochs=2000),
    "gaussians": Preset((8,), "tanh", 0, 1.0, 0.3, epochs=2000),
    "spiral": Preset((16, 16), "tanh", 0, 0.5, 0.3, epochs=5000, noise=0.05),  # noise 0.1: 100% train, 60-67% test
    "sine": Preset((16,), "tanh", 0, 0.05, 0.05, epochs=100_000),  # values: the test loss falls all the way
    # Playground's regression sets (checked in tests/test_core_regression_data.py): plane's test loss 0.004 by 1,000
    # (its noise's own ½·0.36·2·0.1² = 0.0036; 0.12 predicting 0); bumps' 0.010-0.014 at 20,000 over three seeds (0.044
    # predicting 0; its noise's own 0.005 at noise 0.05, 0.018 at 0.1); stepsizes 0.15-0.3 leap 3-11x now and then
    "plane": Preset((4,), "tanh", 0, 0.3, 0.3, epochs=1000),
    "bumps": Preset((16, 16), "tanh", 0, 0.1, 0.1, epochs=20_000, noise=0.05),
}

#: for a CSV file: its rows standardised, full batches up to this many rows (mini-batches of 32 above)
CSV_FULL_BATCH_ROWS = 1000
CSV_EPOCHS = 1000
CSV_STEPSIZE = {"cross-entropy": 0.5, "mse": 0.05}


@dataclass(frozen=True)
class CsvShape:
    """What a network needs for a CSV file: its input columns, its target columns and, for one target, its classes."""

    name: str
    inputs: int
    targets: int
    classes: int  # 0: values to fit
    text_classes: bool  # the classes are words: only a classifier makes sense of them

    @classmethod
    def of(cls, description: csv_data.CsvDescription) -> CsvShape:
        """The shape of a file :func:`~mlp_gui.core.csv_data.describe` read."""
        d = description
        return cls(d.name, d.inputs, d.targets, d.classes, d.text_classes)

    def outputs(self, output: str) -> int:
        """Outputs the network needs: one per class for softmax, else one per target column."""
        return self.classes if self.classes and output == "softmax" else self.targets


def csv_shape(data: str, target: str, output: str) -> CsvShape:
    """Read ``data`` (a CSV file) as a run would with ``target`` and ``output``; ConfigError naming what is wrong.

    It reads with :func:`mlp_gui.core.csv_data.describe`, the run's own parser, so the form and a run count
    the same inputs and classes.
    """
    return CsvShape.of(csv_data.describe(TrainConfig(data=data, target=target, output=output)))


def check_csv_layers(layers: tuple[int, ...], shape: CsvShape, output: str, *, features: str = RAW) -> None:
    """ConfigError on ``layers`` when its first or last size does not fit the CSV file (the fix named); with
    ``features`` (other than the raw x1,x2) the file must have two inputs and the first size is one per feature."""
    need_out = shape.outputs(output)
    need_in = shape.inputs
    if features != RAW:
        if shape.inputs != 2:
            raise ConfigError(f"features {features} are made from two inputs, but data {shape.name} has "
                              f"{count(shape.inputs, 'input')}: keep features x1,x2 or choose data with two inputs", "features")
        need_in = len(features.split(","))
    if layers[0] == need_in and layers[-1] == need_out:
        return
    kind = f"{shape.classes} classes, {output} output" if shape.classes and output == "softmax" else (
        count(shape.targets, "target column"))
    raise ConfigError(f"data {shape.name} has {count(shape.inputs, 'input')} and needs {count(need_out, 'output')} ({kind}); "
                      f"layers {','.join(map(str, layers))} has {layers[0]} and {layers[-1]}: use {need_in},...,{need_out}",
                      "layers")


def fit_ends(layers: tuple[int, ...], data: str, output: str, shape: CsvShape | None = None, *,
             features: str = RAW) -> tuple[int, ...]:
    """``layers`` with the first and last sizes ``data`` needs (hidden sizes kept); as they are for the notebook's batch.

    A generated set fixes the inputs and takes 1 output or one per class (2 with softmax); a CSV file
    (``shape``) takes one output per class with softmax, else one per target column. ``features`` (other than the
    raw x1,x2) on data of two inputs: the first size is one per feature.
    """
    made = len(features.split(",")) if features != RAW else 0
    if shape is not None:
        return (made if made and shape.inputs == 2 else shape.inputs, *layers[1:-1], shape.outputs(output))
    if data not in GENERATED:
        return layers
    n_in, outs = inputs_outputs(data)
    n_in = made if made and n_in == 2 else n_in
    n_out = max(outs) if output == "softmax" or layers[-1] not in outs else layers[-1]
    return (n_in, *layers[1:-1], n_out)


def init_for(activation: str, data: str) -> str:
    """The initialisation that suits the activation: he for relu, xavier otherwise (the notebook's for its batch)."""
    if data == "notebook":
        return "notebook"
    return "he" if all(a == "relu" for a in activation.split(",")) else "xavier"


def head_for(data: str, outputs: int) -> tuple[str, str]:
    """Output and loss for a data set: a classifier's probabilities for classes, the identity and mse for values."""
    if data in CLASSIFICATION:
        return ("softmax" if outputs > 1 else "sigmoid"), "cross-entropy"
    return "identity", "mse"


def propose(data: str, current: dict[str, object], keep: frozenset[str] | set[str]) -> dict[str, object]:
    """The settings a person choosing ``data`` is offered: ``current`` are the fields' values (layers, activation,
    output, loss; features, if given, fix the first size), ``keep`` the names a person set (never offered, and the
    rest chosen to go with them)."""
    preset = PRESETS.get(data)
    if preset is None:
        return {}
    out: dict[str, object] = {}
    activation = str(current["activation"]) if "activation" in keep else preset.activation
    layers: tuple[int, ...] = tuple(current["layers"])  # type: ignore[arg-type]
    several = len(activation.split(",")) > 1  # one activation per hidden layer: their count is the person's
    if "layers" not in keep and not several:
        first, last = preset.ends or (layers[0], layers[-1])
        layers = (first, *preset.hidden, last)
    output, loss = str(current["output"]), str(current["loss"])
    if "output" not in keep and "loss" not in keep:
        wanted = "identity" if "layers" in keep else "softmax"  # kept layers keep their outputs if the data allows
        outputs = fit_ends(layers, data, wanted)[-1]
        output, loss = head_for(data, outputs) if data != "notebook" else ("identity", "mse")
    features = str(current.get("features", RAW))
    out.update(activation=activation, output=output, loss=loss, layers=fit_ends(layers, data, output, features=features))
    if "init" not in keep:
        out["init"] = init_for(activation, data)
    if "batch_size" not in keep:
        out["batch_size"] = preset.batch_size
    if "stepsize" not in keep:
        out["stepsize"] = preset.mse_stepsize if data in CLASSIFICATION and loss == "mse" else preset.stepsize
    out.update(epochs=preset.epochs, noise=preset.noise)
    return {name: value for name, value in out.items() if name not in keep}


def propose_for_csv(shape: CsvShape, current: dict[str, object], keep: frozenset[str] | set[str], *,
                    rows: int) -> dict[str, object]:
    """For a CSV file: its inputs standardised, full batches (32 for a long file), the init that suits the activation
    shown, a stepsize that trains and epochs; a classifier (softmax and cross-entropy) when its target is words.
    ``current``: the fields' values (activation, loss); ``keep``: the names a person set (never offered); ``rows``:
    the file's rows.

    Checked on an Iris-like file (3 classes, 4 columns): ≥ 90% training accuracy (tests/test_core_data_presets.py).
    """
    out: dict[str, object] = {}
    loss = str(current["loss"])
    if shape.text_classes and "output" not in keep and "loss" not in keep:
        out.update(output="softmax", loss="cross-entropy")
        loss = "cross-entropy"
    out.update(standardize="yes", batch_size=0 if rows <= CSV_FULL_BATCH_ROWS else 32,
               init=init_for(str(current["activation"]), shape.name), stepsize=CSV_STEPSIZE.get(loss, 0.05),
               epochs=CSV_EPOCHS)
    return {name: value for name, value in out.items() if name not in keep}


__all__ = ["CSV_EPOCHS", "PRESETS", "VERIFIED_EPOCHS", "CsvShape", "Preset", "check_csv_layers", "csv_shape", "fit_ends", "head_for",
           "init_for", "propose", "propose_for_csv"]
