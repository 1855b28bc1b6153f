"""`--engine NAME[@VERSION]` for a command that otherwise shows vLLM: one engine's answer."""

from __future__ import annotations

from typing import Any

from ntkcli import console
from ntkcli.commands.options import check_engine_transformers
from ntkcli.engines.base import DEFAULT_LENGTHS, EngineRequest
from ntkcli.engines.registry import parse_engine
from ntkcli.model import RawConfig, Request, Resolution
from ntkcli.render.engine_result import engine_detail
from ntkcli.serialize.engine_result import engine_result
from ntkcli.serialize.generic import merged, to_json


def engine_request(
    request: Request,
    lengths: tuple[int, ...] = DEFAULT_LENGTHS,
    transformers: str | None = None,
) -> EngineRequest:
    check_engine_transformers(transformers)
    return EngineRequest(
        transformers=transformers,
        lengths=lengths,
        max_model_len=request.max_model_len,
        hf_overrides=request.hf_overrides,
        allow_long_max_model_len=request.allow_long_max_model_len,
        dtype=request.dtype,
        trust_remote_code=request.trust_remote_code,
    )


def show_engine(
    raw: RawConfig,
    text: str,
    request: Request,
    format: str,
    transformers: str | None = None,
    lengths: tuple[int, ...] | None = None,
) -> None:
    engine, version = parse_engine(text)
    request_all = engine_request(request, lengths or DEFAULT_LENGTHS, transformers)
    result = engine.resolve(raw, request_all, version)
    if format == "json":
        console.emit_json(merged(to_json(raw, keys=("model",)), engine_result(result)))
    else:
        console.emit(engine_detail(raw.model, result))


def vllm_json(
    resolution: Resolution,
    serialized: dict[str, Any],
    lengths: tuple[int, ...] | None = None,
) -> dict[str, Any]:
    """vLLM's existing inspect JSON, with the engine contract's keys beside it (existing keys
    keep their meaning and value)."""
    from ntkcli.engines.vllm import result_from

    request = engine_request(resolution.request, lengths or DEFAULT_LENGTHS)
    contract = engine_result(result_from(resolution, request))
    return merged(contract, serialized)
