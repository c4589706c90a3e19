"""The Gradient check and Notebook printout tabs bind themselves to a session: no window relays a run to them."""

from __future__ import annotations

import pytest

from mlp_gui.core import TrainConfig, notebook
from mlp_gui.gui.gradcheck_panel import READY_TEXT, GradCheckPanel
from mlp_gui.gui.notebook_pane import NotebookPane
from mlp_gui.gui.session import RunState
from tests import notebook_data as nb

TIMEOUT_MS = 20_000


@pytest.fixture
def session(bare_session):
    return bare_session


@pytest.fixture
def panel(qtbot):
    widget = GradCheckPanel()
    qtbot.addWidget(widget, before_close_func=lambda w: w.shutdown())
    widget.resize(1100, 480)
    yield widget
    assert widget.shutdown()


def test_the_notebook_printout_follows_a_bare_session(session, qtbot):
    pane = NotebookPane()
    qtbot.addWidget(pane)
    pane.bind(session)
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS):
        session.new_run(TrainConfig(), 3)
    assert pane.plain_text().startswith(nb.INITIAL_REPORT)
    with qtbot.waitSignal(session.state_changed, timeout=TIMEOUT_MS, check_params_cb=lambda s: s is RunState.FINISHED):
        session.start()
    history = session.loss_history()
    lines = [line for line in pane.plain_text().splitlines() if line.startswith("Loss after")]
    expected = [notebook.loss_line(e, history[e]).rstrip("\n") for e in (1, 2, 3, 3)]  # the last: the loop's final print
    assert lines == expected


def test_the_gradient_check_follows_a_bare_session_and_auto_checks_when_it_halts(session, panel, qtbot):
    panel.bind(session)
    assert not panel.has_state
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS):
        session.new_run(TrainConfig(), 40)
    assert panel.has_state and panel.status.text() == READY_TEXT
    panel.auto_check.setChecked(True)  # hidden: it checks only because auto-check is on
    with qtbot.waitSignal(panel.check_finished, timeout=TIMEOUT_MS):
        session.start()
    assert session.state is RunState.FINISHED and panel.results_epoch == 40
    assert "at epoch 40 " in panel.status.text()


def test_the_gradient_check_checks_when_shown_while_the_run_is_idle(session, panel, qtbot):
    panel.bind(session)
    with qtbot.waitSignal(session.run_reset, timeout=TIMEOUT_MS):
        session.new_run(TrainConfig(), 40)
    with qtbot.waitSignal(panel.check_finished, timeout=TIMEOUT_MS) as blocker:
        panel.show()  # its tab chosen
    assert [r.name for r in blocker.args[0]] == ["W1", "b1", "W2", "b2", "W3", "b3"] and panel.results_epoch == 0


def test_an_unbound_gradient_check_shown_checks_nothing(panel, qtbot):
    with qtbot.assertNotEmitted(panel.check_started):
        panel.show()
        qtbot.waitExposed(panel)
    assert panel.status.text() == READY_TEXT
