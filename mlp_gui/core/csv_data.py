"""Your own data: a CSV file with a header row; every column but the last is an input, the last the target.

A target of strings, or of whole numbers with a sigmoid or softmax output, is a class label (one-hot
for softmax, 0/1 for a single sigmoid output; labels that are numbers are compared as numbers, so
``1`` and ``1.0`` are one class); otherwise it is a value to fit. The file is read as untrusted text:
only a regular file (opened without waiting, so a FIFO cannot hang us), at most :data:`MAX_BYTES`
bytes and :data:`MAX_CELLS` cells, blank rows counted too (refused before it is all read), and every
problem is one line naming the file's line and column. A caller may follow the reading and cancel it
(``progress``). :func:`describe` tells, in one read, what a network needs for the file and what the
window previews; :func:`load_csv` makes the data a run trains on.
"""

from __future__ import annotations

import csv
import math
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

import numpy as np

from mlp_gui.core import platform
from mlp_gui.core.config import ConfigError, TrainConfig, test_share
from mlp_gui.core.data import Dataset, split, targets
from mlp_gui.core.model import Params
from mlp_gui.core.plural import count

MAX_CELLS = 10**7
MAX_BYTES = 256 * 2**20  # 10⁷ cells of up to 25 characters
MAX_LINE = 1 << 20  # a longer line is not a table a person made
PROGRESS_EVERY = 1 << 16  # rows between calls of a progress callback

Progress = Callable[[int, int], bool]
"""``progress(bytes_read, file_size)``, called while reading; returning False cancels (:class:`ReadCancelledError`)."""


class ReadCancelledError(Exception):
    """The progress callback asked to stop reading."""


@dataclass(frozen=True)
class Table:
    """A CSV's header and rows of cells, and the file's line number of each row (for messages)."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    size: int = 0  # the file's bytes

    def where(self, i: int, column: int) -> str:
        """``line 12, column 3 ('label')``: row ``i``'s cell in ``column``, as the file numbers it."""
        return f"line {self.lines[i]}, column {column + 1} ({self.header[column]!r})"


def load_csv(config: TrainConfig, rng: np.random.RandomState, progress: Progress | None = None) -> Dataset:
    """The data of ``config.data`` for a network of ``config.layers``; ConfigError (naming the file) if it will not do."""
    path = Path(config.data)
    table = _read(path, progress)
    header, rows = table.header, table.rows
    targets_at = target_columns(path, header, config.target)
    wanted = _still_wanted(path, table.size, progress)  # converting the cells takes a while too: cancellable
    inputs = _numbers(path, table, [c for c in range(len(header)) if c not in targets_at], wanted)
    if len(targets_at) > 1:  # several targets: values to fit, one output each
        labels, classes = _numbers(path, table, targets_at, wanted), 0
    else:
        labels, names = _target(path, table, targets_at[0], config)
        classes = len(names)
    if not classes and config.loss == "cross-entropy":
        _check_probabilities(path, table, targets_at, labels)
    _check_classes_fit(path, header[targets_at[0]], classes, config)
    n_in, n_out = config.layers[0], config.layers[-1]
    need_out = classes if classes and config.output == "softmax" else len(targets_at)
    features = config.model.features  # made from two inputs; the first layer takes one per feature (checked already)
    if features and inputs.shape[0] != 2:
        raise ConfigError(f"features {config.features} are made from two inputs, but data {path.name} has "
                          f"{count(inputs.shape[0], 'input')}: keep features x1,x2 or choose data with two inputs", "features")
    if n_in != (len(features) if features else inputs.shape[0]) or n_out != need_out:
        raise ConfigError(f"data {path.name} has {count(inputs.shape[0], 'input')} and needs {count(need_out, 'output')}; layers "
                          f"{','.join(map(str, config.layers))} has {n_in} and {n_out}", "layers")
    share = test_share(config)
    if int(round(share * len(rows))) < 1 and share > 0 or len(rows) - int(round(share * len(rows))) < 2:
        raise ConfigError(f"data {path.name}: {len(rows)} rows are too few for a test fraction of {share:g}", "test_fraction")
    y = labels if labels.ndim == 2 else targets(labels, n_out, classes)
    x_train, y_train, x_test, y_test = split(inputs, y, share, rng)
    if config.standardize == "yes":
        x_train, x_test = standardized(x_train, x_test)
    kind = f"{classes} classes" if classes else "regression"
    return Dataset(x_train, y_train, x_test, y_test, classes, f"{path.name}: {len(rows)} rows, {count(inputs.shape[0], 'input')}, {kind}")


