"""The Landscape tab on the notebook's run through a real TrainingSession: the slice computed off the GUI thread equals
the core's, its path has a point per kept snapshot, Cancel stops it, the marker follows the timeline, the hover reads
out the grid point, the line's ends are the snapshots' losses, a live run's path grows, and the view is freed alone."""

from __future__ import annotations

import gc
import logging
import re
import threading
import weakref

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEventLoop, QPointF, Qt, QThread, QTimer
from PySide6.QtWidgets import QLabel

import mlp_gui.core.landscape_asks as asks_module
import mlp_gui.gui.landscape_worker as worker_module
from mlp_gui.core import TrainConfig
from mlp_gui.core.blas_threads import blas_threads
from mlp_gui.core.flat_layout import FlatLayout
from mlp_gui.core.landscape import Trajectory, compute_slice, coordinates
from mlp_gui.gui.landscape_view import LandscapeView
from mlp_gui.gui.session import RunState, TrainingSession
from tests.contrast_checks import dark_desktop, low_contrast

TIMEOUT_MS = 20_000
EPOCHS = 2000
READOUT = re.compile(r"α = (\S+), β = (\S+): loss (\S+)")


def trained_session() -> TrainingSession:
    """The notebook's settings trained 2,000 epochs by the window's own session (its worker thread, its chunks)."""
    s = TrainingSession()
    s.new_run(TrainConfig(), EPOCHS)
    loop = QEventLoop()  # not a QTest.qWait poll: it holds the GIL while it sleeps, and training took ~8x longer
    limit = QTimer(loop, singleShot=True, interval=TIMEOUT_MS)
    limit.timeout.connect(loop.quit)
    halted = s.state_changed.connect(lambda state: loop.quit() if state is not RunState.RUNNING else None)
    limit.start()
    s.start()
    if s.state is RunState.RUNNING:
        loop.exec()
    s.state_changed.disconnect(halted)
    if s.state is not RunState.FINISHED:
        s.shutdown()
        pytest.fail(f"the session's run did not finish in {TIMEOUT_MS} ms (it is {s.state.name})")
    return s


@pytest.fixture(scope="module")
def session(qapp):
    """One trained session for the module's tests that only compute from it and show its kept snapshots (training it
    takes longer than most of these tests): a test that trains it on, or starts a new run, takes ``own_session``."""
    s = trained_session()
    yield s
    left = (s.epoch, s.snapshot.epoch)
    assert s.shutdown()
    assert left == (EPOCHS, EPOCHS), "a test changed the shared run: give it own_session"


@pytest.fixture
def own_session(qapp):
    """The same trained run, for this test alone (it trains on or starts a new run)."""
    s = trained_session()
    yield s
    assert s.shutdown()


def shown_view(qtbot, session, *, auto: bool = False) -> LandscapeView:
    view = LandscapeView()
    view.controls.auto.setChecked(auto)
    qtbot.addWidget(view, before_close_func=lambda v: v.shutdown())
    view.bind(session)
    view.resize(900, 640)
    view.show()
    qtbot.waitExposed(view)
    return view


