"""SPEC §4.4–§4.5, SPEC-loading "Rotary classes": which rotary class vLLM's get_rope
(vllm/model_executor/layers/rotary_embedding/__init__.py) builds, with which base and cache.

One builder per rope type in a registry instead of vLLM's if/elif chain; the formulas live in
ntkcli/rope/ (one module per scaling type). What get_rope does before dispatching, in its order:
θ = rope_theta else 10000 (G3), the partial factor check (G2), then the cache key of the dict's
items, where a dict value is unhashable (G1). Values a builder reads with `[...]` raise KeyError
when missing, as in vLLM; a null factor raises the TypeError its class raises (G4).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ntkcli.errors import ConfigError
from ntkcli.model import DEFAULT_THETA, MAX_LENGTH, Rotary, VllmVersion
from ntkcli.rope import dynamic_alpha, floats, linear, llama3, longrope, ntk, ntk_scaling, yarn
from ntkcli.vllm.rope_params import VllmRaises

STEP = "get_rope"
HEAD = 2  # how many inverse frequencies a Rotary shows


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
    is_neox_style: bool = True


def _number(params: Mapping[str, Any], key: str) -> float | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(
            f"rope_parameters: '{key}' must be a finite number, got {value!r}"[:200],
            hint=f"fix rope_parameters.{key} or override it with --hf-overrides",
        )
    return float(value)


def _length(params: Mapping[str, Any], key: str) -> int | None:
    value = _number(params, key)
    if value is None:
        return None
    if value != int(value) or not 0 < value <= MAX_LENGTH:
        raise ConfigError(
            f"rope_parameters: '{key}' must be a positive integer, got {params.get(key)!r}"[:200],
            hint=f"fix rope_parameters.{key}",
        )
    return int(value)


def _required(x: RopeInput, key: str) -> Any:
    """rope_parameters[key] as vLLM reads it: KeyError when missing."""
    if key not in x.params:
        raise VllmRaises("KeyError", repr(key), STEP, "missing_rope_key")
    return x.params[key]


def _factor(x: RopeInput, null_message: str) -> float:
    """The required `factor`; null → the TypeError its class raises (G4)."""
    value = _required(x, "factor")
    if value is None:
        raise VllmRaises("TypeError", null_message, STEP, "null_factor")
    factor = _number(x.params, "factor")
    assert factor is not None
    return factor


def _original(x: RopeInput) -> int:
    _required(x, "original_max_position_embeddings")
    original = _length(x.params, "original_max_position_embeddings")
    if original is None:
        raise ConfigError(
            "rope_parameters: 'original_max_position_embeddings' is null",
            hint="set rope_parameters.original_max_position_embeddings to the trained length",
        )
    return original


def _divided(compute: Callable[[], float]) -> float:
    """The inner term; a zero length (L or T = 0) divides by zero in vLLM's own Python, as here."""
    try:
        return compute()
    except ZeroDivisionError:
        raise VllmRaises(
            "ZeroDivisionError", "float division by zero", STEP, "zero_division"
        ) from None


def _head(values: tuple[float, ...]) -> tuple[float, ...]:
    return values[:HEAD]


def _rotary(x: RopeInput, rope_class: str, rows: int | None, **kw: Any) -> Rotary:
    fields: dict[str, Any] = {
        "rope_class": rope_class,
        "rope_type": x.rope_type,
        "head_size": x.head_size,
        "rotary_dim": x.rotary_dim,
        "max_position": x.max_position,
        "base": x.base,
        "factor": None,
        "trained_positions": None,
        "inner": None,
        "exponent": None,
        "scaled_base": x.base,
        "cache_rows": rows,
        "dtype": x.dtype,
        "dynamic_formula": False,
        "is_neox_style": x.is_neox_style,
    }
    fields.update(kw)
    return Rotary(**fields)


NOT_NTK = "the dynamic-NTK formulas do not apply to this class"


