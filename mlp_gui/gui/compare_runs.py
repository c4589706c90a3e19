"""Compared runs: finished or stopped runs kept on the loss plot as faded, labelled curves.

As in TensorBoard, a student trains, keeps the run, changes one setting and
trains again, and sees both curves together. A kept run holds only its
settings and its decimated curve (:meth:`LossEnvelope.xy`, a few thousand
points however long the run), so a dozen cost nothing. Each is labelled by the
settings that differ from the current run (``stepsize=1``) and drawn in a
colour from Paul Tol's colour-blind-safe "muted" palette.

:class:`ComparedRunsModel` is a Qt list model (usable in any view) that also
emits ``run_added`` / ``run_removed`` / ``visibility_changed`` /
``run_relabelled`` so the plot can follow it; :func:`connect_plot` is that
wiring. :class:`ComparedRunsList` is the small dock widget.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.decimate import LossEnvelope

#: Paul Tol's "muted" palette, ordered so neighbours contrast; indigo last (nearest the live curve's blue)
PALETTE = ("#CC6677", "#44AA99", "#DDCC77", "#882255", "#88CCEE", "#999933", "#AA4499", "#117733", "#332288")
KeyRole = Qt.ItemDataRole.UserRole + 1


# ---------------------------------------------------------------- Qt-free helpers


def settings_label(config: TrainConfig, reference: TrainConfig | None) -> str:
    """``stepsize=1, batch size=10``: the settings that differ from ``reference``; ``same settings`` if none."""
    if reference is None:
        return "kept run"
    differs = config.differences(reference)
    return ", ".join(f"{name.replace('_', ' ')}={value}" for name, value in differs.items()) or "same settings"


def progress_note(config: TrainConfig, epochs_trained: int, diverged_at: int | None = None) -> str:
    """``''`` for a run that reached its epochs, else ``stopped at 31,204`` or ``diverged at 12``."""
    if diverged_at is not None:
        return f"diverged at {diverged_at:,}"
    return "" if epochs_trained >= config.epochs else f"stopped at {epochs_trained:,}"


def pick_colour(in_use: Sequence[str], palette: Sequence[str] = PALETTE) -> str:
    """The first palette colour nobody uses; once all are taken, the least used (so 18 runs share in pairs)."""
    counts = Counter(in_use)
    return min(palette, key=lambda colour: (counts[colour], palette.index(colour)))


@dataclass
class KeptRun:
    """One kept run: its settings, its decimated curve and how it is shown."""

    key: int
    config: TrainConfig
    epochs: np.ndarray  # x: epoch numbers of the decimated curve
    losses: np.ndarray  # y: the losses there
    colour: str
    label: str
    epochs_trained: int
    final_loss: float
    diverged_at: int | None = None
    visible: bool = True

    def tooltip(self) -> str:
        c = self.config
        layers = ",".join(str(n) for n in c.layers)
        return (
            f"seed {c.seed}, layers {layers}, batch size {c.batch_size}, stepsize {c.stepsize:g}, epochs {c.epochs:,}\n"
            f"trained {self.epochs_trained:,} epochs, final loss {self.final_loss:.6g}"
        )


def _unique(label: str, taken: set[str]) -> str:
    """``label``, or ``label (2)``, ``label (3)``... if another kept run already has it."""
    if label not in taken:
        return label
    n = 2
    while f"{label} ({n})" in taken:
        n += 1
    return f"{label} ({n})"


# ---------------------------------------------------------------- the model


class ComparedRunsModel(QAbstractListModel):
    """The kept runs in the order kept: label (display), colour (decoration), visibility (check state).

    Every change also goes out as a plain signal carrying the run's key, so a
    plot that knows nothing about item models can follow (:func:`connect_plot`).
    """

    run_added = Signal(object)  # KeptRun
    run_removed = Signal(int)  # key
    visibility_changed = Signal(int, bool)  # key, visible
    run_relabelled = Signal(int, str)  # key, new label

    def __init__(self, reference: TrainConfig | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reference = reference  # the current run's settings: labels say how each kept run differs
        self._runs: list[KeptRun] = []
        self._next_key = 1

    # ------------------------------------------------------------ adding and removing

    def add_run(
        self,
        config: TrainConfig,
        epochs: np.ndarray,
        losses: np.ndarray,
        *,
        epochs_trained: int | None = None,
        diverged_at: int | None = None,
    ) -> KeptRun:
        """Keep a run's decimated curve (copied); ``epochs_trained`` defaults to the curve's last epoch."""
        epochs, losses = np.array(epochs, dtype=np.int64, copy=True), np.array(losses, dtype=np.float64, copy=True)
        trained = int(epochs[-1]) if epochs_trained is None and epochs.size else int(epochs_trained or 0)
        finite = losses[np.isfinite(losses)]
        run = KeptRun(
            key=self._next_key, config=config, epochs=epochs, losses=losses,
            colour=pick_colour([r.colour for r in self._runs]), label="",
            epochs_trained=trained, final_loss=float(finite[-1]) if finite.size else float("nan"),
            diverged_at=diverged_at,
        )
        run.label = self._label(run, {r.label for r in self._runs})
        self._next_key += 1
        row = len(self._runs)
        self.beginInsertRows(QModelIndex(), row, row)
        self._runs.append(run)
        self.endInsertRows()
        self.run_added.emit(run)
        return run

    def add_envelope(self, config: TrainConfig, envelope: LossEnvelope, *, diverged_at: int | None = None) -> KeptRun:
        """Keep a run from the plot's loss envelope (its points, never the full history)."""
        epochs, losses = envelope.xy()
        return self.add_run(config, epochs, losses, epochs_trained=envelope.count - 1, diverged_at=diverged_at)

    def remove_run(self, key: int) -> bool:
        """Forget one run; False if there is no such key."""
        row = self.row_of(key)
        if row is None:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._runs[row]
        self.endRemoveRows()
        self.run_removed.emit(key)
        return True

    def clear(self) -> None:
        """Forget every run (one ``run_removed`` each, so the plot drops every curve)."""
        for run in list(self._runs):
            self.remove_run(run.key)

    # ------------------------------------------------------------ showing

    def set_visible(self, key: int, visible: bool) -> None:
        row = self.row_of(key)
        if row is None or self._runs[row].visible == visible:
            return
        self._runs[row].visible = visible
        index = self.index(row)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.visibility_changed.emit(key, visible)

    def set_reference(self, config: TrainConfig | None) -> None:
        """The current run's settings changed: relabel every kept run by how it differs now."""
        self.reference = config
        taken: set[str] = set()
        for row, run in enumerate(self._runs):
            label = self._label(run, taken)
            taken.add(label)
            if label != run.label:
                run.label = label
                self.dataChanged.emit(self.index(row), self.index(row), [Qt.ItemDataRole.DisplayRole])
                self.run_relabelled.emit(run.key, label)

    def _label(self, run: KeptRun, taken: set[str]) -> str:
        label = settings_label(run.config, self.reference)
        note = progress_note(run.config, run.epochs_trained, run.diverged_at)
        return _unique(f"{label} ({note})" if note else label, taken)

    # ------------------------------------------------------------ queries

    def runs(self) -> list[KeptRun]:
        return list(self._runs)

    def run(self, key: int) -> KeptRun | None:
        row = self.row_of(key)
        return None if row is None else self._runs[row]

    def row_of(self, key: int) -> int | None:
        return next((row for row, run in enumerate(self._runs) if run.key == key), None)

    def __len__(self) -> int:
        return len(self._runs)

    # ------------------------------------------------------------ QAbstractListModel

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt naming
        return 0 if parent.isValid() else len(self._runs)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._runs):
            return None
        run = self._runs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return run.label
        if role == Qt.ItemDataRole.DecorationRole:
            return QColor(run.colour)
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if run.visible else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return run.tooltip()
        if role == KeyRole:
            return run.key
        return None

    def setData(self, index: QModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, True)
        self.set_visible(self._runs[index.row()].key, checked)
        return True

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable


