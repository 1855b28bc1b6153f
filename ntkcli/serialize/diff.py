"""`diff --format json` (issue #3): `{"old": {...}, "new": {...}, ...}`, or a list of those, each
with its `len`, for `--lengths`. Built from the same DiffResult the table renders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ntkcli.analysis.diff import DiffResult, EngineSide
from ntkcli.serialize.engine_result import engine_result, engine_result_schema
from ntkcli.serialize.generic import merged, merged_schema, object_schema, to_json


def diff(results: DiffResult | Sequence[DiffResult]) -> Any:
    """One object, or a list of them (--lengths)."""
    return to_json(results)


def diff_schema() -> dict[str, Any]:
    one = object_schema(DiffResult)
    # --engine: each result also has the engine's answer under "engine".
    engine = {"properties": {"engine": _engine_side_schema()}, "required": ["engine"]}
    with_engine = merged_schema(one, engine)
    options = [one, with_engine]
    return {"anyOf": [*options, *({"type": "array", "items": o} for o in options)]}


def engine_side(e: EngineSide) -> dict[str, Any]:
    """`--engine`: the engine contract (serialize/engine_result.py), with, per input and over all
    served inputs, which vLLM line's θ' the engine's base equals ("old", "new")."""
    data = engine_result(e.result)
    for item, lines in zip(data["lengths"], e.equals, strict=True):
        item["equals_vllm"] = list(lines)
    data["equals_vllm"] = e.verdict
    return data


def _engine_side_schema() -> dict[str, Any]:
    schema = engine_result_schema()
    lengths = schema["properties"]["lengths"]["items"]
    lengths["properties"]["equals_vllm"] = {
        "type": "array",
        "items": {"enum": ["old", "new"]},
        "description": "the vLLM lines whose θ' this input's base equals",
    }
    lengths["required"] = [*lengths["required"], "equals_vllm"]
    schema["properties"]["equals_vllm"] = {
        "enum": ["old", "new", "old and new", "neither", None],
        "description": "which vLLM formula the engine's θ' equals over the inputs it serves",
    }
    schema["required"] = [*schema["required"], "equals_vllm"]
    return schema


def diff_with_engine(
    results: DiffResult | Sequence[DiffResult], sides: Sequence[EngineSide]
) -> Any:
    """diff's JSON with an "engine" object in each result (one per --lengths row)."""
    if isinstance(results, DiffResult):
        return merged(to_json(results), {"engine": engine_side(sides[0])})
    return [
        merged(to_json(r), {"engine": engine_side(e)}) for r, e in zip(results, sides, strict=True)
    ]
