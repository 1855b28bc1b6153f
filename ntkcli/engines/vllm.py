"""vLLM as one engine among the others: an adapter over ntkcli.vllm.pipeline.resolve.

max_len is max_model_len; the base is fixed at load (SPEC §4.5: θ' depends on max_model_len,
never on the input), so every accepted input rotates with the same θ'. An input longer than
max_model_len is rejected by the server. vLLM's own resolution (every intermediate) is kept in
`extra["resolution"]` for the commands that show it.
"""

from __future__ import annotations

from ntkcli.engines.base import (
    ConfigClassInfo,
    EngineId,
    EngineRefusal,
    EngineRequest,
    EngineResult,
    LengthResult,
)
from ntkcli.errors import UsageError
from ntkcli.model import RawConfig, Request, Resolution
from ntkcli.vllm.pipeline import resolve as vllm_resolve
from ntkcli.vllm.versions import parse_vllm_version

EVIDENCE = "vLLM's config, length and get_rope rules, reproduced step by step"


def request_for(request: EngineRequest, version: str) -> Request:
    return Request(
        vllm=parse_vllm_version(version),
        max_model_len=request.max_model_len,
        hf_overrides=request.hf_overrides,
        allow_long_max_model_len=request.allow_long_max_model_len,
        dtype=request.dtype,
        trust_remote_code=request.trust_remote_code,
        transformers=request.transformers or "5",
    )


def result_from(r: Resolution, request: EngineRequest) -> EngineResult:
    rot = r.rotary
    refusal = None if r.refusal is None else EngineRefusal(r.refusal.error, r.refusal.message)
    base = rot.scaled_base if rot is not None else None
    lengths = []
    for n in request.lengths:
        if refusal is not None:
            lengths.append(LengthResult(n, base, False, 0, "refused"))
        elif r.max_model_len is not None and n > r.max_model_len:
            note = f"longer than max_model_len {r.max_model_len}: the request is rejected"
            lengths.append(LengthResult(n, base, False, 0, "rejected", note))
        else:
            lengths.append(LengthResult(n, base, True, n, "accepted"))
    key = None
    if request.max_model_len is not None:
        key = "--max-model-len"
    elif r.derived is not None:
        if r.derived.st_replaced:
            key = f"{r.raw.st_file or 'sentence_bert_config.json'} max_seq_length"
        else:
            key = r.derived.key or "default 2048"
    return EngineResult(
        engine=EngineId("vllm", r.request.vllm.release),  # the release modelled, never "new"
        config_class=ConfigClassInfo(
            r.config_class or "PretrainedConfig",
            "remote" if r.config_origin == "remote" else "native",
        ),
        max_len=r.max_model_len,
        max_len_key=key,
        refusal=refusal,
        rope_class=rot.rope_class if rot is not None else None,
        base=rot.base if rot is not None else None,
        scaled_base=base,
        cache_shape=rot.cache_shape if rot is not None else None,
        lengths=tuple(lengths),
        scaling="fixed at load (by max_model_len)",
        evidence=EVIDENCE,
        notes=tuple(n.message for n in r.notes),
        extra={"resolution": r},
    )


class VllmEngine:
    name = "vllm"
    label = "vLLM"
    versions = ("new", "old")

    def check_version(self, text: str) -> str | None:
        try:
            return parse_vllm_version(text).label
        except UsageError:
            return None

    def resolve(self, raw: RawConfig, request: EngineRequest, version: str) -> EngineResult:
        return result_from(vllm_resolve(raw, request_for(request, version)), request)
