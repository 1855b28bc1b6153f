"""NTKScalingRotaryEmbedding (vLLM rotary_embedding/ntk_scaling_rope.py, identical 0.21–0.33):
rope_type `ntk`. Not a pure change of base (SPEC-loading "Rotary classes"):

- without mixed_b: inv_i = (θ·α)^(−2i/d) / α^(2/d); effective base θ·α;
- with mixed_b = b: inv_i = θ^(−2i/d) / exp(a·(i+1)^b), a = ln α / (d/2)^b; effective base θ.

Rows = L (no ×α). Float64 here; vLLM computes the same operations in float32.
"""

from __future__ import annotations

import math

from ntkcli.rope import floats


def effective_base(base: float, factor: float, mixed_b: float | None) -> float:
    return base * factor if mixed_b is None else base


def inv_freq(
    base: float, factor: float, rotary_dim: int, mixed_b: float | None, count: int | None = None
) -> tuple[float, ...]:
    inv = floats.inv_freq(effective_base(base, factor, mixed_b), rotary_dim, count)
    if not inv:  # d = 0 (a head size of 0): no frequencies, and no α^(2/d) to divide by
        return ()
    if mixed_b is None:
        divisor = floats.real_power(factor, 2 / rotary_dim) if factor > 0 else math.nan
        return tuple(v / divisor for v in inv)
    if factor <= 0:
        return tuple(math.nan for _ in inv)
    a = math.log(factor) / floats.real_power(rotary_dim / 2, mixed_b)
    out = []
    for i, v in enumerate(inv):
        exponent = a * floats.real_power(i + 1, mixed_b)
        lam = math.inf if exponent > 709 else math.exp(exponent)
        out.append(v / lam)
    return tuple(out)
