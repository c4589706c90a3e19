"""The main window: settings and run controls on the left, the loss curve and the heatmaps beside it.

The window assembles: it lays out the views (its tabs from :mod:`mlp_gui.gui.tabs`),
builds its menus from the action table (:mod:`mlp_gui.gui.actions`) and has each
view bind itself to the :class:`TrainingSession`; it relays nothing to a view,
computes nothing and never touches the trainer.
Settings typed while nothing has been trained apply once the typing pauses,
or at once on Return, on leaving the field or before any command (the heatmaps
show the new initial weights: :mod:`mlp_gui.gui.settings_changes`); once a run
has epochs behind it, the window asks when the person acts (Start, Step, Reset,
Enter), never when focus merely leaves a field.
"""

from __future__ import annotations

from functools import partial, reduce
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QSplitter, QTabWidget, QVBoxLayout, QWidget

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.one_weight import WeightRef
from mlp_gui.core.run_checks import earlier_version_note
from mlp_gui.core.runfile import SavedRun
from mlp_gui.core.settings import DEFAULT_EPOCHS
from mlp_gui.gui import confirm, help_dialogs, quit_question, remembered, run_status, tabs, window_geometry
from mlp_gui.gui.actions import MENUS, build_actions
from mlp_gui.gui.backprop_view import BackpropView
from mlp_gui.gui.decision_view import DecisionView
from mlp_gui.gui.explore import Explorer
from mlp_gui.gui.file_actions import FileActions, opened_message
from mlp_gui.gui.going_back import GoingBack
from mlp_gui.gui.gradient_flow import GradientFlowView
from mlp_gui.gui.heatmaps import HeatmapPanel
from mlp_gui.gui.left_column import LeftColumn
from mlp_gui.gui.lesson_wiring import LessonCommands, LessonWiring
from mlp_gui.gui.loss_plot import LossPlot
from mlp_gui.gui.network_diagram import NetworkDiagram
from mlp_gui.gui.plot_penalty import PenaltyCurve
from mlp_gui.gui.run_panel import RunPanel
from mlp_gui.gui.run_worker import Delivery
from mlp_gui.gui.session import RunReset, RunState, TrainingSession
from mlp_gui.gui.settings_changes import SettingsChanges
from mlp_gui.gui.settings_form import SettingsForm
from mlp_gui.gui.timeline import Timeline
from mlp_gui.gui.weight_panel import WeightPanel

TITLE = "mlp-gui — watch backpropagation[*]"