def connect_plot(model: ComparedRunsModel, plot) -> None:
    """Keep ``plot``'s faded curves in step with ``model``.

    ``plot`` needs ``add_curve(key, x, y, label, colour)`` (replacing any curve
    of that key), ``remove_curve(key)`` and ``set_curve_visible(key, visible)``,
    as :class:`mlp_gui.gui.loss_plot.LossPlot` has. Runs already kept are shown at once.
    """

    def show(run: KeptRun) -> None:
        plot.add_curve(run.key, run.epochs, run.losses, run.label, run.colour)
        if not run.visible:
            plot.set_curve_visible(run.key, False)

    model.run_added.connect(show)
    model.run_removed.connect(plot.remove_curve)
    model.visibility_changed.connect(plot.set_curve_visible)
    model.run_relabelled.connect(lambda key, _label: show(model.run(key)))
    for run in model.runs():
        show(run)


# ---------------------------------------------------------------- the dock widget

EMPTY_HINT = "No kept runs yet. Keep a finished or stopped run to compare the next one with it."


def line_swatch(colour: str, width: int = 22, height: int = 14) -> QPixmap:
    """A short thick line in ``colour``, as the curve looks in the plot's legend."""
    pixmap = QPixmap(width, height)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(colour), 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawLine(2, height // 2, width - 2, height // 2)
    painter.end()
    return pixmap


class _RunRow(QWidget):
    """Checkbox (show/hide) with the curve's colour and label, and a remove button."""

    def __init__(self, run: KeptRun, model: ComparedRunsModel) -> None:
        super().__init__()
        self.key = run.key
        self.checkbox = QCheckBox(run.label)
        self.checkbox.setIcon(QIcon(line_swatch(run.colour)))
        self.checkbox.setChecked(run.visible)
        self.checkbox.setToolTip(run.tooltip() + "\nTick to show on the plot, untick to hide")
        self.checkbox.toggled.connect(lambda on: model.set_visible(self.key, on))
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip("Remove this run from the plot")
        self.remove_button.clicked.connect(lambda: model.remove_run(self.key))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.checkbox, 1)
        layout.addWidget(self.remove_button)


