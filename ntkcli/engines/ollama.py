"""Ollama: llama.cpp's GGUF (the converter of engines/llamacpp.py) plus its num_ctx clamp.

`llm/server.go` NewLlamaServer (v0.33.0-rc2 = fb30760; the check came with commit 10a8e04): when
num_ctx > the GGUF context_length (> 0), Ollama logs "requested context size too large for
model" and sets num_ctx = context_length. Read from the source, not executed. The user's num_ctx
is --max-model-len; without it Ollama's default num_ctx 4096 is assumed. Inputs longer than
num_ctx are described as truncated to it (the /api/embed default `truncate: true`); whether
every runner path does so is not verified.
"""

from __future__ import annotations

from ntkcli.engines import llamacpp
from ntkcli.engines.base import EngineRequest, EngineResult, FixedVersions
from ntkcli.model import RawConfig

VERSION = "0.33.0"
DEFAULT_NUM_CTX = 4096


class OllamaEngine(FixedVersions):
    name = "ollama"
    label = "Ollama"
    versions = (VERSION,)

    def resolve(self, raw: RawConfig, request: EngineRequest, version: str) -> EngineResult:
        meta, major, notes = llamacpp.gguf(raw, request)
        evidence = (
            "Ollama num_ctx clamp read from llm/server.go at v0.33.0-rc2 (fb30760), not executed; "
            + llamacpp.EVIDENCE_TF[major]
        )
        if isinstance(meta, llamacpp.ConverterRaises):
            return llamacpp.refused_result(
                self.name, version, evidence, meta.refusal, request.lengths, tuple(notes),
                meta.config_class,
            )  # fmt: skip
        asked = request.max_model_len or DEFAULT_NUM_CTX
        source = "num_ctx (--max-model-len)" if request.max_model_len else "default num_ctx 4096"
        train = meta["context_length"]
        num_ctx = (asked, source)
        if isinstance(train, int) and 0 < train < asked:
            num_ctx = (
                train,
                f"GGUF context_length ({meta['context_key']}), clamped from num_ctx {asked}",
            )
            notes.append(
                f'num_ctx {asked} > context_length {train}: Ollama warns "requested context '
                f'size too large for model" and uses {train}'
            )
        return llamacpp.describe(self.name, version, evidence, meta, request, notes, num_ctx)
