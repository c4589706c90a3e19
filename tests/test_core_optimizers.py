"""Issue 19's optimizers, penalty and stepsize decay against a reference written here from the issue's formulas (and
against torch.optim when torch is installed): every optimizer × {no penalty, L1, L2, both} × {decay off, on}, 300
epochs on the notebook's net (60 against torch, decaying every 25: each torch step costs ~1.5 ms), the loss history
and the final parameters to 1e-10 relative."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.penalty import Penalty
from mlp_gui.core.trainer import initialize
from mlp_gui.core.update_rule import GradientDescent, rule_for

EPOCHS = 300
STEPSIZES = {"gd": 0.5, "momentum": 0.1, "nesterov": 0.1, "rmsprop": 0.01, "adam": 0.01}
PENALTIES = {"none": {}, "l1": {"l1": 1e-4}, "l2": {"l2": 1e-3}, "both": {"l1": 1e-4, "l2": 1e-3}}
DECAYS = {"off": {}, "on": {"decay_every": 100, "decay_factor": 0.7}}
#: torch.optim is compared step by step: 60 steps with the decay every 25 (two decays, as in the 300 epochs above)
TORCH_EPOCHS, TORCH_DECAY_EVERY = 60, 25


def _config(optimizer: str, penalty: str, decay: str, **more) -> TrainConfig:
    return TrainConfig(optimizer=optimizer, stepsize=STEPSIZES[optimizer], momentum=0.8, rho=0.95, beta1=0.85,
                       beta2=0.995, eps=1e-7, **PENALTIES[penalty], **DECAYS[decay], **more).validated()


def _loss_and_grads(params, x, y):
    """The notebook's net written out: sigmoid hidden layers, identity output, (1/M) Σ ½(ŷ − y)²."""
    acts, a = [x], x
    pairs = list(zip(params[::2], params[1::2]))
    for i, (w, b) in enumerate(pairs):
        z = w @ a + b[:, None]
        a = z if i == len(pairs) - 1 else 1 / (1 + np.exp(-z))
        acts.append(a)
    m = x.shape[1]
    loss = np.sum(0.5 * (a - y) ** 2) / m
    delta, grads = (a - y) / m, []
    for i in range(len(pairs) - 1, -1, -1):
        w = pairs[i][0]
        grads[:0] = [delta @ acts[i].T, delta.sum(axis=1)]
        if i:
            delta = (w.T @ delta) * acts[i] * (1 - acts[i])
    return loss, grads


