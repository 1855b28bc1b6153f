"""Nomic's modelling code (what sentence-transformers runs with trust_remote_code), SPEC §5.

A pure function, no torch: Nomic's code uses dynamic NTK iff `rotary_scaling_factor` is truthy
(1.0 counts; null, 0 and absent do not), and applies it only when the sequence is strictly longer
than T = `max_trained_positions`, with X = N, Y = T, α = rotary_scaling_factor:
θ' = θ · (α·N/T − (α − 1))^(d/(d − 2)). Otherwise the rotation is plain RoPE with θ.

Its cos/sin cache is built for the sequence length it is called with (N, the padded batch length)
and is sticky within a process: a later shorter batch keeps the longer, scaled cache. ntkcli
describes a fresh process that embeds one batch of N tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from ntkcli.model import Base
from ntkcli.rope import ntk


@dataclass(frozen=True)
class NomicRope:
    """What Nomic's code rotates a batch of `seq_len` tokens with."""

    seq_len: int  # N
    base: float  # θ (rotary_emb_base)
    rotary_dim: int  # d
    trained_positions: int  # T (max_trained_positions)
    scaling_factor: float | None  # α (rotary_scaling_factor), None when absent/null
    dynamic: bool  # the dynamic-NTK class is used (rotary_scaling_factor truthy)
    applied: bool  # the scaled base is in force for this N (dynamic and N > T)
    inner: float | None  # α·N/T − (α − 1) when applied
    scaled_base: Base  # θ' (θ when not applied)
    cache_rows: int  # rows of the cos/sin cache in a fresh process: N


def nomic_rope(
    base: float,
    rotary_dim: int,
    trained_positions: int,
    scaling_factor: float | None,
    seq_len: int,
) -> NomicRope:
    dynamic = bool(scaling_factor)  # Python truthiness, as `if config.rotary_scaling_factor:`
    applied = dynamic and seq_len > trained_positions
    inner: float | None = None
    scaled: Base = base
    if applied:
        assert scaling_factor is not None
        inner = ntk.inner_reference(scaling_factor, seq_len, trained_positions)
        scaled = ntk.scaled_base(base, inner, rotary_dim)
    return NomicRope(
        seq_len=seq_len,
        base=base,
        rotary_dim=rotary_dim,
        trained_positions=trained_positions,
        scaling_factor=scaling_factor,
        dynamic=dynamic,
        applied=applied,
        inner=inner,
        scaled_base=scaled,
        cache_rows=seq_len,
    )
