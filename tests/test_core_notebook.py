"""The notebook's printout, reproduced character for character."""

import pytest

from mlp_gui.core import TrainConfig, Trainer, notebook
from tests import notebook_data as nb


def test_initial_report_is_the_notebooks_text():
    trainer = Trainer.new(TrainConfig())
    assert notebook.initial_report(trainer.loss, trainer.flat_grads) == nb.INITIAL_REPORT


def test_printed_epochs():
    assert list(notebook.printed_epochs(1, 100_000)) == [1, 2, 3] + [10_000 * k + 1 for k in range(1, 10)]
    assert list(notebook.printed_epochs(3, 20_001)) == [3, 10_001, 20_001]
    assert list(notebook.printed_epochs(4, 10_000)) == []
    assert list(notebook.printed_epochs(1, 0)) == []
    every = [e for e in range(0, 50_003) if notebook.is_printed_epoch(e)]
    assert every == list(notebook.printed_epochs(0, 50_002))


def test_training_report_matches_the_notebooks_second_run_line_by_line(notebook_continued):
    """Same lines; numbers agree to ~1e-11 (summation order differs between NumPy builds)."""
    again = notebook_continued
    ours = notebook.training_report(again.loss_history[100_000:], 100_000).splitlines()
    theirs = nb.SECOND_TRAINING_CELL.splitlines()
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if ":" in b and b.split(":")[1].strip():
            head_a, value_a = a.rsplit(":", 1)
            head_b, value_b = b.rsplit(":", 1)
            assert head_a == head_b
            assert float(value_a) == pytest.approx(float(value_b), rel=1e-5)
            assert value_a.endswith(" ")  # the notebook's print(..., "\n") leaves a trailing space
        else:
            assert a == b


def test_deeper_networks_name_every_layer():
    trainer = Trainer.new(TrainConfig(layers=(2, 3, 3, 3, 1)))
    text = notebook.initial_report(trainer.loss, trainer.flat_grads)
    assert [line.split(":")[0] for line in text.splitlines() if "_gradient:" in line] == [
        "w1_gradient", "b1_gradient", "w2_gradient", "b2_gradient",
        "w3_gradient", "b3_gradient", "w4_gradient", "b4_gradient",
    ]


def test_the_shipped_printout_is_the_notebooks_and_only_the_default_run_reproduces_it():
    assert notebook.printed_report() == nb.INITIAL_REPORT
    default = Trainer.new(TrainConfig())
    assert notebook.reproduces_notebook(default.loss, default.flat_grads)
    other = Trainer.new(TrainConfig(seed=1))
    assert not notebook.reproduces_notebook(other.loss, other.flat_grads)
