"""The pieces of an exported network's class, one per activation and per output with loss, as source text.

Each piece is written the way the course notebook writes its sigmoid and squared loss, and does the same
floating-point operations in the same order as :mod:`mlp_gui.core.model`'s table entries (the kernel's
``f(z)``, ``f′`` and the head's loss and ``δ_L``), so an exported run reproduces mlp-gui's numbers to the
last bit. A change to a formula there needs the same change here (the export tests compare the two).
"""

from __future__ import annotations

#: an activation's two methods: ``name(z)`` and ``nameDeriv(z)`` (the notebook's ``sigmoidDeriv``), as code lines
ACTIVATION_CODE: dict[str, list[str]] = {
    "sigmoid": [
        "def sigmoid(self, z):",
        "    # σ(z) = 1/(1+e^−z)",
        "    return 1.0 / (1.0 + np.exp(-z))",
        "",
        "def sigmoidDeriv(self, z):",
        "    # σ′(z) = σ(z)(1 − σ(z))",
        "    s = self.sigmoid(z)",
        "    return s * (1.0 - s)",
    ],
    "tanh": [
        "def tanh(self, z):",
        "    # tanh(z) = (e^z − e^−z)/(e^z + e^−z)",
        "    return np.tanh(z)",
        "",
        "def tanhDeriv(self, z):",
        "    # tanh′(z) = 1 − tanh(z)²",
        "    t = np.tanh(z)",
        "    return 1.0 - t * t",
    ],
    "relu": [
        "def relu(self, z):",
        "    # relu(z) = max(z, 0)",
        "    return np.maximum(z, 0.0)",
        "",
        "def reluDeriv(self, z):",
        "    # relu′(z) = 1 where z > 0, else 0",
        "    return (z > 0).astype(z.dtype)",
    ],
    "linear": [
        "def linear(self, z):",
        "    # linear(z) = z",
        "    return z",
        "",
        "def linearDeriv(self, z):",
        "    # linear′(z) = 1",
        "    return np.ones_like(z)",
    ],
}

#: the output function ``g(z)`` of the last layer (identity: the notebook's, no activation)
OUTPUT_CODE: dict[str, list[str]] = {
    "identity": [
        "def identity(self, z):",
        "    # the output layer has no activation: ŷ = z",
        "    return z",
    ],
    "sigmoid": ACTIVATION_CODE["sigmoid"][:3],
    "softmax": [
        "def softmax(self, z):",
        "    # softmax(z)_k = e^{z_k} / Σ_j e^{z_j}, per sample (column); z − max z first, so e^z never overflows",
        "    e = np.exp(z - z.max(axis=0, keepdims=True))",
        "    return e / e.sum(axis=0, keepdims=True)",
    ],
}

#: the squared loss of a sigmoid or softmax output (the identity's is the notebook's own text), and a blank line
_SQUARED_LOSS = [
    "def loss(self, pred, y):",
    "    # squared loss function: L = (1/M) Σ ½(ŷ − y)²",
    "    M = y.shape[1]",
    "    return (1.0 / M) * np.sum(np.sum(0.5 * (pred - y)**2, axis=0))",
    "",
]