def _reference(cfg: TrainConfig, epochs: int = EPOCHS):
    """The issue's formulas, one parameter array at a time: losses and final [W1, b1, ...]."""
    layers, x, y = initialize(cfg)
    params = [a.copy() for layer in layers for a in layer]
    state = [dict(v=np.zeros_like(p), m=np.zeros_like(p), s=np.zeros_like(p)) for p in params]
    loss, grads = _loss_and_grads(params, x, y)
    losses = [loss]
    for t in range(epochs):
        eta = cfg.stepsize * cfg.decay_factor ** (t // cfg.decay_every) if cfg.decay_every else cfg.stepsize
        for k, (p, g, st) in enumerate(zip(params, grads, state)):
            if k % 2 == 0:  # a weight: the penalty's gradient joins
                g = g + cfg.l1 * np.sign(p) + cfg.l2 * p
            if cfg.optimizer == "gd":
                p -= eta * g
            elif cfg.optimizer in ("momentum", "nesterov"):
                st["v"] = cfg.momentum * st["v"] + g
                p -= eta * (g + cfg.momentum * st["v"] if cfg.optimizer == "nesterov" else st["v"])
            elif cfg.optimizer == "rmsprop":
                st["s"] = cfg.rho * st["s"] + (1 - cfg.rho) * g**2
                p -= eta * g / (np.sqrt(st["s"]) + cfg.eps)
            else:
                st["m"] = cfg.beta1 * st["m"] + (1 - cfg.beta1) * g
                st["v"] = cfg.beta2 * st["v"] + (1 - cfg.beta2) * g**2
                m_hat, v_hat = st["m"] / (1 - cfg.beta1 ** (t + 1)), st["v"] / (1 - cfg.beta2 ** (t + 1))
                p -= eta * m_hat / (np.sqrt(v_hat) + cfg.eps)
        loss, grads = _loss_and_grads(params, x, y)
        losses.append(loss)
    return np.array(losses), params


def _same_parameters(ours, reference):
    """Each array to 1e-10 relative to its largest entry (a weight near 0 carries the rounding of the others)."""
    for mine, ref in zip(ours, reference, strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-10, atol=1e-10 * np.abs(ref).max())


CASES = [(o, p, d) for o in STEPSIZES for p in PENALTIES for d in DECAYS]


@pytest.mark.parametrize("optimizer, penalty, decay", CASES)
def test_every_optimizer_penalty_and_decay_trains_as_the_issues_formulas(optimizer, penalty, decay):
    cfg = _config(optimizer, penalty, decay)
    trainer = Trainer.new(cfg)
    for n in (1, 99, 200):  # chunks: the state and the decay carry across
        trainer.step(n)
    losses, params = _reference(cfg)
    np.testing.assert_allclose(trainer.loss_history, losses, rtol=1e-10, atol=0)
    _same_parameters(trainer.params, params)
    assert losses[-1] < losses[0] * 0.99  # it trained


def _torch_run(cfg: TrainConfig, epochs: int = EPOCHS):
    torch = pytest.importorskip("torch")
    layers, x, y = initialize(cfg)
    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for layer in layers for a in layer]
    tx, ty = torch.tensor(x), torch.tensor(y)
    opt = {
        "gd": lambda: torch.optim.SGD(params, lr=cfg.stepsize),
        "momentum": lambda: torch.optim.SGD(params, lr=cfg.stepsize, momentum=cfg.momentum),
        "nesterov": lambda: torch.optim.SGD(params, lr=cfg.stepsize, momentum=cfg.momentum, nesterov=True),
        "rmsprop": lambda: torch.optim.RMSprop(params, lr=cfg.stepsize, alpha=cfg.rho, eps=cfg.eps),
        "adam": lambda: torch.optim.Adam(params, lr=cfg.stepsize, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps),
    }[cfg.optimizer]()
    schedule = torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.decay_every, gamma=cfg.decay_factor) \
        if cfg.decay_every else None

    def data_loss():
        a = tx
        for i in range(0, len(params), 2):
            z = params[i] @ a + params[i + 1][:, None]
            a = z if i == len(params) - 2 else torch.sigmoid(z)
        return (0.5 * (a - ty) ** 2).sum() / tx.shape[1]

    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        loss = data_loss()
        losses.append(loss.item())
        weights = params[::2]
        total = loss + cfg.l1 * sum(w.abs().sum() for w in weights) + cfg.l2 / 2 * sum((w * w).sum() for w in weights)
        total.backward()
        opt.step()
        if schedule is not None:
            schedule.step()
    with torch.no_grad():
        losses.append(data_loss().item())
    return np.array(losses), [p.detach().numpy() for p in params]


@pytest.mark.parametrize("optimizer, penalty, decay", CASES)
def test_every_optimizer_penalty_and_decay_is_torch_optims(optimizer, penalty, decay):
    cfg = _config(optimizer, penalty, decay)
    if cfg.decay_every:
        cfg = cfg.with_changes(decay_every=TORCH_DECAY_EVERY).validated()
    losses, params = _torch_run(cfg, TORCH_EPOCHS)
    trainer = Trainer.new(cfg)
    trainer.step(TORCH_EPOCHS)
    if cfg.decay_every:  # both decays were taken
        assert trainer.stepsize_at(TORCH_EPOCHS - 1) == pytest.approx(cfg.stepsize * 0.7**2, rel=1e-15)
    np.testing.assert_allclose(trainer.loss_history, losses, rtol=1e-10, atol=0)
    _same_parameters(trainer.params, params)


