"""Settings parse what people type and reject the rest with a message naming the field."""

import pytest

from mlp_gui.core.config import (
    ConfigError,
    TrainConfig,
    estimate_bytes,
    parameter_count,
    parse_float,
    parse_int,
    parse_layers,
)


def test_defaults_are_the_notebooks():
    cfg = TrainConfig()
    assert (cfg.seed, cfg.layers, cfg.batch_size, cfg.stepsize, cfg.epochs) == (12345, (3, 4, 4, 2), 5, 0.1, 100_000)
    assert cfg.validated() is cfg


@pytest.mark.parametrize(
    "text, expected",
    [("3,4,4,2", (3, 4, 4, 2)), (" 3, 4 ,4,2 ", (3, 4, 4, 2)), ("784x256x10", (784, 256, 10)), ("3 2", (3, 2)), ("3,4,", (3, 4))],
)
def test_parse_layers_accepts(text, expected):
    assert parse_layers(text) == expected


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("3", "at least two sizes"),
        ("3,0,2", "size 2 is 0"),
        ("3,-4,2", "size 2 is -4"),
        ("3,4.5,2", "size 2 is '4.5'"),
        ("3,a,2", "not a whole number"),
        (",".join(["2"] * 65), "at most 64"),
    ],
)
def test_parse_layers_rejects_with_reason(text, fragment):
    with pytest.raises(ConfigError, match="layers") as info:
        parse_layers(text)
    assert fragment in str(info.value)


def test_parse_int_and_float():
    assert parse_int("100_000", "epochs") == 100000
    assert parse_int("1e5", "epochs") == 100000
    assert parse_float(" 0.1 ", "stepsize") == 0.1
    for bad in ("", "1.5", "ten", "inf", "nan"):
        with pytest.raises(ConfigError, match="epochs"):
            parse_int(bad, "epochs")
    with pytest.raises(ConfigError, match="stepsize"):
        parse_float("fast", "stepsize")


@pytest.mark.parametrize(
    "changes, fragment",
    [
        (dict(seed=-1), "seed"),
        (dict(seed=2**32), "seed"),
        (dict(batch_size=0), "batch size"),
        (dict(stepsize=0.0), "stepsize must be positive"),
        (dict(stepsize=-0.1), "stepsize must be positive"),
        (dict(stepsize=float("inf")), "finite"),
        (dict(stepsize=float("nan")), "finite"),
        (dict(epochs=-1), "epochs cannot be negative"),
        (dict(layers=(3,)), "at least two sizes"),
        (dict(layers=(100_000, 100_000, 100_000)), "needs about"),
        (dict(epochs=10**15), "needs about"),
    ],
)
def test_validated_rejects(changes, fragment):
    with pytest.raises(ConfigError, match=fragment):
        TrainConfig().with_changes(**changes).validated()


def test_json_round_trip_and_rejections():
    cfg = TrainConfig(seed=1, layers=(2, 3, 1), batch_size=7, stepsize=0.5, epochs=10)
    assert TrainConfig.from_json(cfg.to_json()) == cfg
    for bad in ("not json", "[1,2]", '{"layers": "3,4"}', '{"seed": "x"}', '{"colour": 1}', '{"layers": [3]}'):
        with pytest.raises(ConfigError):
            TrainConfig.from_json(bad)


def test_memory_estimate_counts_parameters_and_history():
    assert parameter_count((3, 4, 4, 2)) == 16 + 20 + 10
    small, long = TrainConfig(epochs=0), TrainConfig(epochs=1_000_000)
    assert estimate_bytes(long) - estimate_bytes(small) == 8 * 1_000_000


def test_differences_for_legends():
    base = TrainConfig()
    assert base.with_changes(stepsize=1.0).differences(base) == {"stepsize": "1"}
    assert base.with_changes(layers=(3, 8, 2)).differences(base) == {"layers": "3,8,2"}
    assert base.differences(base) == {}
