"""Remembered settings survive a round trip; anything missing or garbled falls back to defaults, field by field."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QByteArray, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow, QSplitter  # noqa: E402

from mlp_gui.core import TrainConfig  # noqa: E402
from mlp_gui.gui.settings_store import SettingsStore  # noqa: E402

DEFAULTS = TrainConfig()
CUSTOM = TrainConfig(seed=7, layers=(3, 8, 8, 2), batch_size=11, stepsize=0.123456789012345678, epochs=54_321)


@pytest.fixture
def ini(tmp_path):
    return tmp_path / "mlp-gui.ini"


def store_at(path) -> SettingsStore:
    return SettingsStore(QSettings(str(path), QSettings.Format.IniFormat))


def test_settings_survive_a_round_trip(ini):
    store_at(ini).save_config(CUSTOM)
    loaded = store_at(ini).load_config()
    assert loaded == CUSTOM
    assert loaded.stepsize == 0.123456789012345678  # bit for bit
    assert store_at(ini).has_config()


def test_nothing_saved_gives_the_notebooks_defaults(ini):
    store = store_at(ini)
    assert not store.has_config()
    assert store.load_config() == DEFAULTS


@pytest.mark.parametrize(
    "field, garbage",
    [
        ("seed", "banana"), ("seed", "-1"), ("seed", str(2**40)),
        ("layers", "3,0,2"), ("layers", "3"), ("layers", ""), ("layers", "three,four"),
        ("batch_size", "-4"), ("batch_size", "2.5"),
        ("stepsize", "nan"), ("stepsize", "0"), ("stepsize", "-0.1"), ("stepsize", "fast"),
        ("epochs", "1e400"), ("epochs", "-5"), ("epochs", "lots"),
    ],
)
def test_one_garbled_field_falls_back_alone(ini, field, garbage):
    store = store_at(ini)
    store.save_config(CUSTOM)
    store.settings.setValue(f"training/{field}", garbage)
    loaded = store_at(ini).load_config()
    assert getattr(loaded, field) == getattr(DEFAULTS, field)
    assert loaded.with_changes(**{field: getattr(CUSTOM, field)}) == CUSTOM  # every other field kept


def test_values_of_the_wrong_type_fall_back(ini):
    store = store_at(ini)
    store.save_config(CUSTOM)
    store.settings.setValue("training/seed", QByteArray(b"\x00\x01"))
    store.settings.setValue("training/batch_size", ["5", "6"])
    store.settings.setValue("training/stepsize", True)
    loaded = store.load_config()
    assert (loaded.seed, loaded.batch_size, loaded.stepsize) == (DEFAULTS.seed, DEFAULTS.batch_size, DEFAULTS.stepsize)
    assert (loaded.layers, loaded.epochs) == (CUSTOM.layers, CUSTOM.epochs)


def test_a_hand_edited_ini_file(ini):
    ini.write_text("[training]\nlayers=3,8,2\nstepsize=0.5\nseed = 42\nnonsense\nepochs==\n[layout]\ngeometry=hello\n")
    store = store_at(ini)
    assert store.load_config() == DEFAULTS.with_changes(layers=(3, 8, 2), stepsize=0.5, seed=42)
    assert store.load_bytes("geometry") is None


def test_a_corrupt_file_gives_defaults(ini):
    ini.write_bytes(bytes(range(256)) * 8)
    assert store_at(ini).load_config() == DEFAULTS


def test_a_run_too_big_for_memory_drops_only_the_culprit(ini):
    store = store_at(ini)
    store.save_config(CUSTOM.with_changes(epochs=10**15))  # each field valid, 8 PB of loss history together
    assert store.load_config() == CUSTOM.with_changes(epochs=DEFAULTS.epochs)


def _window() -> tuple[QMainWindow, QSplitter]:
    window = QMainWindow()
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(QLabel("plot"))
    splitter.addWidget(QLabel("heatmaps"))
    window.setCentralWidget(splitter)
    dock = QDockWidget("Notebook")
    dock.setObjectName("notebookDock")
    dock.setWidget(QLabel("text"))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    return window, splitter


def test_window_geometry_state_and_splitters_round_trip(qtbot, ini):
    window, splitter = _window()
    qtbot.addWidget(window)
    window.resize(640, 480)  # within the offscreen screen (800x600): restoreGeometry keeps windows on screen
    window.show()
    qtbot.waitExposed(window)
    window.findChild(QDockWidget).hide()
    QApplication.processEvents()  # let the layout give the dock's room to the splitter
    splitter.setSizes([200, 400])
    sizes = splitter.sizes()
    store_at(ini).save_window(window, {"main": splitter})

    again, again_splitter = _window()
    qtbot.addWidget(again)
    assert store_at(ini).restore_window(again, {"main": again_splitter})
    again.show()
    qtbot.waitExposed(again)
    assert again.size().toTuple() == (640, 480)
    QApplication.processEvents()
    assert again_splitter.sizes() == sizes
    assert again.findChild(QDockWidget).isHidden()


def test_garbage_layout_is_ignored(qtbot, ini):
    store = store_at(ini)
    store.save_bytes("geometry", QByteArray(b"not a geometry"))
    store.save_bytes("state", QByteArray(b"\xff" * 40))
    store.settings.setValue("layout/splitters/main", "a string, not bytes")
    window, splitter = _window()
    qtbot.addWidget(window)
    window.resize(500, 400)
    assert not store.restore_window(window, {"main": splitter})
    assert window.size().toTuple() == (500, 400)


def test_restore_defaults_forgets_only_what_it_stored(ini):
    store = store_at(ini)
    store.save_config(CUSTOM)
    store.save_bytes("geometry", QByteArray(b"something"))
    store.settings.setValue("recent/files", "run.npz")
    assert store.restore_defaults() == DEFAULTS
    again = store_at(ini)
    assert not again.has_config() and again.load_config() == DEFAULTS
    assert again.load_bytes("geometry") is None
    assert again.settings.value("recent/files") == "run.npz"


def test_the_default_file_is_mlp_gui_s_own(isolated_settings):
    """conftest's isolated_settings points user-scope INI files at a temporary folder."""
    store = SettingsStore()
    assert (store.settings.organizationName(), store.settings.applicationName()) == ("mlp-gui", "mlp-gui")
    store.save_config(CUSTOM)
    assert store.settings.fileName() == str(isolated_settings / "mlp-gui" / "mlp-gui.ini")
    assert SettingsStore().load_config() == CUSTOM
