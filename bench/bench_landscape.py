"""Loss-landscape speed (issue 20): slices, λ_max, medians over a few runs, printed as a small table.

    python bench/bench_landscape.py           # every case, with BLAS as it comes, then with one BLAS thread
    python bench/bench_landscape.py --quick   # fewer rounds

Targets: a 41 x 41 pca slice of the notebook's net under 0.2 s; of 784,256,256,10 on 128 samples (the notebook's
random data of that shape) under 5 s on two cores; λ_max of the notebook's net under 50 ms. The rest is shown
for information (no target): the large net's λ_max and its hessian plane.

The second table runs the same with one BLAS thread (:func:`mlp_gui.core.blas_threads.blas_threads`): what a
slice costs when the other core is busy, as with a live run beside it. OpenBLAS's threads wait for each other on
every product, so on a loaded machine two of them can be several times slower than one; the load average is
printed with each table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlp_gui.core import TrainConfig, Trainer  # noqa: E402
from mlp_gui.core.blas_threads import blas_thread_count, blas_threads  # noqa: E402
from mlp_gui.core.hessian import sharpness  # noqa: E402
from mlp_gui.core.landscape import Trajectory, compute_slice  # noqa: E402


def trajectory(config: TrainConfig, chunks: int, epochs: int) -> Trajectory:
    """A run stepped in chunks (so it keeps snapshots), as the CLI's driver does."""
    trainer = Trainer.new(config)
    for _ in range(chunks):
        trainer.step(epochs)
    return Trajectory.of_trainer(trainer)


def median_seconds(work: Callable[[], object], rounds: int) -> float:
    work()  # warm up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    few, many = (1, 5) if args.quick else (3, 21)
    notebook = trajectory(TrainConfig(), chunks=30, epochs=1000)
    large = trajectory(TrainConfig(layers=(784, 256, 256, 10), batch_size=128), chunks=8, epochs=2)
    nb_layers = notebook.layout.views(notebook.points[-1])
    large_layers = large.layout.views(large.points[-1])
    cases = [
        ("41x41 pca slice, notebook net (46 parameters)", 0.2, many,
         lambda: compute_slice(notebook, "pca", grid=41)),
        ("41x41 pca slice, 784,256,256,10 on 128 samples", 5.0, few,
         lambda: compute_slice(large, "pca", grid=41)),
        ("lambda_max, notebook net", 0.05, many,
         lambda: sharpness(notebook.model, nb_layers, notebook.x, notebook.y)),
        ("lambda_max, 784,256,256,10 on 128 samples", None, few,
         lambda: sharpness(large.model, large_layers, large.x, large.y)),
        ("41x41 hessian slice, 784,256,256,10 on 128 samples", None, few,
         lambda: compute_slice(large, "hessian", grid=41)),
    ]
    table(cases, f"BLAS threads as they come ({blas_thread_count() or 'unknown'})")
    with blas_threads(1) as limited:
        table(cases, "one BLAS thread" if limited else "one BLAS thread: not settable here, as they come again")


def table(cases: list, title: str) -> None:
    print(f"\n{title}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before")
    print(f"{'case':<52} {'median':>10} {'target':>8}  ")
    for name, target, rounds, work in cases:
        seconds = median_seconds(work, rounds)
        verdict = "" if target is None else ("ok" if seconds < target else "SLOW")
        shown = "-" if target is None else f"{target:g} s"
        print(f"{name:<52} {seconds * 1000:>7.1f} ms {shown:>8}  {verdict}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} after", flush=True)


if __name__ == "__main__":
    main()
