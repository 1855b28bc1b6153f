"""YaRNScalingRotaryEmbedding and DeepseekScalingRotaryEmbedding (vLLM
rotary_embedding/yarn_scaling_rope.py, deepseek_scaling_rope.py, helpers in common.py).

Both are built for L₀ = original_max_position_embeddings, not for L: rows = arange(L₀·α). The
base is unchanged; frequencies are blended between θ^(−2i/d) and θ^(−2i/d)/α over the correction
range, and cos/sin are multiplied by an mscale whose formula differs between 0.22 and 0.33
(SPEC-loading "Rotary classes").
"""

from __future__ import annotations

import math

from ntkcli.rope import floats


def get_mscale(scale: float, mscale: float = 1.0) -> float:
    """yarn_get_mscale: 0.1·m·ln s + 1, or 1 when s ≤ 1."""
    if scale <= 1:
        return 1.0
    return 0.1 * mscale * math.log(scale) + 1.0


def correction_dim(rotations: float, rotary_dim: int, base: float, original: int) -> float:
    """d·ln(L₀/(2π·r)) / (2·ln θ)."""
    return (rotary_dim * math.log(original / (rotations * 2 * math.pi))) / (2 * math.log(base))


def correction_range(
    beta_fast: float, beta_slow: float, rotary_dim: int, base: float, original: int, truncate: bool
) -> tuple[float, float]:
    low = correction_dim(beta_fast, rotary_dim, base, original)
    high = correction_dim(beta_slow, rotary_dim, base, original)
    if truncate:
        low, high = math.floor(low), math.ceil(high)
    return max(low, 0), min(high, rotary_dim - 1)


def inv_freq(
    base: float,
    factor: float,
    rotary_dim: int,
    original: int,
    *,
    beta_fast: float = 32,
    beta_slow: float = 1,
    extrapolation_factor: float = 1.0,
    truncate: bool = True,
    count: int | None = None,
) -> tuple[float, ...]:
    """inv_i = inv_interp·(1 − mask) + inv_extrap·mask, mask = (1 − ramp)·extrapolation_factor."""
    extrap = floats.inv_freq(base, rotary_dim, count)
    interp = tuple(v / factor for v in extrap)
    low, high = correction_range(beta_fast, beta_slow, rotary_dim, base, original, truncate)
    if low == high:
        high += 0.001
    out = []
    for i, (e, p) in enumerate(zip(extrap, interp, strict=True)):
        ramp = min(max((i - low) / (high - low), 0.0), 1.0)
        mask = (1 - ramp) * extrapolation_factor
        out.append(p * (1 - mask) + e * mask)
    return tuple(out)


def rows(original: int, factor: float) -> int | None:
    """arange(L₀·α) rows, None when that is not a finite length."""
    return floats.ceil_rows(original * factor)


def yarn_mscale_033(
    factor: float,
    mscale: float | None,
    mscale_all_dim: float | None,
    attention_factor: float | None,
) -> float:
    """0.33: attention_factor if given; else get_mscale(α, m)/get_mscale(α, m_all) when both are
    truthy; else get_mscale(α)."""
    if attention_factor is not None:
        return float(attention_factor)
    if mscale and mscale_all_dim:
        return get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim)
    return get_mscale(factor)


def yarn_mscale_022(factor: float, attn_factor: float, apply_yarn_scaling: bool) -> float:
    """0.21/0.22: get_mscale(α)·attn_factor when apply_yarn_scaling (the default), else
    attn_factor."""
    return get_mscale(factor) * attn_factor if apply_yarn_scaling else attn_factor


def deepseek_mscale(
    factor: float, mscale: float, mscale_all_dim: float, attn_factor: float = 1.0
) -> float:
    """get_mscale(α, mscale)/get_mscale(α, mscale_all_dim) (0.21/0.22 also × attn_factor)."""
    return get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim) * attn_factor
