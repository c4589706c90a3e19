"""The window on the screen and across sessions: its first size, its frame, where it was, and the settings it starts with."""

from __future__ import annotations

from PySide6.QtWidgets import QSplitter, QWidget

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.settings import DEFAULT_EPOCHS
from mlp_gui.gui import remembered

USUAL_FRAME = (8, 38)  # a window manager's borders and title bar, before the real ones are known
#: the size the window opens at where the screen has room; the smallest screen it is laid out for is 1024x700
SIZE = (1280, 800)


def initial_values(given: TrainConfig | None, explicit: frozenset[str] | None, epochs: int | None) -> dict:
    """The settings the window starts with: ``given`` as it is (no ``explicit``), or the last session's with the
    ``explicit`` ones of ``given`` (and ``epochs``) over them (the command line's flags)."""
    if given is not None and explicit is None:
        return {**{name: getattr(given, name) for name in given.__dataclass_fields__}, "epochs": epochs or DEFAULT_EPOCHS}
    values = remembered.load_values()
    if given is not None:
        values |= {name: getattr(given, name) for name in (explicit or ()) if name != "epochs"}
        if explicit and "epochs" in explicit and epochs is not None:
            values["epochs"] = epochs
    return values


def fit_to_screen(window: QWidget) -> None:
    """1280x800 where the screen has room, else the screen's available area (panels excluded), frame included.

    Before the window is shown its frame is unknown, so a usual one is assumed; the window fits itself
    again once the window manager has framed it.
    """
    screen = window.screen().availableGeometry() if window.screen() else None
    if screen is None or screen.width() <= 0:
        window.resize(*SIZE)
        return
    frame_w, frame_h = frame_margins(window)
    window.resize(min(SIZE[0], screen.width() - frame_w), min(SIZE[1], screen.height() - frame_h))
    frame = window.frameGeometry()
    if not screen.contains(frame):
        window.move(max(screen.left(), min(frame.left(), screen.right() - frame.width())),
                    max(screen.top(), min(frame.top(), screen.bottom() - frame.height())))


def frame_margins(window: QWidget) -> tuple[int, int]:
    """The window manager's frame (title bar and borders), or a usual one before it is known."""
    extra = window.frameGeometry().size() - window.geometry().size()
    if window.isVisible() and (extra.width() > 0 or extra.height() > 0):
        return extra.width(), extra.height()
    return USUAL_FRAME


def restore(window: QWidget, splitter: QSplitter) -> None:
    """Where the window and its plots/heatmaps divider were when it last closed (nothing the first time)."""
    geometry, state = remembered.load_bytes("geometry"), remembered.load_bytes("splitter")
    if geometry is not None:
        window.restoreGeometry(geometry)
    if state is not None:
        splitter.restoreState(state)


def remember(window: QWidget, splitter: QSplitter) -> None:
    remembered.save_bytes("geometry", window.saveGeometry())
    remembered.save_bytes("splitter", splitter.saveState())
