"""Everything numeric: pure NumPy, no Qt import anywhere below this package (an import contract checks it).

- :mod:`~mlp_gui.core.model`: what a network is (sizes, activations, output, loss, init)
- :mod:`~mlp_gui.core.flat_layout`: its (W, b) layers and where each sits in one flat buffer
- :mod:`~mlp_gui.core.network`: the kernel, forward and backward written once, and the one floating-point policy
- :mod:`~mlp_gui.core.update_rule`: how a step turns the gradient into new parameters (and the rule's state)
- :mod:`~mlp_gui.core.trainer`: one run's state; :mod:`~mlp_gui.core.stacked`: several runs as one stack
- :mod:`~mlp_gui.core.driver`: the one loop that advances a trainer in chunks
- :mod:`~mlp_gui.core.settings`: every setting described once; :mod:`~mlp_gui.core.config`: a run's settings
- :mod:`~mlp_gui.core.run_state`: what each action does in each state of a run
- :mod:`~mlp_gui.core.runfile`: saved runs

The CLI and the window both drive these objects; the window only shows what they compute.
"""

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.decimate import LossEnvelope
from mlp_gui.core.flat_layout import Layer, parameter_names
from mlp_gui.core.model import Model
from mlp_gui.core.network import loss_and_grads
from mlp_gui.core.parse import ConfigError, parse_float, parse_int
from mlp_gui.core.runfile import RunFileError, SavedRun, load_run, run_from_trainer, save_run
from mlp_gui.core.trainer import Snapshot, Trainer, initialize

__all__ = [
    "ConfigError",
    "Layer",
    "LossEnvelope",
    "Model",
    "RunFileError",
    "SavedRun",
    "Snapshot",
    "TrainConfig",
    "Trainer",
    "initialize",
    "load_run",
    "loss_and_grads",
    "parameter_names",
    "parse_float",
    "parse_int",
    "run_from_trainer",
    "save_run",
]
