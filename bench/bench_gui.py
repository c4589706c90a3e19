"""The window under load, side by side with the headless trainer, in one process (offscreen).

    python bench/bench_gui.py            # 3 alternating rounds of 4 s, memory over 2M epochs
    python bench/bench_gui.py --full     # memory over the issue's 10 million epochs (about 4 minutes)

Prints medians of: headless ``Trainer.step`` epochs/s; epochs/s inside the
window with the live plot and heatmaps; their ratio (target >= 0.8x); the
GUI event loop's lateness (a 10 ms QTimer; target p95 <= 50 ms); Pause
latency from the request to the paused state (target <= 100 ms); and RSS
growth over a long run against the loss history's own size (target: no more
than the history).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402

from mlp_gui.core import Trainer, TrainConfig  # noqa: E402
from mlp_gui.gui.app import application  # noqa: E402
from mlp_gui.gui.session import RunState  # noqa: E402
from mlp_gui.gui.window import MainWindow  # noqa: E402

app = application()


def wait(ms: int) -> None:
    """Let the event loop run for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(condition, timeout_ms: int = 30_000) -> None:
    clock = QElapsedTimer()
    clock.start()
    while not condition() and clock.elapsed() < timeout_ms:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def headless_rate(seconds: float) -> float:
    trainer = Trainer(TrainConfig(epochs=100_000_000))
    end = time.perf_counter() + seconds
    start, began = trainer.epoch, time.perf_counter()
    while time.perf_counter() < end:
        trainer.step(2000)
    return (trainer.epoch - start) / (time.perf_counter() - began)


class LatencyProbe:
    """A 10 ms timer that records how late each tick is."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self._last = None

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.late.append(max(0.0, (now - self._last) * 1000 - 10))
        self._last = now

    def start(self) -> None:
        self._last = None
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


def window_round(window: MainWindow, seconds: float, probe: LatencyProbe) -> tuple[float, list[float]]:
    """Epochs/s in the window over ``seconds`` (after a warm-up), and the pause latencies seen."""
    window.reset()
    wait_for(lambda: window.session.state is RunState.READY)
    window.start_or_pause()
    wait(500)  # warm-up: chunk sizes settle
    probe.start()
    e0, t0 = window.session.trainer.epoch, time.perf_counter()
    wait(int(seconds * 1000))
    e1, t1 = window.session.trainer.epoch, time.perf_counter()
    probe.stop()
    pauses = []
    for _ in range(3):
        asked = time.perf_counter()
        window.session.pause()
        wait_for(lambda: window.session.state is RunState.PAUSED)
        pauses.append((time.perf_counter() - asked) * 1000)
        window.start_or_pause()
        wait(200)
    window.session.stop()
    wait_for(lambda: window.session.state is RunState.STOPPED)
    return (e1 - e0) / (t1 - t0), pauses


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


def memory_round(window: MainWindow, epochs: int) -> tuple[float, float]:
    """RSS growth over a run of ``epochs`` in the window, and the loss history's size (MB)."""
    window.form.set_field("epochs", str(epochs))
    window.reset()
    wait_for(lambda: window.session.state is RunState.READY)
    window.start_or_pause()
    wait(1000)
    before = rss_mb()
    wait_for(lambda: window.session.state is RunState.FINISHED, timeout_ms=3_600_000)
    wait(500)
    return rss_mb() - before, 8 * (epochs + 1) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--full", action="store_true", help="memory over 10 million epochs")
    args = parser.parse_args()

    window = MainWindow(TrainConfig(epochs=100_000_000))
    window.show()
    wait(300)
    probe = LatencyProbe()
    headless, windowed, pauses = [], [], []
    for _ in range(args.rounds):
        headless.append(headless_rate(args.seconds))
        rate, paused = window_round(window, args.seconds, probe)
        windowed.append(rate)
        pauses += paused
    h, w = statistics.median(headless), statistics.median(windowed)
    late = sorted(probe.late)
    p95 = late[int(0.95 * (len(late) - 1))] if late else float("nan")
    print(f"Notebook config 3,4,4,2 batch 5; {args.rounds} alternating rounds of {args.seconds:g} s\n")
    print(f"  headless Trainer.step         median {h:>9,.0f} epochs/s  (range {min(headless):,.0f}-{max(headless):,.0f})")
    print(f"  in the window (plot+heatmaps) median {w:>9,.0f} epochs/s  (range {min(windowed):,.0f}-{max(windowed):,.0f})")
    print(f"  ratio window/headless         {w / h:.2f}x   (target >= 0.8x: {'met' if w / h >= 0.8 else 'NOT met'})")
    print(f"  event-loop lateness           p50 {late[len(late) // 2]:.1f} ms, p95 {p95:.1f} ms, max {late[-1]:.1f} ms "
          f"over {len(late)} ticks   (target p95 <= 50 ms: {'met' if p95 <= 50 else 'NOT met'})")
    print(f"  pause latency                 median {statistics.median(pauses):.1f} ms, max {max(pauses):.1f} ms "
          f"over {len(pauses)}   (target <= 100 ms: {'met' if max(pauses) <= 100 else 'NOT met'})")
    epochs = 10_000_000 if args.full else 2_000_000
    grown, history = memory_round(window, epochs)
    print(f"  memory over {epochs:,} epochs   RSS grew {grown:.1f} MB; the loss history is {history:.1f} MB "
          f"({'within' if grown <= history * 1.1 else 'OVER'} the history's size)")
    window.close()


if __name__ == "__main__":
    main()
