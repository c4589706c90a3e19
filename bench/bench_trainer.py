"""Trainer speed, side by side in one run: the notebook's own loop vs ``mlp_gui.core.Trainer``.

    python bench/bench_trainer.py                 # notebook config + large net vs the previous commit
    python bench/bench_trainer.py --quick         # fewer rounds
    python bench/bench_trainer.py --baseline REV  # compare the large net with another commit
    python bench/bench_trainer.py --optimizers    # only the optimizers' rows (and PyTorch's, when installed)

The machines here are noisy, so both contenders run in alternating rounds in
the same process and the script reports medians and the ratio of medians.
Targets: on the notebook config (3,4,4,2, batch 5) the trainer runs at least
1.8x the notebook's loop; memory of a run is its parameters plus 8 bytes an
epoch of loss history. Per optimizer on the notebook net (issue 19): momentum
takes at most 1.15x gd's time per epoch, adam at most 1.5x, timed as gd's row
(a run of many epochs in chunks of 2,000). Their stepsizes keep every run in
gd's numeric regime: momentum's η = 0.01 with μ = 0.9 is gd's 0.1 in the long
run (η/(1−μ)); at η = 0.1 momentum fits the batch to a loss of 1e-29 within
30,000 epochs, where the kernel's own arithmetic on tiny numbers costs a third
more per epoch whatever the rule. With torch installed, PyTorch's own optimizers (float64, the same net, data and
loop of forward, loss, backward, step) run beside them, on the notebook net and
on 784,256,256,10 batch 128.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import notebook_reference  # noqa: E402

from mlp_gui.core import TrainConfig, Trainer  # noqa: E402

LARGE = dict(layers=(784, 256, 256, 10), batch_size=128)


def notebook_rate(epochs: int) -> float:
    """Epochs per second of the notebook's loop (cells 8-13) on its own config."""
    nn, params, grads, x, y, _ = notebook_reference.setup()
    start = time.perf_counter()
    notebook_reference.train(nn, params, grads, x, y, stepsize=0.1, epochs=epochs)
    return epochs / (time.perf_counter() - start)


def trainer_rate(epochs: int, **settings) -> float:
    """Epochs per second of ``Trainer.step`` in chunks of 2000, as the CLI and the worker call it."""
    try:
        trainer = Trainer.new(TrainConfig(**settings), capacity=epochs)
    except TypeError:  # a baseline from before the settings schema (epochs were part of the config)
        trainer = Trainer.new(TrainConfig(epochs=epochs, **settings))
    start = time.perf_counter()
    while trainer.epoch < epochs:
        trainer.step(min(2000, epochs - trainer.epoch))
    return epochs / (time.perf_counter() - start)


OPTIMIZERS = {
    "gd": dict(stepsize=0.1),
    "momentum": dict(optimizer="momentum", stepsize=0.01),
    "nesterov": dict(optimizer="nesterov", stepsize=0.01),
    "rmsprop": dict(optimizer="rmsprop", stepsize=0.01),
    "adam": dict(optimizer="adam", stepsize=0.01),
}


def torch_rate(epochs: int, optimizer: str, layers: tuple[int, ...] = (3, 4, 4, 2), batch_size: int = 5,
               stepsize: float = 0.1) -> float | None:
    """Epochs per second of PyTorch's own optimizer on the same net and data (float64; None without torch)."""
    try:
        import torch
    except ImportError:
        return None
    from mlp_gui.core.trainer import initialize

    params_np, x, y = initialize(TrainConfig(layers=layers, batch_size=batch_size))
    params = [torch.tensor(a, requires_grad=True) for layer in params_np for a in layer]
    tx, ty = torch.tensor(x), torch.tensor(y)
    make = {"gd": lambda p: torch.optim.SGD(p, lr=stepsize),
            "momentum": lambda p: torch.optim.SGD(p, lr=stepsize, momentum=0.9),
            "nesterov": lambda p: torch.optim.SGD(p, lr=stepsize, momentum=0.9, nesterov=True),
            "rmsprop": lambda p: torch.optim.RMSprop(p, lr=stepsize, alpha=0.99, eps=1e-8),
            "adam": lambda p: torch.optim.Adam(p, lr=stepsize)}
    opt = make[optimizer](params)
    start = time.perf_counter()
    for _ in range(epochs):
        opt.zero_grad()
        a = tx
        for i in range(0, len(params), 2):
            z = torch.addmm(params[i + 1][:, None], params[i], a)
            a = z if i == len(params) - 2 else torch.sigmoid(z)
        loss = (0.5 * (a - ty) ** 2).sum() / tx.shape[1]
        loss.backward()
        opt.step()
    return epochs / (time.perf_counter() - start)


