"""The notebook view reads as the course notebook, line for line, however the losses arrive."""

from __future__ import annotations

import os
import re

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from mlp_gui.core import TrainConfig, Trainer  # noqa: E402
from mlp_gui.core import notebook  # noqa: E402
from mlp_gui.gui.notebook_view import NotebookView  # noqa: E402
from tests import notebook_data as nb  # noqa: E402

LOSS_LINE = re.compile(r"^Loss after (\d+) epochs: (\S+) $")
NOTEBOOK_EPOCHS = [1, 2, 3] + [10_000 * k + 1 for k in range(1, 10)] + [100_000]


@pytest.fixture(scope="module")
def default_run() -> tuple:
    """The notebook's run, trained headless: the first snapshot and the whole loss history."""
    trainer = Trainer(TrainConfig())
    first = trainer.snapshot()
    trainer.step(100_000)
    return first, trainer.loss_history.copy()


@pytest.fixture
def view(qtbot):
    widget = NotebookView()
    qtbot.addWidget(widget)
    widget.resize(760, 560)
    widget.show()
    return widget


def uneven_batches(history: np.ndarray, seed: int = 3):
    """(first_epoch, losses) pieces of epochs 1.. as a worker delivers them: 1 epoch up to ~20,000."""
    rng = np.random.default_rng(seed)
    epoch = 1
    while epoch < len(history):
        size = int(rng.choice([1, 2, 7, 333, 9_999, 10_000, 17_771]))
        yield epoch, history[epoch : epoch + size].copy()
        epoch += size


def loss_lines(text: str) -> list[tuple[int, float]]:
    return [(int(m[1]), float(m[2])) for line in text.splitlines() if (m := LOSS_LINE.match(line))]


def test_defaults_read_as_the_notebook(view, default_run):
    first, history = default_run
    view.start_run(first)
    assert view.text().startswith(nb.INITIAL_REPORT)  # character for character
    assert view.text() == nb.INITIAL_REPORT + "Optimize NN using Backpropagation:\nLoss Start: 1.0595073989866606 \n\n"
    assert view.text_edit.toPlainText() == view.text()
    for first_epoch, losses in uneven_batches(history):
        view.add_losses(first_epoch, losses)
    view.finish(100_000, float(history[-1]))
    lines = loss_lines(view.text())
    assert [e for e, _ in lines] == NOTEBOOK_EPOCHS
    for epoch, value in lines:
        assert value == pytest.approx(history[epoch], rel=1e-8)
    assert view.text() == nb.INITIAL_REPORT + notebook.training_report(history, 100_000)
    assert view.text_edit.toPlainText() == view.text()


def test_batches_of_one_epoch_and_repeated_deliveries(view, default_run):
    first, history = default_run
    view.start_run(first)
    for epoch in range(1, 12):
        view.add_losses(epoch, history[epoch : epoch + 1])
    view.add_losses(1, history[1:5])  # a batch seen before adds nothing twice
    view.add_losses(12, history[12:10_002])
    assert [e for e, _ in loss_lines(view.text())] == [1, 2, 3, 10_001]


def test_appending_never_rewrites_what_is_shown(view, default_run):
    first, history = default_run
    view.start_run(first)
    changes = []
    view.text_edit.document().contentsChange.connect(lambda pos, removed, added: changes.append((pos, removed, added)))
    length = len(view.text())
    view.add_losses(4, history[4:9_000])  # no printed epoch inside: nothing at all
    assert changes == []
    view.add_losses(9_000, history[9_000:30_002])
    assert len(changes) == 1
    pos, removed, added = changes[0]
    assert removed == 0 and pos >= length - 1 and added == len(view.text()) - length


def test_an_opened_run_counts_epochs_in_its_own_cell(view):
    trainer = Trainer(TrainConfig())
    trainer.step(5)
    start = trainer.snapshot()
    losses = trainer.step(20_005)
    view.start_run(start)
    assert f"Loss Start: {start.loss} \n" in view.text()
    view.add_losses(6, losses[:10_000])
    view.add_losses(10_006, losses[10_000:])
    view.finish(20_010, float(losses[-1]))
    lines = loss_lines(view.text())
    assert [e for e, _ in lines] == [1, 2, 3, 10_001, 20_001, 20_005]
    for epoch, value in lines:
        assert value == pytest.approx(trainer.loss_history[5 + epoch], rel=1e-8)


def test_finish_prints_once(view, default_run):
    first, history = default_run
    view.start_run(first)
    view.add_losses(1, history[1:11])
    view.finish(10, float(history[10]))
    view.finish(10, float(history[10]))
    assert [e for e, _ in loss_lines(view.text())] == [1, 2, 3, 10]


def test_divergence_prints_nan_as_numpy_would(view):
    view.start_run(Trainer(TrainConfig()).snapshot())
    view.add_losses(1, np.array([2.0, np.inf, np.nan]))
    assert "Loss after 2 epochs: inf \n" in view.text()
    assert "Loss after 3 epochs: nan \n" in view.text()


def test_copy_puts_all_text_on_the_clipboard(qtbot, view, default_run):
    first, history = default_run
    view.start_run(first)
    view.add_losses(1, history[1:4])
    with qtbot.waitSignal(view.copied, timeout=1000):
        view.copy_button.click()
    assert QGuiApplication.clipboard().text() == view.text()
    assert view.copy_button.text() == "Copied"
    qtbot.waitUntil(lambda: view.copy_button.text() == "Copy", timeout=5000)


def test_reset_clears_for_a_new_run(view, default_run):
    first, history = default_run
    view.start_run(first)
    view.add_losses(1, history[1:4])
    view.reset()
    assert view.text() == "" and view.text_edit.toPlainText() == ""
    assert not view.copy_button.isEnabled()
    view.add_losses(1, history[1:4])  # no run started: nothing to append to
    assert view.text() == ""
    view.start_run(first)
    view.add_losses(1, history[1:4])
    assert [e for e, _ in loss_lines(view.text())] == [1, 2, 3]
