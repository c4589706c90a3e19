"""README.md opens with the two commands a new user runs, CI runs the second one verbatim, and the keys it lists are the keys bound."""

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


def test_every_shortcut_is_in_the_readme(qapp):
    """Every key of the action table (the one that binds them and builds the Help list) is in the README's table."""
    from mlp_gui.gui.actions import ACTIONS, sequences

    text = (ROOT / "README.md").read_text()
    keys = [s.toString() for spec in ACTIONS for s in sequences(spec.keys)]
    assert len(keys) >= 15
    missing = [k for k in keys if k not in text]
    assert not missing, f"README.md does not mention {missing}"
