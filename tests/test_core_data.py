"""Data sets: shapes and determinism, your own CSV and its errors, mini-batches that resume bit for bit."""

import json
import subprocess
import sys

import numpy as np
import pytest

from mlp_gui.core import ConfigError, TrainConfig, Trainer, csv_data, load_run, run_from_trainer, save_run
from mlp_gui.core.data import GENERATED, Classes, batches
from mlp_gui.core.trainer import initialize_data

CLASSIFIER = dict(layers=(2, 8, 2), activation="tanh", output="softmax", loss="cross-entropy", init="xavier")


@pytest.mark.parametrize("name", GENERATED)
def test_generated_sets_have_their_shapes_and_come_from_the_seed(name):
    layers = {"sine": (1, 4, 1), "plane": (2, 4, 1), "bumps": (2, 4, 1)}.get(name, (2, 4, 2))  # values: one output
    cfg = TrainConfig(data=name, layers=layers, samples=100)
    _, data = initialize_data(cfg)
    assert data.x.shape == (layers[0], 80) and data.x_test.shape == (layers[0], 20)
    assert data.y.shape == (layers[-1], 80) and data.y_test.shape == (layers[-1], 20)
    _, again = initialize_data(cfg)
    np.testing.assert_array_equal(data.x, again.x)
    _, other = initialize_data(cfg.with_changes(seed=1))
    assert not np.array_equal(data.x, other.x)
    if name not in ("sine", "plane", "bumps"):
        assert data.classes == 2 and set(np.unique(data.y)) == {0.0, 1.0} and np.all(data.y.sum(axis=0) == 1)


def test_layers_must_match_the_data_naming_both_numbers():
    with pytest.raises(ConfigError, match="data spiral has 2 inputs .* layers 3,4,4,2 has 3 and 2"):
        TrainConfig(data="spiral").validated()
    with pytest.raises(ConfigError, match="notebook's batch has no test set"):
        TrainConfig(test_fraction="0.3").validated()


def test_xor_is_learned_to_100_percent_by_a_small_tanh_net():
    cfg = TrainConfig(data="xor", noise=0.0, layers=(2, 8, 8, 1), activation="tanh", output="sigmoid", loss="cross-entropy",
                      init="xavier", batch_size=0, stepsize=1.0, seed=3)
    trainer = Trainer.new(cfg.validated())
    trainer.step(6000)
    assert trainer.metrics["accuracy"][-1] == 1.0
    assert trainer.metrics["test_accuracy"][-1] >= 0.9


def test_mini_batches_are_drawn_from_the_seed_and_the_epoch():
    first = batches(10, 3, seed=5, epoch=7)
    assert [len(b) for b in first] == [3, 3, 3, 1] and sorted(np.concatenate(first)) == list(range(10))
    assert all(np.array_equal(a, b) for a, b in zip(first, batches(10, 3, seed=5, epoch=7)))
    assert not np.array_equal(np.concatenate(first), np.concatenate(batches(10, 3, seed=5, epoch=8)))
    assert len(batches(10, 0, 5, 1)) == 1


def test_a_mini_batch_run_resumes_bit_for_bit_from_its_file(tmp_path):
    cfg = TrainConfig(data="spiral", batch_size=16, samples=120, **CLASSIFIER).validated()
    straight = Trainer.new(cfg)
    straight.step(60)
    half = Trainer.new(cfg)
    half.step(25)
    resumed = load_run(save_run(tmp_path / "r.npz", run_from_trainer(half))).trainer(35)
    resumed.step(35)
    np.testing.assert_array_equal(resumed.loss_history, straight.loss_history)
    for name in ("test_loss", "accuracy", "test_accuracy"):
        np.testing.assert_array_equal(resumed.metrics[name], straight.metrics[name])
    np.testing.assert_array_equal(load_run(tmp_path / "r.npz").x_test, straight.data.x_test)


def _csv(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_your_own_csv_with_string_classes(tmp_path):
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{'cat' if i % 2 else 'dog'}" for i in range(40))
    cfg = TrainConfig(data=_csv(tmp_path, "a,b,animal\n" + rows + "\n"), batch_size=0, **CLASSIFIER)
    trainer = Trainer.new(cfg.validated())
    assert trainer.data.classes == 2 and trainer.x.shape == (2, 32) and trainer.data.x_test.shape == (2, 8)
    trainer.step(10)
    assert np.isfinite(trainer.loss)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "the file is empty"),
        ("a,b,c\n1,2,1\n3,4\n", "line 3: 2 columns, the header has 3"),
        ("a,b,c\n1,x,1\n3,4,0\n", "line 2, column 2 ('b'): 'x' is not a number"),
        ("a,b,c\n1,2,dog\n3,4,dog\n", "holds a single class"),
        ("a,b,c\n1,2,cat\n3,4,dog\n", "too few for a test fraction"),
        ("abc\n1\n2\n", "one column"),
    ],
)
def test_bad_csv_files_get_one_line_naming_row_and_column(tmp_path, text, fragment):
    cfg = TrainConfig(data=_csv(tmp_path, text), **CLASSIFIER)
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Trainer.new(cfg)


