"""Checks that two trainers are one run, bit for bit."""

import numpy as np

from mlp_gui.core import Trainer


def assert_same_run(a: Trainer, b: Trainer, *, metrics: bool = False) -> None:
    """History, parameters, gradients, the rule's state and the norms are equal to the bit (and the metrics, if
    ``metrics``)."""
    np.testing.assert_array_equal(a.loss_history, b.loss_history, strict=True)
    for x, y in zip(a.params + a.flat_grads, b.params + b.flat_grads):
        np.testing.assert_array_equal(x, y, strict=True)
    assert a.rule_state.keys() == b.rule_state.keys()
    for name in a.rule_state:
        np.testing.assert_array_equal(a.rule_state[name], b.rule_state[name], strict=True)
    np.testing.assert_array_equal(a.norms.rows().update, b.norms.rows().update, strict=True)
    if metrics:
        for k in a.metrics:
            np.testing.assert_array_equal(a.metrics[k], b.metrics[k], strict=True)
