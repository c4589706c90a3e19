"""Every command of the window in one table: menu, text, shortcuts, tooltip, and the method it calls.

The menus, the shortcuts, the tooltips and Help ▸ Keyboard shortcuts are all
built from :func:`action_specs` (the tabs' from :mod:`mlp_gui.gui.tabs`), so the list a student reads can never drift from
the keys that work. Standard key sequences (Open, Save, Quit) follow the
platform's conventions. Choices between values of one setting (the colour
scale) are an exclusive group whose check mark shows the current value,
read again each time their menu opens, whoever changed it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from mlp_gui.gui import tabs


@dataclass(frozen=True)
class Standard:
    """A platform's standard key (Open, Save, Quit), with the usual sequence where the platform defines none."""

    key: QKeySequence.StandardKey
    fallback: str

    def sequences(self) -> list[QKeySequence]:
        return QKeySequence.keyBindings(self.key) or [QKeySequence(self.fallback)]


Keys = tuple[str | Standard, ...]


def sequences(keys: Keys) -> list[QKeySequence]:
    """Every key sequence that triggers an action."""
    out: list[QKeySequence] = []
    for key in keys:
        out += key.sequences() if isinstance(key, Standard) else [QKeySequence(key)]
    return out


@dataclass(frozen=True)
class ActionSpec:
    """One command: where it sits, what it says, which keys trigger it and which window method it calls."""

    key: str
    menu: str  # "File", "Edit", "Run", "View", "Help"
    text: str
    slot: str  # the window's method name
    keys: Keys = ()
    tip: str = ""
    separator_before: bool = False
    arg: object = None  # passed to the slot when given (Step 1 vs Step 10)
    checkable: bool = False  # a switch: the slot gets the new state
    #: a choice: the window attribute (dotted) holding the current value; the actions of one slot that have it form
    #: an exclusive group, and the one whose ``arg`` is the current value is checked
    current: str = ""


OPEN = Standard(QKeySequence.StandardKey.Open, "Ctrl+O")
SAVE = Standard(QKeySequence.StandardKey.Save, "Ctrl+S")
QUIT = Standard(QKeySequence.StandardKey.Quit, "Ctrl+Q")
SCALE_MODE = "heatmaps.scale_mode"  # where the window keeps the colour-scale mode

_BEFORE_TABS: tuple[ActionSpec, ...] = (
    ActionSpec("open", "File", "&Open run…", "open_run_dialog", (OPEN,), "Open a saved run (.npz)"),
    ActionSpec("save", "File", "&Save run…", "save_run_dialog", (SAVE,), "Save the run (.npz, no pickle)"),
    ActionSpec("save_lesson", "File", "Save as &lesson…", "save_lesson_dialog", (),
               "The run with a lesson: a title and text, the controls hidden or locked, questions on or off"),
    ActionSpec("export_csv", "File", "Export loss as &CSV…", "export_csv_dialog", (), "Every epoch's loss, full precision", True),
    ActionSpec("export_plot", "File", "Export loss &plot (PNG or SVG)…", "export_plot_dialog", (), "The loss plot as an image"),
    ActionSpec("export_script", "File", "Export as P&ython script…", "export_script_dialog", (),
               "The run as plain NumPy code laid out like the course notebook; running it checks the final loss to the last bit"),
    ActionSpec("export_notebook", "File", "Export as &notebook…", "export_notebook_dialog", (),
               "The run as a Jupyter notebook with the course notebook's cells"),
    ActionSpec("quit", "File", "&Quit", "quit", (QUIT,),
               "Quit, also mid-run (the training thread is stopped cleanly; asks first if epochs are saved nowhere)",
               separator_before=True),
    ActionSpec("copy_command", "Edit", "Copy as &command", "copy_command", (),
               "The 'mlp-gui train …' line of this run's settings, with its name (fingerprint), to the clipboard"),
    ActionSpec("start", "Run", "&Start / Pause / Resume", "start_or_pause", ("Ctrl+Return", "Ctrl+Enter"), "Start, pause or resume"),
    ActionSpec("stop", "Run", "S&top", "stop", ("Ctrl+.",), "End this run; Start then begins a new one"),
    ActionSpec("reset", "Run", "&Reset from seed", "reset", ("Ctrl+R",), "Re-initialise from the seed with the settings shown"),
    ActionSpec("step1", "Run", "Step &1 epoch", "step", ("Ctrl+1",), "Train exactly one epoch", arg=1),
    ActionSpec("step10", "Run", "Step 1&0 epochs", "step", ("Ctrl+2",), "Train exactly ten epochs", arg=10),
    ActionSpec("keep", "Run", "&Keep run for comparison", "keep_run", ("Ctrl+K",),
               "Keep the current curve on the plot, faded and labelled", True),
    ActionSpec("sweep", "Run", "S&weep a setting…", "sweep_dialog", (), "Train one setting at several values and overlay the curves"),
    ActionSpec("defaults", "Run", "Restore &defaults (the notebook's settings)", "restore_defaults", (), "The course notebook's settings"),
    ActionSpec("predict", "Run", "&Predict the next step", "predict_next_step", ("Ctrl+P",),
               "Before each Step, answer a question about the coming update; the step shows whether you were right",
               True, checkable=True),
    ActionSpec("leave_lesson", "Run", "Lea&ve lesson", "leave_lesson", (), "Back to the full app: every control shown"),
    ActionSpec("fit", "View", "&Fit loss plot", "fit_plot", ("Ctrl+F",), "Show every curve again and follow the data"),
)