def _default(x: RopeInput) -> Rotary:
    inv = _head(floats.inv_freq(x.base, x.rotary_dim, HEAD))
    if "mrope_section" in x.params:
        return _rotary(
            x,
            "MRotaryEmbedding",
            x.max_position,
            inv_freq_head=inv,
            note="multimodal RoPE (mrope_section): rows = L, base θ",
        )
    return _rotary(x, "RotaryEmbedding", x.max_position, inv_freq_head=inv)


def _dynamic(x: RopeInput) -> Rotary:
    d, L = x.rotary_dim, x.max_position
    if "alpha" in x.params:
        # Checked before factor: alpha wins even when factor is there too (SPEC §4.4.6).
        if x.params["alpha"] is None:
            raise VllmRaises(
                "TypeError",
                "unsupported operand type(s) for ** or pow(): 'NoneType' and 'float'",
                STEP,
                "null_factor",
            )
        alpha = _number(x.params, "alpha")
        assert alpha is not None
        if d == 2:
            raise VllmRaises("ZeroDivisionError", "division by zero", STEP, "zero_division")
        theta = dynamic_alpha.scaled_base(x.base, alpha, d)
        return _rotary(
            x,
            "DynamicNTKAlphaRotaryEmbedding",
            L,
            factor=_number(x.params, "factor"),
            exponent=ntk.ntk_exponent(d),
            scaled_base=theta,
            inv_freq_head=_head(floats.inv_freq(theta.real, d, HEAD))
            if not isinstance(theta, complex)
            else (),
            note=f"θ' = θ·alpha^(d/(d−2)) with alpha {alpha!r}; rows = L (the factor of the "
            "dynamic-NTK formula is not used)",
        )
    if "factor" not in x.params:
        raise VllmRaises(
            "ValueError",
            "Dynamic rope scaling must contain either 'alpha' or 'factor' field",
            STEP,
            "dynamic_without_factor",
        )
    if x.params["factor"] is None:
        # 0.21 computes L·α (int * None), 0.22+ α·L/T (None * int): SPEC §4.4.7.
        operands = "'NoneType' and 'int'" if x.version.line == "new" else "'int' and 'NoneType'"
        raise VllmRaises(
            "TypeError", f"unsupported operand type(s) for *: {operands}", STEP, "null_factor"
        )
    factor = _number(x.params, "factor")
    assert factor is not None
    if d == 2:
        raise VllmRaises(
            "ZeroDivisionError", "division by zero (rotary_dim - 2 == 0)", STEP, "zero_division"
        )
    trained: int | None = None
    rows: int | None
    if x.version.dynamic_ntk_uses_trained_length:
        # New: T from rope_parameters (the NomicBert update puts it there), else L (§4.4.8).
        trained = _length(x.params, "max_trained_positions") or L
        inner = _divided(lambda: ntk.inner_new(factor, L, trained))
        rows = L
    else:
        inner = _divided(lambda: ntk.inner_old(factor, L))
        if L * factor < 0:
            raise VllmRaises(
                "RuntimeError",
                "upper bound and larger bound inconsistent with "
                "step sign (torch.arange of a negative length)",
                STEP,
                "negative_arange",
            )
        rows = floats.ceil_rows(L * factor)
    if not math.isfinite(inner):
        raise ConfigError(
            f"rope_parameters: 'factor' {factor!r} makes the dynamic-NTK inner term {inner!r}",
            hint="set rope_parameters.factor to a realistic scaling factor such as 2.0",
        )
    if rows is None:
        raise ConfigError(
            f"rope_parameters: 'factor' {factor!r} makes the cache length L·α = {L * factor!r}",
            hint="set rope_parameters.factor to a realistic scaling factor such as 2.0",
        )
    theta = ntk.scaled_base(x.base, inner, d)
    return _rotary(
        x,
        "DynamicNTKScalingRotaryEmbedding",
        rows,
        factor=factor,
        trained_positions=trained,
        inner=inner,
        exponent=ntk.ntk_exponent(d),
        scaled_base=theta,
        dynamic_formula=True,
        inv_freq_head=() if isinstance(theta, complex) else _head(floats.inv_freq(theta, d, HEAD)),
    )


