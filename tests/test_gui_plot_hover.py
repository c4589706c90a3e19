"""The hover read-out's text, from the runs as the plot hands them over (no plot needed)."""

import numpy as np
from PySide6.QtGui import QColor

from mlp_gui.gui.plot_hover import HoverRun, format_readout, readout_line, readout_rows

BLUE, GREEN = QColor("#0072B2"), QColor("#009E73")


def live(**changes) -> HoverRun:
    fields = dict(label="current run", colour=BLUE, x=np.array([0, 1, 2, 4]), y=np.array([1.0, 0.5, 0.25, 0.125]),
                  smooth=None, diverged_at=None)
    return HoverRun(**{**fields, **changes})


def test_each_run_reads_out_its_point_at_or_before_the_epoch():
    kept = HoverRun("stepsize=1", GREEN, np.array([0, 1]), np.array([2.0, 1.5]), None, None, kept=True)
    rows = readout_rows([live(), kept], 3.4)
    assert [row.text for row in rows] == ["current run: 0.25", "stepsize=1: 1.5 (ended at epoch 1)"]
    assert [(row.loss, row.epoch) for row in rows] == [(0.25, 2.0), (1.5, 1.0)]
    assert readout_line(rows, 3.4) == "epoch 3 · current run: 0.25 · stepsize=1: 1.5 (ended at epoch 1)"
    assert readout_line(readout_rows([live()], -1), -1) == "epoch 0"  # left of every curve: the epoch alone


def test_smoothed_runs_read_out_both_values_and_diverged_ones_say_so():
    smooth = live(smooth=np.array([1.0, 0.6484, 0.4, 0.3]))
    [row] = readout_rows([smooth], 1)
    assert row.text == "current run: 0.6484 (raw 0.5)" and row.loss == 0.6484
    [row] = readout_rows([live(diverged_at=3.0)], 3.5)
    assert row.text == "current run: diverged at epoch 3" and row.loss is None and row.epoch == 3.0
    assert readout_rows([live(x=None, y=None)], 2) == []  # nothing drawn yet
    assert format_readout(1.23456e-7) == "1.235e-07"