def weights_and_data(config: TrainConfig, progress: Progress | None = None) -> tuple[Params, Dataset]:
    """The weights and the data a new run of ``config`` on a CSV file starts from, drawn as the trainer draws them
    (:func:`mlp_gui.core.trainer.initialize_data`): one ``RandomState(seed)``, the weights first, then the split of
    the file's rows. ``Trainer.continued(config, layers=..., data=...)`` with them is ``Trainer.new(config)``, the file read here
    (off a window's GUI thread, with ``progress``)."""
    rng = np.random.RandomState(config.seed)
    layers = config.model.init_weights(rng)
    return layers, load_csv(config, rng, progress)


def standardized(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inputs shifted and scaled to mean 0 and standard deviation 1 over the training part (the test part alike)."""
    mean = x_train.mean(axis=1, keepdims=True)
    std = x_train.std(axis=1, keepdims=True)
    std[std == 0] = 1.0  # a constant column stays as it is
    return (x_train - mean) / std, (x_test - mean) / std


def target_columns(path: Path, header: list[str], spec: str) -> list[int]:
    """The target column(s): ``last``, or names or 1-based numbers separated by commas."""
    if spec.strip().lower() in ("", "last"):
        return [len(header) - 1]
    columns = []
    for part in (p.strip() for p in spec.split(",")):
        if part.isdigit() and 1 <= int(part) <= len(header):
            columns.append(int(part) - 1)
        elif part in header:
            columns.append(header.index(part))
        else:
            raise ConfigError(f"data {path.name}: no column {part!r} to be the target; the columns are {', '.join(header)}", "target")
    if len(columns) >= len(header):
        raise ConfigError(f"data {path.name}: every column is a target; leave at least one input", "target")
    return columns


@dataclass(frozen=True)
class CsvDescription:
    """What a CSV file holds for a run's ``target`` and ``output`` settings, from one read: what a network needs
    (inputs, target columns, classes) and the preview the window shows before training."""

    name: str
    rows: int
    inputs: int
    targets: int
    classes: int  # 0: values to fit (several target columns, or one of values)
    text_classes: bool  # the classes are words: only a classifier makes sense of them
    preview: str  # rows, each column's role, class counts, then the first rows


def describe(config: TrainConfig, progress: Progress | None = None, rows_shown: int = 5) -> CsvDescription:
    """Read ``config.data`` once as a run would with ``config.target`` and ``config.output``; ConfigError naming the
    line and column of what will not do, :class:`ReadCancelledError` if ``progress`` cancels."""
    path = Path(config.data)
    table = _read(path, progress)
    header, rows = table.header, table.rows
    targets_at = target_columns(path, header, config.target)
    roles = ", ".join(f"{name} ({'target' if i in targets_at else 'input'})" for i, name in enumerate(header))
    text = f"{path.name}: {len(rows):,} rows; columns: {roles}"
    names: list[str] = []
    if len(targets_at) == 1:
        labels, names = _target(path, table, targets_at[0], config)
        if names:
            counts = np.bincount(labels.astype(int), minlength=len(names))
            text += "; classes: " + ", ".join(f"{n} {c}" for n, c in zip(names, counts))
    shown = "\n".join(",".join(row) for row in rows[:rows_shown])
    words = any(_number(n) is None for n in names)
    return CsvDescription(path.name, len(rows), len(header) - len(targets_at), len(targets_at), len(names), words,
                          f"{text}\nfirst rows:\n{','.join(header)}\n{shown}")


def preview(config: TrainConfig, rows_shown: int = 5, progress: Progress | None = None) -> str:
    """What the window shows before training: rows, each column's role, class counts, the first rows."""
    return describe(config, progress, rows_shown).preview


def _read(path: Path, progress: Progress | None = None) -> Table:
    """Header and rows, refusing what is not a regular, rectangular, reasonably small CSV file."""
    try:
        fd = _open_regular(path)
        with open(fd, newline="", encoding="utf-8-sig") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_BYTES:
                raise ConfigError(f"data {path.name}: {size:,} bytes, more than {MAX_BYTES:,}; use a smaller file", "data")
            return replace(_rows(path, csv.reader(_bounded_lines(f, path)), _Tick(path, f, size, progress)), size=size)
    except FileNotFoundError:
        raise ConfigError(f"data {path}: no such file", "data") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"data {path.name}: not a CSV file this app can read ({exc})", "data") from None
    except OSError as exc:
        raise ConfigError(f"data {path}: cannot be opened ({exc.strerror or exc})", "data") from None


