"""Llama3RotaryEmbedding (vLLM rotary_embedding/llama3_rope.py, identical 0.21–0.33): rows = L,
θ unchanged; each frequency is kept, divided by α, or smoothly blended by its wavelength."""

from __future__ import annotations

import math

from ntkcli.rope import floats


def inv_freq(
    base: float,
    rotary_dim: int,
    factor: float,
    low_freq_factor: float,
    high_freq_factor: float,
    original: int,
    count: int | None = None,
) -> tuple[float, ...]:
    low_wavelen = original / low_freq_factor
    high_wavelen = original / high_freq_factor
    out = []
    for inv in floats.inv_freq(base, rotary_dim, count):
        wavelen = 2 * math.pi / inv if inv else math.inf
        if wavelen < high_wavelen:
            out.append(inv)
        elif wavelen > low_wavelen:
            out.append(inv / factor)
        else:
            if low_freq_factor == high_freq_factor:
                smooth = 0.0
            else:
                smooth = (original / wavelen - low_freq_factor) / (
                    high_freq_factor - low_freq_factor
                )
            out.append((1 - smooth) * inv / factor + smooth * inv)
    return tuple(out)