class ComparedRunsList(QWidget):
    """The kept runs as a list for a dock: tick to show or hide, ✕ to remove, *Clear all*."""

    def __init__(self, model: ComparedRunsModel, parent: QWidget | None = None, *, empty_hint: str = EMPTY_HINT) -> None:
        super().__init__(parent)
        self.model = model
        self.rows: dict[int, _RunRow] = {}
        self.title = QLabel()
        self.clear_button = QPushButton("Clear all")
        self.clear_button.setToolTip("Remove every kept run from the plot")
        self.clear_button.clicked.connect(model.clear)
        self.hint = QLabel(empty_hint)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #505050;")
        body = QWidget()
        self._rows_layout = QVBoxLayout(body)
        self._rows_layout.setContentsMargins(4, 4, 4, 4)
        self._rows_layout.setSpacing(0)
        self._rows_layout.addWidget(self.hint)
        self._rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        model.run_added.connect(self._add_row)
        model.run_removed.connect(self._remove_row)
        model.visibility_changed.connect(self._show_visibility)
        model.run_relabelled.connect(lambda key, label: self.rows[key].checkbox.setText(label))
        for run in model.runs():
            self._add_row(run)
        self._refresh()

    def _add_row(self, run: KeptRun) -> None:
        row = _RunRow(run, self.model)
        self.rows[run.key] = row
        self._rows_layout.insertWidget(self._rows_layout.count() - 1, row)  # above the stretch
        self._refresh()

    def _remove_row(self, key: int) -> None:
        row = self.rows.pop(key, None)
        if row is not None:
            self._rows_layout.removeWidget(row)
            row.deleteLater()
        self._refresh()

    def _show_visibility(self, key: int, visible: bool) -> None:
        checkbox = self.rows[key].checkbox
        if checkbox.isChecked() != visible:
            checkbox.setChecked(visible)

    def _refresh(self) -> None:
        n = len(self.rows)
        self.title.setText(f"{n} kept run{'s' if n != 1 else ''}, faded on the plot" if n else "")
        self.hint.setVisible(n == 0)
        self.clear_button.setEnabled(n > 0)
