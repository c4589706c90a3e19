"""Regenerate README's screenshots: ``python assets/make_screenshots.py`` (offscreen, about 20 s).

- ``assets/screenshot.png``: the default run paused mid-training at 1280x800.
- ``assets/compare.png``: a stepsize sweep (0.03, 0.1, 0.3) kept on the plot beside a live run.
- ``assets/spiral.png``: the decision surface and the network diagram on the spiral data set.
- ``assets/explain.png``: the update column ΔW with one colour scale shared across layers, and one weight explained.
- ``assets/flow.png``: the gradient flow of a deep sigmoid network, layer by layer.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen:configfile=" + str(Path(__file__).resolve().parent / "offscreen-1920x1080.json"))
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="mlp-gui-shots-")  # no remembered settings
ASSETS = Path(__file__).resolve().parent
sys.path.insert(0, str(ASSETS.parent))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402

from mlp_gui.core import TrainConfig  # noqa: E402
from mlp_gui.core.sweep import sweep_runs  # noqa: E402
from mlp_gui.gui.app import application  # noqa: E402
from mlp_gui.gui.session import RunState  # noqa: E402
from mlp_gui.gui.window import MainWindow  # noqa: E402

app = application()


def wait_for(condition, timeout_ms: int = 120_000) -> None:
    """Run the event loop until ``condition()`` holds, checking every 50 ms (no busy loop stealing the GIL)."""
    clock = QElapsedTimer()
    clock.start()
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: (condition() or clock.elapsed() > timeout_ms) and loop.quit())
    timer.start(50)
    loop.exec()
    timer.stop()


def settle(window: MainWindow) -> None:
    window.heatmaps.show_snapshot(window.session.snapshot, now=True)
    window.plot.curve_data()  # flushes a pending redraw
    for _ in range(20):
        app.processEvents()


def mid_training() -> None:
    window = MainWindow(TrainConfig())
    window.resize(1280, 800)
    window.show()
    window.start_or_pause()
    wait_for(lambda: window.session.epoch >= 32_000)
    window.session.pause()
    wait_for(lambda: window.session.state is RunState.PAUSED)
    settle(window)
    window.grab().save(str(ASSETS / "screenshot.png"))
    window.close()


def compare() -> None:
    base = TrainConfig()
    window = MainWindow(base.with_changes(stepsize=1.0), epochs=60_000)
    window.resize(1280, 800)
    window.show()
    done = []
    window.explorer.sweeps.finished.connect(done.append)
    window.explorer.sweeps.start(sweep_runs(base, 60_000, "stepsize", "0.03, 0.1, 0.3"))
    wait_for(lambda: bool(done))
    window.start_or_pause()
    wait_for(lambda: window.session.state is RunState.FINISHED)
    settle(window)
    window.grab().save(str(ASSETS / "compare.png"))
    window.close()


def trained_window(config: TrainConfig, epochs: int, *actions: str) -> MainWindow:
    """A fresh 1280x800 window (no runs kept from the shots before) with ``actions`` triggered, trained to ``epochs``."""
    window = MainWindow(config, epochs=epochs)
    window.explorer.kept.clear()
    window.resize(1280, 800)
    window.show()
    for name in actions:
        window.actions[name].trigger()
    window.start_or_pause()
    wait_for(lambda: window.session.state is RunState.FINISHED)
    return window


def save_shot(window: MainWindow, name: str) -> None:
    settle(window)
    window.grab().save(str(ASSETS / f"{name}.png"))
    window.close()


def spiral() -> None:
    """The decision surface and the network diagram on spiral, after training."""
    config = TrainConfig(data="spiral", layers=(2, 8, 8, 2), activation="tanh", output="softmax", loss="cross-entropy",
                         init="xavier", batch_size=0, stepsize=1.0, noise=0.05)
    window = trained_window(config, 8000, "tab_surface")
    window.decision.show_snapshot(window.session.snapshot, now=True)
    window.diagram.show_snapshot(window.session.snapshot, now=True)
    save_shot(window, "spiral")


def explain() -> None:
    """The update column with one colour scale shared across layers (the first layer's updates are the palest),
    and the weight panel on a first-layer weight: its per-sample terms, the exact next value, its path so far."""
    window = trained_window(TrainConfig(), 30_000, "show_updates", "scale_shared")
    window.heatmaps.cell_clicked.emit("uW", 1, 2, 0)
    save_shot(window, "explain")


def flow() -> None:
    """Gradient flow in the notebook's network: the first layer's gradient starts thousands of times below the last's."""
    save_shot(trained_window(TrainConfig(), 200_000, "tab_flow"), "flow")

if __name__ == "__main__":
    mid_training()
    compare()
    spiral()
    explain()
    flow()
    print("wrote", *(ASSETS / f"{name}.png" for name in ("screenshot", "compare", "spiral", "explain", "flow")))
