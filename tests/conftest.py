"""Test set-up: Qt draws offscreen, remembered settings go to a temporary folder (never the user's), and the
packaged-app build (marker ``packaging``) runs only when ``-m`` names it."""

from __future__ import annotations

import json
import os
import tempfile

_SCRATCH = tempfile.mkdtemp(prefix="mlp-gui-test-")


def offscreen_platform(width: int = 1920, height: int = 1080) -> str:
    """Qt's offscreen platform with one screen of this size (its default screen is 800x600, smaller than a laptop's)."""
    config = os.path.join(_SCRATCH, f"screen-{width}x{height}.json")
    screen = {"name": "OffscreenScreen", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96, "logicalBpi": 96, "dpr": 1}
    with open(config, "w") as f:
        json.dump({"screens": [screen]}, f)
    return f"offscreen:configfile={config}"


if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = offscreen_platform()
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="mlp-gui-test-config-"))

import pytest  # noqa: E402

from tests.window_reuse import module_window  # noqa: E402, F401 - registered once here: one lent window per process

BUILD_MARKER = "packaging"


def pytest_report_header(config) -> str | None:
    if BUILD_MARKER not in (config.option.markexpr or ""):
        return f"the packaged-app build (marker {BUILD_MARKER}) is left out; run it with: pytest -m {BUILD_MARKER}"
    return None


#: the test files that use the notebook's 100,000-epoch runs (the session fixtures below): one worker runs them all,
#: so those epochs are trained once a session, not once per worker (pytest_collection_modifyitems checks the list)
NOTEBOOK_RUN_FILES = ("tests/test_core_norm_record.py", "tests/test_core_notebook.py", "tests/test_core_trainer.py",
                      "tests/test_gui_explore.py", "tests/test_gui_timeline.py")
