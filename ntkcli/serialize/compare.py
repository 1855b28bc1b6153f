"""`compare --format json`: a list of rows (issue #4), built from the same objects the table
renders. Bases that are not finite reals (0 → NaN caches, complex) are repr strings, as inspect."""

from __future__ import annotations

from typing import Any

from ntkcli.analysis.compare import (
    CompareRow,
    Comparison,
    Divergence,
    ModelComparison,
    RuntimeColumn,
    Runtimes,
    Unreadable,
)
from ntkcli.serialize import number
from ntkcli.serialize.engine_result import engine_result


def runtime(c: RuntimeColumn | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "scaled_base": number(c.scaled_base),
        "allowed": c.allowed,
        "status": c.status,
        "cache_rows": c.cache_rows,
        "rotary_dim": c.rotary_dim,
        "rope": c.rope,
        "scaled": c.scaled,
        "input_len": c.input_len,
        "max_model_len": c.max_model_len,
        "refusal": c.refusal,
        "note": c.note,
    }


def runtimes(r: Runtimes) -> dict[str, Any]:
    return {
        "vllm_new": runtime(r.vllm_new),
        "vllm_old": runtime(r.vllm_old),
        "transformers": runtime(r.transformers),
        "nomic": runtime(r.nomic),
    }


def divergence(d: Divergence) -> dict[str, Any]:
    return {
        "reference": d.reference,
        "positions": d.positions,
        "reference_scaled_base": number(d.reference_base),
        "relative_base": d.relative_base,
        "max_angle_rad": d.max_angle,
        "reason": d.reason,
    }


def row(r: CompareRow, m: ModelComparison) -> dict[str, Any]:
    return {
        "model": r.model,
        "len": r.length,
        "runtimes": runtimes(r.runtimes),
        "reference": r.reference,
        "divergence": divergence(r.divergence),
        "short": None
        if r.short is None
        else {
            "len": r.short.length,
            "runtimes": runtimes(r.short.runtimes),
            "divergence": divergence(r.short.divergence),
        },
        "engines": [
            {
                **engine_result(e.result),
                "lengths": [x for x in engine_result(e.result)["lengths"] if x["len"] == r.length],
                "divergence_rad": e.max_angle,
                "divergence_reason": e.reason,
            }
            for e in r.engines
        ],
        "model_type": m.model_type,
        "rope_type": m.rope_type,
        "source": m.source.kind,
        "notes": list(m.notes),
    }


def unreadable(u: Unreadable) -> dict[str, Any]:
    """An input that could not be compared: its entry, as validate writes one."""
    return {
        "model": u.model,
        "input": u.model,
        "error": {"message": u.message, "hint": u.hint},
    }


def comparison(c: Comparison) -> list[dict[str, Any]]:
    rows = [{**row(r, m), "error": None} for m in c.models for r in m.rows]
    return rows + [unreadable(u) for u in c.unreadable]
