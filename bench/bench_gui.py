"""The window under load, side by side with the headless trainer, in one process (offscreen).

    python bench/bench_gui.py                 # 5 alternating rounds of 3 s, memory over 2M epochs (~2 min)
    python bench/bench_gui.py --full          # memory over the issue's 10 million epochs (~5 min more)
    python bench/bench_gui.py --large         # also the 784,256,256,10 network
    python bench/bench_gui.py --switch-interval 0.001   # try another GIL switch interval

Prints medians of: headless ``Trainer.step`` epochs/s; epochs/s inside the
window with the live plot and heatmaps; their ratio, round by round (target
>= 0.8x); the GUI thread's CPU share; the GUI event loop's lateness (a 10 ms
QTimer; target p95 <= 50 ms); Pause latency from the request to the paused
state (target <= 100 ms); and RSS growth over a long run against the loss
history's own size (target: no more than the history), with its slope per
million epochs.

Both sides share a 2-core machine with whatever else runs on it, so each round
also records the CPU other processes used; rounds where they took more than a
fifth of a core are reported and left out of the medians when enough clean
rounds remain.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tempfile  # noqa: E402

os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="mlp-gui-bench-")  # no remembered settings

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402

from mlp_gui.core import TrainConfig, Trainer  # noqa: E402
from mlp_gui.gui.app import application  # noqa: E402
from mlp_gui.gui.session import RunState  # noqa: E402
from mlp_gui.gui.window import MainWindow  # noqa: E402

app = application()
NOISY_CORES = 0.2  # other processes' CPU above this marks a round as disturbed


def wait(ms: int) -> None:
    """Let the event loop run for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(condition, timeout_ms: int = 30_000) -> None:
    """Run the event loop until ``condition()`` holds, checking every 2 ms.

    Not a processEvents() spin: that would keep the GIL from the training thread and slow down
    the very pause being timed.
    """
    if condition():
        return
    clock = QElapsedTimer()
    clock.start()
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: (condition() or clock.elapsed() > timeout_ms) and loop.quit())
    timer.start(2)
    loop.exec()
    timer.stop()


class CpuMeter:
    """CPU used by this process, by this (GUI) thread and by every other process, over an interval."""

    def __enter__(self) -> CpuMeter:
        self.t0, self.busy0, self.mine0, self.thread0 = time.perf_counter(), _busy(), _mine(), time.thread_time()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.t0
        self.others = ((_busy() - self.busy0) - (_mine() - self.mine0)) / self.seconds
        self.gui_thread = (time.thread_time() - self.thread0) / self.seconds


def _busy() -> float:
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _mine() -> float:
    t = os.times()
    return t.user + t.system


def headless_rate(config: TrainConfig, seconds: float) -> tuple[float, float]:
    """Epochs/s of a bare Trainer, and other processes' CPU meanwhile."""
    trainer = Trainer(config)
    chunk = 2000 if config.layers == TrainConfig().layers else 4
    with CpuMeter() as cpu:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            trainer.step(chunk)
    return trainer.epoch / cpu.seconds, cpu.others


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


@dataclass
class Round:
    headless: float
    window: float
    gui_cpu: float
    others: float
    pauses: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.window / self.headless

    @property
    def clean(self) -> bool:
        return self.others <= NOISY_CORES


def window_round(window: MainWindow, seconds: float, probe: LatencyProbe) -> tuple[float, float, float, list[float]]:
    """Epochs/s in the window over ``seconds`` (after a warm-up), GUI-thread CPU share, others' CPU, pause latencies."""
    window.session.new_run(window.form.config(), window.form.epochs())  # Reset, without the question
    wait_for(lambda: window.session.state is RunState.READY)
    window.start_or_pause()
    wait(500)  # warm-up: chunk sizes settle
    probe.start()
    e0 = window.session.epoch
    with CpuMeter() as cpu:
        wait(int(seconds * 1000))
    rate = (window.session.epoch - e0) / cpu.seconds
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
    return rate, cpu.gui_thread, cpu.others, pauses


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


def memory_round(window: MainWindow, epochs: int) -> tuple[float, float, float]:
    """RSS growth over a run of ``epochs`` in the window, the loss history's size (MB), and the slope (MB per M epochs)."""
    window.form.set_field("epochs", str(epochs))
    window.session.new_run(window.form.config(), window.form.epochs())  # Reset, without the question
    wait_for(lambda: window.session.state is RunState.READY)
    window.start_or_pause()
    wait(1000)
    before, start_epoch = rss_mb(), window.session.epoch
    samples = []
    while window.session.state is not RunState.FINISHED:
        wait(2000)
        samples.append((window.session.epoch, rss_mb()))
    wait(500)
    grown = rss_mb() - before
    if len(samples) >= 2:
        (e0, r0), (e1, r1) = samples[0], samples[-1]
        slope = (r1 - r0) / max(e1 - e0, 1) * 1e6
    else:
        slope = grown / max(epochs - start_epoch, 1) * 1e6
    return grown, 8 * (epochs + 1) / 1e6, slope


