"""README.md opens with the two commands a new user runs, and CI runs the second one verbatim."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```(?:bash|sh)\n(.*?)\n```", text, flags=re.S)


def test_readme_opens_with_install_and_test_commands():
    first, second = readme_commands()[:2]
    assert "pip install" in first and "mlp-gui" in first
    assert '".[test]"' in second and "pytest" in second


def test_ci_runs_readmes_test_command():
    second = readme_commands()[1].strip()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert second in [line.strip() for line in ci]


def test_shortcuts_in_readme():
    text = (ROOT / "README.md").read_text()
    for key in ("Ctrl+Return", "Ctrl+Q"):
        assert key in text
