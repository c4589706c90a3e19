"""Settings parse what people type and reject the rest with a message naming the field."""

from dataclasses import fields

import pytest

from mlp_gui.core.config import (
    Change,
    ConfigError,
    TrainConfig,
    change_needed,
    check_fits_in_memory,
    estimate_bytes,
    parameter_count,
    parse_float,
    parse_int,
    parse_layers,
)
from mlp_gui.core.settings import RUN_SETTINGS, SETTINGS, setting


def test_defaults_are_the_notebooks():
    cfg = TrainConfig()
    assert (cfg.seed, cfg.layers, cfg.batch_size, cfg.stepsize) == (12345, (3, 4, 4, 2), 5, 0.1)
    assert (cfg.activation, cfg.output, cfg.loss, cfg.init) == ("sigmoid", "identity", "mse", "notebook")
    assert cfg.model.activations == ("sigmoid", "sigmoid")
    assert setting("epochs").default == 100_000
    assert cfg.validated() is cfg


def test_the_config_holds_exactly_the_schemas_run_settings():
    """One schema: TrainConfig's fields are its run settings; epochs is a plan, kept apart."""
    assert [f.name for f in fields(TrainConfig)] == [s.name for s in RUN_SETTINGS]
    assert [s.name for s in SETTINGS if s.scope == "plan"] == ["epochs"]
    assert [s.flag for s in SETTINGS] == [
        "--seed", "--layers", "--batch-size", "--stepsize", "--optimizer", "--momentum", "--rho", "--beta1", "--beta2",
        "--eps", "--l1", "--l2", "--decay-every", "--decay-factor", "--activation", "--output", "--loss", "--init",
        "--data", "--features", "--samples", "--noise", "--target", "--standardize", "--test-fraction", "--epochs"]


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
        ("3,,4", "size 2 is empty"),
        ("３,4", "size 1 is '３'"),
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
    for bad in ("", "1.5", "ten", "inf", "nan", "３", "1e400", "9" * 200):
        with pytest.raises(ConfigError, match="epochs"):
            parse_int(bad, "epochs")
    with pytest.raises(ConfigError, match="stepsize"):
        parse_float("fast", "stepsize")
    with pytest.raises(ConfigError, match="stepsize 1e400 is too large"):
        parse_float("1e400", "stepsize")
    with pytest.raises(ConfigError, match="must be a number"):
        parse_float("０.1", "stepsize")  # full-width digits are not ASCII


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
        (dict(layers=(3,)), "at least two sizes"),
    ],
)
def test_validated_rejects(changes, fragment):
    with pytest.raises(ConfigError, match=fragment):
        TrainConfig().with_changes(**changes).validated()


def test_epochs_are_checked_by_the_schema():
    for text in ("-1", "0"):
        with pytest.raises(ConfigError, match="epochs must be at least 1"):
            setting("epochs").from_text(text)


@pytest.mark.parametrize(
    "changes, epochs, culprit",
    [(dict(layers=(100_000, 100_000, 100_000)), 10, "layers"), (dict(batch_size=10**8), 10, "batch_size"), ({}, 10**14, "epochs")],
)
def test_memory_check_names_the_setting_that_drives_it(changes, epochs, culprit):
    with pytest.raises(ConfigError, match="needs about") as info:
        check_fits_in_memory(TrainConfig().with_changes(**changes), epochs, have=8 * 1024**3)
    assert info.value.setting == culprit
    assert f"reduce {culprit.replace('_', ' ')}" in str(info.value)
    check_fits_in_memory(TrainConfig(), 100_000, have=8 * 1024**3)  # the notebook fits anywhere


