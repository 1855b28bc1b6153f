"""DynamicNTKAlphaRotaryEmbedding (vLLM rotary_embedding/dynamic_ntk_alpha_rope.py, identical
0.21–0.33): rope_type `dynamic` with `alpha`. θ' = θ · alpha^(d/(d−2)), rows = L."""

from __future__ import annotations

from ntkcli.model import Base
from ntkcli.rope import floats
from ntkcli.rope.ntk import ntk_exponent


def scaled_base(base: float, alpha: float, rotary_dim: int) -> Base:
    return base * floats.power(alpha, ntk_exponent(rotary_dim))
