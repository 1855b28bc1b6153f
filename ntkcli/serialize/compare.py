"""`compare --format json`: a list of rows (issue #4), built from the same objects the table
renders: each row is its CompareRow with its model's keys (ModelComparison) beside it."""

from __future__ import annotations

from typing import Any

from ntkcli.analysis.compare import CompareRow, Comparison, ModelComparison
from ntkcli.serialize.generic import merged, merged_schema, object_schema, to_json


def row(r: CompareRow, m: ModelComparison) -> dict[str, Any]:
    data = merged(to_json(r), to_json(m))
    # Each engine's result lists every length asked for; a row shows the row's own length.
    for engine in data["engines"]:
        engine["lengths"] = [x for x in engine["lengths"] if x["len"] == r.length]
    return data


def comparison(c: Comparison) -> list[dict[str, Any]]:
    return [row(r, m) for m in c.models for r in m.rows]


def comparison_schema() -> dict[str, Any]:
    return {
        "type": "array",
        "items": merged_schema(object_schema(CompareRow), object_schema(ModelComparison)),
    }
