"""Issue 21 §2: the ``mlp-gui train …`` line of a run's settings (Edit ▸ Copy as command, an exported script's first
line) parses back, through the command line's own parsers, to the same settings."""

from __future__ import annotations

import random
import shlex
import shutil
import subprocess

import pytest

from mlp_gui.cli import build_train_parser, build_window_parser
from mlp_gui.cli_args import config_from_args
from mlp_gui.core.config import TrainConfig
from mlp_gui.core.model import ACTIVATIONS, INITS, LOSSES, OUTPUTS
from mlp_gui.core.run_command import train_argv, train_command
from mlp_gui.core.settings import DEFAULT_EPOCHS

HAND_PICKED = [
    (TrainConfig(), None),
    (TrainConfig(), 100),
    (TrainConfig(stepsize=0.1 + 0.2, noise=1e-7, seed=0), 7),  # 0.30000000000000004: every digit kept
    (TrainConfig(data="my runs/it's here.csv", target="a,b", standardize="yes", layers=(3, 5, 2)), 20),
    (TrainConfig(data="spiral", batch_size=0, test_fraction="0.15", activation="tanh,relu", layers=(2, 4, 4, 2)), 3),
    (TrainConfig(data="xor", output="sigmoid", loss="cross-entropy", init="he", samples=1000, layers=(2, 8, 1)), 10**6),
]


def random_configs(n: int) -> list[tuple[TrainConfig, int | None]]:
    """Settings drawn over every choice the form offers (the parser checks each value alone, as these do)."""
    rng = random.Random(21)
    data = ["notebook", "xor", "circles", "spiral", "gaussians", "sine", "data.csv", "a b/c;d.csv", "$HOME/x.csv"]
    out = []
    for _ in range(n):
        hidden = rng.randint(0, 3)
        layers = tuple(rng.randint(1, 40) for _ in range(hidden + 2))
        acts = [rng.choice(list(ACTIVATIONS)) for _ in range(max(hidden, 1))]
        config = TrainConfig(
            seed=rng.choice([0, 1, 12345, 2**32 - 1]), layers=layers, batch_size=rng.choice([0, 1, 5, 32]),
            stepsize=rng.choice([0.1, 1e-3, 2.5, rng.random()]), activation=",".join(acts) if rng.random() < 0.5 else acts[0],
            output=rng.choice(OUTPUTS), loss=rng.choice(LOSSES), init=rng.choice(list(INITS)), data=rng.choice(data),
            samples=rng.randint(4, 5000), noise=rng.choice([0.0, 0.1, rng.random() * 2]), target=rng.choice(["last", "2", "y"]),
            standardize=rng.choice(["no", "yes"]), test_fraction=rng.choice(["auto", "0", "0.2", "0.9"]))
        out.append((config, rng.choice([None, DEFAULT_EPOCHS, rng.randint(1, 10**7)])))
    return out


CASES = HAND_PICKED + random_configs(150)


def parsed_back(line: str, parser) -> tuple[TrainConfig, int]:
    argv = shlex.split(line, comments=True)
    assert argv[:2] == ["mlp-gui", "train"]
    config, epochs, _ = config_from_args(parser.parse_args(argv[2:]))
    return config, epochs


@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_line_parses_back_to_the_same_settings(case):
    config, epochs = CASES[case]
    line = train_command(config, epochs, fingerprint="0123456789ab")
    assert line.endswith("  # run 0123456789ab")
    want = (config, epochs if epochs is not None else DEFAULT_EPOCHS)
    assert parsed_back(line, build_train_parser()) == want
    assert parsed_back(line, build_window_parser()) == want  # the window takes the same setting flags


def test_only_settings_that_are_not_the_defaults_are_written():
    assert train_command(TrainConfig()) == "mlp-gui train"
    assert train_argv(TrainConfig(stepsize=0.5), DEFAULT_EPOCHS) == ["mlp-gui", "train", "--stepsize", "0.5"]
    assert train_argv(TrainConfig(data="spiral", batch_size=0), 300) == [
        "mlp-gui", "train", "--batch-size", "all", "--data", "spiral", "--epochs", "300"]


def test_the_csv_path_is_written_as_given_and_quoted_for_the_shell():
    line = train_command(TrainConfig(data="../my data/it's.csv"))
    assert line == "mlp-gui train --data '../my data/it'\"'\"'s.csv'"
    assert shlex.split(line)[-1] == "../my data/it's.csv"


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
def test_a_shell_reads_the_line_as_the_parser_does():
    config = TrainConfig(data="a b/$x;`y`.csv", stepsize=0.30000000000000004)
    line = train_command(config, 12, fingerprint="abc")
    words = subprocess.run(["sh", "-c", f"set -- {line.split(' ', 1)[1]}\nprintf '%s\\0' \"$@\""], capture_output=True,
                           check=True).stdout.decode().split("\0")[:-1]
    assert words == train_argv(config, 12)[1:]


def test_a_stepsize_changed_midway_is_said_in_the_comment():
    line = train_command(TrainConfig(stepsize=2.0), 4000, fingerprint="f" * 12, stepsizes=((0, 0.1), (2000, 2.0)))
    assert line == "mlp-gui train --stepsize 2 --epochs 4000  # run ffffffffffff; stepsize changed midway: 0.1 → 2 at 2,000"


def test_other_settings_changed_midway_are_said_in_the_comment():
    config = TrainConfig(optimizer="momentum", momentum=0.5)
    line = train_command(config, 200, changes=((0, (("momentum", 0.9),)), (100, (("momentum", 0.5),))))
    assert line == ("mlp-gui train --optimizer momentum --momentum 0.5 --epochs 200  # settings changed midway: "
                    "momentum 0.9 → 0.5 at 100")
