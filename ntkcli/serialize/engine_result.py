"""`--engine` / `--engines` JSON: the engine contract, one object per engine and model."""

from __future__ import annotations

from typing import Any

from ntkcli.engines.base import EngineResult
from ntkcli.serialize.generic import object_schema, to_json


def engine_result(r: EngineResult) -> dict[str, Any]:
    data: dict[str, Any] = to_json(r)
    return data


def engine_result_schema() -> dict[str, Any]:
    return object_schema(EngineResult)
