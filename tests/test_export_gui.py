"""Issue 21 §1–2 in the window: File ▸ Export as Python script / as notebook writes the session's run (no save needed)
as ``mlp-gui export`` writes a file's, and Edit ▸ Copy as command puts the run's ``mlp-gui train`` line on the
clipboard.

The menu rows call the window's ``export_script_dialog``, ``export_notebook_dialog`` and ``copy_command``, which hand
over to ``window.files`` (the lead wires them); these tests drive ``window.files`` as those rows do.
"""

from __future__ import annotations

import json
import shlex

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from mlp_gui.cli import build_train_parser
from mlp_gui.cli_args import config_from_args
from tests.export_helpers import final_loss, run_script
from tests.gui_helpers import TIMEOUT_MS


@pytest.fixture
def trained(window, qtbot):
    """The window with a few epochs trained, idle."""
    window.step(10)
    qtbot.waitUntil(lambda: window.session.epoch == 10 and not window.session.state.busy, timeout=TIMEOUT_MS)
    return window


def choose_in_dialog(monkeypatch, path, chosen_filter: str) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), chosen_filter))


def test_export_as_python_script_writes_the_sessions_run(trained, qtbot, tmp_path, monkeypatch):
    choose_in_dialog(monkeypatch, tmp_path / "lesson", "Python script (*.py)")  # typed without its extension
    trained.files.export_code_dialog("script")
    script = tmp_path / "lesson.py"
    qtbot.waitUntil(lambda: "Exported the run as code" in trained.statusBar().currentMessage(), timeout=TIMEOUT_MS)
    assert trained.statusBar().currentMessage() == f"Exported the run as code to {script}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.py"]
    done = run_script(script)
    assert done.returncode == 0, done.stderr
    assert final_loss(done.stdout) == repr(float(trained.session.loss_history()[-1]))


def test_export_as_notebook(trained, qtbot, tmp_path, monkeypatch):
    choose_in_dialog(monkeypatch, tmp_path / "lesson", "Jupyter notebook (*.ipynb)")
    trained.files.export_code_dialog("notebook")
    book = tmp_path / "lesson.ipynb"
    qtbot.waitUntil(lambda: "Exported the run as code" in trained.statusBar().currentMessage(), timeout=TIMEOUT_MS)
    cells = json.loads(book.read_text(encoding="utf-8"))["cells"]
    assert "".join(cells[-1]["source"]).count(repr(float(trained.session.loss_history()[-1]))) == 1


def test_a_folder_that_is_gone_is_one_line_in_a_message_box(trained, qtbot, tmp_path):
    trained.files.export_code(tmp_path / "gone" / "r.py", "script")
    qtbot.waitUntil(lambda: "gone" in trained.statusBar().currentMessage(), timeout=TIMEOUT_MS)
    message = trained.statusBar().currentMessage()
    assert "\n" not in message and "r.py" in message and "Exported" not in message


def test_copy_as_command_puts_the_runs_train_line_on_the_clipboard(trained, qtbot):
    trained.files.copy_command()
    line = QGuiApplication.clipboard().text()
    assert trained.statusBar().currentMessage() == f"Copied: {line}"
    shown = trained.run_panel.identity.text().split()[1]  # "run 1a2b3c4d5e6f ..." as the window names the run
    assert line.startswith("mlp-gui train") and line.endswith(f"  # run {shown}")
    config, epochs, _ = config_from_args(build_train_parser().parse_args(shlex.split(line, comments=True)[2:]))
    assert config == trained.session.config and epochs == trained.session.target_epoch


def test_the_file_is_written_off_the_gui_thread(trained, qtbot, tmp_path, monkeypatch):
    """A run's data file may hold millions of numbers: writing it must not freeze the window."""
    import threading

    from mlp_gui.gui import exports

    threads = []
    real = exports.write_export

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(exports, "write_export", recording)
    trained.files.export_code(tmp_path / "r.py", "script")
    qtbot.waitUntil(lambda: "Exported the run as code" in trained.statusBar().currentMessage(), timeout=TIMEOUT_MS)
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
