"""One wording for a weight's columns: the status bar's hover text, the weight panel and the heatmaps' column axis
all say W1's columns are the inputs x₀, x₁… and a deeper layer's are the units of the layer before."""

from PySide6.QtCore import QPointF

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.gui.heatmaps import HeatmapPanel
from tests.gui_helpers import TIMEOUT_MS, shown


def test_hover_axis_and_weight_panel_say_the_same_source(qtbot):
    said = []
    panel = shown(qtbot, HeatmapPanel(on_hover=said.append), 1280, 800)
    panel.show_snapshot(Trainer.new(TrainConfig()).snapshot(), now=True)
    w2 = panel.weights[1]
    qtbot.waitUntil(lambda: w2.plot.vb.width() > 50, timeout=TIMEOUT_MS)
    where = w2.plot.vb.mapViewToScene(QPointF(3.5, 2.5))  # the cell of W2[2, 3]
    view = panel.view
    qtbot.mouseMove(view.viewport(), view.mapFromScene(where))
    qtbot.waitUntil(lambda: any(text.startswith("W2[2, 3]") for text in said), timeout=TIMEOUT_MS)
    text = next(text for text in said if text.startswith("W2[2, 3]"))
    assert text.endswith("(into unit 2 from unit 3 of layer 1)")
    assert WeightRef(2, 2, 3).meaning.endswith("from unit 3 of layer 1")  # the weight panel's words
    assert w2.plot.getAxis("bottom").labelText in ("from layer 1 units  |  b", "layer 1 units | b")
    assert panel.weights[0].plot.getAxis("bottom").labelText in ("inputs x₀, x₁…  |  b", "inputs | b")