def _open_regular(path: Path) -> int:
    """A descriptor for ``path`` if it is a regular file, opened without waiting (a FIFO cannot hang the open)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise ConfigError(f"data {path}: is not a regular file", "data")
    fd = os.open(path, platform.open_flags(os.O_RDONLY))
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the stat
        os.close(fd)
        raise ConfigError(f"data {path}: is not a regular file", "data")
    platform.make_blocking(fd)
    return fd


class _Tick:
    """Every PROGRESS_EVERY rows: the bytes read so far against MAX_BYTES (a file may grow), and the caller's progress."""

    def __init__(self, path: Path, f: TextIO, size: int, progress: Progress | None) -> None:
        self.path, self.f, self.size, self.progress = path, f, size, progress

    def __call__(self) -> None:
        done = self.f.buffer.tell()
        if done > MAX_BYTES:
            raise ConfigError(f"data {self.path.name}: more than {MAX_BYTES:,} bytes; use a smaller file", "data")
        if self.progress is not None and self.progress(done, max(self.size, done)) is False:
            raise ReadCancelledError(f"reading {self.path.name} was cancelled")


def _bounded_lines(f: TextIO, path: Path) -> Iterator[str]:
    for line in iter(lambda: f.readline(MAX_LINE + 1), ""):
        if len(line) > MAX_LINE:
            raise ConfigError(f"data {path.name}: a line longer than {MAX_LINE:,} characters", "data")
        yield line


def _rows(path: Path, reader: Iterable[list[str]], tick: Callable[[], None]) -> Table:
    """The header and the non-blank rows with their line numbers; blank rows count toward the cell limit too."""
    header = next(iter(reader), None)
    if not header or not any(cell.strip() for cell in header):
        raise ConfigError(f"data {path.name}: the file is empty (it needs a header row, then rows of numbers)", "data")
    if len(header) < 2:
        raise ConfigError(f"data {path.name}: one column; it needs inputs and a target (the last column)", "data")
    rows, lines, cells = [], [], 0
    line = reader.line_num  # type: ignore[attr-defined]
    for number, row in enumerate(reader, start=1):
        first, line = line + 1, reader.line_num  # type: ignore[attr-defined]
        cells += len(header)
        if cells > MAX_CELLS:
            raise ConfigError(f"data {path.name}: more than {MAX_CELLS:,} cells; use a smaller file", "data")
        if number % PROGRESS_EVERY == 0:
            tick()
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ConfigError(f"data {path.name}, line {first}: {count(len(row), 'column')}, the header has {len(header)}", "data")
        rows.append(row)
        lines.append(first)
    if len(rows) < 2:
        raise ConfigError(f"data {path.name}: {count(len(rows), 'row')} of data; it needs at least 2", "data")
    return Table([h.strip() for h in header], rows, lines)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _still_wanted(path: Path, size: int, progress: Progress | None) -> Callable[[], None]:
    """A check, for the work after reading: the caller's ``progress`` (at the whole file) may still cancel."""
    def check() -> None:
        if progress is not None and progress(size, size) is False:
            raise ReadCancelledError(f"reading {path.name} was cancelled")
    return check