def _linear(x: RopeInput) -> Rotary:
    value = _required(x, "factor")
    if isinstance(value, float):
        factors = [value]
    elif isinstance(value, list):
        factors = value
    else:
        # LinearScalingRotaryEmbedding wraps only a float in a list, then iterates (SPEC-loading
        # "Rotary classes"; from reading the source, not executed).
        raise VllmRaises(
            "TypeError",
            f"'{type(value).__name__}' object is not iterable",
            STEP,
            "null_factor" if value is None else "int_linear_factor",
        )
    checked = [_number({"factor": f}, "factor") for f in factors]
    scales = [1.0 if f is None else f for f in checked]
    if any(f is None for f in checked):
        raise ConfigError("rope_parameters: 'factor' list holds a null", hint="use numbers")
    per = linear.rows_per_factor(x.max_position, scales)
    if any(n is None for n in per):
        raise ConfigError(
            f"rope_parameters: 'factor' {value!r} makes the cache length infinite"[:200],
            hint="set rope_parameters.factor to a realistic scaling factor such as 4.0",
        )
    rows = [n for n in per if n is not None]
    detail = None
    if len(rows) > 1:
        detail = " + ".join(
            f"{n} (×{s!r}, offset {o})"
            for n, s, o in zip(rows, scales, linear.offsets(rows), strict=True)
        )
    return _rotary(
        x,
        "LinearScalingRotaryEmbedding",
        sum(rows),
        factor=scales[0] if len(scales) == 1 else None,
        inv_freq_head=_head(floats.inv_freq(x.base, x.rotary_dim, HEAD)),
        rows_detail=detail,
        note="positions are divided by the factor; rows = L·α per factor, base unchanged; "
        + NOT_NTK,
    )


def _ntk(x: RopeInput) -> Rotary:
    mixed_b_value = x.params.get("mixed_b")
    if _required(x, "factor") is None:
        if mixed_b_value is None:
            message = f"unsupported operand type(s) for *: '{type(x.base).__name__}' and 'NoneType'"
            raise VllmRaises("TypeError", message, STEP, "null_factor")
        raise VllmRaises("RuntimeError", "Could not infer dtype of NoneType", STEP, "null_factor")
    factor = _number(x.params, "factor")
    assert factor is not None
    mixed_b = _number(x.params, "mixed_b")
    effective = ntk_scaling.effective_base(x.base, factor, mixed_b)
    return _rotary(
        x,
        "NTKScalingRotaryEmbedding",
        x.max_position,
        factor=factor,
        effective_base=effective,
        inv_freq_head=_head(ntk_scaling.inv_freq(x.base, factor, x.rotary_dim, mixed_b, HEAD)),
        note=(
            "inv_i = (θ·α)^(−2i/d) / α^(2/d): effective base θ·α, every frequency also divided "
            "by α^(2/d) (not a pure change of base); rows = L"
            if mixed_b is None
            else "inv_i = θ^(−2i/d) / exp(a·(i+1)^b), a = ln α/(d/2)^b: effective base θ; rows = L"
        ),
    )


YARN_NULL_FACTOR = "'<=' not supported between instances of 'NoneType' and 'int'"


