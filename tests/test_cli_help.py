"""The command line as a new student reads it: flags spelled out, and help that says what each flag really does."""

from __future__ import annotations

import os

import pytest

from mlp_gui.cli import build_train_parser, build_window_parser, main
from tests.conftest import offscreen_platform
from tests.launch_checks import last_state, launch_reporting


def refused(capsys, *argv: str) -> str:
    """The one error line parsing ``mlp-gui argv`` exits 2 with (parsed only: a flag taken wrongly opens no window)."""
    parser = build_train_parser() if argv[:1] == ("train",) else build_window_parser()
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(list(argv[1:] if argv[:1] == ("train",) else argv))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def help_text(capsys, *argv: str) -> str:
    """``--help`` of the window or of ``train``, as printed."""
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


def flag_help(text: str, flag: str) -> str:
    """What the help says of ``flag``, on one line (argparse wraps it at the terminal's width)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {flag}"))
    entry = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith("   ") or line.lstrip().startswith("-") and len(line) - len(line.lstrip()) < 6:
            break
        entry.append(line)
    return " ".join(" ".join(entry).split()[1:])


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("argv", [("--out", "x"), ("--out", "sigmoid"), ("--ep", "5"), ("--step=0.5",),
                                  ("train", "--epoch", "3", "--no-progress"), ("train", "--out", "sigmoid", "--epochs", "2"),
                                  ("train", "--no-gu", "--epochs", "2")])
def test_an_abbreviated_flag_is_refused_naming_the_one_meant(capsys, argv):
    err = refused(capsys, *argv)
    typed = next(a for a in argv if a.startswith("--")).split("=")[0]
    assert f"unrecognized arguments: {typed}" in err and "did you mean --" in err
    assert "--help" in err


def test_a_flag_spelled_out_still_works(capsys):
    assert main(["train", "--epochs", "2", "--output", "identity", "--no-progress"]) == 0
    assert "2 epochs" in capsys.readouterr().out


def test_epochs_help_says_total_in_the_window_and_added_on_resume(capsys):
    window = flag_help(help_text(capsys), "--epochs")
    assert "in total" in window and "(default 100000)" in window
    assert "With RUN.npz: epochs to add to the opened run's" in window  # as the window really does
    train = flag_help(help_text(capsys, "train"), "--epochs")
    assert "(default 100000)" in train and "With --resume: epochs to add to the saved run's, not a total" in train
    resume = flag_help(help_text(capsys, "train"), "--resume")
    assert "--epochs more epochs" in resume


def test_no_help_line_calls_the_network_sigmoid(capsys):
    """Activations and the output function are settings now: nothing may say the network is sigmoid throughout."""
    for argv in ((), ("train",)):
        text = help_text(capsys, *argv)
        for stale in ("sigmoid hidden layers", "linear output", "sigmoid MLP"):
            assert stale not in one_line(text), (argv, stale)
        assert "e.g. 3,4,4,2" in flag_help(text, "--layers")


def test_help_says_how_the_guard_judges_and_how_unattended_flags_start(capsys):
    from mlp_gui.core.guard_rule import DEFAULT_FACTOR, LEAP, STAY_EPOCHS

    guard = flag_help(help_text(capsys, "train"), "--guard, --no-guard")
    assert "above where it started" in guard and "a million-fold" not in guard
    assert f"rises {DEFAULT_FACTOR:,.0f} times above its best so far and above where it started" in guard
    assert f"stays up (not back at its start for {STAY_EPOCHS} epochs, in 90% of them above {LEAP:g} times it)" in guard
    assert "a smaller stepsize that trained when tried from the last good epoch, or that none did" in guard
    window = help_text(capsys)
    assert "start at once (as --run)" in flag_help(window, "--exit-when-done")
    assert "start at once (as --run)" in flag_help(window, "--screenshot")


def test_exit_when_done_alone_starts_the_run_and_quits(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": offscreen_platform(1280, 800), "XDG_CONFIG_HOME": str(tmp_path)}
    result = launch_reporting("--epochs", "50", "--exit-when-done", env=env, timeout=90)
    assert result.returncode == 0, result.stderr
    state = last_state(result.stdout)  # it trained all 50 epochs (no --run needed), then the window closed
    assert (state["state"], state["epoch"], state["visible"]) == ("FINISHED", "50", "False"), state


def test_train_help_ends_with_its_exit_codes(capsys):
    text = one_line(help_text(capsys, "train"))
    assert text.endswith(
        "exit codes: 0 done; 1 diverged or stopped by the guard, or the run could not be saved where asked (it was "
        "then saved to the temporary folder, and the line printed says where); 2 bad input, nothing changed; 130 "
        "Ctrl+C (143 SIGTERM, 129 SIGHUP), what was computed saved")


def test_epochs_and_test_fraction_say_what_they_count(capsys):
    """An epoch is many updates with mini-batches; auto holds out 0.2 of any data set and nothing of the notebook's."""
    from mlp_gui.core.config import TrainConfig, test_share
    from mlp_gui.core.settings import BY_NAME

    assert BY_NAME["epochs"].help.startswith("Epochs to train in total, counted from epoch 0")  # the form's tooltip
    share = flag_help(help_text(capsys, "train"), "--test-fraction")
    assert share.startswith("F|auto share of the data held out to test on, or auto: 0.2 for a data set (built-in or CSV), "
                            "none for the notebook's batch")
    assert test_share(TrainConfig(data="notebook")) == 0 and test_share(TrainConfig(data="xor", layers=(2, 4, 1))) == 0.2
