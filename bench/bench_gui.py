"""The window under load, side by side with the headless trainer, in one process (offscreen).

    python bench/bench_gui.py                 # 5 alternating rounds of 3 s, memory over 2M epochs (~2 min)
    python bench/bench_gui.py --full          # memory over the issue's 10 million epochs (~5 min more)
    python bench/bench_gui.py --large         # also the 784,256,256,10 network
    python bench/bench_gui.py --switch-interval 0.001   # try another GIL switch interval
    python bench/bench_gui.py --dataset       # also spiral 2,8,8,2 (full batch, test metrics): Training tab
                                              # with the ΔW column, then the Decision surface tab
    python bench/bench_gui.py --all-views     # also the notebook network with every view that can be
                                              # visible at once (Training tab, ΔW on, weight panel open),
                                              # then the Gradient flow tab, and the memory of a long run
    python bench/bench_gui.py --profile-views # also GUI-thread CPU per view (refresh and paint), per case
    python bench/bench_gui.py --no-memory     # speed only: leave out the long runs that measure memory

Prints medians of: headless ``Trainer.step`` epochs/s; epochs/s inside the
window with the live plot and heatmaps; their ratio, round by round (target
>= 0.8x); the GUI thread's CPU share; the GUI event loop's lateness (a 10 ms
QTimer; target p95 <= 50 ms); Pause latency from the request to the paused
state (target <= 100 ms); and RSS growth over a long run against the loss
history's own size (target: no more than the history), with its slope per
million epochs.

The window's views redraw only while visible, and the tabs show one at a time,
so each case says which views were visible while it was timed. The window runs
with its divergence guard on (its default); the headless trainer has none.

Both sides share a 2-core machine with whatever else runs on it, so each round
also records the CPU other processes used; rounds where they took more than a
fifth of a core are reported and left out of the medians when enough clean
rounds remain.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tempfile  # noqa: E402

os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="mlp-gui-bench-")  # no remembered settings

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from mlp_gui.core import TrainConfig, Trainer  # noqa: E402
from mlp_gui.core.driver import CHUNK_SECONDS  # noqa: E402
from mlp_gui.gui.app import application  # noqa: E402
from mlp_gui.gui.backprop_view import BackpropView  # noqa: E402
from mlp_gui.gui.decision_view import DecisionView  # noqa: E402
from mlp_gui.gui.gradcheck_panel import GradCheckPanel  # noqa: E402
from mlp_gui.gui.gradient_flow import GradientFlowView  # noqa: E402
from mlp_gui.gui.heatmaps import HeatmapPanel  # noqa: E402
from mlp_gui.gui.loss_plot import LossPlot  # noqa: E402
from mlp_gui.gui.network_diagram import NetworkDiagram  # noqa: E402
from mlp_gui.gui.notebook_pane import NotebookPane  # noqa: E402
from mlp_gui.gui.run_panel import RunPanel  # noqa: E402
from mlp_gui.gui.session import RunState  # noqa: E402
from mlp_gui.gui.weight_panel import WeightPanel  # noqa: E402
from mlp_gui.gui.window import MainWindow  # noqa: E402

app = application()
NOISY_CORES = 0.2  # other processes' CPU above this marks a round as disturbed
SPIRAL = TrainConfig(data="spiral", layers=(2, 8, 8, 2), activation="tanh", output="softmax", loss="cross-entropy",
                     init="xavier", batch_size=0, stepsize=0.3)


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


def headless_chunk(config: TrainConfig) -> int:
    """Epochs per ``Trainer.step`` call: 2000 for the notebook network, 4 for the large one, else about
    CHUNK_SECONDS of work (as the window's worker sizes its chunks)."""
    if config == TrainConfig():
        return 2000
    if config.layers == (784, 256, 256, 10):
        return 4
    trainer, n = Trainer.new(config), 16
    while True:
        t0 = time.perf_counter()
        trainer.step(n)
        spent = time.perf_counter() - t0
        if spent >= CHUNK_SECONDS / 2 or n >= 200_000:
            return max(1, int(n * CHUNK_SECONDS / max(spent, 1e-9)))
        n *= 4


def headless_rate(config: TrainConfig, seconds: float) -> tuple[float, float]:
    """Epochs/s of a bare Trainer, and other processes' CPU meanwhile."""
    trainer = Trainer.new(config)
    chunk = headless_chunk(config)
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


class ViewCosts:
    """GUI-thread CPU (``time.thread_time``) spent in each view's refresh and paint methods, exclusive of the
    timed calls nested in them (the delivery slot's own share leaves out the loss plot's redraw it makes).

    :meth:`install` wraps the methods on their classes, so it must run before the window is built (Qt
    connections and the pacers keep the bound methods they were given).
    """

    METHODS = (  # (class, method, what it does)
        (MainWindow, "_on_delivered", "delivery slot (losses, accuracy, progress)"),
        (RunPanel, "show_progress", "progress text"),
        (LossPlot, "_draw", "curve update"),
        (HeatmapPanel, "_draw", "refresh (set images, scales, cell texts)"),
        (WeightPanel, "_draw", "redraw (one weight's terms and curves)"),
        (GradientFlowView, "_draw", "redraw (per-layer norm curves)"),
        (BackpropView, "_refresh", "refresh (forward/backward + arrays)"),
        (DecisionView, "_draw", "redraw (grid predict + image)"),
        (NetworkDiagram, "_draw", "redraw (edges, grid activations, thumbnails)"),
        (NetworkDiagram, "paintEvent", "paint"),
        (GradCheckPanel, "on_delivered", "delivery (keeps the snapshot, status line)"),
        (NotebookPane, "on_delivered", "delivery (printed epochs' lines)"),
        (pg.GraphicsView, "paintEvent", "paint"),
    )

    def __init__(self) -> None:
        self.seconds: defaultdict[tuple[str, int], float] = defaultdict(float)
        self.calls: defaultdict[tuple[str, int], int] = defaultdict(int)
        self.names: dict[int, str] = {}
        self._children: list[float] = []

    def install(self) -> None:
        for cls, name, what in self.METHODS:
            if not hasattr(cls, name):
                raise SystemExit(f"--profile-views: {cls.__name__} has no method {name} any more: update ViewCosts.METHODS")
            setattr(cls, name, self._timed(getattr(cls, name), what))

    def name(self, window: MainWindow) -> None:
        """Which object is which view (the wrapped methods see only ``self``)."""
        for obj, label in ((window, "window"), (window.run_panel, "run panel"), (window.plot, "loss plot"),
                           (window.heatmaps, "heatmaps"), (window.heatmaps.view, "heatmaps"),
                           (window.backprop, "backprop"), (window.backprop.view, "backprop"),
                           (window.decision, "decision surface"), (window.decision.plot_widget, "decision surface"),
                           (window.diagram, "network diagram"), (window.view("gradcheck"), "gradient check"),
                           (window.weight_panel, "weight panel"), (window.weight_panel.view, "weight panel"),
                           (window.flow, "gradient flow"), (window.flow.view, "gradient flow"),
                           (window.view("notebook"), "notebook printout")):
            self.names[id(obj)] = label

    def _timed(self, method, what: str):
        costs = self

        @functools.wraps(method)
        def timed(obj, *args, **kwargs):
            if threading.current_thread() is not threading.main_thread():
                return method(obj, *args, **kwargs)
            began = time.thread_time()
            costs._children.append(0.0)
            try:
                return method(obj, *args, **kwargs)
            finally:
                spent = time.thread_time() - began
                nested = costs._children.pop()
                key = (what, id(obj))
                costs.seconds[key] += spent - nested
                costs.calls[key] += 1
                if costs._children:
                    costs._children[-1] += spent

        return timed

    def totals(self) -> dict[str, tuple[float, int]]:
        """Seconds and calls so far, by ``view: what``."""
        out: dict[str, tuple[float, int]] = {}
        for key, seconds in self.seconds.items():
            what, ident = key
            label = f"{self.names.get(ident, f'other view {ident:x}')}: {what}"
            s, n = out.get(label, (0.0, 0))
            out[label] = (s + seconds, n + self.calls[key])
        return out


COSTS: ViewCosts | None = None  # set by --profile-views


def cost_difference(after: dict[str, tuple[float, int]], before: dict[str, tuple[float, int]]) -> dict[str, tuple[float, int]]:
    return {k: (s - before.get(k, (0.0, 0))[0], n - before.get(k, (0.0, 0))[1]) for k, (s, n) in after.items()}


@dataclass
class Round:
    headless: float
    window: float
    gui_cpu: float
    others: float
    pauses: list[float] = field(default_factory=list)
    seconds: float = 0.0  # the window's timed interval
    costs: dict[str, tuple[float, int]] = field(default_factory=dict)  # --profile-views: GUI-thread CPU by view

    @property
    def ratio(self) -> float:
        return self.window / self.headless

    @property
    def clean(self) -> bool:
        return self.others <= NOISY_CORES


def window_round(window: MainWindow, seconds: float, probe: LatencyProbe) -> tuple[float, float, float, list[float], float, dict]:
    """Epochs/s in the window over ``seconds`` (after a warm-up), GUI-thread CPU share, others' CPU, pause latencies,
    the interval timed, and (--profile-views) GUI-thread CPU by view over it."""
    window.session.new_run(window.form.config(), window.form.epochs())  # Reset, without the question
    wait_for(lambda: window.session.state is RunState.READY)
    window.start_or_pause()
    wait(500)  # warm-up: chunk sizes settle
    probe.start()
    e0 = window.session.epoch
    costs0 = COSTS.totals() if COSTS else {}
    with CpuMeter() as cpu:
        wait(int(seconds * 1000))
    rate = (window.session.epoch - e0) / cpu.seconds
    costs = cost_difference(COSTS.totals(), costs0) if COSTS else {}
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
    return rate, cpu.gui_thread, cpu.others, pauses, cpu.seconds, costs


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


def report_memory(title: str, grown: float, history: float, slope: float) -> None:
    print(f"{title}\n")
    print(f"  RSS grew {grown:.1f} MB; the trainer's loss history is {history:.1f} MB   "
          f"({'within' if grown <= history * 1.1 + 2 else 'OVER'} the history's size)")
    print(f"  slope {slope:.2f} MB per million epochs (the history alone: 8.00)")


def dataset_cases(window: MainWindow, rounds: int, seconds: float) -> None:
    """Spiral 2,8,8,2, full batch, test metrics every epoch: the Training tab with ΔW, then the Decision surface tab."""
    name = "Spiral 2,8,8,2 tanh/softmax, full batch (test loss and accuracy each epoch)"
    cases = (("Training tab, ΔW column on", window.training_split, True),
             ("Decision surface tab", window.surface_splitter, False))
    for case, tab, updates in cases:
        probe = LatencyProbe()
        show_views(window, tab, updates)
        result = speed_rounds(window, SPIRAL, rounds, seconds, probe, planned=10_000_000)
        report_speed(f"{name}; {case}", result, probe, visible_views(window) + f"; guard {guard_text(window)}",
                     "in the window")
        if tab is window.surface_splitter:
            print(f"  decision surface: {window.decision.redraws} redraws this run, refresh interval "
                  f"{window.decision.interval_ms} ms, last redraw {1000 * window.decision.last_redraw_seconds:.1f} ms; "
                  f"network diagram: {window.diagram.redraws} redraws, last {1000 * window.diagram.last_redraw_seconds:.1f} ms "
                  f"+ paint {1000 * window.diagram.last_paint_seconds:.1f} ms\n")
        else:
            print(f"  heatmap refresh interval: {window.heatmaps.interval_ms} ms\n")


def all_views_case(window: MainWindow, rounds: int, seconds: float, epochs: int) -> None:
    """The notebook network with every view that can be visible at once (the Training tab, ΔW column on, one weight
    explained), then the Gradient flow tab; and the memory of a long run with the first."""
    notebook = TrainConfig()
    for case, tab, panel in (("every view that can be visible at once (Training tab, ΔW on, weight panel open)",
                              window.training_split, True),
                             ("the Gradient flow tab (norms recorded by the trainer, drawn live)", window.flow, False)):
        probe = LatencyProbe()
        show_views(window, tab, True, weight_panel=panel)
        result = speed_rounds(window, notebook, rounds, seconds, probe)
        report_speed(f"Notebook network 3,4,4,2, batch 5; {case}", result, probe,
                     visible_views(window) + f"; guard {guard_text(window)}", "in the window (all views)")
        if panel:
            print(f"  heatmap refresh interval: {window.heatmaps.interval_ms} ms; weight panel: {window.weight_panel.redraws} "
                  f"redraws, last {1000 * window.weight_panel.last_redraw_seconds:.1f} ms\n")
    if not epochs:
        return
    show_views(window, window.training_split, True, weight_panel=True)
    grown, history, slope = memory_round(window, epochs)
    report_memory(f"Memory over a {epochs:,}-epoch run in the window, every view visible (Training tab, ΔW on, weight panel)",
                  grown, history, slope)
    store, record = window.session._trainer.snapshots, window.session._trainer.norms
    kept = sum(r.nbytes for r in store.rows) / 1e6
    print(f"  of which snapshots: {len(store.epochs):,} kept, {kept:.2f} MB (budget 64 MB); gradient-flow record: "
          f"{len(record):,} rows, {len(record) * (8 + 24 * record.layers) / 1e6:.2f} MB\n")


def guard_text(window: MainWindow) -> str:
    return "on" if window.session.guard_enabled else "off"


def median_of(rounds: list[Round], attribute: str) -> float:
    chosen = [r for r in rounds if r.clean]
    chosen = chosen if len(chosen) >= max(2, len(rounds) // 2) else rounds
    return statistics.median(getattr(r, attribute) for r in chosen)


def speed_rounds(window: MainWindow, config: TrainConfig, rounds: int, seconds: float, probe: LatencyProbe,
                 planned: int = 100_000_000) -> list[Round]:
    window.form.set_values(config, planned)
    window.session.new_run(window.form.config(), window.form.epochs())  # Reset, without the question
    out = []
    for _ in range(rounds):
        headless, others_h = headless_rate(config, seconds)
        rate, gui_cpu, others_w, pauses, timed, costs = window_round(window, seconds, probe)
        out.append(Round(headless, rate, gui_cpu, max(others_h, others_w), pauses, timed, costs))
    return out


def show_views(window: MainWindow, tab: QWidget, updates: bool, weight_panel: bool = False) -> None:
    """Show ``tab`` (Training, Decision surface, ...) with the ΔW column on or off and (on the Training tab) the weight
    panel open on W2[1, 3] or closed, as a person would."""
    window.actions["show_updates"].setChecked(updates)
    window.tabs.setCurrentWidget(tab)
    if weight_panel:
        window.heatmaps.cell_clicked.emit("W", 2, 1, 3)
    elif window.weight_panel.isVisible():
        window.weight_panel.close_panel()
    wait(300)


def visible_views(window: MainWindow) -> str:
    """The live views visible now, and the ones hidden (they do not redraw)."""
    h = window.heatmaps
    heatmaps = "heatmaps W|∂L/∂W" + ("|ΔW" if h.show_updates else "")
    decision = "decision surface" + (" (a message only: no 2-input plane)" if window.decision.kind == "message" else "")
    views = {"loss plot": window.plot, heatmaps: h, "gradient check": window.view("gradcheck"),
             "notebook printout": window.view("notebook"), "backprop": window.backprop, decision: window.decision,
             "network diagram" + ("" if window.diagram.has_thumbnails else " (no thumbnails)"): window.diagram,
             "weight panel": window.weight_panel, "gradient flow": window.flow}
    shown = [name for name, widget in views.items() if widget.isVisible()]
    hidden = [name for name, widget in views.items() if not widget.isVisible()]
    return f"visible: {', '.join(shown) or 'none'}; hidden: {', '.join(hidden) or 'none'}"


def report_costs(rounds: list[Round]) -> None:
    """--profile-views: GUI-thread CPU by view over every round's timed interval, as a share of one core."""
    total = sum(r.seconds for r in rounds)
    if not total or not any(r.costs for r in rounds):
        return
    summed: dict[str, list[float]] = {}
    for r in rounds:
        for label, (seconds, calls) in r.costs.items():
            s = summed.setdefault(label, [0.0, 0])
            s[0] += seconds
            s[1] += calls
    gui = sum(r.gui_cpu * r.seconds for r in rounds)
    print(f"  GUI-thread CPU by view (share of one core over {total:.1f} s; {100 * gui / total:.1f}% in all):")
    for label, (seconds, calls) in sorted(summed.items(), key=lambda kv: -kv[1][0]):
        if calls:
            print(f"    {label:<62} {100 * seconds / total:5.1f}%  {calls / total:6.1f} calls/s  "
                  f"{1000 * seconds / calls:6.2f} ms/call")
    timed = sum(s for s, _ in summed.values())
    print(f"    {'everything else (Qt events, layout, signals, the probe)':<62} {100 * (gui - timed) / total:5.1f}%\n")


def report_speed(title: str, rounds: list[Round], probe: LatencyProbe | None, views: str = "",
                 where: str = "in the window (plot+heatmaps)") -> None:
    h, w = median_of(rounds, "headless"), median_of(rounds, "window")
    ratio = median_of(rounds, "ratio")
    clean = sum(r.clean for r in rounds)
    print(f"{title}: {len(rounds)} alternating rounds ({clean} undisturbed: others' CPU <= {NOISY_CORES} cores)\n")
    if views:
        print(f"  {views}\n")
    print(f"  headless Trainer.step          median {h:>9,.0f} epochs/s")
    print(f"  {where:<30} median {w:>9,.0f} epochs/s")
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
    report_costs(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--full", action="store_true", help="memory over 10 million epochs")
    parser.add_argument("--large", action="store_true", help="also time the 784,256,256,10 network (batch 16)")
    parser.add_argument("--switch-interval", type=float, default=None, help="sys.setswitchinterval for this run")
    parser.add_argument("--dataset", action="store_true",
                        help="also spiral 2,8,8,2: the Training tab with the ΔW column, and the Decision surface tab")
    parser.add_argument("--all-views", action="store_true",
                        help="also the notebook network with every view that can be visible at once (ΔW on), and its memory")
    parser.add_argument("--profile-views", action="store_true", help="GUI-thread CPU per view's refresh and paint, per case")
    parser.add_argument("--no-memory", action="store_true", help="leave out the long runs that measure memory")
    args = parser.parse_args()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    global COSTS
    if args.profile_views:
        COSTS = ViewCosts()
        COSTS.install()

    window = MainWindow(TrainConfig(), epochs=100_000_000)
    if COSTS:
        COSTS.name(window)
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
        print(f"  heatmap refresh interval on the large network: {window.heatmaps.interval_ms} ms\n")
        window.form.set_values(notebook, 100_000_000)
    epochs = 0 if args.no_memory else 10_000_000 if args.full else 2_000_000
    if epochs:
        grown, history, slope = memory_round(window, epochs)
        report_memory(f"Memory over a {epochs:,}-epoch run in the window", grown, history, slope)
    if args.dataset or args.all_views:
        print()
    if args.dataset:
        dataset_cases(window, args.rounds, args.seconds)
    if args.all_views:
        all_views_case(window, args.rounds, args.seconds, epochs)
    window.close()


if __name__ == "__main__":
    main()
