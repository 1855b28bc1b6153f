"""`--engine` / `--engines` JSON: the engine contract, one object per engine and model."""

from __future__ import annotations

from typing import Any

from ntkcli.engines.base import EngineResult
from ntkcli.model import Base
from ntkcli.serialize import number


def _base(value: Base | str | None) -> float | str | None:
    return value if isinstance(value, str) else number(value)


def engine_result(r: EngineResult) -> dict[str, Any]:
    return {
        "engine": {"name": r.engine.name, "version": r.engine.version},
        "config_class": {"name": r.config_class.name, "origin": r.config_class.origin},
        "max_len": r.max_len,
        "max_len_key": r.max_len_key,
        "refusal": None
        if r.refusal is None
        else {"error": r.refusal.error, "message": r.refusal.message},
        "rope_class": r.rope_class,
        "base": number(r.base),
        "scaled_base": _base(r.scaled_base),
        "cache_shape": None if r.cache_shape is None else list(r.cache_shape),
        "lengths": [
            {
                "len": x.len,
                "base": _base(x.base),
                "accepted": x.accepted,
                "tokens_used": x.tokens_used,
                "status": x.status,
                "note": x.note,
            }
            for x in r.lengths
        ],
        "scaling": r.scaling,
        "evidence": r.evidence,
        "notes": list(r.notes),
    }