_AFTER_TABS: tuple[ActionSpec, ...] = (
    ActionSpec("show_updates", "View", "Show the &update ΔW (the update rule's step)", "set_show_updates", ("Ctrl+U",),
               "A third heatmap column: the change the next step applies (−stepsize·∂L/∂W for gradient descent)", True,
               checkable=True),
    ActionSpec("show_penalty", "View", "Show the &penalty term", "set_show_penalty", (),
               "The loss plot draws λ₁·Σ|W| + (λ₂/2)·ΣW² beside the data loss (runs with L1 or L2 only)",
               checkable=True),
    ActionSpec("scale_matrix", "View", "Colour scale per &matrix", "set_scale_mode", (), "Each matrix its own scale",
               separator_before=True, arg="matrix", current=SCALE_MODE),
    ActionSpec("scale_shared", "View", "Colour scale &shared across layers", "set_scale_mode", (),
               "One scale for all gradients (and all updates): vanishing gradients show pale", arg="shared", current=SCALE_MODE),
    ActionSpec("scale_log", "View", "Colour scale signed &log", "set_scale_mode", (), "Colour by order of magnitude, with sign",
               arg="log", current=SCALE_MODE),
    ActionSpec("shortcuts", "Help", "&Keyboard shortcuts", "show_shortcuts"),
    ActionSpec("about", "Help", "&About mlp-gui", "show_about"),
)



def tab_actions() -> tuple[ActionSpec, ...]:
    """View ▸ one command per tab of :data:`mlp_gui.gui.tabs.TABS` (read now), its Alt+N from its position."""
    return tuple(ActionSpec(f"tab_{tab.key}", "View", tab.menu_text, "show_tab", tabs.shortcut(i), tab.tip,
                            separator_before=i == 0, arg=i) for i, tab in enumerate(tabs.TABS))


def action_specs() -> tuple[ActionSpec, ...]:
    """Every command, the tabs' as the registry holds them now."""
    return _BEFORE_TABS + tab_actions() + _AFTER_TABS


ACTIONS = action_specs()  # as the app ships (the README's table)
MENUS = ("File", "Edit", "Run", "View", "Help")


def key_text(keys: Keys) -> str:
    """The keys as the platform writes them, e.g. ``Ctrl+Return / Ctrl+Enter``."""
    return " / ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences(keys))


def shortcut_rows() -> list[tuple[str, str]]:
    """(keys, what they do) for every action that has keys: the Help list and the README's table."""
    return [(key_text(spec.keys), spec.tip or spec.text.replace("&", "").rstrip("…")) for spec in action_specs() if spec.keys]


def build_actions(window: QWidget, menus: dict[str, QMenu]) -> dict[str, QAction]:
    """Create every action on ``window`` (application-wide shortcuts) and put it in its menu.

    Choices get their group and check mark; a menu holding choices checks the current one each time it opens.
    """
    actions: dict[str, QAction] = {}
    groups: dict[str, QActionGroup] = {}
    specs = action_specs()
    for spec in specs:
        action = QAction(spec.text, window)
        if spec.keys:
            action.setShortcuts(sequences(spec.keys))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        tip = spec.tip or spec.text.replace("&", "")
        action.setToolTip(f"{tip} ({key_text(spec.keys)})" if spec.keys else tip)
        if spec.checkable:
            action.setCheckable(True)
            action.toggled.connect(getattr(window, spec.slot))
        else:
            action.triggered.connect(_slot(window, spec))
        if spec.current:
            action.setCheckable(True)
            groups.setdefault(spec.slot, QActionGroup(window)).addAction(action)  # exclusive by default
        window.addAction(action)
        if spec.separator_before:
            menus[spec.menu].addSeparator()
        menus[spec.menu].addAction(action)
        actions[spec.key] = action
    show_current_choices(window, actions)
    _recheck_on_open(window, actions, {menus[spec.menu] for spec in specs if spec.current})
    return actions


def show_current_choices(window: QWidget, actions: dict[str, QAction]) -> None:
    """Check every choice whose value is the current one (it may have been changed by other means than its menu)."""
    for spec in ACTIONS:
        if spec.current and _value(window, spec.current) == spec.arg:
            actions[spec.key].setChecked(True)


def _value(window: QWidget, path: str) -> object:
    try:
        return reduce(getattr, path.split("."), window)
    except AttributeError:
        return None


def _recheck_on_open(window: QWidget, actions: dict[str, QAction], menus: set[QMenu]) -> None:
    window_ref = weakref.ref(window)  # the menus belong to the window: a strong reference would be a cycle

    def recheck() -> None:
        shown = window_ref()
        if shown is not None:
            show_current_choices(shown, actions)

    for menu in menus:
        menu.aboutToShow.connect(recheck)


def _slot(window: QWidget, spec: ActionSpec) -> Callable[[], None]:
    """The command: the window's ``before_command()`` (settings typed but not yet applied are), then its method."""
    method, before = getattr(window, spec.slot), window.before_command

    def command() -> None:
        before()
        if spec.arg is None:
            method()
        else:
            method(spec.arg)

    return command
