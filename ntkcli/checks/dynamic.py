"""Dynamic-NTK rules (SPEC §4.5, §7 R01, R02, R05, R12)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ntkcli.checks.common import is_new, number, params
from ntkcli.checks.registry import Issue, Rule, register
from ntkcli.model import Resolution, Rotary
from ntkcli.numbers import compact
from ntkcli.rope import ntk


class _NewDynamic(NamedTuple):
    """vLLM ≥ 0.22's DynamicNTKScalingRotaryEmbedding with T (§4.5): the rotary object with its
    α, T and inner term known."""

    rot: Rotary
    factor: float
    trained: int
    inner: float


def _new_dynamic(r: Resolution) -> _NewDynamic | None:
    rot = r.rotary
    if rot is None or not rot.dynamic_formula or not is_new(r):
        return None
    if rot.trained_positions is None or rot.factor is None or rot.inner is None:
        return None
    return _NewDynamic(rot, rot.factor, rot.trained_positions, rot.inner)


def _inner_text(d: _NewDynamic) -> str:
    return (
        f"inner term α·L/T − (α − 1) = {compact(d.factor)}·{d.rot.max_position}/{d.trained} − "
        f"{compact(d.factor - 1)} = {compact(d.inner)}"
    )


def zero_or_complex_base(r: Resolution) -> Iterator[Issue]:
    d = _new_dynamic(r)
    if d is None or d.inner > 0:
        return
    consequence = (
        f"θ' = {compact(d.rot.scaled_base)}: inv_freq is [1, inf, …] and the cos/sin cache is "
        "NaN/Inf"
        if d.inner == 0
        else f"θ' = {compact(d.rot.scaled_base)} is complex: its imaginary part is dropped and "
        "the cache holds garbage up to ~1e38"
    )
    if d.factor > 1:
        crossing = ntk.zero_crossing(d.factor, d.trained)
        raise_to = f"raise --max-model-len above T·(α − 1)/α = {compact(crossing)} (at L = T = "
        raise_to += f"{d.trained}, θ' = θ)"
    else:
        raise_to = f"raise --max-model-len to T = {d.trained}"
    yield Issue(
        f"{_inner_text(d)} ≤ 0: {consequence}",
        f"{raise_to}, or drop the dynamic rope_type from --hf-overrides",
    )


def shrinking_base(r: Resolution) -> Iterator[Issue]:
    d = _new_dynamic(r)
    if d is None or not 0 < d.inner < 1:
        return
    rot = d.rot
    yield Issue(
        f"{_inner_text(d)} < 1: θ' = {compact(rot.scaled_base)} is below θ = {compact(rot.base)} "
        f"because the served length L = {rot.max_position} is below the trained length "
        f"T = {d.trained}",
        f"serve at least T: --max-model-len {d.trained} (θ' = θ there), "
        "or drop the dynamic rope_type",
    )


def base_depends_on_max_model_len(r: Resolution) -> Iterator[Issue]:
    # Only when L is the served max_model_len (the NomicBert update, §4.3 new). Other
    # architectures pass their own max_position_embeddings, so T = L and θ' = θ (see R03).
    d = _new_dynamic(r)
    if d is None or r.nomic is None:
        return
    rot = d.rot
    yield Issue(
        f"θ' = {compact(rot.scaled_base)} is computed once from max_model_len "
        f"L = {rot.max_position} (θ {compact(rot.base)}, α {compact(d.factor)}, "
        f"T {d.trained}): the same short "
        "input embeds differently at another --max-model-len, while the model's own code scales "
        f"per sequence, and only sequences longer than T",
        (
            f"pin --max-model-len {rot.max_position} wherever embeddings are compared, or serve "
            if _usable(rot.scaled_base)
            else "serve "  # never recommend a length whose base R01 flags as broken
        )
        + f"--max-model-len {d.trained} (= T, θ' = θ) to match the reference for "
        "inputs up to T",
    )


def _usable(base: object) -> bool:
    return isinstance(base, int | float) and not isinstance(base, bool) and base > 0


def factor_below_one(r: Resolution) -> Iterator[Issue]:
    p = params(r)
    factor = number(p.get("factor"))
    if p.get("rope_type") != "dynamic" or factor is None or not 0 < factor < 1:
        return
    parts = [f"dynamic factor α = {compact(factor)} < 1 shrinks what it should stretch"]
    d = r.derived
    if d is not None and d.factor_applied and d.config_value is not None:
        parts.append(
            f"the derived length becomes {d.config_value}·{compact(factor)} = {compact(d.value)}"
        )
    rot = r.rotary
    if rot is not None and rot.dynamic_formula:
        parts.append(f"θ' = {compact(rot.scaled_base)} (θ = {compact(rot.base)})")
        if rot.cache_rows is not None and rot.cache_rows < rot.max_position:
            parts.append(f"cache {rot.cache_rows} rows for L = {rot.max_position}")
    yield Issue(
        "; ".join(parts),
        "set rope_parameters.factor ≥ 1 (1.0 means no scaling) in config.json or --hf-overrides",
    )


register(
    Rule(
        "R01",
        "error",
        "new vLLM, dynamic NTK: inner term ≤ 0 (zero or complex base)",
        zero_or_complex_base,
    ),
    Rule(
        "R02",
        "warning",
        "new vLLM, dynamic NTK: 0 < inner < 1 (base shrinks below θ)",
        shrinking_base,
    ),
    Rule(
        "R05",
        "warning",
        "new vLLM, dynamic NTK: the base depends on --max-model-len",
        base_depends_on_max_model_len,
    ),
    Rule("R12", "warning", "dynamic NTK with factor < 1", factor_below_one),
)