def test_json_round_trip_and_rejections():
    cfg = TrainConfig(seed=1, layers=(2, 3, 1), batch_size=7, stepsize=0.5)
    assert TrainConfig.from_json(cfg.to_json()) == (cfg, {})
    assert TrainConfig.from_json(cfg.to_json()[:-1] + ', "epochs": 10}') == (cfg, {"epochs": 10})
    full = '"seed": 1, "layers": [2, 3, 1], "batch_size": 7, "stepsize": 0.5'
    cases = {
        "not json": "not valid JSON",
        "[1,2]": "not a JSON object",
        '{"layers": "3,4"}': "missing",
        "{" + full + ', "colour": 1}': "unknown settings: colour",
        '{"seed": 1, "layers": [3], "batch_size": 7, "stepsize": 0.5}': "at least two sizes",
        '{"seed": 1, "layers": [2, 3, 1], "batch_size": 7}': "missing stepsize",
        "{" + full + ', "stepsize": 0.1}': "names 'stepsize' twice",
        "[" * 100_000 + "]" * 100_000: "characters long",
        "[" * 5000 + "]" * 5000: "nested too deeply",
        '{"seed": 1, "layers": [2, 3, 1], "batch_size": 7, "stepsize": 1' + "0" * 400 + "}": "too large",
        '{"seed": "x", "layers": [2, 3, 1], "batch_size": 7, "stepsize": 0.5}': "seed must be a whole number",
        '{"seed": true, "layers": [2, 3, 1], "batch_size": 7, "stepsize": 0.5}': "seed must be a whole number",
    }
    for bad, fragment in cases.items():
        with pytest.raises(ConfigError, match=fragment):
            TrainConfig.from_json(bad)


def test_memory_estimate_counts_parameters_and_history():
    assert parameter_count((3, 4, 4, 2)) == 16 + 20 + 10
    # the history, its copy in the saved run, and np.savez's buffer (at most 16 MiB)
    assert estimate_bytes(TrainConfig(), 1_000_000) - estimate_bytes(TrainConfig(), 0) == 3 * 8 * 1_000_000
    assert estimate_bytes(TrainConfig(), 10**8) - estimate_bytes(TrainConfig(), 0) == 2 * 8 * 10**8 + 16 * 2**20 - 8


def test_differences_for_legends():
    base = TrainConfig()
    assert base.with_changes(stepsize=1.0).differences(base) == {"stepsize": "1"}
    assert base.with_changes(layers=(3, 8, 2)).differences(base) == {"layers": "3,8,2"}
    assert base.differences(base) == {}


def test_which_changes_continue_a_run():
    base = TrainConfig()
    assert change_needed(base, base) == Change.NONE
    assert change_needed(base, base.with_changes(stepsize=1.0)) == Change.STEPSIZE
    assert change_needed(base, base.with_changes(stepsize=1.0), diverged=True) == Change.NEW_RUN
    assert change_needed(base, base.with_changes(seed=1)) == Change.NEW_RUN
    assert change_needed(base, base.with_changes(layers=(3, 8, 2), stepsize=1.0)) == Change.NEW_RUN


@pytest.mark.parametrize(
    "changes, fragment, culprit",
    [
        (dict(activation="tanh,relu,tanh"), "names 3 activations but layers 3,4,4,2 has 2 hidden layers", "activation"),
        (dict(loss="cross-entropy"), "choose output sigmoid", "loss"),
    ],
)
def test_settings_that_do_not_go_together_are_named(changes, fragment, culprit):
    with pytest.raises(ConfigError, match=fragment) as info:
        TrainConfig().with_changes(**changes).validated()
    assert info.value.setting == culprit


def test_model_choices_parse_and_round_trip():
    assert setting("activation").from_text(" Tanh , relu ") == "tanh,relu"
    assert setting("output").from_text("SOFTMAX") == "softmax"
    for name, bad, fragment in [("activation", "swish", "choose from sigmoid"), ("activation", "tanh,,relu", "empty"),
                                ("loss", "hinge", "must be one of mse, cross-entropy"), ("init", "zeros", "notebook, xavier, he")]:
        with pytest.raises(ConfigError, match=fragment):
            setting(name).from_text(bad)
    cfg = TrainConfig(layers=(2, 8, 8, 2), activation="tanh,relu", output="softmax", loss="cross-entropy", init="he")
    assert TrainConfig.from_json(cfg.to_json())[0] == cfg
    assert cfg.model.head.output == "softmax" and cfg.model.init == "he"


def test_files_from_before_the_model_choices_get_the_notebooks():
    cfg, _ = TrainConfig.from_json('{"seed": 1, "layers": [3, 4, 4, 2], "batch_size": 5, "stepsize": 0.1}')
    assert cfg.model == TrainConfig(seed=1).model
    with pytest.raises(ConfigError, match="activation must be text"):
        TrainConfig.from_json('{"seed": 1, "layers": [3, 4, 4, 2], "batch_size": 5, "stepsize": 0.1, "activation": 3}')
