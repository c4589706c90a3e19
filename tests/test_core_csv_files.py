"""Your own CSV: targets read as what they are, messages naming the file's line, size capped in bytes and cells,
reading that can be followed and cancelled (issue 17, items 8, 14 and 15)."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from mlp_gui.core import ConfigError, TrainConfig, csv_data

SOFTMAX = dict(activation="tanh", output="softmax", loss="cross-entropy", init="xavier", batch_size=0)


def write(tmp_path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def load(path: str, **settings) -> csv_data.Dataset:
    return csv_data.load_csv(TrainConfig(data=path, test_fraction="0", **settings), np.random.RandomState(0))


def refused(path: str, fragment: str, **settings) -> str:
    with pytest.raises(ConfigError) as info:
        load(path, **settings)
    message = str(info.value)
    assert fragment in message and "\n" not in message, message
    return message


# ---------------------------------------------------------------- item 14: targets


@pytest.mark.parametrize("bad", ["nan", "1e400", "-inf"])
def test_a_non_finite_target_is_named_by_line_and_column(tmp_path, bad):
    rows = ["a,b,t", "1,2,0.5", "2,3,1.5", f"3,4,{bad}", "4,5,2.5", "5,6,0.1"]
    path = write(tmp_path, "\n".join(rows) + "\n")
    refused(path, f"line 4, column 3 ('t'): target {bad!r} is not finite", layers=(2, 4, 1))


def test_labels_that_are_numbers_are_compared_as_numbers(tmp_path):
    rows = ["a,b,label"] + [f"{i},{i % 3},{['1', '1.0', '2', '2.00'][i % 4]}" for i in range(12)]
    data = load(write(tmp_path, "\n".join(rows) + "\n"), layers=(2, 4, 2), **SOFTMAX)
    assert data.classes == 2  # 1 and 1.0 are one class, 2 and 2.00 the other
    np.testing.assert_array_equal(data.y.argmax(axis=0), data.x[0] % 4 >= 2)  # row i's label: i % 4 of the four


def test_more_classes_than_one_output_takes_are_refused_naming_both(tmp_path):
    rows = ["a,b,animal"] + [f"{i},{i % 5},{['cat', 'dog', 'eel'][i % 3]}" for i in range(12)]
    path = write(tmp_path, "\n".join(rows) + "\n")
    refused(path, "holds 3 classes, but one sigmoid output takes 2: choose output softmax with 3 outputs",
            layers=(2, 4, 1), output="sigmoid", loss="cross-entropy")
    assert load(path, layers=(2, 4, 3), **SOFTMAX).classes == 3


def test_cross_entropy_refuses_targets_that_are_no_probabilities(tmp_path):
    rows = ["a,b,p", "1,2,0.25", "2,3,0.5", "3,4,1.75", "4,5,0.1"]
    path = write(tmp_path, "\n".join(rows) + "\n")
    refused(path, "line 4, column 3 ('p'): target '1.75' is outside 0 to 1", layers=(2, 4, 1), output="sigmoid",
            loss="cross-entropy")
    assert load(path, layers=(2, 4, 1)).classes == 0  # as values to fit (mean squared error) it is fine


# ---------------------------------------------------------------- item 15: the file's line


def test_messages_name_the_files_line_after_blank_lines_and_quoted_newlines(tmp_path):
    text = 'a,b,t\n1,2,0\n\n\n"3\n",4,1\n,,\n5,x,0\n'
    refused(write(tmp_path, text), "line 8, column 2 ('b'): 'x' is not a number", layers=(2, 4, 1))
    refused(write(tmp_path, "a,b,t\n1,2,0\n\n\n3,4\n", "short.csv"), "short.csv, line 5: 2 columns", layers=(2, 4, 1))


# ---------------------------------------------------------------- item 8: bytes and cells capped, progress, cancel


def test_blank_rows_count_toward_the_cell_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_data, "MAX_CELLS", 3000)
    path = write(tmp_path, "a,b,t\n1,2,0\n" + "\n" * 5000 + "2,3,1\n")
    refused(path, "more than 3,000 cells", layers=(2, 4, 1))
    path = write(tmp_path, "a,b,t\n1,2,0\n" + ",,\n" * 5000 + "2,3,1\n", "commas.csv")
    refused(path, "more than 3,000 cells", layers=(2, 4, 1))


def test_a_file_larger_than_the_byte_limit_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_data, "MAX_BYTES", 1000)
    path = write(tmp_path, "a,b,t\n" + "1,2,0\n" * 200)
    began = time.perf_counter()
    refused(path, "1,206 bytes, more than 1,000", layers=(2, 4, 1))
    assert time.perf_counter() - began < 1


def test_reading_reports_progress_and_can_be_cancelled(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_data, "PROGRESS_EVERY", 100)
    path = write(tmp_path, "a,b,t\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(1000)))
    size = os.path.getsize(path)
    seen = []
    config = TrainConfig(data=path, layers=(2, 4, 1))
    csv_data.preview(config, progress=lambda done, total: seen.append((done, total)) or True)
    assert len(seen) == 10 and all(0 < done <= total == size for done, total in seen)
    with pytest.raises(csv_data.ReadCancelledError):
        csv_data.load_csv(config, np.random.RandomState(0), progress=lambda done, total: False)


def test_a_fifo_as_data_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refused(str(fifo), "is not a regular file", layers=(2, 4, 1))
