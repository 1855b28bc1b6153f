"""SPEC §4.4–§4.5: which rotary class vLLM's get_rope builds, with which base and cache.

One builder per rope type, in a registry, instead of vLLM's if/elif chain.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ntkcli.errors import ConfigError
from ntkcli.model import Rotary, VllmVersion
from ntkcli.rope import ntk
from ntkcli.vllm.rope_params import VllmRaises

STEP = "get_rope"
DEFAULT_THETA = 10000.0  # get_rope's fallback when rope_theta is missing: not the model's base


@dataclass(frozen=True)
class RopeInput:
    """What get_rope receives, already validated."""

    params: Mapping[str, Any]
    rope_type: str
    head_size: int
    rotary_dim: int
    max_position: int  # L
    base: float
    dtype: str
    version: VllmVersion


def _number(params: Mapping[str, Any], key: str) -> float | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(
            f"rope_parameters: '{key}' must be a finite number, got {value!r}",
            hint=f"fix rope_parameters.{key} or override it with --hf-overrides",
        )
    return float(value)


def _length(params: Mapping[str, Any], key: str) -> int | None:
    value = _number(params, key)
    if value is None:
        return None
    if value != int(value) or not 0 < value < 2**31:
        raise ConfigError(
            f"rope_parameters: '{key}' must be a positive integer, got {params.get(key)!r}",
            hint=f"fix rope_parameters.{key}",
        )
    return int(value)


def _plain(x: RopeInput, rope_class: str, rows: int | None, note: str | None = None) -> Rotary:
    return Rotary(
        rope_class=rope_class,
        rope_type=x.rope_type,
        head_size=x.head_size,
        rotary_dim=x.rotary_dim,
        max_position=x.max_position,
        base=x.base,
        factor=_number(x.params, "factor"),
        trained_positions=None,
        inner=None,
        exponent=None,
        scaled_base=x.base,
        cache_rows=rows,
        dtype=x.dtype,
        dynamic_formula=False,
        note=note,
    )


def _default(x: RopeInput) -> Rotary:
    if "mrope_section" in x.params:
        return _plain(x, "MRotaryEmbedding", x.max_position, "multimodal RoPE (mrope_section)")
    return _plain(x, "RotaryEmbedding", x.max_position)


def _dynamic(x: RopeInput) -> Rotary:
    if "alpha" in x.params:
        return _plain(
            x,
            "DynamicNTKAlphaRotaryEmbedding",
            x.max_position,
            "dynamic NTK with alpha: the factor-based dynamic NTK formulas do not apply",
        )
    factor = _number(x.params, "factor")
    if factor is None:
        raise VllmRaises(
            "ValueError",
            "Dynamic rope scaling must contain either 'alpha' or 'factor' field",
            STEP,
            "dynamic_without_factor",
        )
    d, L = x.rotary_dim, x.max_position
    if d == 2:
        raise VllmRaises(
            "ZeroDivisionError", "division by zero (rotary_dim - 2 == 0)", STEP, "zero_division"
        )
    trained: int | None = None
    if x.version.dynamic_ntk_uses_trained_length:
        # New: T from rope_parameters (the NomicBert update puts it there), else L (§4.4).
        trained = _length(x.params, "max_trained_positions") or L
        inner = ntk.inner_new(factor, L, trained)
        rows = L
    else:
        inner = ntk.inner_old(factor, L)
        if L * factor < 0:
            raise VllmRaises(
                "RuntimeError",
                "upper bound and larger bound inconsistent with "
                "step sign (torch.arange of a negative length)",
                STEP,
                "negative_arange",
            )
        rows = ntk.rows_old(L, factor)
    return Rotary(
        rope_class="DynamicNTKScalingRotaryEmbedding",
        rope_type=x.rope_type,
        head_size=x.head_size,
        rotary_dim=d,
        max_position=L,
        base=x.base,
        factor=factor,
        trained_positions=trained,
        inner=inner,
        exponent=ntk.ntk_exponent(d),
        scaled_base=ntk.scaled_base(x.base, inner, d),
        cache_rows=rows,
        dtype=x.dtype,
        dynamic_formula=True,
    )


def _linear(x: RopeInput) -> Rotary:
    factor = _number(x.params, "factor") or 1.0
    return _plain(x, "LinearScalingRotaryEmbedding", max(0, math.ceil(x.max_position * factor)))


def _yarn(x: RopeInput) -> Rotary:
    factor = _number(x.params, "factor") or 1.0
    original = _length(x.params, "original_max_position_embeddings") or x.max_position
    return _plain(
        x,
        "YaRNScalingRotaryEmbedding",
        max(0, math.ceil(original * factor)),
        "YaRN is built for original_max_position_embeddings·factor, not for L; "
        "it interpolates frequencies and keeps the base",
    )


def _named(rope_class: str, rows_known: bool, note: str) -> Callable[[RopeInput], Rotary]:
    def build(x: RopeInput) -> Rotary:
        return _plain(x, rope_class, x.max_position if rows_known else None, note)

    return build


NOT_NTK = "the dynamic-NTK formulas do not apply to this class"
BUILDERS: Mapping[str, Callable[[RopeInput], Rotary]] = {
    "default": _default,
    "dynamic": _dynamic,
    "linear": _linear,
    "yarn": _yarn,
    "ntk": _named("NTKScalingRotaryEmbedding", False, NOT_NTK),
    "llama3": _named("Llama3RotaryEmbedding", True, NOT_NTK + "; it keeps the base, smooths freqs"),
    "longrope": _named("Phi3LongRoPEScaledRotaryEmbedding", False, NOT_NTK),
    "deepseek_yarn": _named("DeepseekScalingRotaryEmbedding", False, NOT_NTK),
}


def rotary_dim(params: Mapping[str, Any], head_size: int) -> int:
    """d = rope_dim if truthy, else int(head_size · partial_rotary_factor), factor in (0, 1]."""
    rope_dim = params.get("rope_dim")
    if rope_dim:
        dim = _length(params, "rope_dim")
        assert dim is not None
        return dim
    partial = _number(params, "partial_rotary_factor")
    partial = 1.0 if partial is None else partial
    if partial <= 0.0 or partial > 1.0:
        raise VllmRaises(
            "ValueError",
            f"partial_rotary_factor={partial} must be between 0.0 and 1.0",
            STEP,
            "partial_rotary_factor",
        )
    return int(head_size * partial)


def build_rotary(
    params: Mapping[str, Any],
    head_size: int,
    max_position: int,
    dtype: str,
    version: VllmVersion,
) -> Rotary:
    """get_rope(head_size, max_position, rope_parameters=params, dtype) as numbers."""
    base = _number(params, "rope_theta")
    rope_type = params.get("rope_type") or "default"
    if not isinstance(rope_type, str):
        raise ConfigError(f"rope_parameters: 'rope_type' must be a string, got {rope_type!r}")
    builder = BUILDERS.get(rope_type)
    if builder is None:
        raise VllmRaises(
            "ValueError", f"Unknown RoPE scaling type {rope_type}", STEP, "unknown_rope_type"
        )
    x = RopeInput(
        params=params,
        rope_type=rope_type,
        head_size=head_size,
        rotary_dim=rotary_dim(params, head_size),
        max_position=max_position,
        base=DEFAULT_THETA if base is None else base,
        dtype=dtype,
        version=version,
    )
    return builder(x)