def median_of(rounds: list[Round], attribute: str) -> float:
    chosen = [r for r in rounds if r.clean]
    chosen = chosen if len(chosen) >= max(2, len(rounds) // 2) else rounds
    return statistics.median(getattr(r, attribute) for r in chosen)


def speed_rounds(window: MainWindow, config: TrainConfig, rounds: int, seconds: float, probe: LatencyProbe) -> list[Round]:
    window.form.set_values(config, 100_000_000)
    window.session.new_run(window.form.config(), window.form.epochs())  # Reset, without the question
    out = []
    for _ in range(rounds):
        headless, others_h = headless_rate(config, seconds)
        rate, gui_cpu, others_w, pauses = window_round(window, seconds, probe)
        out.append(Round(headless, rate, gui_cpu, max(others_h, others_w), pauses))
    return out


def report_speed(title: str, rounds: list[Round], probe: LatencyProbe | None) -> None:
    h, w = median_of(rounds, "headless"), median_of(rounds, "window")
    ratio = median_of(rounds, "ratio")
    clean = sum(r.clean for r in rounds)
    print(f"{title}: {len(rounds)} alternating rounds ({clean} undisturbed: others' CPU <= {NOISY_CORES} cores)\n")
    print(f"  headless Trainer.step          median {h:>9,.0f} epochs/s")
    print(f"  in the window (plot+heatmaps)  median {w:>9,.0f} epochs/s")
    print(f"  ratio window/headless          median {ratio:.2f}x  (round by round: "
          f"{' '.join(f'{r.ratio:.2f}' + ('' if r.clean else '*') for r in rounds)}; * = disturbed)"
          f"   target >= 0.8x: {'met' if ratio >= 0.8 else 'NOT met'}")
    print(f"  GUI thread CPU                 median {100 * median_of(rounds, 'gui_cpu'):.1f}% of one core")
    print(f"  other processes' CPU           {' '.join(f'{r.others:.2f}' for r in rounds)} cores, round by round")
    pauses = [p for r in rounds for p in r.pauses]
    print(f"  pause latency                  median {statistics.median(pauses):.1f} ms, max {max(pauses):.1f} ms over "
          f"{len(pauses)}   target <= 100 ms: {'met' if max(pauses) <= 100 else 'NOT met'}")
    if probe is not None and probe.late:
        late = sorted(probe.late)
        p95 = late[int(0.95 * (len(late) - 1))]
        print(f"  event-loop lateness (10 ms timer) p50 {late[len(late) // 2]:.1f} ms, p95 {p95:.1f} ms, max {late[-1]:.1f} ms "
              f"over {len(late)} ticks   target p95 <= 50 ms: {'met' if p95 <= 50 else 'NOT met'}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--full", action="store_true", help="memory over 10 million epochs")
    parser.add_argument("--large", action="store_true", help="also time the 784,256,256,10 network (batch 16)")
    parser.add_argument("--switch-interval", type=float, default=None, help="sys.setswitchinterval for this run")
    args = parser.parse_args()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)

    window = MainWindow(TrainConfig(), epochs=100_000_000)
    window.show()
    wait(300)
    probe = LatencyProbe()
    print(f"GIL switch interval {sys.getswitchinterval() * 1000:g} ms; {os.cpu_count()} cores\n")
    notebook = TrainConfig()
    report_speed("Notebook network 3,4,4,2, batch 5", speed_rounds(window, notebook, args.rounds, args.seconds, probe), probe)
    if args.large:
        large = TrainConfig(layers=(784, 256, 256, 10), batch_size=16)
        rounds = speed_rounds(window, large, max(2, args.rounds // 2), args.seconds, LatencyProbe())
        report_speed("Large network 784,256,256,10, batch 16", rounds, None)
        print(f"  heatmap refresh interval on the large network: {window.heatmaps.refresh_ms} ms\n")
        window.form.set_values(notebook, 100_000_000)
    epochs = 10_000_000 if args.full else 2_000_000
    grown, history, slope = memory_round(window, epochs)
    print(f"Memory over a {epochs:,}-epoch run in the window\n")
    print(f"  RSS grew {grown:.1f} MB; the trainer's loss history is {history:.1f} MB   "
          f"({'within' if grown <= history * 1.1 + 2 else 'OVER'} the history's size)")
    print(f"  slope {slope:.2f} MB per million epochs (the history alone: 8.00)")
    window.close()


if __name__ == "__main__":
    main()
