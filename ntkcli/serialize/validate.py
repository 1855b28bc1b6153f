"""`validate --format json`: one entry per input, the inspect contract plus what validate adds
(an unreadable input has only validate's own keys)."""

from __future__ import annotations

from typing import Any

from ntkcli.analysis.validate import InputResult, Report
from ntkcli.model import Resolution
from ntkcli.serialize.generic import merged, merged_schema, object_schema, to_json


def entry(result: InputResult) -> dict[str, Any]:
    own: dict[str, Any] = to_json(result)
    if result.resolution is None:
        return own
    # validate's model name and findings (after --ignore) win over the resolution's.
    return merged(to_json(result.resolution), own)


def report(r: Report) -> list[dict[str, Any]]:
    return [entry(result) for result in r.results]


def report_schema() -> dict[str, Any]:
    own = object_schema(InputResult)
    readable = merged_schema(object_schema(Resolution), own)
    return {"type": "array", "items": {"anyOf": [readable, own]}}
