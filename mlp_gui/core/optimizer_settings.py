"""The checks of the optimizer's settings (issue 19): each raises a ConfigError of one line naming the
setting and its range (the command line puts the flag before it).

The rows themselves are in :data:`mlp_gui.core.settings.SETTINGS`; the names in :data:`OPTIMIZERS` are the update
rules registered in :mod:`mlp_gui.core.optimizers` (and gradient descent).
"""

from __future__ import annotations

import math

from mlp_gui.core.parse import ConfigError

OPTIMIZERS = ("gd", "momentum", "nesterov", "rmsprop", "adam")
MAX_DECAY_EVERY = 10**12


def _finite(value: float, flag: str, name: str) -> None:
    if not math.isfinite(value):
        raise ConfigError(f"{flag} must be a finite number, got {value}", name)


def _fraction(value: float, flag: str, name: str, why: str) -> None:
    """``value`` in [0, 1)."""
    _finite(value, flag, name)
    if not 0 <= value < 1:
        raise ConfigError(f"{flag} must be at least 0 and below 1 ({why}), got {value:g}", name)


def check_momentum(value: float) -> None:
    _fraction(value, "momentum", "momentum", "the share of the velocity kept each step")


def check_rho(value: float) -> None:
    _fraction(value, "rho", "rho", "the share of the mean square kept each step")


def check_beta1(value: float) -> None:
    _fraction(value, "beta1", "beta1", "the share of the mean gradient kept each step")


def check_beta2(value: float) -> None:
    _fraction(value, "beta2", "beta2", "the share of the mean squared gradient kept each step")


def check_eps(value: float) -> None:
    _finite(value, "eps", "eps")
    if value <= 0:
        raise ConfigError(f"eps must be above 0 (it keeps the division finite), got {value:g}", "eps")


def _penalty(value: float, flag: str, name: str) -> None:
    _finite(value, flag, name)
    if value < 0:
        raise ConfigError(f"{flag} must be 0 (no penalty) or more, got {value:g}", name)


def check_l1(value: float) -> None:
    _penalty(value, "l1", "l1")


def check_l2(value: float) -> None:
    _penalty(value, "l2", "l2")


def check_decay_every(value: int) -> None:
    if not 0 <= value <= MAX_DECAY_EVERY:
        raise ConfigError(f"decay every must be a number of epochs from 1 to {MAX_DECAY_EVERY:,}, or 0 for no decay; "
                          f"got {value:,}", "decay_every")


def check_decay_factor(value: float) -> None:
    _finite(value, "decay factor", "decay_factor")
    if not 0 < value <= 1:
        raise ConfigError(f"decay factor must be above 0 and at most 1 (the stepsize is multiplied by it every "
                          f"decay-every epochs), got {value:g}", "decay_factor")


__all__ = ["OPTIMIZERS", "check_beta1", "check_beta2", "check_decay_every", "check_decay_factor", "check_eps",
           "check_l1", "check_l2", "check_momentum", "check_rho"]
