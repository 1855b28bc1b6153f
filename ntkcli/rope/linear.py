"""LinearScalingRotaryEmbedding (vLLM rotary_embedding/linear_scaling_rope.py, identical
0.21–0.33): one cache per factor s, rows arange(L·s) with positions t/s, concatenated; the base
is unchanged."""

from __future__ import annotations

from collections.abc import Sequence

from ntkcli.rope import floats


def rows_per_factor(max_position: int, factors: Sequence[float]) -> tuple[int | None, ...]:
    """ceil(L·s) rows for each factor (None when L·s is not a finite length)."""
    return tuple(floats.ceil_rows(max_position * s) for s in factors)


def offsets(rows: Sequence[int]) -> tuple[int, ...]:
    """Where each factor's block starts in the concatenated cache."""
    out, start = [], 0
    for n in rows:
        out.append(start)
        start += n
    return tuple(out)
