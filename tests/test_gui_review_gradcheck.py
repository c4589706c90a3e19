"""The gradient check says its relative error is one number per array, and shows the worst single entry's own
relative error beside it, coloured by the same rule (a review finding: b1[1] was 9e-6 off while b1 read ✓ 1.4e-08);
the Notebook printout says how far it agrees with the course's printout."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer, gradcheck
from mlp_gui.core.gradcheck import entry_relative_errors
from mlp_gui.gui.gradcheck_panel import GradCheckPanel
from mlp_gui.gui.palette import RATINGS
from tests import lent_window as lending
from tests import window_reuse

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window

TIMEOUT_MS = 20_000


@pytest.fixture
def panel(qtbot):
    widget = GradCheckPanel()
    qtbot.addWidget(widget, before_close_func=lambda w: w.shutdown())
    widget.resize(1100, 480)
    widget.show()
    yield widget
    assert widget.shutdown()


def test_entry_relative_errors_are_per_entry_and_zero_for_zero():
    np.testing.assert_allclose(entry_relative_errors(np.array([1.0, 0.0, -2.0]), np.array([1.1, 0.0, -2.0])),
                               [0.1 / 1.1, 0.0, 0.0])


def test_the_worst_single_entry_shows_its_own_relative_error(qtbot, panel, monkeypatch):
    real = gradcheck.backprop_grads
    trainer = Trainer.new(TrainConfig())
    smallest = int(np.argmin(np.abs(trainer.flat_grads[2])))  # W2's smallest gradient, 1e-4 relative off
    row, col = np.unravel_index(smallest, trainer.flat_grads[2].shape)

    def one_entry_off(model, layers, x, y):
        grads = real(model, layers, x, y)
        grads[2] = grads[2].copy()
        grads[2].reshape(-1)[smallest] *= 1 + 1e-4
        return grads

    monkeypatch.setattr(gradcheck, "backprop_grads", one_entry_off)
    panel.set_run(trainer.x, trainer.y, trainer.snapshot())
    with qtbot.waitSignal(panel.check_finished, timeout=TIMEOUT_MS) as done:
        assert panel.check_now()
    assert done.args[0][2].rating == "green"  # over the whole array the error is small ...
    assert panel.summary.horizontalHeaderItem(3).text() == "Rel. error (array)"
    assert "over the array" in panel.summary.horizontalHeaderItem(3).toolTip()
    cell = panel.summary.item(2, 6)  # ... the entry's own is not, and says so in amber
    assert cell.text() == f"! {1e-4 / (1 + 1e-4):.1e} at W2[{row}, {col}]"
    assert cell.foreground().color().name() == RATINGS["amber"][1]
    assert panel.summary.item(0, 6).foreground().color().name() == RATINGS["green"][1]
    panel.summary.selectRow(2)
    entry = panel.entries.item(smallest, 4)
    assert entry.text().startswith("! 1.0e-04") and entry.foreground().color().name() == RATINGS["amber"][1]


def test_the_notebook_printout_says_how_far_it_agrees_with_the_course(qtbot):
    from mlp_gui.gui.notebook_pane import NotebookPane

    pane = NotebookPane()
    qtbot.addWidget(pane)
    pane.show()
    text = pane.agreement.text()
    assert pane.agreement.isVisible()
    for words in ("digit for digit", "training cell twice", "after the first 100,000 epochs", "1e-11 relative",
                  "summation order"):
        assert words in text


def test_the_notebook_printout_claims_the_notebooks_digits_only_for_the_notebooks_run(lent_window, qtbot):
    """Circles (2,8,2, tanh, softmax) is not the notebook's run: the pane must not say its numbers are the
    notebook's digit for digit; the notebook's own settings say so again."""
    from mlp_gui.core import TrainConfig
    from tests.gui_helpers import TIMEOUT_MS

    pane = lent_window.view("notebook")
    qtbot.waitUntil(lambda: "digit for digit" in pane.agreement.text(), timeout=TIMEOUT_MS)  # the defaults: the notebook's
    circles = TrainConfig(data="circles", layers=(2, 8, 2), activation="tanh", output="softmax", loss="cross-entropy")
    lent_window.session.new_run(circles, 100)
    qtbot.waitUntil(lambda: lent_window.session.config == circles, timeout=TIMEOUT_MS)
    assert "digit for digit" not in pane.agreement.text() and "not that one" in pane.agreement.text()
    lent_window.session.new_run(TrainConfig(), 100)
    qtbot.waitUntil(lambda: "digit for digit" in pane.agreement.text(), timeout=TIMEOUT_MS)