#: ``loss`` and ``dloss`` (δ_L = ∂L/∂z_L) for each (output, loss); the first line names the arguments ``loss`` takes
HEAD_CODE: dict[tuple[str, str], list[str]] = {
    ("identity", "mse"): [
        "def loss(self, pred, y):",
        "    # squared loss function: L = (1/M) Σ ½(ŷ − y)²",
        "    M = y.shape[1]",
        "    return (1. / M) * np.sum(np.sum(.5 * (pred - y)**2, axis = 0))",
        "",
        "def dloss(self, pred, y):",
        "    # derivative of the squared loss function: δ = ∂L/∂z = (ŷ − y)/M",
        "    M = y.shape[1]",
        "    return (pred - y) / M",
    ],
    ("sigmoid", "mse"): [
        *_SQUARED_LOSS,
        "def dloss(self, pred, y):",
        "    # δ = ∂L/∂z = (ŷ − y) · σ′(z) / M, with σ′(z) = ŷ(1 − ŷ)",
        "    M = y.shape[1]",
        "    return (pred - y) * (pred * (1 - pred)) / M",
    ],
    ("softmax", "mse"): [
        *_SQUARED_LOSS,
        "def dloss(self, pred, y):",
        "    # δ = J_softmax · (ŷ − y)/M: softmax's Jacobian applied to the error, ŷ ⊙ (e − Σ_k e_k ŷ_k)",
        "    M = y.shape[1]",
        "    err = (pred - y) / M",
        "    return pred * (err - (err * pred).sum(axis=0, keepdims=True))",
    ],
    ("sigmoid", "cross-entropy"): [
        "def loss(self, z, y):",
        "    # cross-entropy L = −(1/M) Σ [y log ŷ + (1−y) log(1−ŷ)], computed from z (ŷ = σ(z)) so it never takes log(0):",
        "    # each term is max(z, 0) − y·z + log(1 + e^−|z|)",
        "    M = y.shape[1]",
        "    per_entry = np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))",
        "    return (1.0 / M) * np.sum(np.sum(per_entry, axis=0))",
        "",
        "def dloss(self, pred, y):",
        "    # δ = ∂L/∂z = (ŷ − y)/M: σ′ cancels against the loss's 1/(ŷ(1−ŷ))",
        "    M = y.shape[1]",
        "    return (pred - y) / M",
    ],
    ("softmax", "cross-entropy"): [
        "def loss(self, z, y):",
        "    # cross-entropy L = −(1/M) Σ y log ŷ, with log ŷ = log softmax(z) = (z − max z) − log Σ_j e^{z_j − max z}",
        "    M = y.shape[1]",
        "    shifted = z - z.max(axis=0, keepdims=True)",
        "    log_pred = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))",
        "    return (1.0 / M) * np.sum(np.sum(-y * log_pred, axis=0))",
        "",
        "def dloss(self, pred, y):",
        "    # δ = ∂L/∂z = (ŷ·Σ_k y_k − y)/M: the familiar (ŷ − y)/M when every column of y sums to 1 (one-hot)",
        "    M = y.shape[1]",
        "    return (pred * y.sum(axis=0, keepdims=True) - y) / M",
    ],
}


def loss_takes_z(output: str, loss: str) -> bool:
    """Whether the exported ``loss`` takes the last layer's ``z`` (cross-entropy) rather than the prediction."""
    return HEAD_CODE[(output, loss)][0].startswith("def loss(self, z")


#: the initialisation's scale of ``randn(out, in)``, as code (``n_in``, ``n_out`` filled in), and its name in words
INIT_CODE: dict[str, tuple[str, str]] = {
    "notebook": ("0.01", "the notebook's randn × 0.01"),
    "xavier": ("np.sqrt(2.0 / ({n_in} + {n_out}))", "xavier: randn × √(2/(in+out))"),
    "he": ("np.sqrt(2.0 / {n_in})", "he: randn × √(2/in)"),
}


#: each input feature (:data:`mlp_gui.core.features.FEATURES`) as code of the raw inputs' rows ``x1`` and ``x2``
FEATURE_CODE: dict[str, tuple[str, str]] = {
    "x1": ("x1", "x1"), "x2": ("x2", "x2"), "x1sq": ("x1 * x1", "x1²"), "x2sq": ("x2 * x2", "x2²"),
    "x1x2": ("x1 * x2", "x1·x2"), "sinx1": ("np.sin(x1)", "sin x1"), "sinx2": ("np.sin(x2)", "sin x2"),
}


def feature_lines(names: tuple[str, ...], *, minibatch: bool = False) -> list[str]:
    """The code that turns the raw inputs ``x`` into the network's inputs, one row per feature of ``names``;
    ``minibatch``: the raw inputs are kept as ``x_raw``, each batch's features made from its own."""
    if not names:
        return []
    said = ", ".join(FEATURE_CODE[n][1] for n in names)
    code = ", ".join(FEATURE_CODE[n][0] for n in names)
    lines = [f"# input features: the network takes {said}, made from the raw inputs x1, x2 (the two rows of x)",
             "def features(x):",
             "    x1, x2 = x[0], x[1]",
             f"    return np.stack([{code}])"]
    if minibatch:
        lines += ["# mlp-gui makes them in every forward pass: each mini-batch's from its own raw inputs, kept in x_raw",
                  "x_raw = x"]
    return lines + ["x = features(x)"]


def indented(lines: list[str], spaces: int = 4) -> list[str]:
    """``lines`` indented by ``spaces`` (blank lines stay blank)."""
    return [(" " * spaces + line) if line else "" for line in lines]


__all__ = ["ACTIVATION_CODE", "FEATURE_CODE", "HEAD_CODE", "INIT_CODE", "OUTPUT_CODE", "feature_lines", "indented",
           "loss_takes_z"]