class MainWindow(LessonCommands, QMainWindow):
    """mlp-gui's window."""

    #: the run stopped for good or reached its epochs: its final state
    run_ended = Signal(object)

    def __init__(self, config: TrainConfig | None = None, explicit: frozenset[str] | None = None,
                 epochs: int | None = None) -> None:
        """``config`` None: the last session's settings; with ``explicit``: only those settings of ``config``
        (and ``epochs``) override them (the command line's flags); otherwise ``config`` as it is."""
        super().__init__()
        self.setWindowTitle(TITLE)
        self._opening: tuple[SavedRun, Path | None] | None = None  # set while an opened run is being installed
        self._fitted = False
        self._asked_to_close = False
        self._hover_text = ""  # what a hover last put in the status bar
        self.session = TrainingSession(self)
        self.session.run_reset.connect(self._forget_hover)  # first: views that redraw at a reset may hover anew
        self.form = SettingsForm()
        self.session.csv_data = partial(self.form.reads.prepared, ask=False)  # CSV files are read off the GUI thread
        self.run_panel = RunPanel()
        self.plot = LossPlot()
        self.heatmaps = HeatmapPanel(on_hover=self._show_hover)
        self.backprop = BackpropView(on_hover=self._show_hover)
        self.decision = DecisionView()
        self.diagram = NetworkDiagram()
        self.flow = GradientFlowView()
        self.weight_panel = WeightPanel(self.session)
        self.weight_panel.setVisible(False)
        self.timeline = Timeline()
        self.explorer = Explorer(self.session, self.plot, self)
        self.files = FileActions(self, self.session, self.plot, self.statusBar().showMessage, self.open_saved_run,
                                 self._show_title)
        self._build_layout()
        self.menus = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS}
        self.actions: dict[str, QAction] = build_actions(self, self.menus)
        self.penalty_curve = PenaltyCurve(self.plot, self.session, self.actions["show_penalty"])
        self._connect()
        self.lessons = LessonWiring(self)  # the predict panel, lesson mode, Save as lesson, editing a weight
        self.going_back = GoingBack(self)
        values = window_geometry.initial_values(config, explicit, epochs)
        self.form.mark_person_set(explicit or ())  # the command line's flags: no proposal replaces them
        self.form.set_values(remembered.config_of(values), values["epochs"])  # type: ignore[arg-type]
        if explicit and "data" in explicit:  # chosen on the command line (scripts get only their flags: explicit None)
            self.form.propose_for_data()
        if self.form.valid and not self._run_is_the_forms():  # else made once they are (a CSV file is read meanwhile)
            self.session.new_run(self.form.config(), self.form.epochs())
        self._fit_screen()
        window_geometry.restore(self, self.splitter)
        self.explorer.restore_kept(remembered.kept_runs_path())

    # ------------------------------------------------------------ construction

    def _build_layout(self) -> None:
        self.left = LeftColumn(self.run_panel, self.form, self.explorer.kept_list)
        self.left.keep_button.clicked.connect(self.keep_run)
        self.left.sweep_button.clicked.connect(self.sweep_dialog)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        plot_column = QWidget()
        column = QVBoxLayout(plot_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.plot, 1)
        column.addWidget(self.timeline)
        self.splitter.addWidget(plot_column)
        self.splitter.addWidget(self.heatmaps)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([420, 580])
        self.tabs = QTabWidget()
        self.tab_views: list[QWidget] = []  # the views the registry made (a view with a thread has shutdown())
        self.training_split = QSplitter(Qt.Orientation.Vertical)  # the weight panel opens under the plots
        self.training_split.addWidget(self.splitter)
        self.training_split.addWidget(self.weight_panel)
        self.training_split.setChildrenCollapsible(False)
        self.surface_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.surface_splitter.addWidget(self.decision)
        self.surface_splitter.addWidget(self.diagram)
        for tab in tabs.TABS:  # the registry, in order (Alt+N is the position)
            self.tabs.addTab(self._tab_view(tab), tab.title)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.left)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Ready")

    def _tab_view(self, tab: tabs.Tab) -> QWidget:
        """The widget of ``tab``: the window's own (a dotted attribute name), or a new view bound to the session."""
        if isinstance(tab.view, str):
            return reduce(getattr, tab.view.split("."), self)
        view = tab.view()
        view.bind(self.session)
        self.tab_views.append(view)
        return view

    def view(self, key: str) -> QWidget:
        """The widget of the tab ``key`` of :data:`~mlp_gui.gui.tabs.TABS` (``"gradcheck"``, ``"notebook"``, ...)."""
        keys = [tab.key for tab in tabs.TABS]
        if key not in keys:
            raise KeyError(f"no tab {key!r}: the tabs are {', '.join(keys)}")
        return self.tabs.widget(keys.index(key))

    def _connect(self) -> None:
        s = self.session
        for view in (self.plot, self.timeline, self.heatmaps, self.weight_panel, self.backprop, self.decision,
                     self.diagram, self.flow):
            view.bind(s)  # each view follows the session itself: the window relays nothing to it
        s.run_reset.connect(self._on_run_reset)
        s.delivered.connect(self._on_delivered)
        s.state_changed.connect(self._on_state)
        s.plan_changed.connect(self._on_plan_changed)
        s.failed.connect(lambda msg: self.show_note(msg, error=True))
        s.stepsize_changed.connect(self.form.show_stepsize)
        self.run_panel.start_pause_clicked.connect(self.start_or_pause)
        self.run_panel.stop_clicked.connect(self.stop)
        self.run_panel.reset_clicked.connect(self.reset)
        self.run_panel.step_clicked.connect(self.step)
        self.run_panel.lock_scales_toggled.connect(self.heatmaps.set_locked)
        self.explorer.sweeps.progressed.connect(lambda f: self.statusBar().showMessage(f"Sweep: {f:.0%}"))
        self.explorer.sweeps.finished.connect(lambda r: self.statusBar().showMessage(f"Sweep done: {len(r)} runs kept on the plot"))
        self.explorer.sweeps.failed.connect(lambda msg: self.show_note(msg, error=True))
        self.plot.hover_text.connect(self._show_hover)
        self.heatmaps.cell_clicked.connect(self._explain_cell)
        self.plot.export_requested.connect(self.export_plot_dialog)
        self.form.validity_changed.connect(lambda _valid: self._refresh_controls())
        self.settings = SettingsChanges(self, refresh=self._refresh_controls)
        self.form.changed.connect(self.settings.edited)
        self.form.return_pressed.connect(self.settings.entered)
        self.form.field_left.connect(self.settings.apply_typed)

    # ------------------------------------------------------------ commands (the action table's slots)

    def start_or_pause(self) -> None:
        """Ctrl+Return: start, pause or resume, as the state calls for."""
        state = self.session.state
        if state is RunState.RUNNING:
            self.session.pause()
        elif state in (RunState.STOPPED, RunState.DIVERGED) and self.form.valid:
            self.session.new_run(self.form.config(), self.form.epochs())
            self.session.start()
        elif self.session.guard_stopped and self.form.config() == self.session.config:
            self.going_back.ask_after_guard()
        elif self.run_panel.start_button.isEnabled() and self._apply_settings(ask=True):
            self.session.start()

    def stop(self) -> None:
        self.session.stop()

    def reset(self) -> None:
        """Start over from the seed with the settings shown (asking first if that throws away unsaved epochs)."""
        config = self.form.config()
        if config is not None and (not self.files.unsaved_epochs or confirm.replace_run(self, self.session.epoch, "Reset")):
            same = self.session.has_run and config == self.session.config
            if self.settings.replace_run(config, self.form.epochs() or DEFAULT_EPOCHS) and same:
                self.statusBar().showMessage(f"Reset: the same initial weights and data as before (seed {config.seed}); "
                                             "a new seed draws new ones")

    def step(self, epochs: int) -> None:
        if self.session.state.busy or not self.form.valid:
            return
        if self._apply_settings(ask=True):
            self.session.step(epochs)

    def keep_run(self) -> None:
        if self.explorer.keep_current_run() is None:
            self.statusBar().showMessage("Train some epochs first: there is no curve to keep yet")

    def sweep_dialog(self) -> None:
        config, epochs = self.form.config(), self.form.epochs()
        if config is not None and self.explorer.ask_sweep(config, epochs, self):
            self.statusBar().showMessage("Sweep started")

    def restore_defaults(self) -> None:
        self.form.forget_person_set()
        self.form.set_values(TrainConfig(), DEFAULT_EPOCHS)
        self._apply_settings(ask=self.session.epoch > 0)

    def fit_plot(self) -> None:
        self.plot.fit()

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def set_show_updates(self, shown: bool) -> None:
        self.heatmaps.set_show_updates(shown)

    def set_show_penalty(self, shown: bool) -> None:
        self.penalty_curve.set_shown(shown)

    def set_scale_mode(self, mode: str) -> None:
        self.heatmaps.set_scale_mode(mode)
        self.statusBar().showMessage({"matrix": "Colour scales: one per matrix", "shared": "Colour scales: shared across layers",
                                      "log": "Colour scales: signed log of the magnitude"}[mode])

    def _explain_cell(self, kind: str, layer: int, row: int, col: int) -> None:
        """One weight, explained: a click on any W, ∂L/∂W or ΔW cell opens the weight panel on that parameter."""
        snap = self.session.snapshot
        if snap is None or layer > len(snap.layers):
            return
        opening = not self.weight_panel.isVisible()
        self.weight_panel.explain(WeightRef(layer, row, None if kind.endswith("b") else col))
        if opening:  # room for it under the plots: about a third of the tab
            sizes = self.training_split.sizes()  # plots, weight panel, predict panel
            height = sum(sizes)
            self.training_split.setSizes([sizes[0] + sizes[1] - height // 3, height // 3, *sizes[2:]])
        self.statusBar().showMessage(f"Explaining {self.weight_panel.ref.name}: click another cell to switch, Esc closes")

    def open_run_dialog(self) -> None:
        self.files.open_run_dialog(self._may_replace_run)

    def save_run_dialog(self) -> None:
        self.files.save_run_dialog()

    def export_csv_dialog(self) -> None:
        self.files.export_csv_dialog()

    def export_plot_dialog(self) -> None:
        self.files.export_plot_dialog()

    def export_script_dialog(self) -> None:
        self.files.export_code_dialog("script")

    def export_notebook_dialog(self) -> None:
        self.files.export_code_dialog("notebook")

    def copy_command(self) -> None:
        self.files.copy_command()

    def show_shortcuts(self) -> None:
        help_dialogs.show_shortcuts(self)

    def show_about(self) -> None:
        help_dialogs.show_about(self)

    # ------------------------------------------------------------ files

    @property
    def run_path(self) -> Path | None:
        return self.files.run_path

    def save_run_to(self, path: Path) -> None:
        self.files.save_run_to(path)

    def open_run_from(self, path: Path) -> bool:
        return self.files.open_run_from(path)

    def export_csv(self, path: Path) -> None:
        self.files.export_csv(path)

    def export_plot(self, path: Path) -> None:
        self.files.export_plot(path)

    def open_saved_run(self, run: SavedRun, path: Path | None = None) -> None:
        self._opening = (run, path)
        plan = run.planned_epochs if run.planned_epochs is not None else self.form.epochs() or 0  # the file's, else the field's
        self.session.open_run(run, max(plan, run.epochs))
        self.lessons.opened(run)
        self.statusBar().showMessage(opened_message(run, path))
        self._show_title()
        note = earlier_version_note(run.config)  # the form marks the setting this version refuses for new runs
        if note:
            self.show_note(f"This run was {note}.")

    def _may_replace_run(self) -> bool:
        return not self.files.unsaved_epochs or confirm.replace_run(self, self.session.epoch, "Open")

    # ------------------------------------------------------------ settings (core of it: gui/settings_changes.py)

    def before_command(self) -> None:
        """What every command of the action table does first: settings typed but still waiting for the typing to
        pause are applied, so no command reads a run the fields no longer describe."""
        self.settings.apply_typed()

    def _apply_settings(self, ask: bool, start_anew: bool = False) -> bool:
        return self.settings.apply(ask, start_anew)

    def continue_with_stepsize(self, stepsize: float) -> None:
        """The run goes on with ``stepsize`` (its history kept, the change marked on the plot)."""
        self.settings.continue_with_stepsize(stepsize)

    def _run_is_the_forms(self) -> bool:
        """Whether the session's run is already the one the fields describe (filling them made it: no second one)."""
        s = self.session
        return s.has_run and s.epoch == 0 and s.config == self.form.config() and s.planned_epochs == self.form.epochs()

    # ------------------------------------------------------------ remembered settings and geometry

    def _fit_screen(self) -> None:
        window_geometry.fit_to_screen(self)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            if remembered.load_bytes("geometry") is None:
                QTimer.singleShot(0, self._fit_screen)  # the frame is known once the window is mapped

    def _remember(self) -> None:
        config, epochs = self.form.config(), self.form.epochs()
        if config is not None:
            remembered.save_config(config, epochs)
        window_geometry.remember(self, self.splitter)
        self.explorer.store_kept()

    # ------------------------------------------------------------ session → views

    def _on_run_reset(self, reset: RunReset) -> None:
        opening, self._opening = self._opening, None
        if opening is not None:
            run, path = opening
            self.files.run_path, self.files.saved_epoch = path, run.epochs
            self.files.folder = path.parent if path else self.files.folder
        else:
            self.files.forget_run()
        self.run_panel.show_metrics(reset.metrics or {})
        self.run_panel.show_identity(reset.fingerprint, reset.reproduces_notebook)
        self.run_panel.show_offer(None)
        if self.form.config() != reset.config:
            self.form.set_values(reset.config, self.form.epochs() or reset.planned_epochs)
        self._show_progress_now()
        self._refresh_controls()  # a new run may start in the state the old one had (READY): no state signal
        self.show_note("")

    def _on_plan_changed(self, epochs: int) -> None:
        if self.form.epochs() != epochs:
            self.form.set_epochs(epochs)
        self._show_progress_now()
        self._refresh_controls()

    def _on_delivered(self, delivery: Delivery) -> None:
        if "accuracy" in delivery.metrics and delivery.losses.size:
            self.run_panel.show_metrics(delivery.metrics)
        snap = delivery.snapshot
        self.run_panel.show_progress(snap.epoch, self.session.target_epoch, snap.loss, delivery.epochs_per_second, live=True)

    def _on_state(self, state: RunState) -> None:
        self._refresh_controls()
        self._show_title()
        if state is RunState.DIVERGED:
            self.show_note(run_status.divergence_note(self.session), error=True)
            self.plot.mark_divergence(self.session.diverged_at)
        elif (line := run_status.state_line(state, self.session, self.going_back.guard_line())) is not None:
            self.statusBar().showMessage(line)
        if not state.busy:
            self._show_progress_now()
        if state in (RunState.FINISHED, RunState.DIVERGED, RunState.STOPPED):
            self.run_ended.emit(state)

    def _refresh_controls(self) -> None:
        state = self.session.state
        can_continue = self.session.can_continue(self.form.epochs())
        self.run_panel.show_state(state, settings_valid=self.form.valid, can_continue=can_continue,
                                  guarded=self.session.guard_stopped, trained=self.session.epoch > 0)
        self.form.setEnabled(not state.busy)
        self.actions["start"].setEnabled(self.run_panel.start_button.isEnabled())

    def _show_progress_now(self) -> None:
        """The figures as they stand; speed and time left only while training (after a Step they would be stale)."""
        if self.session.has_run:
            target = self.session.target_epoch
            rate = self.session.epochs_per_second if self.session.state.busy else 0.0
            self.run_panel.show_progress(self.session.epoch, target, self.session.loss, rate)
        self._show_title()

    def _show_title(self) -> None:
        """``run.npz — mlp-gui`` once the run has a file; the platform's unsaved mark while epochs are in no file."""
        path = self.files.run_path
        self.setWindowTitle(f"{path.name}[*] — mlp-gui" if path else TITLE)
        self.setWindowModified(self.files.unsaved_epochs)

    def show_note(self, text: str, error: bool = False) -> None:
        """The line under the run controls (and the status bar); an empty note also clears the status bar's old one."""
        if not text and self.statusBar().currentMessage() == self.run_panel.note_text:
            self.statusBar().clearMessage()
        self.run_panel.show_note(text, error)
        if text:
            self.statusBar().showMessage(text)

    def _forget_hover(self, _reset: RunReset) -> None:
        self._show_hover("")  # it read the run being replaced

    def _show_hover(self, text: str) -> None:
        """A hover's read-out in the status bar; ``""`` (the mouse left, or the run it read was replaced) takes it
        away unless another message took its place: a value no longer followed must not stay on screen."""
        bar = self.statusBar()
        if text:
            bar.showMessage(text)
        elif self._hover_text and bar.currentMessage() == self._hover_text:
            bar.clearMessage()
        self._hover_text = text

    # ------------------------------------------------------------ close

    def quit(self) -> None:
        """Ctrl+Q: close the window, asking first if that throws away unsaved epochs (the run paused meanwhile)."""
        quit_question.ask_then_quit(self, close=self._close_asked)

    def _close_asked(self) -> None:
        self._asked_to_close = True  # asked already (or nothing to lose): closeEvent does not ask again
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt naming
        """Stop the training thread before the window goes (bounded wait, never a hang).

        Closed by the window manager (its ✕, Alt+F4) with unsaved epochs, it asks first, as Ctrl+Q does;
        closed by the program (a signal, an unattended run's end) it does not.
        """
        asked, self._asked_to_close = self._asked_to_close, False
        if event.spontaneous() and not asked and self.files.unsaved_epochs:
            event.ignore()
            QTimer.singleShot(0, self.quit)  # asked as Ctrl+Q asks, once the run is paused
            return
        self._remember()
        self.form.shutdown()
        self.explorer.shutdown()
        self.flow.shutdown()  # its sharpness thread
        for view in self.tab_views:
            if hasattr(view, "shutdown"):
                view.shutdown()
        self.session.shutdown()
        super().closeEvent(event)

