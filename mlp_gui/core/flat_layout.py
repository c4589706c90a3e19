"""A network's parameters: (W, b) layers, and where every W and b sits in one flat buffer.

Trainers keep parameters, gradients and update-rule state as flat float64 buffers ``[W1, b1, W2, b2, ...]``
(each W row by row), so an update is one vector operation however deep the network is; snapshots, run files
and per-layer norms use the same order. :class:`FlatLayout` is that order, computed once from the layer sizes:
the span of each array, (W, b) views into a buffer, packing layers into a buffer and back, the place of
``W2[i, j]``, each layer's slice and which entries are weights.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np


class Layer(NamedTuple):
    """One layer's parameters: weights ``W`` (out x in) and biases ``b`` (out)."""

    W: np.ndarray
    b: np.ndarray


Params = list[Layer]


def parameter_names(n_layers: int) -> list[str]:
    """``['W1', 'b1', ..., 'WL', 'bL']``: the order parameters are flattened, printed and saved in."""
    return [f"{kind}{i}" for i in range(1, n_layers + 1) for kind in ("W", "b")]


def flatten(layers: Sequence[Layer]) -> list[np.ndarray]:
    """``[W1, b1, W2, b2, ...]`` (the same arrays, not copies)."""
    return [array for layer in layers for array in layer]


def pair_up(arrays: Sequence[np.ndarray]) -> Params:
    """The inverse of :func:`flatten`: ``[W1, b1, ...]`` as layers."""
    return [Layer(arrays[i], arrays[i + 1]) for i in range(0, len(arrays), 2)]


def copy_layers(layers: Sequence[Layer]) -> Params:
    return [Layer(W.copy(), b.copy()) for W, b in layers]


