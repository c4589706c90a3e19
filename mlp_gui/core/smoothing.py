"""Smoothing a loss curve for display: TensorBoard's debiased exponential moving average, taken in log space."""

from __future__ import annotations

import math

import numpy as np


def smoothed(y: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: the debiased exponential moving average of log10(y), back in loss units.

    ``s[t] = weight * s[t-1] + (1 - weight) * log10(y[t])`` from ``s[-1] = 0``, divided by ``1 - weight**(t+1)``;
    computed as a prefix scan (log2(n) vector operations, no Python loop over points). ``weight`` 0 (or an empty
    ``y``) returns ``y`` itself.
    """
    if weight <= 0 or len(y) == 0:
        return y
    acc = (1 - weight) * np.log10(y)
    shift = 1
    while shift < len(acc):
        acc[shift:] += weight**shift * acc[:-shift]  # the right side is evaluated first: the previous values
        shift *= 2
    return 10 ** (acc / -np.expm1(np.arange(1, len(acc) + 1) * math.log(weight)))