def computed(qtbot, view: LandscapeView):
    with qtbot.waitSignal(view.computed, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(view.controls.compute_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def independent_slice(session, plane: str = "pca", **kwargs):
    with blas_threads(1):
        return compute_slice(Trajectory.of_run(session.saved_run()), plane, **kwargs)


def gate_slices(monkeypatch) -> tuple[threading.Event, threading.Event, list]:
    """Hold the worker at the core's first progress call until the returned gate is set; ``reached`` says it got there,
    ``threads`` the thread each slice ran on. The computation and its cancelling are the core's own."""
    gate, reached, threads = threading.Event(), threading.Event(), []
    real = asks_module.compute_slice

    def held_slice(trajectory, plane, *, progress, **kwargs):
        threads.append(QThread.currentThread())

        def held(done, total):
            reached.set()
            gate.wait(TIMEOUT_MS / 1000)
            return progress(done, total)

        return real(trajectory, plane, progress=held, **kwargs)

    monkeypatch.setattr(asks_module, "compute_slice", held_slice)
    return gate, reached, threads


# ---------------------------------------------------------------- the slice


def test_a_pca_slice_is_computed_off_the_gui_thread_and_equals_the_cores(qtbot, session, monkeypatch):
    view = shown_view(qtbot, session)
    gate, reached, threads = gate_slices(monkeypatch)
    qtbot.mouseClick(view.controls.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set, timeout=TIMEOUT_MS)
    ticks = QTimer()
    ticks.setInterval(20)
    ticks.start()
    with qtbot.waitSignal(ticks.timeout, timeout=2000):  # the event loop turns while the worker computes
        pass
    assert view.busy and view.controls.progress.isVisible() and view.controls.cancel_button.isEnabled()
    assert not view.controls.compute_button.isEnabled() and "Computing the pca slice of epoch 2,000" in view.status.text()
    with qtbot.waitSignal(view.computed, timeout=TIMEOUT_MS):
        gate.set()
    assert threads and threads[0] is not QThread.currentThread()
    assert not view.controls.progress.isVisible() and not view.controls.cancel_button.isEnabled()

    expected = independent_slice(session, grid=41)
    np.testing.assert_allclose(view.plot.loss, expected.loss, rtol=1e-12)
    np.testing.assert_allclose(view.plot.image.image, np.log10(expected.loss), rtol=1e-12)  # the colours' values
    epochs = session.snapshot_epochs()
    path = view.plot.path_points
    assert len(path) == len(epochs) > 3 and list(view.slice.path_epochs) == epochs  # one point per kept snapshot
    np.testing.assert_allclose(path, expected.path, rtol=1e-9, atol=1e-12)
    start = view.plot.start.getData()
    assert (start[0][0], start[1][0]) == tuple(path[0])
    assert view.plot.shown_point == (0.0, 0.0)  # the newest snapshot is the centre
    assert view.status.text().startswith(f"The pca plane through epoch 2,000 (loss {expected.center_loss:.6g}): 41 × 41")
    assert f"a path of {len(epochs)} kept snapshots" in view.status.text()


def test_random_and_hessian_planes_and_a_grid_and_span_set_by_hand(qtbot, session):
    view = shown_view(qtbot, session)
    view.controls.plane.setCurrentIndex(view.controls.plane.findData("random"))
    view.controls.grid.setValue(11)
    view.controls.span.setValue(0.5)
    view.controls.seed.setValue(3)
    got = computed(qtbot, view)
    expected = independent_slice(session, "random", grid=11, span=0.5, seed=3)
    assert got.loss.shape == (11, 11) and got.alphas[-1] == 0.5
    np.testing.assert_allclose(view.plot.loss, expected.loss, rtol=1e-12)
    view.controls.plane.setCurrentIndex(view.controls.plane.findData("hessian"))
    assert not view.controls.seed.isEnabled()
    got = computed(qtbot, view)
    assert got.plane == "hessian" and len(got.curvatures) == 2 and "Curvatures along d1 and d2" in view.status.text()


def test_cancel_stops_the_computation_and_says_so(qtbot, session, monkeypatch):
    view = shown_view(qtbot, session)
    gate, reached, _ = gate_slices(monkeypatch)
    qtbot.mouseClick(view.controls.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(view.cancelled, timeout=TIMEOUT_MS):
        qtbot.mouseClick(view.controls.cancel_button, Qt.MouseButton.LeftButton)
        gate.set()  # the core asks progress again, hears False and stops
    assert view.status.text() == "Cancelled: nothing was computed."
    assert view.slice is None and not view.busy and not view.controls.progress.isVisible() and view.controls.compute_button.isEnabled()
    monkeypatch.undo()
    computed(qtbot, view)
    gate, reached, _ = gate_slices(monkeypatch)
    qtbot.mouseClick(view.controls.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(view.cancelled, timeout=TIMEOUT_MS):
        view.cancel()
        gate.set()
    assert view.status.text() == "Cancelled: the slice shown is the one computed before." and view.slice is not None


def test_the_keyboard_computes_and_reaches_every_control(qtbot, session):
    view = shown_view(qtbot, session)
    with qtbot.waitActive(view, timeout=TIMEOUT_MS):  # mnemonics reach an active window only
        view.activateWindow()
    with qtbot.waitSignal(view.computed, timeout=TIMEOUT_MS):
        qtbot.keyClick(view, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # Co&mpute
    qtbot.keyClick(view, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # &Plane
    assert view.controls.plane.hasFocus()
    qtbot.keyClick(view, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)  # &Grid
    assert view.controls.grid.hasFocus()
    c = view.controls
    focusable = {w for w in (c.mode, c.plane, c.grid, c.span, c.compute_button, c.auto) if w.focusPolicy() & Qt.FocusPolicy.TabFocus}
    assert len(focusable) == 6
    qtbot.keyClick(view, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # Sho&w, then the next mode
    qtbot.keyClick(c.mode, Qt.Key.Key_Down)
    assert c.mode_key == "line" and view.line_plot.isVisible()
    qtbot.keyClick(view, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)  # Epoch &B
    assert c.epoch_b.hasFocus()
    with qtbot.waitSignal(view.computed, timeout=TIMEOUT_MS) as line:
        qtbot.keyClick(view, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert line.args[0].epoch_b == EPOCHS


def test_failures_say_one_line_and_unexpected_ones_are_logged_with_their_traceback(qtbot, session, monkeypatch, caplog):
    view = shown_view(qtbot, session)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(asks_module, "compute_slice", broken)
    caplog.set_level(logging.ERROR, logger=worker_module.__name__)
    with qtbot.waitSignal(view.failed, timeout=TIMEOUT_MS) as failed:
        view.compute()
    assert failed.args == ["computing the pca slice failed: RuntimeError: boom"]
    assert view.status.text() == "Not computed: computing the pca slice failed: RuntimeError: boom"
    assert any(record.exc_info for record in caplog.records)
    assert view.controls.compute_button.isEnabled()


def test_a_run_with_one_kept_point_asks_for_another_plane(qtbot):
    s = TrainingSession()
    try:
        s.new_run(TrainConfig(), 10)
        view = shown_view(qtbot, s)
        with qtbot.waitSignal(view.failed, timeout=TIMEOUT_MS):
            view.compute()
        assert view.status.text().startswith("Not computed: the pca plane needs kept snapshots")
        assert "use the random or hessian plane" in view.status.text()
    finally:
        s.shutdown()


# ---------------------------------------------------------------- following the session


def test_the_marker_follows_the_snapshot_the_timeline_shows(qtbot, session):
    view = shown_view(qtbot, session)
    s = computed(qtbot, view)
    epochs = session.snapshot_epochs()
    for index in (0, 2, len(epochs) // 2, len(epochs) - 1):
        with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT_MS):
            session.view_snapshot(index)
        assert view.plot.shown_point == tuple(s.path[index])
        assert view.readout.text().startswith(f"Orange disc: epoch {epochs[index]:,} (loss ")


@pytest.fixture
def every_move():
    """pyqtgraph drops mouse moves closer than 10 ms apart (a person's are further apart; a test's are not)."""
    before = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOptions(mouseRateLimit=-1)
    yield
    pg.setConfigOptions(mouseRateLimit=before)


def hover(qtbot, plot, alpha: float, beta: float) -> None:
    """The mouse moves onto the point ``(α, β)`` of ``plot``."""
    qtbot.mouseMove(plot.viewport(), plot.mapFromScene(plot.getPlotItem().vb.mapViewToScene(QPointF(alpha, beta))))


def test_the_hover_reads_out_alpha_beta_and_the_loss_at_that_grid_point(qtbot, session, every_move):
    view = shown_view(qtbot, session)
    s = computed(qtbot, view)
    for row, col in ((12, 30), (20, 20), (3, 7)):
        with qtbot.waitSignal(view.plot.hover_text, timeout=2000):
            hover(qtbot, view.plot, s.alphas[col], s.betas[row])
        assert view.plot.hover_at == (row, col)
        alpha, beta, loss = (float(v) for v in READOUT.fullmatch(view.readout.text()).groups())
        assert alpha == pytest.approx(s.alphas[col], rel=1e-3, abs=1e-12)
        assert beta == pytest.approx(s.betas[row], rel=1e-3, abs=1e-12)
        assert loss == pytest.approx(s.loss[row, col], rel=1e-5)
    with qtbot.waitSignal(view.plot.hover_text, timeout=2000):
        hover(qtbot, view.plot, s.alphas[-1] * 1.2, 0.0)  # beyond the slice: nothing to read there
    assert view.plot.hover_at is None
    assert view.readout.text().startswith("Orange disc: epoch 2,000")


def test_line_mode_draws_the_curve_whose_ends_are_the_snapshots_losses(qtbot, session):
    view = shown_view(qtbot, session)
    epochs = session.snapshot_epochs()
    view.controls.mode.setCurrentIndex(view.controls.mode.findData("line"))
    assert view.line_plot.isVisible() and not view.plot.isVisible()
    assert [view.controls.epoch_a.itemData(i) for i in range(view.controls.epoch_a.count())] == epochs
    assert (view.controls.epoch_a.currentData(), view.controls.epoch_b.currentData()) == (0, EPOCHS)
    view.controls.epoch_a.setCurrentIndex(1)
    line = computed(qtbot, view)
    ts, losses = view.line_plot.curve_data()
    first, last = session.view_snapshot(1), session.view_snapshot(len(epochs) - 1)
    assert (line.epoch_a, line.epoch_b) == (epochs[1], EPOCHS)
    np.testing.assert_allclose(losses[ts == 0.0], first.loss, rtol=1e-12)
    np.testing.assert_allclose(losses[ts == 1.0], last.loss, rtol=1e-12)
    assert ts[0] == -0.5 and ts[-1] == 1.5 and np.all(np.diff(ts) >= 0)
    assert view.status.text().startswith(f"From epoch {epochs[1]:,} (loss {first.loss:.6g}) to epoch 2,000")
    view.controls.epoch_b.setCurrentIndex(1)
    assert not view.compute() and "Epochs A and B are the same" in view.status.text()


def test_a_live_run_extends_the_path_and_a_paused_or_finished_one_is_computed_again(qtbot, own_session):
    view = shown_view(qtbot, own_session)
    first = computed(qtbot, view)
    delivered = []
    own_session.delivered.connect(delivered.append)
    own_session.set_plan(30_000)  # long enough to watch its path grow; paused once it has
    with qtbot.waitSignal(view.computed, timeout=60_000) as paused:  # auto: computed again when it pauses
        view.controls.auto.setChecked(True)
        own_session.start()
        qtbot.waitUntil(lambda: own_session.state is RunState.RUNNING, timeout=TIMEOUT_MS)
        assert not view.controls.compute_button.isEnabled() and not view.compute()
        assert view.status.text().startswith("Pause the run to compute")
        qtbot.waitUntil(lambda: len(view.plot.live_points) > 2, timeout=TIMEOUT_MS)
        live = view.plot.live_points
        assert tuple(live[0]) == tuple(first.path[-1]) and view.slice is first  # joined to the path, same slice
        snap = delivered[0].snapshot
        theta = FlatLayout.for_layers(snap.layers).pack(snap.layers)
        np.testing.assert_allclose(live[1], coordinates(theta[None], first.center, first.d1, first.d2)[0], rtol=1e-12)
        assert view.plot.shown_point is not None
        own_session.pause()
    assert own_session.state is RunState.PAUSED and paused.args[0].center_epoch == own_session.epoch < 30_000, "paused: again"
    assert len(view.plot.live_points) == 0, "the new slice has no live path yet"
    own_session.set_plan(own_session.epoch + 100)
    with qtbot.waitSignal(view.computed, timeout=60_000) as finished:  # auto: computed again when it finishes
        own_session.start()
    assert own_session.state is RunState.FINISHED and finished.args[0].center_epoch == own_session.planned_epochs, "finished: again"
    assert len(view.plot.live_points) == 0, "the finished run's slice replaces the live path"


def test_a_hidden_view_computes_when_it_is_next_shown_and_a_new_run_clears_it(qtbot, own_session):
    view = shown_view(qtbot, own_session, auto=True)
    computed(qtbot, view)
    view.hide()
    own_session.set_plan(3000)
    own_session.start()
    qtbot.waitUntil(lambda: own_session.state is RunState.FINISHED, timeout=TIMEOUT_MS)
    assert view.slice.center_epoch == EPOCHS and view.due
    with qtbot.waitSignal(view.computed, timeout=TIMEOUT_MS) as shown:
        view.show()
    assert shown.args[0].center_epoch == 3000 and not view.due
    own_session.new_run(TrainConfig(seed=2), 100)
    assert view.slice is None and view.plot.image.image is None and view.status.text().startswith("Press Compute")
    assert len(view.plot.path_points) == 0 and view.plot.shown_point is None


def test_readable_on_a_dark_desktop(qtbot, session):
    view = shown_view(qtbot, session)

    def unreadable() -> list:
        labels = [label for label in view.findChildren(QLabel) if label.isVisible() and label.text().strip()]
        assert view.status in labels and len(labels) >= 5  # the fields' labels too
        return [(label.text(), low_contrast(label)) for label in labels if low_contrast(label)]

    with dark_desktop():
        computed(qtbot, view)
        assert view.readout.text().startswith("Orange disc: epoch 2,000")  # secondary text, which epoch the disc marks
        assert unreadable() == []
        view.controls.mode.setCurrentIndex(view.controls.mode.findData("line"))
        view.controls.epoch_b.setCurrentIndex(0)
        assert not view.compute() and "color:" in view.status.styleSheet()  # refused, in red: the same epoch twice
        assert unreadable() == []


# ---------------------------------------------------------------- lifetime


@pytest.mark.parametrize("bound", [False, True])
def test_the_view_is_freed_by_its_last_reference(qapp, qtbot, session, bound):
    gc.collect()
    gc.disable()
    try:
        view = LandscapeView()
        if bound:
            view.bind(session)
            view.show()
            with qtbot.waitSignal(view.computed, timeout=TIMEOUT_MS):
                view.compute()  # its thread is running now
        gone = weakref.ref(view)
        del view
        assert gone() is None  # freed without the cyclic collector, its thread ended on the way
    finally:
        gc.enable()
    session.snapshot_ready.emit(session.snapshot)  # nobody left to hear it: nothing breaks


def test_the_legend_sits_above_the_slice_not_on_it(qtbot, session):
    """The legend (kept snapshots, live, start, shown epoch) covered the top of the colours; it has a band of its own."""
    view = shown_view(qtbot, session)
    computed(qtbot, view)
    qtbot.waitUntil(lambda: view.plot.legend.isVisible() and view.plot.legend.sceneBoundingRect().height() > 0,
                    timeout=TIMEOUT_MS)
    legend, slice_area = view.plot.legend.sceneBoundingRect(), view.plot.getPlotItem().vb.sceneBoundingRect()
    assert legend.bottom() <= slice_area.top() + 1, (legend, slice_area)
    assert view.rect().contains(view.plot.mapFromScene(legend.topLeft()).x(), 0)  # and on screen
