"""Qt's options given with two dashes (``--style``) get one line saying Qt's one-dash form, exit code 2."""

from __future__ import annotations

import pytest

from mlp_gui.cli import main
from mlp_gui.qt_options import refuse_two_dashes, split_qt_options


@pytest.mark.parametrize(("argv", "expected"), [
    (["--style", "Fusion"], "mlp-gui: error: --style: Qt's option is -style (one dash), e.g. -style Fusion"),
    (["--style=Fusion"], "mlp-gui: error: --style: Qt's option is -style (one dash), e.g. -style Fusion"),
    (["--reverse"], "mlp-gui: error: --reverse: Qt's option is -reverse (one dash), e.g. -reverse"),
    (["--platform", "offscreen"], "mlp-gui: error: --platform: Qt's option is -platform (one dash), e.g. -platform offscreen"),
    (["--stylesheet", "a.qss"], "mlp-gui: error: --stylesheet: Qt's option is -stylesheet (one dash), e.g. -stylesheet look.qss"),
])
def test_qt_option_with_two_dashes_says_the_one_dash_form(argv: list[str], expected: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(expected)


def test_after_a_double_dash_every_word_is_ours() -> None:
    line = split_qt_options(["run.npz", "--", "--style"])
    assert line.ours == ["run.npz", "--", "--style"]
    refuse_two_dashes(line.ours)  # no error: after --, --style is a file name