def test_a_huge_csv_is_refused_before_it_is_all_read(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_data, "MAX_CELLS", 300)
    path = _csv(tmp_path, "a,b,c\n" + "1,2,0\n2,1,1\n" * 1000)
    read = []
    real = csv_data._bounded_lines

    def counting(f, p):
        for line in real(f, p):
            read.append(line)
            yield line

    monkeypatch.setattr(csv_data, "_bounded_lines", counting)
    with pytest.raises(ConfigError, match="more than 300 cells"):
        Trainer.new(TrainConfig(data=path, **CLASSIFIER))
    assert len(read) < 200  # it stopped at the limit, not at the end of the file


def test_the_cli_reports_test_loss_and_accuracy(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mlp_gui", "train", "--data", "xor", "--layers", "2,6,1", "--activation", "tanh",
         "--output", "sigmoid", "--loss", "cross-entropy", "--batch-size", "all", "--stepsize", "1", "--epochs", "300", "--json"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert 0 <= summary["accuracy"] <= 1 and 0 <= summary["test_accuracy"] <= 1
    assert summary["test_loss"] > 0 and summary["train_loss"] == summary["final_loss"]
    notebook = json.loads(subprocess.run([sys.executable, "-m", "mlp_gui", "train", "--epochs", "5", "--json"],
                                         capture_output=True, text=True, timeout=60).stdout)
    assert notebook["test_loss"] is None and notebook["accuracy"] is None


def test_csv_target_columns_standardising_and_preview(tmp_path):
    rows = "\n".join(f"{'cat' if i % 2 else 'dog'},{i % 7},{(i * 3) % 5 + 100}" for i in range(40))
    path = _csv(tmp_path, "animal,a,b\n" + rows + "\n")
    cfg = TrainConfig(data=path, target="animal", standardize="yes", batch_size=0, **CLASSIFIER)
    trainer = Trainer.new(cfg.validated())
    assert trainer.data.classes == 2
    np.testing.assert_allclose(trainer.x.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(trainer.x.std(axis=1), 1, atol=1e-12)
    text = csv_data.preview(cfg)
    assert "40 rows" in text and "animal (target)" in text and "a (input)" in text and "cat 20" in text and "dog 20" in text
    numeric = _csv(tmp_path, "a,b,c\n" + "\n".join(f"{i},{i % 3},{i * 0.5}" for i in range(30)) + "\n", "numeric.csv")
    two = TrainConfig(data=numeric, target="2,c", layers=(1, 4, 2), batch_size=0)
    assert Trainer.new(two.validated()).y.shape[0] == 2  # two numeric targets: two outputs to fit
    with pytest.raises(ConfigError, match="no column 'colour' to be the target; the columns are animal, a, b"):
        Trainer.new(TrainConfig(data=path, target="colour", **CLASSIFIER))


@pytest.mark.parametrize("outputs", [1, 3])
def test_accuracy_is_the_share_of_samples_classified_right_to_the_bit(outputs):
    """The targets' classes are found once; the share is the one np.mean of the comparisons gives, bit for bit."""
    rng = np.random.default_rng(5)
    for n in (1, 7, 200, 1001):
        y = rng.random((outputs, n))
        prediction = y + rng.normal(0, 0.3, y.shape)  # about a third classified otherwise
        if outputs > 1:
            expected = float(np.mean(np.argmax(prediction, axis=0) == np.argmax(y, axis=0)))
        else:
            expected = float(np.mean((prediction[0] > 0.5) == (y[0] > 0.5)))
        share = Classes(y).accuracy(prediction)
        assert type(share) is float and share == expected, (n, share, expected)
        assert 0 < share < 1 or n == 1
    assert Classes(np.zeros((outputs, 0))).accuracy(np.zeros((outputs, 0))) != Classes(y).accuracy(y)  # NaN: no samples
    assert Classes(y).accuracy(y) == 1.0