NOTEBOOK_RUN_FIXTURES = {"notebook_trained", "notebook_continued"}


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` (a file's tests on one worker), with the files of NOTEBOOK_RUN_FILES as one unit."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class NotebookRunsTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:  # xdist's hook for what goes to one worker
            path = nodeid.split("::", 1)[0]
            return "the notebook's 100,000 epochs" if path in NOTEBOOK_RUN_FILES else path

    return NotebookRunsTogether(config, log)


def pytest_collection_modifyitems(config, items) -> None:
    """Leave out the tests that build the packaged app unless ``-m`` mentions them (``-m packaging``; CI does); and
    hand the window tests' files out first: with ``--dist loadfile`` the longest files last left one core idle at the
    end while the other finished them."""
    items.sort(key=lambda item: "test_gui_" not in item.nodeid)  # stable: each file's tests keep their order
    strays = sorted({item.nodeid.split("::")[0] for item in items
                     if NOTEBOOK_RUN_FIXTURES & set(getattr(item, "fixturenames", ()))} - set(NOTEBOOK_RUN_FILES))
    if strays:
        raise pytest.UsageError(f"add {', '.join(strays)} to NOTEBOOK_RUN_FILES in tests/conftest.py: they use the "
                                "notebook's 100,000-epoch runs, which one worker trains for all")
    if BUILD_MARKER in (config.option.markexpr or ""):
        return  # the mark expression decides, as usual
    build = [item for item in items if item.get_closest_marker(BUILD_MARKER)]
    if build:
        config.hook.pytest_deselected(items=build)
        items[:] = [item for item in items if not item.get_closest_marker(BUILD_MARKER)]


@pytest.fixture
def isolated_settings(tmp_path, monkeypatch):
    """QSettings written under tmp_path for this test only."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield tmp_path / "settings"


@pytest.fixture
def window(qtbot, isolated_settings):
    """The real main window, shown offscreen at 1280x800, closed (thread stopped) after the test."""
    from mlp_gui.gui.window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    free_window(win)


def free_window(win) -> None:
    """Delete a closed window's C++ side now: Qt holds the lambdas its signals call and they hold the window, so
    without this every window of the suite stayed alive (and the full collections slowed as they piled up)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def bare_session(qapp):
    """A training session with no window (views bind to it themselves); its thread ended after the test."""
    from mlp_gui.gui.session import TrainingSession

    made = TrainingSession()
    yield made
    assert made.shutdown()


@pytest.fixture(scope="module")
def shared_window(qapp, tmp_path_factory):
    """One real main window for the tests of a module that only look at it, or set every part of it they read
    (its size, its tab, a display option) before reading it: building and showing a window is the largest fixed cost
    of a GUI test. Never trains or changes the run; closed after the module's last test. Only in a module whose tests
    send no keys: the window stays shown, so application shortcuts meant for another test's window may reach it."""
    from tests.gui_helpers import module_main_window

    with module_main_window(tmp_path_factory, "shared") as (win, _settings):
        yield win


@pytest.fixture(scope="session")
def notebook_trained():
    """The notebook's run after its first training cell (100,000 epochs), trained once per test session.

    Trained in chunks of 2,000 epochs, as a long run is (a snapshot offered at each chunk's end: going back to
    epoch 90,000, say, is exact). Shared by every test that needs it: treat it as read-only (continue a copy,
    e.g. through a SavedRun).
    """
    from mlp_gui.core import TrainConfig, Trainer

    trainer = Trainer.new(TrainConfig(), capacity=100_000)
    for _ in range(50):
        trainer.step(2_000)
    return trainer


@pytest.fixture(scope="session")
def notebook_continued(notebook_trained):
    """The notebook's second run of the training cell: 100,000 more epochs from where the first ended."""
    from mlp_gui.core.runfile import run_from_trainer

    again = run_from_trainer(notebook_trained).trainer(extra_epochs=100_000)
    again.step(100_000)
    return again


@pytest.fixture(autouse=True)
def no_unexpected_modal_dialogs(monkeypatch):
    """A modal question nobody answers would hang the suite: fail the test instead, naming the dialog.

    Tests that expect a question patch ``QMessageBox.question`` (or a function of mlp_gui.gui.confirm) themselves.
    """
    import sys

    if "PySide6.QtWidgets" not in sys.modules:
        yield
        return
    from PySide6.QtWidgets import QMessageBox

    def refuse(*args, **kwargs):
        texts = [a for a in args if isinstance(a, str)]
        raise AssertionError(f"unexpected modal dialog: {texts[:2]}")

    monkeypatch.setattr(QMessageBox, "question", refuse)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: refuse(self.windowTitle(), self.text()))
    monkeypatch.setattr(QMessageBox, "information", refuse)
    monkeypatch.setattr(QMessageBox, "warning", refuse)
    yield


FULL_COLLECTION_EVERY = 25
_tests_run = [0]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Cyclic garbage is collected after each test, never in the middle of one: an automatic collection inside a
    Qt item's construction or paint can free an earlier test's widgets there and crash the process (as the app
    itself does: gui.app.collect_between_events).

    Collected here, once the test's fixtures are gone, not in a fixture's teardown: pytest holds the test's
    fixture values (its window, say) until its last teardown has run, so a collection from a fixture found them
    alive, moved them to the oldest generation, and every window was freed only by a full collection (~0.4 s each).
    """
    import gc

    if _tests_run[0] == 0:  # what exists before the first test (modules, collected tests) lives all session:
        gc.collect()  # frozen, a full collection no longer walks it (it was most of each one's 0.1-0.4 s)
        gc.freeze()
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    _tests_run[0] += 1
    # what this test made is young: collecting generations 0 and 1 frees its cycles in a few ms; a full
    # collection (~0.1 s with Qt and pyqtgraph loaded) only every FULL_COLLECTION_EVERY tests, for older garbage
    gc.collect(2 if _tests_run[0] % FULL_COLLECTION_EVERY == 0 else 1)
    if was_enabled:
        gc.enable()