def layer_shapes(sizes: Sequence[int]) -> list[tuple[tuple[int, int], tuple[int]]]:
    """``((out, in), (out,))`` for each layer of a network with these sizes."""
    return [((n_out, n_in), (n_out,)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]


class Span(NamedTuple):
    """Where one array sits in the flat buffer: ``flat[start:stop]`` is ``W{layer + 1}`` or ``b{layer + 1}``."""

    name: str  # "W1", "b1", ...
    layer: int  # 0-based
    start: int
    stop: int
    shape: tuple[int, ...]

    @property
    def is_weight(self) -> bool:
        return self.name.startswith("W")


@dataclass(frozen=True)
class FlatLayout:
    """The flat order of a network's parameters, from its layer sizes (inputs first, outputs last).

    ``spans``: one :class:`Span` per array in the order ``W1, b1, W2, b2, ...``; ``size``: the buffer's length;
    ``layer_starts`` and ``layer_slices``: each layer's W and b together (for per-layer norms).
    """

    sizes: tuple[int, ...]
    spans: tuple[Span, ...] = field(init=False, compare=False, repr=False)
    size: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        sizes = tuple(int(n) for n in self.sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer sizes must be at least two positive numbers, got {self.sizes!r}")
        spans, start = [], 0
        names = iter(parameter_names(len(sizes) - 1))
        for layer, pair in enumerate(layer_shapes(sizes)):
            for shape in pair:
                stop = start + math.prod(shape)
                spans.append(Span(next(names), layer, start, stop, shape))
                start = stop
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "spans", tuple(spans))
        object.__setattr__(self, "size", start)

    @staticmethod
    def of(sizes: Sequence[int]) -> FlatLayout:
        """The layout for ``sizes``, made once and shared (it never changes)."""
        return _shared_layout(tuple(int(n) for n in sizes))

    @staticmethod
    def for_layers(layers: Sequence[Layer]) -> FlatLayout:
        """The layout of these (W, b) layers (the last two axes of each W are out x in; leading axes are a stack)."""
        return FlatLayout.of((layers[0].W.shape[-1], *(layer.W.shape[-2] for layer in layers)))

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def names(self) -> list[str]:
        return [span.name for span in self.spans]

    @property
    def layer_starts(self) -> tuple[int, ...]:
        """Where each layer's W begins (its b follows it): the segments of per-layer norms."""
        return tuple(span.start for span in self.spans[::2])

    @property
    def layer_slices(self) -> tuple[slice, ...]:
        """Each layer's W and b together, as slices of the flat buffer."""
        return tuple(slice(w.start, b.stop) for w, b in zip(self.spans[::2], self.spans[1::2]))

    def weight_mask(self) -> np.ndarray:
        """A new boolean array over the flat buffer: True on the weights, False on the biases."""
        mask = np.zeros(self.size, dtype=bool)
        for span in self.spans[::2]:
            mask[span.start : span.stop] = True
        return mask

    def zeros(self, lead: tuple[int, ...] = (), dtype: type = np.float64) -> tuple[np.ndarray, Params]:
        """A zeroed buffer of shape ``lead + (size,)`` and (W, b) views into it (``lead`` stacks runs of one shape)."""
        flat = np.zeros(tuple(lead) + (self.size,), dtype=dtype)
        return flat, self.views(flat)

    def views(self, flat: np.ndarray) -> Params:
        """(W, b) layers sharing ``flat``'s memory; its leading axes (a stack of runs) lead every view's shape."""
        self._check(flat)
        lead = flat.shape[:-1]
        return pair_up([flat[..., s.start : s.stop].reshape(lead + s.shape) for s in self.spans])

    def pack(self, layers: Sequence[Layer], out: np.ndarray | None = None) -> np.ndarray:
        """The layers copied into one flat array (into ``out`` if given); W's leading axes are a stack."""
        arrays = [np.asarray(a) for a in flatten(layers)]
        if len(arrays) != len(self.spans):
            raise ValueError(f"{len(layers)} layers given for a layout of {self.n_layers}")
        lead = arrays[0].shape[:-2]
        if out is None:
            out = np.empty(lead + (self.size,), dtype=np.result_type(*arrays))
        self._check(out)
        for span, array in zip(self.spans, arrays):
            if array.shape != lead + span.shape:
                raise ValueError(f"{span.name} has shape {array.shape}, the layout expects {lead + span.shape}")
            out[..., span.start : span.stop] = array.reshape(lead + (-1,))
        return out

    def unpack(self, flat: np.ndarray) -> Params:
        """(W, b) layers holding copies of ``flat``'s values (safe to keep while ``flat`` changes)."""
        return self.views(np.array(flat, copy=True))

    def index(self, layer: int, row: int, col: int | None = None) -> int:
        """Where ``W{layer}[row, col]`` (or ``b{layer}[row]`` when ``col`` is None) sits; ``layer`` is 1-based."""
        if not 1 <= layer <= self.n_layers:
            raise IndexError(f"no layer {layer}")
        w, b = self.spans[2 * layer - 2], self.spans[2 * layer - 1]
        n_out, n_in = w.shape
        if not 0 <= row < n_out or (col is not None and not 0 <= col < n_in):
            raise IndexError(f"no {'W' if col is not None else 'b'}{layer}[{row}{'' if col is None else f', {col}'}]")
        return w.start + row * n_in + col if col is not None else b.start + row

    def _check(self, flat: np.ndarray) -> None:
        if flat.ndim < 1 or flat.shape[-1] != self.size:
            raise ValueError(f"a flat buffer of shape {flat.shape} does not hold {self.size} parameters on its last axis")
        if flat.shape[-1] > 1 and flat.strides[-1] != flat.itemsize:
            raise ValueError("a flat buffer must be contiguous along its last axis")


@functools.lru_cache(maxsize=64)
def _shared_layout(sizes: tuple[int, ...]) -> FlatLayout:
    return FlatLayout(sizes)


__all__ = ["FlatLayout", "Layer", "Params", "Span", "copy_layers", "flatten", "layer_shapes", "pair_up", "parameter_names"]
