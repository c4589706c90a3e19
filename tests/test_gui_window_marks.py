"""What the window writes beside the run: the epoch axis says how many updates an epoch is, a guard stop is labelled as
one (not as a divergence; the loss plot's mark is checked on the guard's own runs in tests/test_gui_guard.py), and the
form's, the run panel's and the sweep dialog's text stays readable on a dark desktop (issue 16 §2 and §3)."""

from __future__ import annotations

import math

import pytest

from mlp_gui.core import TrainConfig
from mlp_gui.core.guard import GuardReport
from mlp_gui.gui.going_back import guard_mark
from mlp_gui.gui.run_panel import RunPanel
from mlp_gui.gui.sweep import SweepDialog
from tests import lent_window as lending
from tests import window_reuse
from tests.contrast_checks import dark_desktop, low_contrast
from tests.gui_helpers import configure

# neither window test trains: they share one window, put back and checked after each
reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def test_the_epoch_axis_says_how_many_mini_batch_updates_an_epoch_is(lent_window, qtbot):
    window = lent_window
    configure(window, qtbot, data="spiral", batch_size="16")
    samples = window.session.saved_run().x.shape[1]
    assert window.session.config.batch_size == 16 and samples > 16
    assert f"{math.ceil(samples / 16):,} mini-batch updates each" in window.plot.epoch_axis_title
    configure(window, qtbot, batch_size="all")
    assert "one update each" in window.plot.epoch_axis_title


def report(kind: str, epoch: int, stopped_at: int, loss: float = 50.0, start: float = 0.7) -> GuardReport:
    return GuardReport(kind, epoch, loss, best=start, start=start, start_epoch=0, stopped_at=stopped_at,
                       good_epoch=max(epoch - 1, 0), layer="W1", growth=10.0)


@pytest.mark.parametrize("kind, epoch, stopped_at, loss, label", [
    ("rose", 40, 40, 1e9, "stopped by the guard at epoch 40"),
    ("not finite", 7, 7, math.inf, "stopped by the guard at epoch 7"),
    ("stayed", 3, 502, 50.0, "loss leapt here; stopped by the guard at epoch 502"),
    ("stayed", 3, 2_502, 2.0, "loss rose here; stopped by the guard at epoch 2,502"),
])
def test_a_guard_stop_is_labelled_as_one(kind, epoch, stopped_at, loss, label):
    assert guard_mark(report(kind, epoch, stopped_at, loss)) == label


def test_the_forms_the_run_panels_and_the_sweeps_text_is_readable_on_a_dark_desktop(lent_window, qtbot):
    window = lent_window
    form, panel = window.form, window.run_panel
    with dark_desktop():
        form.set_field("loss", "cross-entropy")  # invalid with the identity output: a red field, a red line under it
        edit = form.edits["loss"]
        assert "border" in edit.styleSheet() and low_contrast(edit) == [], edit.styleSheet()
        assert "⚠" in form.summary.text() and low_contrast(form.summary) == [], form.summary.text()
        form.set_field("loss", "mse")  # valid: the parameter count, quieter
        assert "parameters" in form.summary.text() and low_contrast(form.summary) == [], form.summary.text()
        assert panel.identity.text().startswith("run ") and low_contrast(panel.identity) == []
        started_dark = RunPanel()  # made under the dark palette, as on a dark desktop
        qtbot.addWidget(started_dark)
        started_dark.show_identity("1a2b3c", reproduces_notebook=True)
        assert low_contrast(started_dark.identity) == [], started_dark.identity.styleSheet()
        for error in (False, True):
            window.show_note("a note under the run controls", error=error)
            assert low_contrast(panel.state_label) == [], panel.state_label.text()
        dialog = SweepDialog(TrainConfig(), 100, window)
        dialog.values.setText("0.1, nonsense")  # refused: the red line in the dialog
        assert "⚠" in dialog.message.text() and low_contrast(dialog.message) == [], dialog.message.text()
        dialog.close()
