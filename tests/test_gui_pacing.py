"""Paced views: a view and its pacer form no reference cycle, so a closed view is freed at once.

A cycle would leave the view to Python's cyclic garbage collector, which may run in the middle of another
view's paint and delete Qt objects there: that crashed the test suite (PySide6 6.11, pyqtgraph 0.14).
"""

import gc
import types
import weakref

import pytest

from mlp_gui.gui.decision_view import DecisionView
from mlp_gui.gui.gradient_flow import GradientFlowView
from mlp_gui.gui.network_diagram import NetworkDiagram
from mlp_gui.gui.weight_panel import WeightPanel


@pytest.mark.parametrize("make", [GradientFlowView, DecisionView, NetworkDiagram,
                                  lambda: WeightPanel(types.SimpleNamespace(snapshot=None))])
def test_a_paced_view_is_freed_by_its_last_reference_alone(qapp, make):
    gc.collect()
    gc.disable()
    try:
        view = make()
        gone = weakref.ref(view)
        del view
        assert gone() is None  # freed without the cyclic collector
    finally:
        gc.enable()
