"""What a CSV file tells in one read (:func:`describe`: the network's needs and the preview, used by the form and by
``data_presets.csv_shape``), the weights and data a run starts from read apart from the trainer, and a reading that
can be cancelled while its cells are converted too (issue 17 item 8)."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.csv_data import PROGRESS_EVERY, ReadCancelledError, describe, load_csv, weights_and_data
from mlp_gui.core.data_presets import CsvShape, csv_shape
from tests.test_gui_csv_reading import write_big


def test_describe_tells_everything_the_form_needs_in_one_read(tmp_path):
    path = tmp_path / "pets.csv"
    path.write_text("w,h,animal\n" + "\n".join(f"{i % 7},{i % 5},{'cat' if i % 2 else 'dog'}" for i in range(40)) + "\n")
    seen = []
    found = describe(TrainConfig(data=str(path), output="identity"), progress=lambda *a: seen.append(a) or True)
    assert (found.name, found.rows, found.inputs, found.targets, found.classes, found.text_classes) == (
        "pets.csv", 40, 2, 1, 2, True)
    assert found.preview.startswith("pets.csv: 40 rows; columns: w (input), h (input), animal (target); classes: cat 20")
    assert csv_shape(str(path), "last", "identity") == CsvShape.of(found) == CsvShape("pets.csv", 2, 1, 2, True)
    numbers = describe(TrainConfig(data=str(path), target="w,h"))
    assert (numbers.inputs, numbers.targets, numbers.classes, numbers.text_classes) == (1, 2, 0, False)


def test_the_weights_and_data_read_are_the_trainers_own(tmp_path):
    path = write_big(tmp_path / "d.csv", rows=200)
    config = TrainConfig(data=str(path), layers=(3, 5, 1), output="sigmoid", loss="cross-entropy", seed=3,
                         standardize="yes")
    layers, data = weights_and_data(config)
    trainer = Trainer.new(config)
    for (w, b), (tw, tb) in zip(layers, trainer.initial_layers):
        np.testing.assert_array_equal(w, tw)
        np.testing.assert_array_equal(b, tb)
    np.testing.assert_array_equal(data.x, trainer.x)
    np.testing.assert_array_equal(data.x_test, trainer.data.x_test)
    np.testing.assert_array_equal(data.y, trainer.y)


def test_a_cancel_lands_while_the_cells_are_converted_too(tmp_path):
    path = write_big(tmp_path / "d.csv", rows=3 * PROGRESS_EVERY + 5000)
    config = TrainConfig(data=str(path), layers=(3, 4, 1), output="sigmoid", loss="cross-entropy")
    calls = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < total  # reading goes on; once it is all read, stop

    with pytest.raises(ReadCancelledError, match="reading d.csv was cancelled"):
        load_csv(config, np.random.RandomState(0), progress)
    assert calls[0][0] < calls[0][1] and calls[-1][0] == calls[-1][1] == path.stat().st_size  # read, then converting
