"""The course notebook's printout, reproduced character for character.

``mlp-gui train --notebook`` prints it so a student can diff it against the
notebook; the window's notebook view shows the same text as a run passes the
printed epochs. Each function returns the text of one ``print`` call (with the
notebook's trailing space and blank line: ``print(text, "\\n")``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

#: The notebook prints the loss at epochs 1, 2, 3 and every 10000th + 1.
PRINT_EVERY = 10_000

# numpy's default print options, pinned so nothing set elsewhere changes the text
_PRINT_OPTIONS = dict(
    precision=8, threshold=1000, edgeitems=3, linewidth=75, suppress=False,
    nanstr="nan", infstr="inf", sign="-", floatmode="maxprec", legacy=False,
)


def _print(*parts: object) -> str:
    """What ``print(*parts)`` writes."""
    with np.printoptions(**_PRINT_OPTIONS):
        return " ".join(str(p) for p in parts) + "\n"


def _number(value: float) -> str:
    return str(float(value))


def initial_report(loss0: float, grads: Sequence[np.ndarray]) -> str:
    """Question 1 (the loss of the forward pass) and Question 3 (every gradient)."""
    text = _print(f"Question 1: Loss of the forward Pass: {_number(loss0)}", "\n")
    text += _print("Question 3: Show gradients of loss function for each parameter separately")
    for i in range(len(grads) // 2):
        text += _print(f"w{i + 1}_gradient:", np.asarray(grads[2 * i]), "\n")
        text += _print(f"b{i + 1}_gradient:", np.asarray(grads[2 * i + 1]), "\n")
    return text


def training_header(start_loss: float) -> str:
    """The training cell's first two prints."""
    return _print("Optimize NN using Backpropagation:") + _print(f"Loss Start: {_number(start_loss)}", "\n")


def loss_line(epoch: int, loss: float) -> str:
    """``Loss after N epochs: L`` as the training cell prints it."""
    return _print(f"Loss after {epoch} epochs: {_number(loss)}", "\n")


def is_printed_epoch(epoch: int) -> bool:
    """Whether the training loop prints this epoch (1, 2, 3, 10001, 20001, ...)."""
    return epoch % PRINT_EVERY == 1 or 1 <= epoch <= 3


def printed_epochs(first: int, last: int) -> Iterator[int]:
    """The printed epochs in ``first..last`` (inclusive), in order, without scanning every epoch."""
    first = max(first, 1)
    for e in range(first, min(last, 3) + 1):
        yield e
    start = max(first, 4)
    e = start + (1 - start) % PRINT_EVERY  # next epoch >= start with e % PRINT_EVERY == 1
    while e <= last:
        yield e
        e += PRINT_EVERY


def training_report(losses: np.ndarray, epochs: int) -> str:
    """The whole training cell's output for a segment: ``losses[0]`` is the loss at its start."""
    text = training_header(losses[0])
    for e in printed_epochs(1, epochs):
        text += loss_line(e, losses[e])
    return text + loss_line(epochs, losses[epochs])


def printed_report() -> str:
    """The course notebook's own printout of Questions 1 and 3, shipped with the package (its printed numbers)."""
    return (Path(__file__).resolve().parents[1] / "resources" / "notebook_initial_report.txt").read_text(encoding="utf-8")


def reproduces_notebook(loss0: float, grads: Sequence[np.ndarray]) -> bool:
    """Whether this run's epoch-0 report is, character for character, the one the course notebook printed."""
    try:
        return initial_report(loss0, grads) == printed_report()
    except OSError:  # a build without the file: nothing to check against
        return False
