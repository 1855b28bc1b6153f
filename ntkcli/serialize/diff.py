"""`diff --format json` (issue #3): `{"old": {...}, "new": {...}, ...}`, or a list of those, each
with its `len`, for `--lengths`. Built from the same DiffResult the table renders. Non-finite and
complex numbers are repr strings, as in inspect (serialize.number)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ntkcli.analysis.diff import DiffResult, EngineSide, Formula, Side
from ntkcli.rope.cache import CacheDelta, CacheStats
from ntkcli.serialize import number
from ntkcli.serialize.engine_result import engine_result


def formula(f: Formula | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "symbolic": f.symbolic,
        "substituted": f.substituted,
        "evaluated": f.evaluated,
        "rows": f.rows,
        "explanation": f.explanation,
    }


def cache(c: CacheStats | None) -> dict[str, Any]:
    """The real torch cache's properties; all null when it was not computed."""
    if c is None:
        return {
            "all_finite": None,
            "abs_max": None,
            "finite_abs_max": None,
            "nan_count": None,
            "inf_count": None,
            "imaginary_part_dropped": None,
            "torch_warnings": [],
        }
    return {
        "all_finite": c.all_finite,
        "abs_max": number(c.abs_max),
        "finite_abs_max": number(c.finite_abs_max),
        "nan_count": c.nan_count,
        "inf_count": c.inf_count,
        "imaginary_part_dropped": c.imaginary_dropped,
        "torch_warnings": list(c.torch_warnings),
    }


def side(s: Side, model_mode: bool) -> dict[str, Any]:
    rot = s.rotary
    data: dict[str, Any] = {
        "vllm": s.line,
        "rope_class": rot.rope_class if rot else None,
        "base": rot.base if rot else None,
        "factor": rot.factor if rot else None,
        "head_size": rot.head_size if rot else None,
        "rotary_dim": rot.rotary_dim if rot else None,
        "max_position": rot.max_position if rot else None,
        "max_trained_positions": rot.trained_positions if rot else None,
        "inner_term": number(rot.inner) if rot else None,
        "exponent": rot.exponent if rot else None,
        "scaled_base": number(s.scaled_base),
        "cache_shape": list(s.cache_shape) if s.cache_shape else None,
        "cache_dtype": rot.dtype if rot else None,
        "cache_computed": s.cache is not None,
        "cache_note": s.cache_note,
        **cache(s.cache),
        "formula": formula(s.formula),
    }
    if model_mode:
        refusal = s.refusal
        data = {
            "max_model_len": s.max_model_len,
            "requested_max_model_len": s.resolution.requested_len if s.resolution else None,
            "positions_past_cache_end": s.positions_past_cache,
            "refusal": None
            if refusal is None
            else {"error": refusal.error, "message": refusal.message, "step": refusal.step},
            **data,
        }
    return data


def delta(d: CacheDelta | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "rows_compared": d.rows_compared,
        "max_abs_delta_cos": number(d.max_abs_dcos),
        "max_abs_delta_sin": number(d.max_abs_dsin),
        "first_position_over_tolerance": d.first_position,
        "tolerance": d.tolerance,
    }


def result(r: DiffResult) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if r.length is not None:
        data["len"] = r.length
    data.update(
        {
            "mode": r.mode,
            "model": r.model,
            "old": side(r.old, r.mode == "model"),
            "new": side(r.new, r.mode == "model"),
            "comparison": delta(r.delta),
            "comparison_note": r.delta_note,
            "differs": r.differs,
            "differences": list(r.differences),
            "memory": {
                "budget_bytes": r.memory.budget,
                "estimated_bytes": r.memory.estimated,
                "computed": r.memory.computed,
            },
        }
    )
    return data


def diff(results: DiffResult | Sequence[DiffResult]) -> Any:
    """One object, or a list of them (--lengths)."""
    if isinstance(results, DiffResult):
        return result(results)
    return [result(r) for r in results]


def engine_side(e: EngineSide) -> dict[str, Any]:
    """`--engine`: the engine contract (serialize/engine_result.py), with, per input and over all
    served inputs, which vLLM line's θ' the engine's base equals ("old", "new")."""
    data = engine_result(e.result)
    for item, lines in zip(data["lengths"], e.equals, strict=True):
        item["equals_vllm"] = list(lines)
    data["equals_vllm"] = e.verdict
    return data


def diff_with_engine(
    results: DiffResult | Sequence[DiffResult], sides: Sequence[EngineSide]
) -> Any:
    """diff's JSON with an "engine" object in each result (one per --lengths row)."""
    if isinstance(results, DiffResult):
        return {**result(results), "engine": engine_side(sides[0])}
    return [{**result(r), "engine": engine_side(e)} for r, e in zip(results, sides, strict=True)]
