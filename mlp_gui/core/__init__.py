"""The trainer and everything numeric: pure NumPy, no Qt import anywhere below this package.

The CLI and the window both drive these objects; the window only shows what they compute.
"""

from mlp_gui.core.config import ConfigError, TrainConfig, parse_float, parse_int, parse_layers
from mlp_gui.core.decimate import LossEnvelope
from mlp_gui.core.network import initialize, loss_and_grads, parameter_names
from mlp_gui.core.runfile import RunFileError, SavedRun, load_run, run_from_trainer, save_run
from mlp_gui.core.trainer import Snapshot, Trainer

__all__ = [
    "ConfigError",
    "LossEnvelope",
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
    "parse_layers",
    "run_from_trainer",
    "save_run",
]
