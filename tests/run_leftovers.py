"""What a test that trains leaves in a lent window (tests/window_reuse.py), and the fresh run put back as a person would.

:func:`run_state` reads what training changes on screen (the loss curve's points, the test curve, the plot's marks, the
timeline's epochs, the run's figures and buttons, kept runs, the file, a lesson, the questions' score, who listens
to the session);
:func:`put_a_fresh_run_back` stops the run (Ctrl+.), clears the kept runs (their *Clear all* button) and starts over
from the defaults (*Restore defaults*, then *Reset*), answering Yes where the window would ask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from PySide6.QtCore import QMetaMethod, QTimer

from mlp_gui.gui import confirm
from tests.gui_helpers import TIMEOUT_MS


def digest(*arrays) -> str:
    """A short fingerprint of arrays (their values and shapes): equal only if every value is."""
    h = hashlib.sha1()
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a, dtype=float))
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def listeners(obj) -> dict:
    """How many slots each of ``obj``'s signals calls: a test that connects one and leaves it shows here."""
    meta, found = obj.metaObject(), {}
    for i in range(meta.methodCount()):
        method = meta.method(i)
        if method.methodType() == QMetaMethod.MethodType.Signal:
            signature = method.methodSignature().data().decode()
            found[signature] = obj.receivers("2" + signature)
    return found


@contextmanager
def listening(signal, slot: Callable) -> Iterator[None]:
    """``slot`` connected to ``signal`` for a ``with`` block only: a lent window's session keeps no test's listener."""
    signal.connect(slot)
    try:
        yield
    finally:
        signal.disconnect(slot)


def run_state(win) -> dict:
    """What a trained, kept, saved, gone-back or diverged run shows, as a test after it could read it."""
    s, plot, panel, timeline = win.session, win.plot, win.run_panel, win.timeline
    x, y = plot.curve_data()
    return {
        "session": (s.epoch, s.state, s.diverged_at, s.guard_enabled, s.guard_stopped, s.stepsizes, s.changes),
        "snapshot": None if s.snapshot is None else (s.snapshot.epoch, digest(*s.snapshot.params)),
        "kept epochs": s.snapshot_epochs(),
        "loss curve": (len(x), digest(x, y)),
        "loss points": plot.envelope.count,
        "test curve": (plot.test_curve is not None, plot.test_envelope.count),
        "plot lines": (plot.divergence_line.isVisible(), plot.viewed_line.isVisible(),
                       [mark.label.format for mark in plot.stepsize_marks]),
        "plot view": (plot.following, plot.log_scale, plot.show_blowups, plot.smoothing, plot.planned_epochs),
        "timeline": (list(timeline.epochs), timeline.slider.value(), timeline.slider.isEnabled(), timeline.label.text(),
                     timeline.button.isEnabled()),
        "heatmaps' stepsize": win.heatmaps.stepsize,  # what they draw follows the snapshot (checked once shown)
        "run state line": panel.state_label.text(),
        "run figures": (panel.figures_text(), {name: label.text() for name, label in panel.values.items()}),
        "progress": panel.progress.format(),
        "start button": (panel.start_button.text(), panel.start_button.toolTip()),
        "run identity": panel.identity.text(),
        "run note": panel.note_text,
        "offer": panel.offer.text() if panel.offer.isVisibleTo(win) else None,
        "accuracy": panel.accuracy.text() if panel.accuracy.isVisibleTo(win) else None,  # hidden: not shown, not read
        "kept list": win.explorer.kept_list.list.count(),
        "file": (win.run_path, win.files.unsaved_epochs),
        "lesson": (win.lessons.mode.active, win.lessons.weights.edits),
        "questions' score": win.lessons.predict.score_label.text(),  # lasts as long as the window: no put-back undoes it
        "session listeners": listeners(s),
        "CSV reads' listeners": {name: n for name, n in listeners(win.form.reads).items()  # what a test may follow
                                 if not name.startswith(("_", "destroyed"))},
        "window's timers": sum(isinstance(child, QTimer) for child in win.children()),
    }


NOT_RUN = ("session listeners", "CSV reads' listeners", "window's timers")  # no Reset puts these back


def put_a_fresh_run_back(win, qtbot, fresh: dict) -> None:
    """Stop the run, clear the kept runs and start over from the default settings, as a person would (the window's
    questions, throw away the unsaved epochs? start a new run?, answered Yes); *Reset* only if the run is not already
    the ``fresh`` one (:func:`run_state` of the new window)."""
    session = win.session
    if session.state.busy:
        win.stop()
        qtbot.waitUntil(lambda: not session.state.busy, timeout=TIMEOUT_MS)
    win.explorer.kept_list.clear_button.click()
    with pytest.MonkeyPatch.context() as answers:
        answers.setattr(confirm, "replace_run", lambda *args: True)
        answers.setattr(confirm, "new_run", lambda *args: True)
        answers.setattr(confirm, "stepsize", lambda *args, **kwargs: False)  # "Start a new run"
        answers.setattr(confirm, "settings_changed", lambda *args, **kwargs: False)
        win.restore_defaults()  # the proposals too: a data set chosen again is proposed for again
        now = run_state(win)
        if any(value != fresh[key] for key, value in now.items() if key not in NOT_RUN):
            win.reset()
