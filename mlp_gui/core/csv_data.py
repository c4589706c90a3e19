"""Your own data: a CSV file with a header row; every column but the last is an input, the last the target.

A target of strings, or of whole numbers with a sigmoid or softmax output, is a class label (one-hot
for softmax, 0/1 for a single sigmoid output); otherwise it is a value to fit. The file is read as
untrusted text: only a regular file, at most :data:`MAX_CELLS` cells (refused before it is all read),
and every problem is one line naming the row and column.
"""

from __future__ import annotations

import csv
import math
import os
import stat
from pathlib import Path

import numpy as np

from mlp_gui.core.config import ConfigError, TrainConfig, test_share
from mlp_gui.core.data import Dataset, split, targets

MAX_CELLS = 10**7
MAX_LINE = 1 << 20  # a longer line is not a table a person made


def load_csv(config: TrainConfig, rng: np.random.RandomState) -> Dataset:
    """The data of ``config.data`` for a network of ``config.layers``; ConfigError (naming the file) if it will not do."""
    path = Path(config.data)
    header, rows = _read(path)
    targets_at = target_columns(path, header, config.target)
    inputs = _numbers(path, header, rows, [c for c in range(len(header)) if c not in targets_at])
    if len(targets_at) > 1:  # several targets: values to fit, one output each
        labels, classes = _numbers(path, header, rows, targets_at), 0
    else:
        labels, names = _target(path, header, rows, targets_at[0], config)
        classes = len(names)
    n_in, n_out = config.layers[0], config.layers[-1]
    need_out = classes if classes and config.output == "softmax" else len(targets_at)
    if n_in != inputs.shape[0] or n_out != need_out:
        raise ConfigError(f"data {path.name} has {inputs.shape[0]} inputs and needs {need_out} output(s); layers "
                          f"{','.join(map(str, config.layers))} has {n_in} and {n_out}", "layers")
    share = test_share(config)
    if int(round(share * len(rows))) < 1 and share > 0 or len(rows) - int(round(share * len(rows))) < 2:
        raise ConfigError(f"data {path.name}: {len(rows)} rows are too few for a test fraction of {share:g}", "test_fraction")
    y = labels if labels.ndim == 2 else targets(labels, n_out, classes)
    x_train, y_train, x_test, y_test = split(inputs, y, share, rng)
    if config.standardize == "yes":
        x_train, x_test = standardized(x_train, x_test)
    kind = f"{classes} classes" if classes else "regression"
    return Dataset(x_train, y_train, x_test, y_test, classes, f"{path.name}: {len(rows)} rows, {inputs.shape[0]} inputs, {kind}")


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


def preview(config: TrainConfig, rows_shown: int = 5) -> str:
    """What the window shows before training: rows, each column's role, class counts, the first rows."""
    path = Path(config.data)
    header, rows = _read(path)
    targets_at = target_columns(path, header, config.target)
    roles = ", ".join(f"{name} ({'target' if i in targets_at else 'input'})" for i, name in enumerate(header))
    text = f"{path.name}: {len(rows):,} rows; columns: {roles}"
    if len(targets_at) == 1:
        labels, names = _target(path, header, rows, targets_at[0], config)
        if names:
            counts = np.bincount(labels.astype(int), minlength=len(names))
            text += "; classes: " + ", ".join(f"{n} {c}" for n, c in zip(names, counts))
    shown = "\n".join(",".join(row) for row in rows[:rows_shown])
    return f"{text}\nfirst rows:\n{','.join(header)}\n{shown}"


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows, refusing what is not a regular, rectangular, reasonably small CSV file."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ConfigError(f"data {path}: is not a regular file", "data")
        with open(path, newline="", encoding="utf-8-sig") as f:
            return _rows(path, csv.reader(_bounded_lines(f, path)))
    except FileNotFoundError:
        raise ConfigError(f"data {path}: no such file", "data") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"data {path.name}: not a CSV file this app can read ({exc})", "data") from None
    except OSError as exc:
        raise ConfigError(f"data {path}: cannot be opened ({exc.strerror or exc})", "data") from None


def _bounded_lines(f, path: Path):
    for line in iter(lambda: f.readline(MAX_LINE + 1), ""):
        if len(line) > MAX_LINE:
            raise ConfigError(f"data {path.name}: a line longer than {MAX_LINE:,} characters", "data")
        yield line


def _rows(path: Path, reader) -> tuple[list[str], list[list[str]]]:
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise ConfigError(f"data {path.name}: the file is empty (it needs a header row, then rows of numbers)", "data")
    if len(header) < 2:
        raise ConfigError(f"data {path.name}: one column; it needs inputs and a target (the last column)", "data")
    rows, cells = [], 0
    for number, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ConfigError(f"data {path.name}, row {number}: {len(row)} columns, the header has {len(header)}", "data")
        cells += len(row)
        if cells > MAX_CELLS:
            raise ConfigError(f"data {path.name}: more than {MAX_CELLS:,} cells; use a smaller file", "data")
        rows.append(row)
    if len(rows) < 2:
        raise ConfigError(f"data {path.name}: {len(rows)} row(s) of data; it needs at least 2", "data")
    return [h.strip() for h in header], rows


def _numbers(path: Path, header: list[str], rows: list[list[str]], columns: list[int] | range) -> np.ndarray:
    """The given columns as floats, ``(columns, rows)``; the first bad cell is named by row and column."""
    out = np.empty((len(columns), len(rows)))
    for j, c in enumerate(columns):
        for i, row in enumerate(rows):
            try:
                value = float(row[c])
            except ValueError:
                raise ConfigError(f"data {path.name}, row {i + 2}, column {c + 1} ({header[c]!r}): {row[c]!r} is not a number",
                                  "data") from None
            if not math.isfinite(value):
                raise ConfigError(f"data {path.name}, row {i + 2}, column {c + 1} ({header[c]!r}): {row[c]!r} is not finite", "data")
            out[j, i] = value
    return out


def _target(path: Path, header: list[str], rows: list[list[str]], column: int, config: TrainConfig) -> tuple[np.ndarray, list[str]]:
    """The target column: class indices and the classes' names in index order, or values (and no names)."""
    cells = [row[column].strip() for row in rows]
    try:
        values = np.array([float(c) for c in cells])
        numeric = bool(np.all(np.isfinite(values)))
    except ValueError:
        numeric = False
    wholes = numeric and bool(np.all(values == np.round(values)))
    if numeric and not (wholes and config.output in ("sigmoid", "softmax")):
        return values, []
    names = sorted(set(cells), key=lambda c: (float(c) if wholes else 0.0, c))
    if len(names) < 2:
        raise ConfigError(f"data {path.name}: the target column {header[column]!r} holds a single class ({names[0]!r})", "data")
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[c] for c in cells], dtype=float), names