def _yarn_like(x: RopeInput, rope_class: str) -> Rotary:
    factor = _factor(x, YARN_NULL_FACTOR)
    original = _original(x)
    p = x.params
    era = x.version.code_era
    if rope_class == "YaRNScalingRotaryEmbedding":
        if era == "0.33":
            mscale = yarn.yarn_mscale_033(
                factor,
                _number(p, "mscale"),
                _number(p, "mscale_all_dim"),
                _number(p, "attention_factor"),
            )
            extrapolation = 1.0
        else:
            attn = _number(p, "attn_factor")
            apply = p.get("apply_yarn_scaling", True)
            mscale = yarn.yarn_mscale_022(factor, 1.0 if attn is None else attn, bool(apply))
            extrap = _number(p, "extrapolation_factor")
            extrapolation = 1.0 if extrap is None else extrap
        how = (
            "mscale (0.33: attention_factor, else get_mscale ratio, else 0.1·ln α + 1)"
            if (era == "0.33")
            else "mscale (0.22: (0.1·ln α + 1)·attn_factor)"
        )
    else:
        m = _number(p, "mscale")
        m_all = _number(p, "mscale_all_dim")
        attn = _number(p, "attn_factor") if era == "0.22" else None
        mscale = yarn.deepseek_mscale(
            factor,
            1.0 if m is None else m,
            0.0 if m_all is None else m_all,
            1.0 if attn is None else attn,
        )
        extrap = _number(p, "extrapolation_factor")
        extrapolation = 1.0 if extrap is None else extrap
        how = "mscale = get_mscale(α, mscale)/get_mscale(α, mscale_all_dim)"
    rows = yarn.rows(original, factor)
    if rows is None:
        raise ConfigError(
            f"rope_parameters: 'factor' {factor!r} makes the cache length L₀·α infinite",
            hint="set rope_parameters.factor to a realistic scaling factor such as 4.0",
        )
    beta_fast = _number(p, "beta_fast")
    beta_slow = _number(p, "beta_slow")
    inv: tuple[float, ...] = ()
    if x.base > 1 and factor > 0 and x.rotary_dim > 0:
        inv = _head(
            yarn.inv_freq(
                x.base,
                factor,
                x.rotary_dim,
                original,
                beta_fast=32 if beta_fast is None else beta_fast,
                beta_slow=1 if beta_slow is None else beta_slow,
                extrapolation_factor=extrapolation,
                truncate=bool(p.get("truncate", True)),
                count=HEAD,
            )
        )
    return _rotary(
        x,
        rope_class,
        rows,
        factor=factor,
        mscale=mscale,
        inv_freq_head=inv,
        rows_detail=f"L₀·α = {original}·{factor!r}",
        note=f"built for original_max_position_embeddings·factor, not for L; base unchanged, "
        f"frequencies blended over the YaRN correction range; cos/sin × {how}",
    )


def _yarn(x: RopeInput) -> Rotary:
    return _yarn_like(x, "YaRNScalingRotaryEmbedding")


def _deepseek(x: RopeInput) -> Rotary:
    return _yarn_like(x, "DeepseekScalingRotaryEmbedding")


def _llama3(x: RopeInput) -> Rotary:
    factor = _factor(x, "unsupported operand type(s) for /: 'Tensor' and 'NoneType'")
    low = _required(x, "low_freq_factor")
    high = _required(x, "high_freq_factor")
    original = _original(x)
    low_f, high_f = _number(x.params, "low_freq_factor"), _number(x.params, "high_freq_factor")
    inv: tuple[float, ...] = ()
    if low is not None and high is not None and low_f and high_f and factor:
        inv = _head(llama3.inv_freq(x.base, x.rotary_dim, factor, low_f, high_f, original, HEAD))
    return _rotary(
        x,
        "Llama3RotaryEmbedding",
        x.max_position,
        factor=factor,
        inv_freq_head=inv,
        note="rows = L, base unchanged; low frequencies divided by α, high kept, smooth between; "
        + NOT_NTK,
    )


def _longrope(x: RopeInput) -> Rotary:
    short = _required(x, "short_factor")
    long = _required(x, "long_factor")
    original = _original(x)
    if not x.is_neox_style:
        raise VllmRaises(
            "ValueError",
            "`Phi3LongRoPEScaledRotaryEmbedding` only supports neox_style.",
            STEP,
            "longrope_not_neox",
        )
    half = x.rotary_dim // 2
    for name, factors in (("short_factor", short), ("long_factor", long)):
        if not isinstance(factors, list) or not all(
            isinstance(f, (int, float)) and not isinstance(f, bool) for f in factors
        ):
            raise ConfigError(
                f"rope_parameters: '{name}' must be a list of numbers, got {factors!r}"[:200],
                hint=f"fix rope_parameters.{name}",
            )
        if len(factors) not in (1, half):
            # torch broadcasting of the factor tensor against arange(0, d, 2) (from reading the
            # source; not executed).
            raise VllmRaises(
                "RuntimeError",
                f"The size of tensor a ({len(factors)}) must match the size of tensor b "
                f"({half}) at non-singleton dimension 0",
                STEP,
                "longrope_factor_length",
            )
    long_mscale = _number(x.params, "long_mscale")
    mscale = longrope.mscale(original, x.max_position, long_mscale)
    return _rotary(
        x,
        "Phi3LongRoPEScaledRotaryEmbedding",
        longrope.rows(original, x.max_position),
        mscale=mscale,
        rows_detail=f"L₀ (short) + L (long) = {original} + {x.max_position}",
        note="long_short_cos_sin_cache: short_factor rows for L₀, long_factor rows for L; "
        "positions are offset by L₀ when max_model_len > L₀; " + NOT_NTK,
    )