@pytest.mark.parametrize("beta1", [0.3, 0.0])
def test_adam_with_a_small_beta1_takes_lerps_other_form_and_is_still_the_formula(beta1):
    cfg = _config("adam", "both", "on").with_changes(beta1=beta1, stepsize=0.003)  # (larger: sign descent, chaotic)
    trainer = Trainer.new(cfg)
    trainer.step(EPOCHS)
    losses, params = _reference(cfg)
    np.testing.assert_allclose(trainer.loss_history, losses, rtol=1e-10, atol=0)
    _same_parameters(trainer.params, params)


def test_gd_without_penalty_or_decay_is_the_notebooks_rule_with_nothing_added():
    rule = rule_for(TrainConfig())
    assert isinstance(rule, GradientDescent) and rule.penalty is None
    assert rule_for(TrainConfig(l2=0.0, l1=0.0, decay_every=10)).penalty is None  # a factor of 1: no decay either
    assert not Trainer.new(TrainConfig(decay_every=10)).decay.active


def test_the_penalty_is_on_the_weights_only_and_its_value_is_the_formula():
    cfg = TrainConfig(l1=0.01, l2=0.1)
    trainer = Trainer.new(cfg)
    trainer.step(5)
    weights = [layer.W for layer in trainer.layers]
    expected = 0.01 * sum(np.abs(W).sum() for W in weights) + 0.05 * sum((W * W).sum() for W in weights)
    assert trainer.penalty == pytest.approx(expected, rel=1e-14)
    penalty = trainer.rule.penalty
    assert isinstance(penalty, Penalty) and penalty.value_of(trainer.layers) == trainer.penalty
    layout = cfg.model.layout
    theta, grad = layout.pack(trainer.layers), layout.pack(trainer.grads)
    total = layout.views(penalty.gradient(theta, grad))
    for mine, layer, g in zip(total, trainer.layers, trainer.grads):
        np.testing.assert_array_equal(mine.b, g.b)  # never the biases
        np.testing.assert_allclose(mine.W, g.W + 0.01 * np.sign(layer.W) + 0.1 * layer.W, rtol=1e-15)
    assert penalty.gradient(np.zeros(layout.size), np.zeros(layout.size)).tolist() == [0.0] * layout.size  # sign(0) = 0
    assert Trainer.new(TrainConfig()).penalty == 0.0


@pytest.mark.parametrize("optimizer", ["momentum", "adam", "rmsprop"])
def test_the_views_next_step_is_the_step_the_run_takes_with_penalty_and_decay(optimizer):
    cfg = _config(optimizer, "both", "on")
    trainer = Trainer.new(cfg)
    trainer.step(220)  # past two decays: the step after epoch 220 uses η·0.7²
    snap = trainer.snapshot()
    assert snap.stepsize_at(cfg.stepsize) == cfg.stepsize * 0.7**2
    updates = snap.updates(cfg.stepsize)
    norms = snap.update_norms(cfg.stepsize)
    before = [layer.W.copy() for layer in trainer.layers], [layer.b.copy() for layer in trainer.layers]
    trainer.step(1)
    for k, layer in enumerate(trainer.layers):
        np.testing.assert_array_equal(before[0][k] + updates[k].W, layer.W, strict=True)
        np.testing.assert_array_equal(before[1][k] + updates[k].b, layer.b, strict=True)
    row = trainer.norms.rows()
    np.testing.assert_array_equal(row.update[row.epochs == 220][0], norms, strict=True)


def test_a_gradient_descent_norm_with_a_penalty_is_the_total_steps():
    cfg = TrainConfig(l2=0.5)
    trainer = Trainer.new(cfg)
    trainer.step(3)
    snap = trainer.snapshot()
    expected = [np.sqrt(sum((u * u).sum() for u in layer)) for layer in snap.updates(cfg.stepsize)]
    np.testing.assert_allclose(snap.update_norms(cfg.stepsize), expected, rtol=1e-14)
    plain = np.sqrt([(g.W**2).sum() + (g.b**2).sum() for g in snap.grads]) * cfg.stepsize
    assert not np.allclose(snap.update_norms(cfg.stepsize), plain)


