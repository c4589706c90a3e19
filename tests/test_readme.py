"""README.md opens with the two commands a new user runs, CI runs the second one verbatim (then the packaged-app
build a plain pytest leaves out), and the keys it lists are the keys bound."""

import re
import subprocess
import sys
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


def collected(*args: str) -> list[str]:
    """The test ids ``pytest --collect-only`` with ``args`` would run (here, from this checkout)."""
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode in (0, 5), result.stdout + result.stderr  # 5: every test left out
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_a_plain_pytest_leaves_the_packaged_app_build_out_and_ci_runs_it():
    files = ["tests/test_packaging_bundle.py", "tests/test_readme.py"]
    plain = collected(*files)
    assert plain and not [t for t in plain if t.startswith(files[0])]  # README's command: no build
    build = collected("-m", "packaging", *files)
    assert build and all(t.startswith(files[0]) for t in build)  # asked for: the build and its checks only
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    readme_line = next(i for i, line in enumerate(ci) if line == readme_commands()[1].strip())
    packaging = [i for i, line in enumerate(ci) if line.startswith(".venv/bin/python -m pytest -m packaging ")]
    assert packaging and packaging[0] > readme_line  # CI builds the app, after README's command


def test_every_shortcut_is_in_the_readme(qapp):
    """Every key of the action table (the one that binds them and builds the Help list) is in the README's table."""
    from mlp_gui.gui.actions import ACTIONS, sequences

    text = (ROOT / "README.md").read_text()
    keys = [s.toString() for spec in ACTIONS for s in sequences(spec.keys)]
    assert len(keys) >= 15
    missing = [k for k in keys if k not in text]
    assert not missing, f"README.md does not mention {missing}"
