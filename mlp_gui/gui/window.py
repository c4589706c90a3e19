"""The main window: settings and run controls on the left, the loss curve and the heatmaps beside it.

The window wires views to the :class:`TrainingSession`; it computes nothing
itself. Settings typed while nothing has been trained apply at once (the
heatmaps show the new initial weights); once a run has epochs behind it the
window asks before replacing it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mlp_gui import __version__
from mlp_gui.core.config import TrainConfig
from mlp_gui.core.runfile import RunFileError, SavedRun, load_run
from mlp_gui.gui import remembered, run_files
from mlp_gui.gui.explore import Explorer
from mlp_gui.gui.heatmaps import HeatmapPanel
from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.run_panel import RunPanel
from mlp_gui.gui.run_worker import Delivery
from mlp_gui.gui.session import RunState, TrainingSession
from mlp_gui.gui.settings_form import SettingsForm

SHORTCUTS = [
    ("Ctrl+Return", "Start, pause or resume"),
    ("Ctrl+.", "Stop the run"),
    ("Ctrl+R", "Reset from the seed"),
    ("Ctrl+1 / Ctrl+2", "Step 1 / Step 10 epochs"),
    ("Ctrl+S / Ctrl+O", "Save run / Open run"),
    ("Ctrl+K", "Keep the current run on the plot for comparison"),
    ("Ctrl+Q", "Quit (also mid-run; the thread is stopped cleanly)"),
]


class MainWindow(QMainWindow):
    """mlp-gui's window."""

    #: the run stopped for good or reached its epochs: its final state
    run_ended = Signal(object)

    def __init__(self, config: TrainConfig | None = None, explicit: frozenset[str] | None = None) -> None:
        """``config`` None: the last session's settings; with ``explicit``: only those fields of ``config``
        override them (the command line's flags); otherwise ``config`` as it is."""
        super().__init__()
        self.explicit = explicit  # settings given on the command line
        self.run_path: Path | None = None
        self.setWindowTitle("mlp-gui — watch backpropagation")
        self.session = TrainingSession(self)
        self.form = SettingsForm()
        self.run_panel = RunPanel()
        self.plot = LossPlot()
        self.heatmaps = HeatmapPanel(on_hover=self._show_hover)
        self.explorer = Explorer(self.session, self.plot, self)
        self._build_layout()
        self.actions: dict[str, QAction] = {}
        self._build_menus()
        self._connect()
        self.form.set_config(self._initial_config(config, explicit))
        self.session.new_run(self.form.config() or TrainConfig())
        self.resize(1280, 800)
        self._restore_geometry()

    # ------------------------------------------------------------ construction

    def _build_layout(self) -> None:
        settings_box = QGroupBox("Settings")
        QVBoxLayout(settings_box).addWidget(self.form)
        run_box = QGroupBox("Run")
        QVBoxLayout(run_box).addWidget(self.run_panel)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(settings_box)
        side_layout.addWidget(run_box)
        side_layout.addWidget(self._compare_box(), 1)
        side.setFixedWidth(270)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.plot)
        self.splitter.addWidget(self.heatmaps)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([420, 580])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.splitter, "Training")
        self.tabs.addTab(self.explorer.gradcheck, "Gradient check")
        self.tabs.addTab(self.explorer.notebook, "Notebook printout")
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(side)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Ready")

    def _compare_box(self) -> QGroupBox:
        box = QGroupBox("Compare runs")
        self.keep_button = QPushButton("Keep this run")
        self.keep_button.setToolTip("Keep the current curve on the plot, faded and labelled (Ctrl+K)")
        self.keep_button.clicked.connect(self.keep_run)
        self.sweep_button = QPushButton("Sweep…")
        self.sweep_button.setToolTip("Train one setting at several values and overlay the curves")
        self.sweep_button.clicked.connect(self.sweep_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.sweep_button)
        layout = QVBoxLayout(box)
        layout.addLayout(buttons)
        layout.addWidget(self.explorer.kept_list, 1)
        return box

    def _action(self, key: str, text: str, slot, shortcut: str | QKeySequence | None = None, menu=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.setToolTip(f"{text.replace('&', '')} ({QKeySequence(shortcut).toString()})")
        action.triggered.connect(slot)
        self.addAction(action)
        if menu is not None:
            menu.addAction(action)
        self.actions[key] = action
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.run_menu = bar.addMenu("&Run")
        self.view_menu = bar.addMenu("&View")
        self.help_menu = bar.addMenu("&Help")
        self._action("open", "&Open run…", self.open_run_dialog, "Ctrl+O", self.file_menu)
        self._action("save", "&Save run…", self.save_run_dialog, "Ctrl+S", self.file_menu)
        self.file_menu.addSeparator()
        self._action("export_csv", "Export loss as &CSV…", self.export_csv_dialog, None, self.file_menu)
        self._action("export_plot", "Export loss &plot (PNG or SVG)…", self.export_plot_dialog, None, self.file_menu)
        self.file_menu.addSeparator()
        self._action("quit", "&Quit", self.close, "Ctrl+Q", self.file_menu)
        self._action("fit", "&Fit loss plot", self.plot.fit, "Ctrl+F", self.view_menu)
        self._action("start", "&Start / Pause / Resume", self.start_or_pause, "Ctrl+Return", self.run_menu)
        enter = QAction(self)
        enter.setShortcut(QKeySequence("Ctrl+Enter"))
        enter.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        enter.triggered.connect(self.start_or_pause)
        self.addAction(enter)
        self._action("stop", "S&top", self.session.stop, "Ctrl+.", self.run_menu)
        self._action("reset", "&Reset from seed", self.reset, "Ctrl+R", self.run_menu)
        self._action("step1", "Step &1 epoch", lambda: self.step(1), "Ctrl+1", self.run_menu)
        self._action("step10", "Step 1&0 epochs", lambda: self.step(10), "Ctrl+2", self.run_menu)
        self.run_menu.addSeparator()
        self._action("keep", "&Keep run for comparison", self.keep_run, "Ctrl+K", self.run_menu)
        self._action("sweep", "S&weep a setting…", self.sweep_dialog, None, self.run_menu)
        self._action("defaults", "Restore &defaults (the notebook's settings)", self.restore_defaults, None, self.run_menu)
        self._action("tab_training", "&Training", lambda: self.tabs.setCurrentIndex(0), "Alt+1", self.view_menu)
        self._action("tab_gradcheck", "&Gradient check", lambda: self.tabs.setCurrentIndex(1), "Alt+2", self.view_menu)
        self._action("tab_notebook", "&Notebook printout", lambda: self.tabs.setCurrentIndex(2), "Alt+3", self.view_menu)
        self._action("shortcuts", "&Keyboard shortcuts", self._show_shortcuts, None, self.help_menu)
        self._action("about", "&About mlp-gui", self._show_about, None, self.help_menu)

    def _connect(self) -> None:
        s = self.session
        s.run_reset.connect(self._on_run_reset)
        s.delivered.connect(self._on_delivered)
        s.state_changed.connect(self._on_state)
        s.failed.connect(lambda msg: self._note(msg, error=True))
        self.run_panel.start_pause_clicked.connect(self.start_or_pause)
        self.run_panel.stop_clicked.connect(s.stop)
        self.run_panel.reset_clicked.connect(self.reset)
        self.run_panel.step_clicked.connect(self.step)
        self.run_panel.lock_scales_toggled.connect(self.heatmaps.set_locked)
        self.explorer.sweeps.progressed.connect(lambda f: self.statusBar().showMessage(f"Sweep: {f:.0%}"))
        self.explorer.sweeps.finished.connect(lambda r: self.statusBar().showMessage(f"Sweep done: {len(r)} runs kept on the plot"))
        self.explorer.sweeps.failed.connect(lambda msg: self._note(msg, error=True))
        self.tabs.currentChanged.connect(self._on_tab)
        self.form.validity_changed.connect(lambda _valid: self._refresh_controls())
        for edit in self.form.edits.values():
            edit.editingFinished.connect(self._settings_committed)

    # ------------------------------------------------------------ commands

    def start_or_pause(self) -> None:
        """Ctrl+Return: start, pause or resume, as the state calls for."""
        state = self.session.state
        if state is RunState.RUNNING:
            self.session.pause()
        elif state is RunState.STOPPED and self.form.valid:
            self.session.new_run(self.form.config())
            self.session.start()
        elif self.run_panel.start_button.isEnabled() and self._apply_settings(ask=True):
            self.session.start()

    def reset(self) -> None:
        config = self.form.config()
        if config is not None:
            self.session.new_run(config)

    def step(self, epochs: int) -> None:
        if self.session.state.busy or not self.form.valid:
            return
        if self._apply_settings(ask=True):
            self.session.step(epochs)

    # ------------------------------------------------------------ explore

    def keep_run(self) -> None:
        if self.explorer.keep_current_run() is None:
            self.statusBar().showMessage("Train some epochs first: there is no curve to keep yet")

    def sweep_dialog(self) -> None:
        config = self.form.config()
        if config is not None and self.explorer.ask_sweep(config, self):
            self.statusBar().showMessage("Sweep started")

    def restore_defaults(self) -> None:
        self.form.set_config(TrainConfig())
        self._apply_settings(ask=self.session.trainer is not None and self.session.trainer.epoch > 0)

    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is self.explorer.gradcheck and not self.session.state.busy:
            self.explorer.gradcheck.check_now()

    # ------------------------------------------------------------ remembered settings

    @staticmethod
    def _initial_config(given: TrainConfig | None, explicit: frozenset[str] | None) -> TrainConfig:
        if given is not None and explicit is None:
            return given
        stored = remembered.load_config()
        if given is None:
            return stored
        return stored.with_changes(**{name: getattr(given, name) for name in explicit})

    def _restore_geometry(self) -> None:
        geometry, splitter = remembered.load_bytes("geometry"), remembered.load_bytes("splitter")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def _remember(self) -> None:
        config = self.form.config()
        if config is not None:
            remembered.save_config(config)
        remembered.save_bytes("geometry", self.saveGeometry())
        remembered.save_bytes("splitter", self.splitter.saveState())

    # ------------------------------------------------------------ files

    def save_run_to(self, path: Path) -> None:
        """Save the current run (pausing it first if it is training; it can resume)."""
        self.session.pause_then(lambda: self._file_op(lambda: run_files.write_run(path, self.session.saved_run()), path))

    def open_run_from(self, path: Path) -> bool:
        """Open a saved run; on a bad file say why and leave the current run as it is."""
        try:
            run = load_run(path)
        except RunFileError as exc:
            self._file_error("Cannot open run", str(exc))
            return False
        self.open_saved_run(run, path)
        return True

    def open_saved_run(self, run: SavedRun, path: Path | None = None) -> None:
        self.run_path = path
        self.session.open_run(run)
        name = f" from {path.name}" if path else ""
        self.statusBar().showMessage(f"Opened {run.epochs:,} epochs{name}")

    def export_csv(self, path: Path) -> None:
        self.session.pause_then(
            lambda: self._file_op(lambda: run_files.write_loss_csv(path, self.session.trainer.loss_history), path)
        )

    def export_plot(self, path: Path) -> None:
        self._file_op(lambda: run_files.write_plot_image(path, self.plot), path)

    def _file_op(self, operation, path: Path) -> None:
        try:
            self.statusBar().showMessage(operation())
        except (OSError, RunFileError) as exc:
            self._file_error("Cannot write file", f"{path}: {getattr(exc, 'strerror', None) or exc}")

    def _file_error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(message)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self)
        box.setObjectName("fileError")
        box.open()  # not exec(): the window keeps updating while the message shows

    def _ask_path(self, title: str, filters: str, save: bool, default: str = "") -> Path | None:
        start = str((self.run_path.parent if self.run_path else Path.cwd()) / default)
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = ask(self, title, start, filters)
        return Path(path) if path else None

    def save_run_dialog(self) -> None:
        path = self._ask_path("Save run", "Runs (*.npz)", save=True, default="run.npz")
        if path is not None:
            if path.suffix != ".npz":
                path = path.with_suffix(".npz")
            self.run_path = path
            self.save_run_to(path)

    def open_run_dialog(self) -> None:
        path = self._ask_path("Open run", "Runs (*.npz);;All files (*)", save=False)
        if path is not None and self._may_replace_run():
            self.open_run_from(path)

    def export_csv_dialog(self) -> None:
        path = self._ask_path("Export loss as CSV", "CSV (*.csv)", save=True, default="loss.csv")
        if path is not None:
            self.export_csv(path)

    def export_plot_dialog(self) -> None:
        path = self._ask_path("Export loss plot", "PNG image (*.png);;SVG drawing (*.svg)", save=True, default="loss.png")
        if path is not None:
            self.export_plot(path)

    def _may_replace_run(self) -> bool:
        trainer = self.session.trainer
        if trainer is None or trainer.epoch == 0:
            return True
        answer = QMessageBox.question(
            self, "Replace the current run?",
            f"The current run ({trainer.epoch:,} epochs) will be replaced. Save it first if you want to keep it.",
        )
        return answer == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------ settings

    def _settings_committed(self) -> None:
        """A field lost focus or Return was pressed: apply it if that loses nothing."""
        if not self.session.state.busy:
            self._apply_settings(ask=self.session.trainer is not None and self.session.trainer.epoch > 0)

    def _apply_settings(self, ask: bool) -> bool:
        """Bring the run in line with the fields; False if the person chose to keep the run as it is."""
        config = self.form.config()
        current = self.session.config
        if config is None or config == current:
            return config is not None
        differs = set(config.differences(current))
        if differs <= {"epochs", "stepsize"} and self.session.state is not RunState.DIVERGED:
            if "stepsize" in differs and ask and not self._confirm_stepsize(config.stepsize):
                return self._new_run_from(config)
            self.session.extend(config.epochs)
            self.session.set_stepsize(config.stepsize)
            self._refresh_controls()
            self._show_progress_now()
            return True
        if ask and self.session.trainer.epoch > 0 and not self._confirm_new_run(differs):
            self.form.set_config(current)
            return False
        return self._new_run_from(config)

    def _new_run_from(self, config: TrainConfig) -> bool:
        self.session.new_run(config)
        return True

    def _confirm_stepsize(self, stepsize: float) -> bool:
        """True: continue this run with the new stepsize; False: start a new run."""
        box = QMessageBox(self)
        box.setWindowTitle("Stepsize changed")
        box.setText(f"Continue this run ({self.session.trainer.epoch:,} epochs) with stepsize {stepsize:g}, or start a new run from the seed?")
        keep = box.addButton("Continue this run", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Start a new run", QMessageBox.ButtonRole.DestructiveRole)
        box.exec()
        return box.clickedButton() is keep

    def _confirm_new_run(self, changed: set[str]) -> bool:
        names = ", ".join(sorted(n.replace("_", " ") for n in changed))
        answer = QMessageBox.question(
            self,
            "Start a new run?",
            f"Changing {names} needs a new run from the seed.\n"
            f"The current run ({self.session.trainer.epoch:,} epochs) will be replaced — save it first "
            "(File ▸ Save run) if you want to keep it.\n\nStart a new run?",
        )
        return answer == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------ session → views

    def _on_run_reset(self, config, snapshot, x, y, history) -> None:
        self.plot.set_planned_epochs(config.epochs)
        self.plot.reset(history)
        self.heatmaps.show_snapshot(snapshot, now=True)
        if self.form.config() != config:
            self.form.set_config(config)
        self._show_progress_now()
        self._refresh_controls()  # a new run may start in the state the old one had (READY): no state signal
        self._note("")

    def _on_delivered(self, delivery: Delivery) -> None:
        self.plot.append(delivery.losses)
        self.heatmaps.show_snapshot(delivery.snapshot)
        snap = delivery.snapshot
        self.run_panel.show_progress(snap.epoch, self.session.target_epoch, snap.loss, delivery.epochs_per_second, live=True)

    def _on_state(self, state: RunState) -> None:
        self._refresh_controls()
        trainer = self.session.trainer
        messages = {
            RunState.RUNNING: "Training…",
            RunState.PAUSED: f"Paused at epoch {trainer.epoch:,}",
            RunState.STOPPED: f"Stopped at epoch {trainer.epoch:,}",
            RunState.FINISHED: f"Finished: {trainer.epoch:,} epochs, loss {trainer.loss:.6g}",
            RunState.READY: "Ready: press Start (Ctrl+Return)",
        }
        if state is RunState.DIVERGED:
            text = (
                f"Diverged at epoch {trainer.diverged_at:,}: the loss became {trainer.loss}. "
                "Try a smaller stepsize, then Reset."
            )
            self._note(text, error=True)
            self.plot.mark_divergence(trainer.diverged_at)
        elif state in messages:
            self.statusBar().showMessage(messages[state])
        if not state.busy:
            self._show_progress_now()
            self.heatmaps.flush()
        if state in (RunState.FINISHED, RunState.DIVERGED, RunState.STOPPED):
            self.run_ended.emit(state)

    def _refresh_controls(self) -> None:
        trainer = self.session.trainer
        state = self.session.state
        can_continue = trainer is not None and trainer.diverged_at is None and (
            trainer.epoch < (self.form.config() or self.session.config).epochs
        )
        self.run_panel.show_state(state, settings_valid=self.form.valid, can_continue=can_continue)
        self.form.setEnabled(not state.busy)
        self.actions["start"].setEnabled(self.run_panel.start_button.isEnabled())

    def _show_progress_now(self) -> None:
        trainer = self.session.trainer
        if trainer is not None:
            self.plot.set_planned_epochs(self.session.target_epoch)
            self.run_panel.show_progress(trainer.epoch, self.session.target_epoch, trainer.loss, self.session.epochs_per_second)

    def _note(self, text: str, error: bool = False) -> None:
        self.run_panel.show_note(text, error)
        if text:
            self.statusBar().showMessage(text)

    def _show_hover(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text)

    # ------------------------------------------------------------ help, close

    def _show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS)
        QMessageBox.information(self, "Keyboard shortcuts", f"<table cellspacing=6>{rows}</table>")

    def _show_about(self) -> None:
        QMessageBox.about(
            self,
            "About mlp-gui",
            f"<b>mlp-gui {__version__}</b><p>Watch backpropagation happen: a small sigmoid MLP trained by "
            "plain gradient descent, with its loss, weights and gradients shown live.</p>",
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt naming
        """Stop the training thread before the window goes (bounded wait, never a hang)."""
        self._remember()
        self.explorer.shutdown()
        self.session.shutdown()
        super().closeEvent(event)
