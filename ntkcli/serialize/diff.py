"""`diff --format json` (issue #3): `{"old": {...}, "new": {...}, ...}`, or a list of those, each
with its `len`, for `--lengths`. Built from the same DiffResult the table renders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ntkcli.analysis.diff import DiffResult
from ntkcli.serialize.generic import object_schema, to_json


def diff(results: DiffResult | Sequence[DiffResult]) -> Any:
    """One object, or a list of them (--lengths)."""
    return to_json(results)


def diff_schema() -> dict[str, Any]:
    one = object_schema(DiffResult)
    return {"anyOf": [one, {"type": "array", "items": one}]}
