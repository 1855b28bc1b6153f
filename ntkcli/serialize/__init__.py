"""Model objects → JSON-ready data, by one generic function (serialize/generic.py) over the
result dataclasses and their field metadata (ntkcli/fields.py). The tables are rendered from
the same objects, so JSON and tables never disagree; the JSON Schema of each command's output
(serialize/schema.py, `ntkcli schema COMMAND`) is built from the same declarations."""

from __future__ import annotations

from typing import Any

from ntkcli.model import Resolution
from ntkcli.serialize.generic import object_schema, to_json


def resolution(r: Resolution) -> dict[str, Any]:
    """The inspect JSON contract (issue #2), plus every intermediate value."""
    data: dict[str, Any] = to_json(r)
    return data


def resolution_schema() -> dict[str, Any]:
    return object_schema(Resolution)
