"""Float arithmetic for RoPE formulas that never raises on absurd inputs (a base of 1e308, a
factor of 1e300): an overflowing power becomes ±inf, as the float32 tensors vLLM computes would,
instead of Python's OverflowError. Results may be inf or NaN; serialisers turn those into
strings, never invalid JSON."""

from __future__ import annotations

import math

from ntkcli.model import Base


def power(base: float, exponent: float) -> Base:
    """base ** exponent; ±inf on overflow; complex for a negative base and a fractional power."""
    try:
        result: Base = base**exponent
    except OverflowError:
        return math.inf
    except ZeroDivisionError:  # 0.0 ** negative
        return math.inf
    return result


def real_power(base: float, exponent: float) -> float:
    """power() for a positive base: always a float."""
    value = power(base, exponent)
    return value.real if isinstance(value, complex) else value


def inv_freq(base: float, rotary_dim: int, count: int | None = None) -> tuple[float, ...]:
    """inv_i = 1 / θ^(2i/d), i = 0 … d/2 − 1, in float64 (vLLM's base.py computes it in float32).

    `count`: only the first `count` frequencies, so that a summary of an absurd rotary dim
    (2**24 from a hostile config) costs nothing."""
    out = []
    stop = rotary_dim if count is None else min(rotary_dim, 2 * count)
    for j in range(0, stop, 2):
        denominator = real_power(base, j / rotary_dim)
        out.append(math.inf if denominator == 0 else 1.0 / denominator)
    return tuple(out)


def ceil_rows(value: float) -> int | None:
    """torch.arange(value) has ceil(value) rows; None when value is not a finite length."""
    if not math.isfinite(value):
        return None
    return max(0, math.ceil(value))
