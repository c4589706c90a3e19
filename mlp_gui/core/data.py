"""The data a run learns: the notebook's random batch, generated sets, or your own CSV.

Every set is drawn from the run's seed, so the same settings give the same data. Arrays hold one
column per sample, as the kernel wants: ``x`` is ``(inputs, samples)``. Classification targets are
one-hot rows for a softmax output and 0/1 for a single sigmoid output.

- ``notebook``: ``x = rand(n_in, M)``, ``y = randn(n_out, M)`` drawn right after the weights from
  the same ``RandomState`` (the course notebook, digit for digit); no test set.
- ``xor``, ``circles``, ``spiral``, ``gaussians``: two inputs, two classes (TensorFlow Playground's
  sets), ``samples`` points with ``noise``.
- ``sine``: one input, one output: ``sin`` over ``[-π, π]`` plus noise (regression).
- ``plane``, ``bumps``: two inputs, one value each (Playground's reg-plane and reg-gauss regression sets, its
  inputs' ±6 scaled to ±1): ``0.6·(x1 + x2)``, and six signed bumps (:data:`BUMPS`); ``noise`` jitters the
  point a target is computed at (by ``noise·randn`` per input, as the other sets jitter theirs), not the input kept.
- ``PATH.csv``: a header row, then numbers; every column but the last is an input, the last the
  target (see :mod:`mlp_gui.core.csv_data`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp_gui.core.plural import count

GENERATED = ("xor", "circles", "spiral", "gaussians", "sine", "plane", "bumps")
CLASSIFICATION = ("xor", "circles", "spiral", "gaussians")
#: ``bumps``: (centre x1, centre x2, sign) of each bump, Playground's at (±4 or 0, ±2.5) scaled by 1/6; each rises
#: from 0 at BUMP_RADIUS from its centre to ±1 at it (Playground's 1 − d/2, which it calls Gaussian)
BUMPS = tuple((cx / 6, cy / 6, sign) for cx, cy, sign in
              ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)))
BUMP_RADIUS = 2 / 6


@dataclass(frozen=True)
class Dataset:
    """Training and test arrays (one column per sample) and what the targets are."""

    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int = 0  # 0: regression; else the number of classes
    description: str = ""

    @property
    def has_test(self) -> bool:
        return self.x_test.shape[1] > 0


def generate(name: str, samples: int, noise: float, rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    """``(points, labels)``: points ``(2, samples)`` (``(1, samples)`` for sine), labels 0/1 (values for sine, plane
    and bumps)."""
    n = samples
    if name == "xor":
        p = rng.uniform(-1, 1, size=(2, n))
        labels = (p[0] * p[1] < 0).astype(float)
        return p + noise * rng.randn(2, n), labels
    if name == "circles":
        labels = (np.arange(n) % 2).astype(float)
        radius = np.where(labels == 1, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
        angle = rng.uniform(0, 2 * np.pi, n)
        return np.vstack([radius * np.cos(angle), radius * np.sin(angle)]) + noise * rng.randn(2, n), labels
    if name == "spiral":
        labels = (np.arange(n) % 2).astype(float)
        t = rng.uniform(0, 1, n)
        angle = 1.75 * t * 2 * np.pi + np.pi * labels
        p = np.vstack([t * np.cos(angle), t * np.sin(angle)])
        return p + noise * rng.randn(2, n), labels
    if name == "gaussians":
        labels = (np.arange(n) % 2).astype(float)
        centres = np.where(labels == 1, 0.5, -0.5)
        return np.vstack([centres, centres]) + (0.3 + noise) * rng.randn(2, n), labels
    if name == "sine":
        p = rng.uniform(-np.pi, np.pi, size=(1, n))
        return p, np.sin(p[0]) + noise * rng.randn(n)
    if name in ("plane", "bumps"):
        p = rng.uniform(-1, 1, size=(2, n))
        at = p + noise * rng.randn(2, n)  # where the target is read: the noise
        return p, plane_value(at) if name == "plane" else bumps_value(at)
    raise ValueError(f"unknown data set {name!r}")


def plane_value(p: np.ndarray) -> np.ndarray:
    """``plane``'s target at points ``p`` (2, n): ``0.6·(x1 + x2)`` (Playground's ``(x + y)/10`` on its ±6 inputs)."""
    return 0.6 * (p[0] + p[1])


def bumps_value(p: np.ndarray) -> np.ndarray:
    """``bumps``' target at points ``p`` (2, n): the sum of the signed bumps of :data:`BUMPS`, each
    ``sign·max(0, 1 − d/BUMP_RADIUS)`` at distance d from its centre (they do not overlap: Playground's largest one)."""
    total = np.zeros(p.shape[1])
    for cx, cy, sign in BUMPS:
        d = np.hypot(p[0] - cx, p[1] - cy)
        total += sign * np.maximum(0.0, 1.0 - d / BUMP_RADIUS)
    return total


def targets(labels: np.ndarray, n_out: int, classes: int) -> np.ndarray:
    """Targets for ``n_out`` outputs: one-hot rows for several outputs, the 0/1 (or value) row for one."""
    if classes and n_out > 1:
        return np.eye(n_out)[:, labels.astype(int)]
    return labels.reshape(1, -1).astype(float)


def split(x: np.ndarray, y: np.ndarray, test_fraction: float, rng: np.random.RandomState) -> tuple:
    """Training and test columns, the test ones drawn from ``rng``."""
    n = x.shape[1]
    n_test = int(round(test_fraction * n))
    order = rng.permutation(n)
    test, train = order[:n_test], order[n_test:]
    return x[:, train], y[:, train], x[:, test], y[:, test]


def batches(n: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """The mini-batches of epoch ``epoch``: a permutation drawn from ``(seed, epoch)`` alone, so a resumed run
    draws the same ones. A batch size of 0 (or at least ``n``) is the whole set, in order."""
    if batch_size <= 0 or batch_size >= n:
        return [np.arange(n)]
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


class Classes:
    """The class of every sample of targets ``y``, found once (the largest output for one-hot targets, > 0.5 for a
    single output): :meth:`accuracy` then classifies only the prediction, as a trainer does at every epoch."""

    def __init__(self, y: np.ndarray) -> None:
        self.one_hot = y.shape[0] > 1
        self.of_samples = self._classify(y)

    def _classify(self, outputs: np.ndarray) -> np.ndarray:
        return np.argmax(outputs, axis=0) if self.one_hot else outputs[0] > 0.5

    def accuracy(self, prediction: np.ndarray) -> float:
        """Share of samples ``prediction`` classifies right (NaN for no samples)."""
        n = self.of_samples.size
        return int(np.count_nonzero(self._classify(prediction) == self.of_samples)) / n if n else float("nan")


def inputs_outputs(name: str) -> tuple[int, tuple[int, ...]]:
    """Inputs of a generated set and the output counts it allows (classes: 1 sigmoid/linear output or 2 one-hot;
    values: 1)."""
    if name == "sine":
        return 1, (1,)
    if name in ("plane", "bumps"):
        return 2, (1,)
    return 2, (1, 2)


def make_dataset(name: str, sizes: tuple[int, ...], samples: int, noise: float, test_fraction: float,
                 rng: np.random.RandomState) -> Dataset:
    """A generated set for a network of ``sizes``, split into training and test columns, all from ``rng``."""
    points, labels = generate(name, samples, noise, rng)
    classes = 2 if name in CLASSIFICATION else 0
    y = targets(labels, sizes[-1], classes)
    x_train, y_train, x_test, y_test = split(points, y, test_fraction, rng)
    kind = f"{classes} classes" if classes else "regression"
    return Dataset(x_train, y_train, x_test, y_test, classes,
                   f"{name}: {count(x_train.shape[1], 'training sample')} and {count(x_test.shape[1], 'test sample')}, {kind}")
