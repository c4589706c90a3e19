"""The weight panel under momentum and Adam, with a penalty and a decaying stepsize: it writes the optimizer's
step with this weight's own numbers, and Step 1 then gives the value it printed, to the last bit. The panel follows a
session of its own, as in the window (where a click on a cell opens it: tests/test_gui_weight_panel.py), with no window
around it."""

import pytest

from mlp_gui.core import TrainConfig
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.core.run_state import RunState
from mlp_gui.gui.weight_panel import WeightPanel
from tests.gui_helpers import TIMEOUT_MS, shown

DECAY = dict(decay_every=3, decay_factor=0.5)


@pytest.fixture
def panel(bare_session, qtbot):
    """The weight panel bound to a session of its own, shown at about the size it has in the window."""
    made = shown(qtbot, WeightPanel(bare_session), 1000, 300)
    made.bind(bare_session)
    return made


def run_to(session, qtbot, config: TrainConfig, epoch: int) -> None:
    session.new_run(config, 1000)
    qtbot.waitUntil(lambda: session.config == config and session.epoch == 0, timeout=TIMEOUT_MS)
    if epoch:
        session.step(epoch)
    idle = (RunState.PAUSED, RunState.READY, RunState.FINISHED)
    qtbot.waitUntil(lambda: session.epoch == epoch and session.state in idle, timeout=TIMEOUT_MS)


@pytest.mark.parametrize(("settings", "words"), [
    (dict(optimizer="gd", l2=0.01, **DECAY), ["g = ∂L/∂W2[1, 3] + λ₂·w", "η = 0.1 × 0.5^⌊7/3⌋", "W2[1, 3] − η · g ="]),
    (dict(optimizer="momentum", momentum=0.8, l1=0.001, **DECAY), ["λ₁·sign(w)", "v ← μ·v + g = 0.8 × (", "W2[1, 3] − η · v ="]),
    (dict(optimizer="nesterov", l2=0.01), ["v ← μ·v + g = 0.9 × (", "W2[1, 3] − η · (g + μ·v) ="]),
    (dict(optimizer="rmsprop", rho=0.9, **DECAY), ["s ← ρ·s + (1−ρ)·∂L/∂W2[1, 3]² = 0.9 × ", "/ (√s + ε) ="]),
    (dict(optimizer="adam", l2=0.01, **DECAY), ["t = 8", "m ← β₁m + (1−β₁)g", "corrected m: m / (1−β₁ᵗ)", "corrected √v: √v / √(1−β₂ᵗ)"]),
])
def test_the_next_value_is_what_step_1_gives_for_every_optimizer(panel, qtbot, settings, words):
    session = panel.session
    config = TrainConfig(stepsize=0.1, **settings)
    run_to(session, qtbot, config, 7)  # the state is not zero, the stepsize has halved twice
    ref = WeightRef(2, 1, 3)
    panel.explain(ref)
    qtbot.waitUntil(lambda: panel.step is not None and panel.step.epoch == 7, timeout=TIMEOUT_MS)
    predicted = panel.step.next_value
    text = panel.text.text().replace("&amp;", "&")
    for word in words:
        assert word in text, word
    assert f"<b>{predicted!r}</b>" in text and "a Step 1 gives exactly this" in text
    assert panel.step.stepsize == (0.1 * 0.5**2 if "decay_every" in settings else 0.1)
    session.step(1)
    qtbot.waitUntil(lambda: session.epoch == 8, timeout=TIMEOUT_MS)
    assert ref.of(session.snapshot.layers) == predicted  # bit for bit


def test_a_bias_has_no_penalty_and_the_features_name_the_inputs(panel, qtbot):
    run_to(panel.session, qtbot, TrainConfig(optimizer="momentum", l2=0.01, data="xor", layers=(3, 4, 1), features="x1,x2,x1x2",
                                      output="sigmoid", loss="cross-entropy", samples=40), 2)
    panel.explain(WeightRef(2, 0))
    qtbot.waitUntil(lambda: panel.step is not None and panel.ref == WeightRef(2, 0), timeout=TIMEOUT_MS)
    assert "the penalty is on the weights only" in panel.text.text()
    panel.explain(WeightRef(1, 0, 2))
    qtbot.waitUntil(lambda: "W1[0, 2]" in panel.text.text(), timeout=TIMEOUT_MS)
    assert "from input x₀x₁" in panel.text.text()  # the feature, not x₂
