"""Trainer speed, side by side in one run: the notebook's own loop vs ``mlp_gui.core.Trainer``.

    python bench/bench_trainer.py                 # notebook config + large net vs the previous commit
    python bench/bench_trainer.py --quick         # fewer rounds
    python bench/bench_trainer.py --baseline REV  # compare the large net with another commit

The machines here are noisy, so both contenders run in alternating rounds in
the same process and the script reports medians and the ratio of medians.
Targets: on the notebook config (3,4,4,2, batch 5) the trainer runs at least
1.8x the notebook's loop; memory of a run is its parameters plus 8 bytes an
epoch of loss history.
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
        trainer = Trainer(TrainConfig(**settings), capacity=epochs)
    except TypeError:  # a baseline from before the settings schema (epochs were part of the config)
        trainer = Trainer(TrainConfig(epochs=epochs, **settings))
    start = time.perf_counter()
    while trainer.epoch < epochs:
        trainer.step(min(2000, epochs - trainer.epoch))
    return epochs / (time.perf_counter() - start)


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
    trainer = Trainer(TrainConfig(), capacity=epochs)
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
    args = parser.parse_args()
    rounds, epochs, large_epochs = (3, 10_000, 20) if args.quick else (7, 30_000, 60)

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

    peak, history = memory_growth(1_000_000)
    print(f"\nMemory: a 1,000,000-epoch run peaked at {peak / 1e6:.2f} MB allocated; "
          f"its loss history is {history / 1e6:.2f} MB ({peak / history:.3f}x)")


if __name__ == "__main__":
    main()
