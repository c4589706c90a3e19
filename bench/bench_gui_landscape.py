"""The Landscape tab and the sharpness plot in the window, side by side with the headless trainer (offscreen).

    python bench/bench_gui_landscape.py               # 5 alternating rounds of 3 s per live case (~3 min)
    python bench/bench_gui_landscape.py --rounds 3 --seconds 2

Prints, with the machine's load (two cores shared with whatever else runs):

1. The GUI event loop's lateness (a 10 ms QTimer; target p95 <= 50 ms) while the Landscape tab computes 41x41 pca
   slices on its worker thread: of the notebook's net, and of 784,256,256,10 on 128 samples; and while the
   Gradient flow tab computes λ_max at the large run's kept snapshots.
2. A live notebook run in the window with the Landscape tab shown (the slice computed at a pause, the path
   growing on it with every delivery), then with the Gradient flow tab shown (λ_max computed at the pause):
   epochs/s against a bare ``Trainer.step`` in alternating rounds, medians and the ratio round by round
   (target >= 0.8x), as bench/bench_gui.py measures the other tabs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_gui as bg  # noqa: E402  (offscreen platform, fresh settings, the application)

from mlp_gui.core import TrainConfig  # noqa: E402
from mlp_gui.gui.landscape_view import LandscapeView  # noqa: E402
from mlp_gui.gui.session import RunState  # noqa: E402
from mlp_gui.gui.window import MainWindow  # noqa: E402

NOTEBOOK = TrainConfig()
LARGE = TrainConfig(layers=(784, 256, 256, 10), batch_size=128)
IDLE = (RunState.PAUSED, RunState.FINISHED, RunState.STOPPED)
GAP_MS = 300  # between one slice drawn and the next Compute


def landscape_of(window: MainWindow) -> LandscapeView:
    return next(v for v in window.tab_views if isinstance(v, LandscapeView))


def trained(window: MainWindow, config: TrainConfig, epochs: int) -> None:
    """A new run of ``config`` trained to ``epochs`` in the window, in steps that double (1, 1, 2, 4, ...) so it keeps
    snapshots on the way (a large net's one chunk would keep only its ends)."""
    window.form.set_values(config, epochs)
    window.session.new_run(window.form.config(), epochs)
    bg.wait_for(lambda: window.session.state is RunState.READY)
    step = 1
    while window.session.epoch < epochs:
        window.session.step(min(step, epochs - window.session.epoch))
        bg.wait_for(lambda: window.session.state in IDLE, timeout_ms=600_000)
        step *= 1 if window.session.epoch == 1 else 2


def lateness(late: list[float]) -> str:
    late = sorted(late)
    p95 = late[int(0.95 * (len(late) - 1))]
    return (f"p50 {late[len(late) // 2]:.1f} ms, p95 {p95:.1f} ms, max {late[-1]:.1f} ms over {len(late)} ticks   "
            f"target p95 <= 50 ms: {'met' if p95 <= 50 else 'NOT met'}")


def slice_latency(window: MainWindow, config: TrainConfig, epochs: int, repeats: int, name: str) -> None:
    """``repeats`` slices, one every GAP_MS as a person presses Compute: the event loop's lateness from each press
    to GAP_MS later (the computation, the drawing, what follows), and the GUI thread's own CPU per slice."""
    trained(window, config, epochs)
    view = landscape_of(window)
    window.tabs.setCurrentWidget(view)
    bg.wait_for(lambda: not view.busy, timeout_ms=120_000)  # the computation the pause started
    probe, seconds, gui = bg.LatencyProbe(), [], []
    for _ in range(repeats):
        probe.start()
        began, cpu = time.perf_counter(), time.thread_time()
        view.compute()
        bg.wait_for(lambda: not view.busy, timeout_ms=120_000)
        seconds.append(time.perf_counter() - began)
        gui.append(time.thread_time() - cpu)
        bg.wait(GAP_MS)
        probe.stop()
    print(f"{name}: {repeats} slices, one every {GAP_MS} ms after the last: median {statistics.median(seconds):.3f} s "
          f"from Compute to drawn, of which the GUI thread's own CPU {1000 * statistics.median(gui):.0f} ms (copying the "
          "run, drawing the slice)")
    print(f"  the tab says: {view.status.text()}")
    print(f"  event-loop lateness while computing and drawing: {lateness(probe.late)}\n")


def sharpness_latency(window: MainWindow, config: TrainConfig, epochs: int, name: str) -> None:
    window.tabs.setCurrentWidget(window.flow)
    plot = window.flow.sharpness
    probe = bg.LatencyProbe()
    probe.start()  # from the start: the computation begins as the run finishes
    trained(window, config, epochs)
    began = time.perf_counter()
    bg.wait_for(lambda: len(plot.record) > 0 and not plot.busy, timeout_ms=600_000)
    probe.stop()
    print(f"{name}: λ_max at {len(plot.record)} kept snapshots, {time.perf_counter() - began:.2f} s after the run "
          f"finished; {plot.status.text()}")
    print(f"  event-loop lateness over the run and the computation: {lateness(probe.late)}\n")


def live_round(window: MainWindow, tab, seconds: float, probe: bg.LatencyProbe) -> tuple[float, float]:
    """Epochs/s of a live notebook run with ``tab`` shown, after a pause that computed what the tab shows."""
    window.tabs.setCurrentWidget(tab)
    window.form.set_values(NOTEBOOK, 100_000_000)
    window.session.new_run(window.form.config(), 100_000_000)
    bg.wait_for(lambda: window.session.state is RunState.READY)
    window.start_or_pause()
    bg.wait(1000)
    window.session.pause()
    bg.wait_for(lambda: window.session.state is RunState.PAUSED)
    busy = (lambda: tab.busy) if isinstance(tab, LandscapeView) else (lambda: tab.sharpness.busy)
    bg.wait(50)
    bg.wait_for(lambda: not busy(), timeout_ms=60_000)
    window.start_or_pause()
    bg.wait(500)  # warm-up
    probe.start()
    e0 = window.session.epoch
    with bg.CpuMeter() as cpu:
        bg.wait(int(seconds * 1000))
    rate = (window.session.epoch - e0) / cpu.seconds
    probe.stop()
    window.session.stop()
    bg.wait_for(lambda: window.session.state is RunState.STOPPED)
    return rate, cpu.others


def live_case(window: MainWindow, tab, rounds: int, seconds: float, name: str) -> None:
    probe, out = bg.LatencyProbe(), []
    for _ in range(rounds):
        headless, others_h = bg.headless_rate(NOTEBOOK, seconds)
        rate, others_w = live_round(window, tab, seconds, probe)
        out.append(bg.Round(headless, rate, 0.0, max(others_h, others_w)))
    h, w, ratio = (bg.median_of(out, a) for a in ("headless", "window", "ratio"))
    print(f"{name}: {rounds} alternating rounds of {seconds:g} s")
    print(f"  headless Trainer.step   median {h:>9,.0f} epochs/s")
    print(f"  in the window           median {w:>9,.0f} epochs/s")
    print(f"  ratio window/headless   median {ratio:.2f}x  (round by round: "
          f"{' '.join(f'{r.ratio:.2f}' + ('' if r.clean else '*') for r in out)}; * = others used > "
          f"{bg.NOISY_CORES} cores)   target >= 0.8x: {'met' if ratio >= 0.8 else 'NOT met'}")
    print(f"  event-loop lateness while live: {lateness(probe.late)}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--no-live", action="store_true", help="only the event loop while computing (part 1)")
    args = parser.parse_args()
    window = MainWindow(NOTEBOOK, epochs=100_000_000)
    window.show()
    bg.wait(300)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start\n")
    slice_latency(window, NOTEBOOK, 20_000, 10, "41x41 pca slice, notebook net (46 parameters), 20,000 epochs")
    slice_latency(window, LARGE, 16, 3, "41x41 pca slice, 784,256,256,10 on 128 samples, 16 epochs")
    sharpness_latency(window, LARGE, 16, "Gradient flow tab, 784,256,256,10 on 128 samples, 16 epochs")
    if not args.no_live:
        live_case(window, landscape_of(window), args.rounds, args.seconds,
                  "Live notebook run, Landscape tab shown (path growing on the slice of the pause)")
        live_case(window, window.flow, args.rounds, args.seconds,
                  "Live notebook run, Gradient flow tab shown (λ_max computed at the pause)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    window.close()


if __name__ == "__main__":
    main()