def _numbers(path: Path, table: Table, columns: list[int] | range, wanted: Callable[[], None] | None = None) -> np.ndarray:
    """The given columns as floats, ``(columns, rows)``; the first bad cell is named by line and column. ``wanted``
    is called every PROGRESS_EVERY rows (it may raise to stop)."""
    out = np.empty((len(columns), len(table.rows)))
    for j, c in enumerate(columns):
        for i, row in enumerate(table.rows):
            if wanted is not None and i % PROGRESS_EVERY == PROGRESS_EVERY - 1:
                wanted()
            value = _number(row[c])
            if value is None:
                raise ConfigError(f"data {path.name}, {table.where(i, c)}: {row[c]!r} is not a number", "data")
            if not math.isfinite(value):
                raise ConfigError(f"data {path.name}, {table.where(i, c)}: {row[c]!r} is not finite", "data")
            out[j, i] = value
    return out


def _target(path: Path, table: Table, column: int, config: TrainConfig) -> tuple[np.ndarray, list[str]]:
    """The target column: class indices and the classes' names in index order, or values (and no names).

    A cell that is a number must be finite; labels that are numbers are one class when equal as numbers.
    """
    cells = [row[column].strip() for row in table.rows]
    values = [_number(c) for c in cells]
    for i, value in enumerate(values):
        if value is not None and not math.isfinite(value):
            raise ConfigError(f"data {path.name}, {table.where(i, column)}: target {cells[i]!r} is not finite", "data")
    numeric = all(v is not None for v in values)
    wholes = numeric and all(v == round(v) for v in values)  # type: ignore[arg-type]
    if numeric and not (wholes and config.output in ("sigmoid", "softmax")):
        return np.array(values, dtype=float), []
    keys = [c if v is None else v for c, v in zip(cells, values)]
    spelling: dict[object, str] = {}
    for key, cell in zip(keys, cells):
        spelling.setdefault(key, cell)
    order = sorted(spelling, key=lambda k: (1, 0.0, k) if isinstance(k, str) else (0, k, ""))
    names = [spelling[k] for k in order]
    if len(names) < 2:
        raise ConfigError(f"data {path.name}: the target column {table.header[column]!r} holds a single class ({names[0]!r})", "data")
    index = {key: i for i, key in enumerate(order)}
    return np.array([index[k] for k in keys], dtype=float), names


def _check_probabilities(path: Path, table: Table, columns: list[int], labels: np.ndarray) -> None:
    """Cross-entropy takes targets from 0 to 1: name the first cell outside."""
    values = labels.reshape(len(columns), -1)
    outside = np.argwhere((values < 0) | (values > 1))
    if len(outside):
        j, i = (int(n) for n in outside[0])
        raise ConfigError(f"data {path.name}, {table.where(i, columns[j])}: target {table.rows[i][columns[j]].strip()!r} "
                          "is outside 0 to 1, but cross-entropy needs probabilities (or class labels)", "loss")


def _check_classes_fit(path: Path, column: str, classes: int, config: TrainConfig) -> None:
    """More than two classes need one softmax output each: refuse them on one output, naming both numbers."""
    if classes > 2 and config.output != "softmax":
        raise ConfigError(f"data {path.name}: the target column {column!r} holds {classes} classes, but one {config.output} "
                          f"output takes 2: choose output softmax with {classes} outputs", "output")
