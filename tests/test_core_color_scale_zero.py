"""Numbers as the walkthrough found them: a value that rounds to zero prints without a sign."""

from __future__ import annotations

import pytest

from mlp_gui.core.color_scale import format_cell


@pytest.mark.parametrize(("value", "exponent"), [(-0.0, None), (-0.0, -3), (-0.004e-3, -3), (-4e-9, -6)])
def test_a_value_rounding_to_zero_prints_without_a_sign(value: float, exponent: int | None) -> None:
    assert format_cell(value, exponent) == "0.00"


def test_a_small_negative_value_keeps_its_sign() -> None:
    assert format_cell(-0.006e-3, -3) == "-0.01"
    assert format_cell(-0.3) == "-0.30"
