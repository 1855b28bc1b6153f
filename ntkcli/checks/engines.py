"""validate rules for engine sharp edges, one Finding per engine and version they apply to.

They run only for the engines `validate --engines` names (default: vLLM only, whose rules are
the other modules of this package), on the EngineResult of each engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ntkcli.model import Finding, RawConfig, Severity
from ntkcli.numbers import compact

if TYPE_CHECKING:  # annotations only: inspect and validate start without the engine layer
    from ntkcli.engines.base import Engine, EngineRequest, EngineResult

ENGINE_RULES: Mapping[str, tuple[Severity, str]] = {
    "E01": ("error", "the engine fails to load or serve this config"),
    "E02": ("warning", "TEI truncates the NTK exponent d/(d−2) to an integer"),
    "E03": ("warning", "TEI switches to the scaled base per batch"),
    "E04": ("warning", "SGLang's dynamic NTK uses the constant pre-#41277 formula"),
    "E05": ("info", "SGLang reserves cache rows past the context at the unscaled base"),
    "E06": ("warning", "llama.cpp / Ollama serve a shorter context than the model's own limit"),
}


def _finding(rule: str, message: str, hint: str) -> Finding:
    return Finding(rule, ENGINE_RULES[rule][0], message, hint)


def _name(r: EngineResult) -> str:
    return f"{r.engine.name} {r.engine.version}"


def _model_limit(raw: RawConfig) -> tuple[int, str] | None:
    """The longest input the model's own files claim: ST max_seq_length, else n_positions /
    max_position_embeddings."""
    st = (raw.st_config or {}).get("max_seq_length")
    if isinstance(st, int) and not isinstance(st, bool):
        return st, f"{raw.st_file or 'sentence_bert_config.json'} max_seq_length"
    for key in ("n_positions", "max_position_embeddings"):
        value = raw.config.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value, key
    return None


def result_findings(raw: RawConfig, r: EngineResult) -> Iterable[Finding]:
    name = _name(r)
    if r.refusal is not None:
        yield _finding(
            "E01",
            f"{name}: {r.refusal.error}: {r.refusal.message}",
            f"this config shape does not load in {name}; use another engine or fix config.json",
        )
        return
    scaled = r.extra.get("scaled_cache_base")
    trained = r.extra.get("trained_positions")
    if r.engine.name == "tei" and isinstance(scaled, float) and isinstance(trained, int):
        yield _finding(
            "E02",
            f"{name}: the scaled base is {compact(scaled)}: TEI raises the inner term to the "
            "integer part of d/(d−2) (1), not to d/(d−2) as Nomic's code does",
            "expect embeddings above T to differ from sentence-transformers; keep inputs ≤ "
            f"{trained} tokens to avoid the scaled cache",
        )
        yield _finding(
            "E03",
            f"{name}: a batch whose longest input is over {trained} tokens uses θ' "
            f"{compact(scaled)} for every input in it, short ones included",
            "batch short and long inputs separately (or set rotary_scaling_factor to null)",
        )
    if r.rope_class == "DynamicNTKScalingRotaryEmbedding":
        yield _finding(
            "E04",
            f"{name}: dynamic NTK uses the constant θ' = θ·(α²−α+1)^(d/(d−2)) = "
            f"{r.scaled_base!r} for every input, even a 10-token prompt",
            "vLLM ≥ 0.22 (PR #41277) and transformers scale differently; compare with "
            "`ntkcli compare MODEL --engines vllm,sglang,transformers`",
        )
    rows = r.extra.get("cache_rows_before_reserve")
    grows = r.cache_shape is not None and isinstance(rows, int) and r.cache_shape[0] > rows
    if r.engine.name == "sglang" and grows and r.cache_shape and r.base is not None:
        yield _finding(
            "E05",
            f"{name}: the cache grows from {rows} to {r.cache_shape[0]} rows at startup; rows "
            f"{rows}+ use the unscaled θ {compact(r.base)}",
            "no accepted request reaches them (they are at or past context_len)",
        )
    if r.engine.name in ("llamacpp", "ollama") and r.max_len is not None:
        limit = _model_limit(raw)
        if limit is not None and r.max_len < limit[0]:
            yield _finding(
                "E06",
                f"{name}: serves {r.max_len} positions ({r.max_len_key}) while the model's "
                f"{limit[1]} is {limit[0]}",
                "longer inputs are only warned about (llama.cpp) or cut (Ollama's num_ctx "
                "clamp); the converter sets the GGUF context_length",
            )


def engine_findings(
    raw: RawConfig, request: EngineRequest, engines: Sequence[tuple[Engine, str]]
) -> list[Finding]:
    found: list[Finding] = []
    for engine, version in engines:
        if engine.name == "vllm":
            continue  # vLLM's rules are the rest of this package
        found.extend(result_findings(raw, engine.resolve(raw, request, version)))
    return found
