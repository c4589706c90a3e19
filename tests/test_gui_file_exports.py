"""File ▸ Save run and the exports as a student meets them: the name typed in the dialog, the file that appears.

Each name is chosen with and without its extension under each filter the dialog offers; exactly one file with
exactly one extension must appear. Every file gets the mode a run file gets under the same umask.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager

import pytest
from PySide6.QtWidgets import QFileDialog

from tests.gui_helpers import TIMEOUT_MS

#: (action, the filter the dialog returns, the name typed, the file that must appear)
CHOICES = [
    ("export_plot", "PNG image (*.png)", "plot", "plot.png"),
    ("export_plot", "PNG image (*.png)", "plot.png", "plot.png"),
    ("export_plot", "PNG image (*.png)", "plot.PNG", "plot.PNG"),
    ("export_plot", "SVG drawing (*.svg)", "plot", "plot.svg"),
    ("export_plot", "SVG drawing (*.svg)", "plot.svg", "plot.svg"),
    ("export_plot", "PNG image (*.png)", "plot.svg", "plot.svg"),  # typed an offered extension: kept
    ("export_plot", "SVG drawing (*.svg)", "plot.png", "plot.png"),
    ("export_plot", "", "plot", "plot.png"),  # no filter reported: the first one's
    ("export_csv", "CSV (*.csv)", "loss", "loss.csv"),
    ("export_csv", "CSV (*.csv)", "loss.csv", "loss.csv"),
    ("export_csv", "CSV (*.csv)", "loss.v2", "loss.v2.csv"),
    ("save", "Runs (*.npz)", "run", "run.npz"),
    ("save", "Runs (*.npz)", "run.npz", "run.npz"),
]


def choose_in_dialog(monkeypatch, path, chosen_filter: str) -> None:
    """The save dialog answers ``path`` under ``chosen_filter``, as a person typing the name would."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), chosen_filter))


@pytest.fixture
def trained(window, qtbot):
    """The window with a few epochs trained, idle."""
    window.step(3)
    qtbot.waitUntil(lambda: window.session.epoch == 3 and not window.session.state.busy, timeout=TIMEOUT_MS)
    return window


def test_a_name_gets_exactly_one_extension(trained, qtbot, tmp_path, monkeypatch):
    for i, (action, chosen, typed, written) in enumerate(CHOICES):
        folder = tmp_path / str(i)
        folder.mkdir()
        choose_in_dialog(monkeypatch, folder / typed, chosen)
        trained.actions[action].trigger()
        qtbot.waitUntil(lambda folder=folder: any(folder.iterdir()), timeout=TIMEOUT_MS)
        assert sorted(p.name for p in folder.iterdir()) == [written], (action, chosen, typed)
        assert str(folder / written) in trained.statusBar().currentMessage()


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_exports_get_a_run_files_mode(trained, qtbot, tmp_path, monkeypatch):
    for mask in (0o022, 0o027, 0o077):
        folder = tmp_path / oct(mask)
        folder.mkdir()
        with umask(mask):
            for action, name, chosen in (("save", "run.npz", "Runs (*.npz)"), ("export_csv", "loss.csv", "CSV (*.csv)"),
                                         ("export_plot", "plot.png", "PNG image (*.png)"),
                                         ("export_plot", "plot.svg", "SVG drawing (*.svg)")):
                choose_in_dialog(monkeypatch, folder / name, chosen)
                trained.actions[action].trigger()
                qtbot.waitUntil((folder / name).exists, timeout=TIMEOUT_MS)
                assert _mode(folder / name) == _mode(folder / "run.npz") == 0o666 & ~mask, (name, oct(mask))


def test_an_export_over_an_existing_file_keeps_its_mode_and_replaces_it_whole(trained, qtbot, tmp_path, monkeypatch):
    for name, action, chosen in (("loss.csv", "export_csv", "CSV (*.csv)"), ("plot.png", "export_plot", "PNG image (*.png)")):
        old = tmp_path / name
        old.write_bytes(b"old contents " * 10_000)
        old.chmod(0o640)
        choose_in_dialog(monkeypatch, old, chosen)
        trained.actions[action].trigger()
        qtbot.waitUntil(lambda old=old: b"old contents" not in old.read_bytes(), timeout=TIMEOUT_MS)
        assert _mode(old) == 0o640
    header, first = (tmp_path / "loss.csv").read_text().splitlines()[:2]
    assert header == "epoch,loss" and float(first.split(",")[1]) == trained.session.loss_history()[0]
    assert (tmp_path / "plot.png").read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.csv", "plot.png"]  # no temp file left behind