def optimizer_rows(rounds: int, epochs: int, large_epochs: int) -> None:
    """Each optimizer on the notebook net (and PyTorch's beside it), then on the large net."""
    contenders = {name: (lambda s=settings: trainer_rate(epochs, **s)) for name, settings in OPTIMIZERS.items()}
    rates = side_by_side(rounds, contenders)  # ours alone first: PyTorch's idle threads would slow whoever follows them
    if torch_rate(1, "gd") is not None:
        rates |= side_by_side(rounds, {f"torch {name}": (lambda n=name, s=settings: torch_rate(epochs, n,
                                                                                              stepsize=s["stepsize"]))
                                       for name, settings in OPTIMIZERS.items()})
    report(f"Optimizers on the notebook config, {epochs:,} epochs x {rounds} rounds (ratio: epochs/s against gd's)",
           rates, "gd")
    gd = statistics.median(rates["gd"])
    for name, limit in (("momentum", 1.15), ("adam", 1.5)):
        times = gd / statistics.median(rates[name])
        print(f"  {name} time per epoch {times:.2f}x gd's: target <= {limit}x {'met' if times <= limit else 'NOT met'}")
    large = {name: (lambda s=settings: trainer_rate(large_epochs, **LARGE, **s)) for name, settings in OPTIMIZERS.items()}
    if torch_rate(1, "gd") is not None:
        large.update({f"torch {name}": (lambda n=name, s=settings: torch_rate(large_epochs, n, stepsize=s["stepsize"],
                                                                                **LARGE))
                      for name, settings in OPTIMIZERS.items()})
    report(f"Optimizers on 784,256,256,10 batch 128, {large_epochs} epochs x {rounds} rounds", side_by_side(rounds, large),
           "gd")


def side_by_side(rounds: int, contenders: dict) -> dict[str, list[float]]:
    """Alternate the contenders ``rounds`` times; each returns epochs/s."""
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            rates[name].append(run())
    return rates


def memory_growth(epochs: int) -> tuple[int, int]:
    """Peak bytes allocated by a run of ``epochs`` and what its loss history alone takes."""
    tracemalloc.start()
    trainer = Trainer.new(TrainConfig(), capacity=epochs)
    while trainer.epoch < epochs:
        trainer.step(min(20_000, epochs - trainer.epoch))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, 8 * (epochs + 1)


def baseline_rate(rev: str, epochs: int, rounds: int) -> list[float] | None:
    """The large-net rate of the trainer at commit ``rev``, run from an exported copy in a subprocess."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "mlp_gui"], capture_output=True)
        if archive.returncode != 0:
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        code = (
            "import sys, json; sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2]);"
            "import bench_trainer as b; print(json.dumps(b.trainer_rate(int(sys.argv[3]), **b.LARGE)))"
        )
        rates = []
        for _ in range(rounds):
            out = subprocess.run(
                [sys.executable, "-c", code, tmp, str(ROOT / "bench"), str(epochs)],
                capture_output=True, text=True,
            )
            if out.returncode != 0:
                return None
            rates.append(json.loads(out.stdout))
        return rates


def report(title: str, rates: dict[str, list[float]], reference: str) -> None:
    print(f"\n{title}")
    ref = statistics.median(rates[reference])
    for name, values in rates.items():
        med = statistics.median(values)
        spread = f"{min(values):,.0f}-{max(values):,.0f}"
        print(f"  {name:<28} median {med:>10,.0f} epochs/s  (range {spread})  ratio {med / ref:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter rounds")
    parser.add_argument("--baseline", default="HEAD~1", help="commit to compare the large net against")
    parser.add_argument("--optimizers", action="store_true", help="only the optimizers' rows")
    args = parser.parse_args()
    rounds, epochs, large_epochs = (3, 10_000, 20) if args.quick else (7, 30_000, 60)
    if args.optimizers:
        optimizer_rows(rounds, epochs, large_epochs)
        return

    small = side_by_side(rounds, {
        "notebook loop (cells 8-13)": lambda: notebook_rate(epochs),
        "mlp_gui Trainer": lambda: trainer_rate(epochs),
    })
    report(f"Notebook config 3,4,4,2 batch 5, {epochs:,} epochs x {rounds} rounds", small, "notebook loop (cells 8-13)")
    ratio = statistics.median(small["mlp_gui Trainer"]) / statistics.median(small["notebook loop (cells 8-13)"])
    print(f"  target >= 1.8x: {'met' if ratio >= 1.8 else 'NOT met'} ({ratio:.2f}x)")

    large = {"mlp_gui Trainer (this tree)": [trainer_rate(large_epochs, **LARGE) for _ in range(rounds)]}
    base = baseline_rate(args.baseline, large_epochs, rounds)
    if base:
        large[f"mlp_gui Trainer ({args.baseline})"] = base
        report(f"Large net 784,256,256,10 batch 128, {large_epochs} epochs x {rounds} rounds",
               large, f"mlp_gui Trainer ({args.baseline})")
    else:
        report(f"Large net 784,256,256,10 batch 128 (no baseline at {args.baseline})", large, "mlp_gui Trainer (this tree)")

    optimizer_rows(rounds, epochs, large_epochs)

    peak, history = memory_growth(1_000_000)
    print(f"\nMemory: a 1,000,000-epoch run peaked at {peak / 1e6:.2f} MB allocated; "
          f"its loss history is {history / 1e6:.2f} MB ({peak / history:.3f}x)")


if __name__ == "__main__":
    main()
