"""Phi3LongRoPEScaledRotaryEmbedding (vLLM rotary_embedding/phi3_long_rope_scaled_rope.py,
identical 0.21–0.33): one cache `long_short_cos_sin_cache` of L₀ (short_factor) + L
(long_factor) rows; inv_i = 1/(factor_i·θ^(2i/d)); mscale √(1 + ln(L/L₀)/ln L₀) when L > L₀."""

from __future__ import annotations

import math


def rows(original: int, max_position: int) -> int:
    return original + max_position


def mscale(original: int, max_position: int, given: float | None = None) -> float:
    """short_mscale / long_mscale when given, else the formula (1.0 when L ≤ L₀)."""
    if given is not None:
        return float(given)
    scale = max_position / original
    if scale <= 1.0:
        return 1.0
    return math.sqrt(1 + math.log(scale) / math.log(original))
