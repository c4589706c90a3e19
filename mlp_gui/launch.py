"""What the command line asks of the window, in a form that needs no Qt to build."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.settings import DEFAULT_EPOCHS


@dataclass(frozen=True)
class LaunchOptions:
    """How to open the window: prefilled settings, a run file to open, and what to do unattended."""

    config: TrainConfig = field(default_factory=TrainConfig)
    epochs: int = DEFAULT_EPOCHS
    #: settings given explicitly on the command line (they override remembered ones)
    explicit: frozenset[str] = frozenset()
    run_file: Path | None = None
    run: bool = False
    screenshot: Path | None = None
    exit_when_done: bool = False

    @property
    def unattended(self) -> bool:
        """Started by a script: remembered settings must not change what it gets."""
        return self.run or self.exit_when_done or self.screenshot is not None
