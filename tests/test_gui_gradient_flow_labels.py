"""The Gradient flow tab writes Wₗ and λmax as a student reads them: subscripts, not a literal underscore."""

from __future__ import annotations

import types

from PySide6.QtCore import Qt

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.sharpness_record import SharpnessRecord
from mlp_gui.gui.gradient_flow import GradientFlowView
from mlp_gui.gui.sharpness_plot import SharpnessPlot
from tests.gui_helpers import shown


def test_the_measure_chooser_and_axis_write_w_with_a_subscript_l(qtbot) -> None:
    view = shown(qtbot, GradientFlowView(), 600, 400)
    for index in reversed(range(view.measure.count())):  # from the last: each a change, each redrawn
        view.measure.setCurrentIndex(index)
        text = view.measure.itemText(index)  # a combo box item is plain text
        assert "_" not in text and "Wₗ‖" in text
        label = view.plot.getAxis("left").labelText  # pyqtgraph draws an axis label as HTML
        assert "_" not in label and "W<sub>l</sub>‖" in label


def test_the_sharpness_caption_and_axis_write_lambda_max_with_a_subscript(qtbot) -> None:
    plot = shown(qtbot, SharpnessPlot(), 600, 300)
    assert plot.caption.textFormat() == Qt.TextFormat.RichText
    assert "λ_max" not in plot.caption.text() and "λ<sub>max</sub>, the largest eigenvalue" in plot.caption.text()
    assert plot.plot.getAxis("left").labelText == "λ<sub>max</sub>"



def test_the_sharpness_status_line_writes_lambda_max_with_a_subscript(qtbot) -> None:
    plot = shown(qtbot, SharpnessPlot(), 600, 300)
    trainer = Trainer.new(TrainConfig())
    trainer.step(500)
    cached = SharpnessRecord.of(trainer.snapshots.epochs, [2.0] * len(trainer.snapshots.epochs))
    plot.on_run_reset(types.SimpleNamespace(config=trainer.config, snapshot=trainer.snapshot(), sharpness=cached))
    assert plot.status.textFormat() == Qt.TextFormat.RichText
    assert "λ_max" not in plot.status.text() and "At epoch 500: λ<sub>max</sub> = 2" in plot.status.text()
