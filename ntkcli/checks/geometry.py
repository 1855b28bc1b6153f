"""RoPE geometry (SPEC §4.4, §7 R11): d ≤ 2, odd d, factor ≤ 0, θ ≤ 0, partial factor."""

from __future__ import annotations

from collections.abc import Iterator

from ntkcli.checks.common import number, params
from ntkcli.checks.registry import Issue, Rule, register
from ntkcli.model import Resolution
from ntkcli.numbers import compact


def invalid_geometry(r: Resolution) -> Iterator[Issue]:
    p = params(r)
    rot = r.rotary
    partial = number(p.get("partial_rotary_factor"))
    if not p.get("rope_dim") and partial is not None and not 0 < partial <= 1:
        yield Issue(
            f"partial_rotary_factor = {compact(partial)} is outside (0, 1]: vLLM's get_rope raises "
            "ValueError",
            "set partial_rotary_factor (rotary_pct / rotary_emb_fraction) to a value in (0, 1]",
        )
    dim = rot.rotary_dim if rot is not None else None
    if rot is None and r.refusal is not None and r.refusal.cause == "zero_division":
        dim = 2  # get_rope's d / (d − 2) for the dynamic class
    if dim is not None and dim <= 2:
        yield Issue(
            f"rotary dim d = {dim} ≤ 2: no frequencies to rotate"
            + (", and the NTK exponent d/(d − 2) divides by zero" if dim == 2 else ""),
            "check head_dim / hidden_size / num_attention_heads and partial_rotary_factor "
            "(or rope_dim)",
        )
    elif dim is not None and dim % 2:
        yield Issue(
            f"rotary dim d = {dim} is odd: cos/sin halves do not pair up",
            "make head_size · partial_rotary_factor (or rope_dim) even",
        )
    factor = number(p.get("factor"))
    if factor is not None and factor <= 0:
        yield Issue(
            f"rope factor α = {compact(factor)} ≤ 0: the derived length becomes "
            f"{compact(r.derived.value) if r.derived else '≤ 0'} and the scaling formulas break",
            "set rope_parameters.factor ≥ 1 (1.0 means no scaling)",
        )
    base = rot.base if rot is not None else number(p.get("rope_theta"))
    if base is not None and base <= 0:
        yield Issue(
            f"θ = {compact(base)} ≤ 0: inv_freq = 1/θ^(2i/d) is not a real frequency",
            "set rope_theta (rotary_emb_base) to a positive base such as 10000",
        )


register(
    Rule(
        "R11",
        "error",
        "invalid RoPE geometry (rotary dim, factor, θ, partial factor)",
        invalid_geometry,
    ),
)
