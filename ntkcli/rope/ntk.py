"""Dynamic-NTK scaling (SPEC §1, §4.5): θ' = θ · (α·X/Y − (α − 1)) ^ (d / (d − 2)).

The operations are written in the order vLLM writes them so the results agree to the last bit.
"""

from __future__ import annotations

import math
from typing import Literal

from ntkcli.model import Base
from ntkcli.rope import floats


def ntk_exponent(rotary_dim: int) -> float:
    """e = d / (d − 2). Raises ZeroDivisionError for d = 2, as vLLM does."""
    return rotary_dim / (rotary_dim - 2)


def inner_old(factor: float, max_position: int) -> float:
    """vLLM ≤ 0.21: X = L·α, Y = L, so the inner term is α² − α + 1 whatever L is."""
    max_len = max_position * factor
    return factor * max_len / max_position - (factor - 1)


def inner_new(factor: float, max_position: int, trained_positions: int) -> float:
    """vLLM ≥ 0.22 (PR #41277): X = L (the served length), Y = T (the trained length)."""
    return factor * max_position / trained_positions - (factor - 1)


def inner_reference(factor: float, seq_len: int, original: int) -> float:
    """transformers / Nomic's code: X = the sequence length, Y = the original length."""
    return factor * seq_len / original - (factor - 1)


def scaled_base(base: float, inner: float, rotary_dim: int) -> Base:
    """θ · inner^e. A negative inner term gives a complex base, as Python's `**` does in vLLM;
    an overflow gives inf (vLLM would raise OverflowError there)."""
    try:
        result: Base = base * inner ** ntk_exponent(rotary_dim)
        return result
    except OverflowError:
        return math.inf


def rows_old(max_position: int, factor: float) -> int:
    """vLLM ≤ 0.21 builds the cache for arange(L·α): ceil(L·α) rows."""
    return math.ceil(max_position * factor)


def inv_freq64(base: float, rotary_dim: int) -> tuple[float, ...]:
    """inv_freq_i = 1 / θ'^(2i/d), i = 0 … d/2 − 1, in float64 (vLLM computes the cache's in
    float32: rope/cache.py). Exact for the angles pos·inv_freq and the wavelengths 2π/inv_freq."""
    return floats.inv_freq(base, rotary_dim)


def zero_crossing(factor: float, trained_positions: int) -> float:
    """The served length where the new inner term is 0: T·(α − 1)/α (SPEC §4.5)."""
    return trained_positions * (factor - 1) / factor


# What a base is, as a word: "ok" (a positive finite real), "zero" (θ' = 0.0: inv_freq
# [1, inf, …] → NaN/Inf cache), "complex" (negative inner term, §4.5), "negative", "nan", "inf",
# or "unavailable" (no formula applies / no rotary object).
BaseStatus = Literal["ok", "zero", "complex", "negative", "nan", "inf", "unavailable"]


def base_status(base: Base | None) -> BaseStatus:
    if base is None:
        return "unavailable"
    if isinstance(base, complex):
        return "complex"
    if math.isnan(base):
        return "nan"
    if math.isinf(base):
        return "inf"
    if base == 0.0:
        return "zero"
    return "negative" if base < 0 else "ok"
