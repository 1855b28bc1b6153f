"""`compare --format json`: a list of rows (issue #4), built from the same objects the table
renders: each row is its CompareRow with its model's keys (ModelComparison) beside it."""

from __future__ import annotations

from typing import Any

from ntkcli.analysis.compare import CompareRow, Comparison, ModelComparison, Unreadable
from ntkcli.serialize.generic import merged, merged_schema, object_schema, to_json


def row(r: CompareRow, m: ModelComparison) -> dict[str, Any]:
    data = merged(to_json(r), to_json(m))
    # Each engine's result lists every length asked for; a row shows the row's own length.
    for engine in data["engines"]:
        engine["lengths"] = [x for x in engine["lengths"] if x["len"] == r.length]
    return data


# A compared row has "error": null; an input that could not be compared is an Unreadable entry.
NO_ERROR: dict[str, Any] = {"error": None}
NO_ERROR_SCHEMA: dict[str, Any] = {
    "properties": {"error": {"type": "null", "description": "set only on unreadable inputs"}},
    "required": ["error"],
}


def comparison(c: Comparison) -> list[dict[str, Any]]:
    rows = [merged(row(r, m), NO_ERROR) for m in c.models for r in m.rows]
    return rows + [to_json(u) for u in c.unreadable]


def comparison_schema() -> dict[str, Any]:
    row_schema = merged_schema(
        object_schema(CompareRow), object_schema(ModelComparison), NO_ERROR_SCHEMA
    )
    return {"type": "array", "items": {"anyOf": [row_schema, object_schema(Unreadable)]}}