def test_the_decay_is_torchs_steplr_and_counts_from_epoch_zero_after_a_stepsize_change():
    trainer = Trainer.new(TrainConfig(stepsize=0.2, decay_every=3, decay_factor=0.5))
    assert [trainer.stepsize_at(t) for t in range(7)] == [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05]
    trainer.step(4)
    trainer.set_stepsize(0.4)
    assert trainer.stepsize_at(4) == 0.2 and trainer.stepsize_at(6) == 0.1


def test_mini_batches_step_every_batch_with_the_epochs_decayed_stepsize():
    """On a data set in mini-batches, every step of epoch t uses η·F^⌊t/N⌋ and Adam counts steps, not epochs."""
    from mlp_gui.core.data import batches
    from mlp_gui.core.trainer import initialize_data

    cfg = TrainConfig(data="xor", layers=(2, 5, 1), samples=64, batch_size=16, optimizer="adam", stepsize=0.02,
                      l2=1e-3, decay_every=10, decay_factor=0.5).validated()
    trainer = Trainer.new(cfg)
    trainer.step(40)
    layers, data = initialize_data(cfg)
    params = [a.copy() for layer in layers for a in layer]
    m, v, step = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params], 0
    for t in range(40):
        eta = 0.02 * 0.5 ** (t // 10)
        for idx in batches(data.x.shape[1], 16, cfg.seed, t + 1):
            _, grads = _loss_and_grads(params, data.x[:, idx], data.y[:, idx])
            step += 1
            for k, (p, g) in enumerate(zip(params, grads)):
                g = g + 1e-3 * p if k % 2 == 0 else g
                m[k] = 0.9 * m[k] + 0.1 * g
                v[k] = 0.999 * v[k] + 0.001 * g**2
                p -= eta * (m[k] / (1 - 0.9**step)) / (np.sqrt(v[k] / (1 - 0.999**step)) + 1e-8)
    assert int(trainer.rule_state["step"]) == step > 40  # one count per mini-batch step
    _same_parameters(trainer.params, params)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "rmsprop", "adam"])
def test_one_weights_step_terms_are_the_runs_next_step_to_the_last_digit(optimizer):
    from mlp_gui.core.step_terms import step_terms

    cfg = _config(optimizer, "both", "on")
    trainer = Trainer.new(cfg)
    trainer.step(120)
    layout = cfg.model.layout
    index = layout.index(2, 1, 3)  # W2[1, 3]
    theta, grad = layout.pack(trainer.layers), layout.pack(trainer.grads)
    terms = step_terms(trainer.rule, theta, grad, trainer.rule_state, trainer.stepsize_at(trainer.epoch), index)
    assert terms.grad == grad[index] and terms.stepsize == cfg.stepsize * 0.7
    assert terms.penalty == 1e-4 * np.sign(theta[index]) + 1e-3 * theta[index]
    assert terms.total == pytest.approx(terms.grad + terms.penalty, rel=1e-15)
    bias = step_terms(trainer.rule, theta, grad, trainer.rule_state, 0.1, layout.index(2, 1))
    assert bias.penalty == 0.0 and bias.total == bias.grad
    trainer.step(1)
    assert theta[index] + terms.change == trainer.layers[1].W[1, 3]
    for name, value in terms.after.items():
        assert value == (trainer.rule_state[name] if trainer.rule_state[name].ndim == 0 else trainer.rule_state[name][index])
    if optimizer == "adam":
        assert terms.after["step"] == 121 and terms.corrections(trainer.rule) == {
            "1 − β₁ᵗ": 1 - 0.85**121, "√(1 − β₂ᵗ)": np.sqrt(1 - 0.995**121)}
