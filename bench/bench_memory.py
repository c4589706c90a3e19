"""The memory estimate against what a run really allocates, for the shapes that stress each part of it.

    python bench/bench_memory.py

For each case a run is set up, trained and saved (to /dev/null's folder, a temporary one) under
``tracemalloc``; the peak of NumPy's and Python's allocations is set against
:func:`mlp_gui.core.config.estimate_bytes`. Target: within 25% either way, so the memory check
neither refuses runs that fit nor lets through runs that do not.
"""

from __future__ import annotations

import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlp_gui.core import TrainConfig, Trainer  # noqa: E402
from mlp_gui.core.config import estimate_parts, format_bytes  # noqa: E402
from mlp_gui.core.runfile import run_from_trainer, save_run  # noqa: E402

CASES = [
    ("notebook, 1M epochs (history)", TrainConfig(), 1_000_000, 1_000_000),
    ("3000,3000,3000 (parameters)", TrainConfig(layers=(3000, 3000, 3000), batch_size=5), 2, 2),
    ("784,256,256,10 batch 128", TrainConfig(layers=(784, 256, 256, 10), batch_size=128), 20, 20),
    ("3,4,4,2 batch 1,000,000 (activations)", TrainConfig(batch_size=1_000_000), 3, 3),
    ("3,512,512,2 batch 20,000 (both)", TrainConfig(layers=(3, 512, 512, 2), batch_size=20_000), 2, 2),
]


def measured_peak(config: TrainConfig, capacity: int, epochs: int) -> int:
    tracemalloc.start()
    trainer = Trainer.new(config, capacity=capacity)
    trainer.step(epochs)
    with tempfile.TemporaryDirectory() as folder:
        save_run(Path(folder) / "run.npz", run_from_trainer(trainer))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> int:
    print(f"{'case':<40} {'estimate':>10} {'measured':>10} {'ratio':>6}  parts of the estimate")
    worst = 1.0
    for name, config, capacity, epochs in CASES:
        parts = estimate_parts(config, capacity)
        estimate = sum(parts.values())
        peak = measured_peak(config, capacity, epochs)
        ratio = estimate / peak
        worst = max(worst, ratio, 1 / ratio)
        shares = ", ".join(f"{k} {format_bytes(v)}" for k, v in parts.items())
        print(f"{name:<40} {format_bytes(estimate):>10} {format_bytes(peak):>10} {ratio:6.2f}  {shares}")
    verdict = "met" if worst <= 1.25 else "NOT met"
    print(f"\nworst ratio {worst:.2f} (either way); target within 25%: {verdict}")
    return 0 if worst <= 1.25 else 1


if __name__ == "__main__":
    sys.exit(main())
