"""The course notebook's printed numbers, read from its saved output (tests/data/)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"

INITIAL_REPORT = (DATA / "notebook_initial_report.txt").read_text()
SECOND_TRAINING_CELL = (DATA / "notebook_second_training_cell.txt").read_text()
FINAL_PARAMETERS_TEXT = (DATA / "notebook_final_parameters.txt").read_text()

INITIAL_LOSS = 1.0595073989866606
LOSS_AFTER_FIRST_100000 = 3.1989944074154646e-09  # "Loss Start" of the second run of the cell
LOSS_AFTER_SECOND_100000 = 4.987548973714041e-16


def printed_gradients() -> list[np.ndarray]:
    """The six gradient arrays, parsed from the notebook's printout (8 significant digits)."""
    blocks = re.findall(r"[wb]\d_gradient: (.*?) \n", INITIAL_REPORT, flags=re.S)
    return [np.array(_parse_numbers(block)).reshape(_shape(block)) for block in blocks]


def printed_losses_second_run() -> dict[int, float]:
    """``{epoch: loss}`` from the second run's ``Loss after N epochs`` lines (epochs within that run)."""
    return {int(e): float(v) for e, v in re.findall(r"Loss after (\d+) epochs: (\S+)", SECOND_TRAINING_CELL)}


def printed_final_parameters() -> list[np.ndarray]:
    """The parameters after the first 100000 epochs, as the notebook's last cell shows them."""
    arrays = re.findall(r"array\((.*?)\)", FINAL_PARAMETERS_TEXT, flags=re.S)
    return [np.array(_parse_numbers(a)).reshape(_shape(a)) for a in arrays]


def _parse_numbers(text: str) -> list[float]:
    return [float(t) for t in re.findall(r"-?\d+\.\d*(?:e[-+]\d+)?", text)]


def _shape(text: str) -> tuple[int, ...]:
    text = text.strip()
    if text.startswith("[["):
        rows = text.count("[") - 1
        return (rows, -1)
    return (-1,)
