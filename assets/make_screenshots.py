"""Regenerate README's screenshots: ``python assets/make_screenshots.py`` (offscreen, about 20 s).

- ``assets/screenshot.png``: the default run paused mid-training at 1280x800.
- ``assets/compare.png``: a stepsize sweep (0.03, 0.1, 0.3) kept on the plot beside a live run.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
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


if __name__ == "__main__":
    mid_training()
    compare()
    print("wrote", ASSETS / "screenshot.png", "and", ASSETS / "compare.png")
