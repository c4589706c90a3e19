"""Your CSV file is read off the GUI thread (issue 17 item 8): the window keeps answering while a large file is read,
the form says which file it reads, how far it got, and offers Cancel; a remembered file never delays the window's
start; each file is read once per settings that shape it."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.gui import csv_reads, remembered
from mlp_gui.gui.session import RunState
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import TIMEOUT_MS, configure, press_start, set_settings, wait_read, wait_state
from tests.run_leftovers import listening

# the window's tests share one, lent in turn (a fresh run from the defaults put back after each, then checked); the
# start with a remembered file builds its own
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

ROWS = 120_000  # about 3.5 MB: most of a second to read, twice (its shape, then the run's data)
MEDIUM_ROWS = 30_000  # a tenth of a second or two to read: still under way when Cancel is clicked or the window is built


def write_big(path, rows: int = ROWS):
    """Three inputs and a 0/1 label."""
    rng = np.random.default_rng(0)
    x = rng.random((rows, 3))
    label = (x[:, 0] + x[:, 1] > 1).astype(int)
    cells = np.column_stack([x, label]).ravel().tolist()  # formatted in one go: a third of the time row by row took
    with open(path, "w") as f:
        f.write("a,b,c,label\n" + ("%.6f,%.6f,%.6f,%d\n" * rows) % tuple(cells))
    return path


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """For the window that keeps answering: a read long enough that a pause of the event loop would show."""
    return write_big(tmp_path_factory.mktemp("csv") / "big.csv")


@pytest.fixture(scope="module")
def medium(tmp_path_factory):
    """For the claims that only need a read under way (Cancel, the start): read whole again within a test, so smaller."""
    return write_big(tmp_path_factory.mktemp("csv") / "medium.csv", rows=MEDIUM_ROWS)


def classifier(window, qtbot) -> None:
    """One sigmoid output and cross-entropy (set first: they shape how the file is read)."""
    configure(window, qtbot, output="sigmoid", loss="cross-entropy")


def test_a_large_csv_is_read_while_the_window_keeps_answering(lent_window, qtbot, big):
    window = lent_window
    classifier(window, qtbot)
    ticks: list[float] = []
    timer = QTimer()  # the test's, not the window's: the shared window keeps no child of it
    timer.setInterval(20)
    timer.timeout.connect(lambda: window.form.reading and ticks.append(time.perf_counter()))  # ticks while reading
    shares: list[float] = []
    with listening(window.form.reads.progressed, lambda _name, share: shares.append(share)):  # not left connected
        timer.start()
        window.form.set_field("data", str(big))
        assert window.form.reading == "big.csv"  # nothing read yet on this thread: the answer comes through the event loop
        assert "Reading big.csv…" in window.form.summary.text() and window.form.reading_row.isVisibleTo(window)
        assert window.form.reading_row.cancel_button.isEnabled() and not window.run_panel.start_button.isEnabled()
        began = time.perf_counter()
        wait_read(window.form, qtbot, timeout=60_000)
        ended = time.perf_counter()
        timer.stop()
    # the event loop kept turning while the file was read: a read on the GUI thread would be one gap as long as the
    # whole read; the window's own work once a part is read (fitting the form, making the run) is allowed its moments
    gaps = np.diff([began, *[t for t in ticks if t < ended], ended])
    assert gaps.max() < max(0.5, 0.75 * (ended - began)), (len(ticks), gaps.max(), ended - began)
    assert shares and 0 < max(shares) <= 1  # the bar moved
    assert window.form.valid and window.form.edits["layers"].text() == "3,4,4,1"  # filled in: fitted to the file
    assert f"big.csv: {ROWS:,} rows" in window.form.summary.text() and not window.form.reading_row.isVisibleTo(window)
    assert window.session.config.data == str(big) and window.session.saved_run().x.shape == (3, int(ROWS * 0.8))


def test_cancel_stops_reading_and_the_form_says_so(lent_window, qtbot, medium):
    window = lent_window
    classifier(window, qtbot)
    before = window.session.config
    window.form.set_field("data", str(medium))
    assert window.form.reading == "medium.csv"
    # said at once by the click itself (CsvReads.cancel); the reading thread stops at its next progress check, unseen here
    with qtbot.waitSignal(window.form.reads.finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(window.form.reading_row.cancel_button, Qt.MouseButton.LeftButton)
    form = window.form
    assert not form.reading and not form.reading_row.isVisibleTo(window)
    assert "reading medium.csv was cancelled" in form.errors["data"] and "cancelled" in form.summary.text()
    assert "border" in form.edits["data"].styleSheet() and not window.run_panel.start_button.isEnabled()
    assert window.session.config == before  # no run on a file half read
    form.edits["data"].setFocus()
    qtbot.keyClick(form.edits["data"], Qt.Key.Key_Return)  # read it again
    assert form.reading == "medium.csv"
    wait_read(form, qtbot, timeout=60_000)
    assert form.valid and window.session.config.data == str(medium)


def test_a_remembered_csv_does_not_delay_the_windows_start(qtbot, isolated_settings, medium):
    from mlp_gui.gui.window import MainWindow

    remembered.save_config(TrainConfig(data=str(medium), layers=(3, 4, 1), output="sigmoid", loss="cross-entropy"), 300)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.form.reading == "medium.csv"  # built without reading it: the file's answer comes through the event loop
    assert not window.session.has_run and not window.run_panel.start_button.isEnabled()
    window.show()
    qtbot.waitExposed(window)
    wait_read(window.form, qtbot, timeout=60_000)
    assert window.session.has_run and window.session.config.data == str(medium)  # the run, once the file is read
    assert window.run_panel.start_button.isEnabled()
    window.close()


def count_calls(monkeypatch, module, name: str) -> list:
    calls: list = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *args, **kwargs: calls.append(args[0].data) or real(*args, **kwargs))
    return calls


def test_a_file_is_read_once_per_settings_that_shape_it(lent_window, qtbot, tmp_path, monkeypatch):
    window = lent_window
    path = write_big(tmp_path / "small.csv", rows=300)
    described = count_calls(monkeypatch, csv_reads, "describe")
    prepared = count_calls(monkeypatch, csv_reads, "weights_and_data")
    classifier(window, qtbot)
    set_settings(window, qtbot, data=str(path))
    assert window.form.valid and (len(described), len(prepared)) == (1, 1)
    set_settings(window, qtbot, stepsize="0.2", batch_size="16", epochs="50")  # shape nothing read from the file
    assert (len(described), len(prepared)) == (1, 1)
    press_start(window, qtbot)
    wait_state(window, qtbot, RunState.FINISHED)
    headless = Trainer.new(window.session.config)  # the run started from what was read: the trainer's own numbers
    headless.step(50)
    np.testing.assert_array_equal(window.session.loss_history(), headless.loss_history)
    set_settings(window, qtbot, seed="7")  # a new seed splits the rows anew: the run's data is read again
    assert (len(described), len(prepared)) == (1, 2)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))  # the file changed: read again
    set_settings(window, qtbot, seed="8")
    assert len(described) == 2
