"""Qt's own options on ``mlp-gui``'s command line (``-style Fusion``, ``-reverse``, ``-platform``) reach Qt; our flags
keep their one-line errors, and ``mlp-gui train`` takes none of Qt's."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mlp_gui.cli import main
from mlp_gui.gui.app import run_window
from mlp_gui.launch import LaunchOptions
from mlp_gui.qt_options import QtOptionError, split_qt_options
from tests.launch_checks import fresh_env, last_state

#: ``mlp-gui ARGS``, printing the window's state and the application's style and direction as it quits
REPORTING_STYLE = """
import sys
import mlp_gui.gui.app as app_module

made = app_module.application


def application(*args, **kwargs):
    app = made(*args, **kwargs)

    def report():
        print(f"style={app.style().name()} direction={app.layoutDirection().name}", flush=True)
        for w in app.topLevelWidgets():
            if hasattr(w, "session"):
                print(f"window state={w.session.state.name} epoch={w.session.epoch}", flush=True)

    app.aboutToQuit.connect(report)
    return app


app_module.application = application
from mlp_gui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def launch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", REPORTING_STYLE, *args], capture_output=True, text=True, timeout=120,
                          env=fresh_env())


def style_line(stdout: str) -> dict[str, str]:
    (line,) = [line for line in stdout.splitlines() if line.startswith("style=")]
    return dict(field.split("=", 1) for field in line.split())


def test_qts_style_and_reverse_options_reach_the_application():
    """The offscreen platform's default style is Fusion: Windows shows the option was read. A process of its own: Qt
    reads its options only as the application is made. Both spellings give Qt the same words, so one launch serves."""
    assert split_qt_options(["-style=Windows", "-reverse"]).qt == split_qt_options(["-style", "Windows", "-reverse"]).qt, (
        "-style=Windows must reach Qt as -style Windows does")
    result = launch("-style=Windows", "-reverse", "--epochs", "7", "--run", "--exit-when-done")
    assert result.returncode == 0, result.stderr
    assert style_line(result.stdout) == {"style": "windows", "direction": "RightToLeft"}, "Qt's options did not reach it"
    assert last_state(result.stdout) == {"state": "FINISHED", "epoch": "7"}, "our flags were not read beside Qt's"


def test_the_split_takes_only_qts_options_in_qts_spelling():
    line = split_qt_options(["-style", "Fusion", "run.npz", "--epochs", "5", "-reverse", "-platform=offscreen",
                             "-qmljsdebugger=port:1234", "--", "-style"])
    assert line.qt == ["-style", "Fusion", "-reverse", "-platform", "offscreen", "-qmljsdebugger=port:1234"]
    assert line.ours == ["run.npz", "--epochs", "5", "--", "-style"]  # after --, every word is ours
    assert line.value("platform") == "offscreen" and line.value("style") == "Fusion" and line.value("session") is None
    assert split_qt_options(["--style", "Fusion", "--reverse"]).qt == []  # two dashes: not Qt's spelling, ours to refuse


@pytest.mark.parametrize("argv", [["-style"], ["-style="], ["-style", "--run"], ["-platform"]])
def test_a_qt_option_without_its_value_is_one_line(argv, capsys):
    with pytest.raises(QtOptionError):
        split_qt_options(argv)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"mlp-gui: error: Qt's option {argv[0].rstrip('=')} needs a value")


def test_our_flags_keep_their_one_line_errors_beside_qts(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["-style", "Fusion", "--out", "x"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unrecognized arguments: --out; did you mean --output?" in err
    assert "-style" not in err


def test_train_keeps_its_strict_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "-style", "Fusion", "--epochs", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mlp-gui train: error:") and "-style" in err


def test_a_style_this_qt_lacks_is_refused_in_one_line_before_the_window(capsys):
    assert run_window(LaunchOptions(), qt_args=["-style", "NoSuchStyle"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mlp-gui: error: -style NoSuchStyle: no such style here")
    assert "Fusion" in err


def test_the_help_names_qts_options(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "-style Fusion" in " ".join(capsys.readouterr().out.split())
