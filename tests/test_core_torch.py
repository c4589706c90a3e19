"""Every activation, output, loss and initialisation against PyTorch's autograd in float64 (skipped without torch).

torch is not a dependency: ``pip install torch`` to run these. The finite-difference checks in
``test_core_model.py`` cover the same combinations without it.
"""

import numpy as np
import pytest

from mlp_gui.core.flat_layout import flatten
from mlp_gui.core.model import ACTIVATIONS, HEADS, Model
from mlp_gui.core.network import loss_and_grads

torch = pytest.importorskip("torch")

TORCH_ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z}


def torch_loss(model: Model, layers, x, y):
    a = torch.tensor(x)
    params = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in layers]
    for i, (w, b) in enumerate(params):
        z = w @ a + b[:, None]
        a = TORCH_ACTIVATIONS[model.activations[i]](z) if i < len(params) - 1 else z
    y_t, m = torch.tensor(y), y.shape[1]
    if model.loss == "mse":
        p = {"identity": a, "sigmoid": torch.sigmoid(a), "softmax": torch.softmax(a, dim=0)}[model.output]
        loss = (0.5 * (p - y_t) ** 2).sum() / m
    elif model.output == "sigmoid":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(a, y_t, reduction="sum") / m
    else:
        loss = -(y_t * torch.log_softmax(a, dim=0)).sum() / m
    loss.backward()
    return loss.item(), [t.grad.numpy() for pair in params for t in pair]


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("head", sorted(HEADS), ids=lambda h: f"{h[0]}+{h[1]}")
def test_kernel_matches_autograd(activation, head):
    model = Model((3, 5, 4, 3), (activation,), output=head[0], loss=head[1])
    rng = np.random.RandomState(1)
    layers = [(rng.randn(o, i), rng.randn(o) * 0.3) for i, o in zip(model.sizes[:-1], model.sizes[1:])]
    x = rng.randn(3, 7)
    y = np.eye(3)[:, rng.randint(0, 3, 7)] if head[0] != "identity" else rng.randn(3, 7)
    ours_loss, ours = loss_and_grads(model, layers, x, y)
    theirs_loss, theirs = torch_loss(model, layers, x, y)
    assert ours_loss == pytest.approx(theirs_loss, rel=1e-12)
    for a, b in zip(flatten(ours), theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