BUILDERS: Mapping[str, Callable[[RopeInput], Rotary]] = {
    "default": _default,
    "dynamic": _dynamic,
    "linear": _linear,
    "ntk": _ntk,
    "yarn": _yarn,
    "deepseek_yarn": _deepseek,
    "deepseek_llama_scaling": _deepseek,
    "llama3": _llama3,
    "longrope": _longrope,
}


def _partial_factor(params: Mapping[str, Any]) -> float:
    """G2: partial_rotary_factor (default 1.0) must be in (0, 1]."""
    value = params.get("partial_rotary_factor", 1.0)
    if not isinstance(value, (int, float)):
        raise VllmRaises(
            "TypeError",
            f"'<=' not supported between instances of '{type(value).__name__}' and 'float'",
            STEP,
            "partial_rotary_factor_type",
        )
    if math.isnan(value) or value <= 0.0 or value > 1.0:
        raise VllmRaises(
            "ValueError",
            f"partial_rotary_factor={value!r} must be between 0.0 and 1.0",
            STEP,
            "partial_rotary_factor",
        )
    return float(value)


def rotary_dim(params: Mapping[str, Any], head_size: int) -> int:
    """d = rope_dim if truthy, else int(head_size · partial_rotary_factor) (SPEC §4.4.4)."""
    if params.get("rope_dim"):
        dim = _length(params, "rope_dim")
        assert dim is not None
        return dim
    return int(head_size * _partial_factor(params))


def _check_hashable(params: Mapping[str, Any]) -> None:
    """G1: get_rope's cache key is tuple(items) with lists turned into tuples."""
    items = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())
    try:
        hash(items)
    except TypeError as exc:
        raise VllmRaises("TypeError", str(exc), STEP, "unhashable_rope_parameters") from None


def _theta(params: Mapping[str, Any]) -> float:
    """G3: rope_theta, else 10000 (not the model's base)."""
    if "rope_theta" not in params:
        return DEFAULT_THETA
    value = _number(params, "rope_theta")
    if value is None:
        raise ConfigError(
            "rope_parameters: 'rope_theta' is null", hint="set rope_theta to a base such as 10000"
        )
    return value


def build_rotary(
    params: Mapping[str, Any] | None,
    head_size: int,
    max_position: int,
    dtype: str,
    version: VllmVersion,
    *,
    is_neox_style: bool = True,
) -> Rotary:
    """get_rope(head_size, max_position, is_neox_style, rope_parameters=params, dtype)."""
    params = params or {}
    base = _theta(params)
    dim = rotary_dim(params, head_size)
    _check_hashable(params)
    rope_type = params.get("rope_type", "default")
    builder = BUILDERS.get(rope_type) if isinstance(rope_type, str) else None
    if builder is None:
        raise VllmRaises(
            "ValueError", f"Unknown RoPE scaling type {rope_type}"[:300], STEP, "unknown_rope_type"
        )
    x = RopeInput(
        params=params,
        rope_type=rope_type,
        head_size=head_size,
        rotary_dim=dim,
        max_position=max_position,
        base=base,
        dtype=dtype,
        version=version,
        is_neox_style=is_neox_style,
    )
    return builder(x)
