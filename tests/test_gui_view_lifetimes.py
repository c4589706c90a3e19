"""Every view is freed by its last reference alone: no reference cycle (a pacer, a lambda or partial on a signal).

A cycle leaves a view to Python's cyclic garbage collector, which may run in the middle of another view's
paint and delete Qt objects there: that crashed the test suite (PySide6 6.11, pyqtgraph 0.14); or, held
through a Qt connection, to nobody (a leak per window).
"""

import gc
import types
import weakref

import pytest

from mlp_gui.gui.backprop_view import BackpropView
from mlp_gui.gui.decision_view import DecisionView
from mlp_gui.gui.gradient_flow import GradientFlowView
from mlp_gui.gui.heatmaps import HeatmapPanel
from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.network_diagram import NetworkDiagram
from mlp_gui.gui.timeline import Timeline
from mlp_gui.gui.weight_panel import WeightPanel


@pytest.mark.parametrize("make", [GradientFlowView, DecisionView, NetworkDiagram, LossPlot, Timeline, BackpropView,
                                  HeatmapPanel, lambda: WeightPanel(types.SimpleNamespace(snapshot=None))])
def test_a_view_is_freed_by_its_last_reference_alone(qapp, make):
    gc.collect()
    gc.disable()
    try:
        view = make()
        gone = weakref.ref(view)
        del view
        assert gone() is None  # freed without the cyclic collector
    finally:
        gc.enable()
