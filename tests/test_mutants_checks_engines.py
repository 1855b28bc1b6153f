"""Mutants of the engine rules (checks/engines.py: E01–E06), issue 14.

The EngineResults are built by hand from ENGINES.md's worked table: TEI on the v1.5/arctic shape
(T 2048, scaled θ' 1000·(2·8192/2048 − 1) = 7000, cache 8192×64), SGLang on llama2_dynamic2
(θ' 30527.7367488067, cache 8192 → 8448 rows at θ 10000), llama.cpp/Ollama serving 2048.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ntkcli.checks import engines
from ntkcli.engines.base import (
    ConfigClassInfo,
    EngineId,
    EngineRefusal,
    EngineRequest,
    EngineResult,
)
from ntkcli.model import Finding, RawConfig, Source


def result(name: str, version: str, **fields: Any) -> EngineResult:
    values: dict[str, Any] = {
        "engine": EngineId(name, version),
        "config_class": ConfigClassInfo("NomicBertConfig", "native"),
        "max_len": None,
        "max_len_key": None,
        "refusal": None,
        "rope_class": "RotaryEmbedding",
        "base": 1000.0,
        "scaled_base": None,
        "cache_shape": None,
        "lengths": (),
        "scaling": "none",
        "evidence": "by hand",
        **fields,
    }
    return EngineResult(**values)


def raw(config: Mapping[str, Any], st: Mapping[str, Any] | None = None) -> RawConfig:
    st_file = "sentence_bert_config.json" if st is not None else None
    return RawConfig("test/model", Source("local", "config.json"), dict(config), st, st_file)


RAW = raw({"model_type": "nomic_bert", "n_positions": 8192})


def findings(r: EngineResult, source: RawConfig = RAW) -> list[tuple[str, str, str, str]]:
    return [(f.id, f.severity, f.message, f.hint) for f in engines.result_findings(source, r)]


def test_rule_table() -> None:
    assert dict(engines.ENGINE_RULES) == {
        "E01": ("error", "the engine fails to load or serve this config"),
        "E02": ("warning", "TEI truncates the NTK exponent d/(d−2) to an integer"),
        "E03": ("warning", "TEI switches to the scaled base per batch"),
        "E04": ("warning", "SGLang's dynamic NTK uses the constant pre-#41277 formula"),
        "E05": ("info", "SGLang reserves cache rows past the context at the unscaled base"),
        "E06": ("warning", "llama.cpp / Ollama serve a shorter context than the model's own limit"),
    }


def test_e01_refusal_stops_the_other_rules() -> None:
    refused = result(
        "tei",
        "1.9.3",
        refusal=EngineRefusal("Error", "duplicate field `max_position_embeddings`"),
        extra={"scaled_cache_base": 7000.0, "trained_positions": 2048},
        rope_class="DynamicNTKScalingRotaryEmbedding",
    )
    assert findings(refused) == [
        (
            "E01",
            "error",
            "tei 1.9.3: Error: duplicate field `max_position_embeddings`",
            "this config shape does not load in tei 1.9.3; use another engine or fix config.json",
        )
    ]


def test_e02_e03_tei_scaled_cache() -> None:
    tei = result("tei", "1.9.3", extra={"scaled_cache_base": 7000.0, "trained_positions": 2048})
    assert findings(tei) == [
        (
            "E02",
            "warning",
            "tei 1.9.3: the scaled base is 7000: TEI raises the inner term to the integer part of "
            "d/(d−2) (1), not to d/(d−2) as Nomic's code does",
            "expect embeddings above T to differ from sentence-transformers; keep inputs ≤ 2048 "
            "tokens to avoid the scaled cache",
        ),
        (
            "E03",
            "warning",
            "tei 1.9.3: a batch whose longest input is over 2048 tokens uses θ' 7000 for every "
            "input in it, short ones included",
            "batch short and long inputs separately (or set rotary_scaling_factor to null)",
        ),
    ]


def test_e02_needs_tei_and_both_numbers() -> None:
    extra = {"scaled_cache_base": 7000.0, "trained_positions": 2048}
    assert findings(result("sglang", "0.5.23", extra=extra)) == []
    assert findings(result("tei", "head", extra={**extra, "scaled_cache_base": 7000})) == []
    assert findings(result("tei", "head", extra={**extra, "trained_positions": 2048.0})) == []
    assert findings(result("tei", "head", extra={"trained_positions": 2048})) == []
    assert findings(result("tei", "head", extra={"scaled_cache_base": 7000.0})) == []


def test_e04_e05_sglang() -> None:
    sglang = result(
        "sglang",
        "0.5.23",
        rope_class="DynamicNTKScalingRotaryEmbedding",
        base=10000.0,
        scaled_base=30527.7367488067,
        cache_shape=(8448, 128),
        extra={"cache_rows_before_reserve": 8192},
    )
    assert findings(sglang) == [
        (
            "E04",
            "warning",
            "sglang 0.5.23: dynamic NTK uses the constant θ' = θ·(α²−α+1)^(d/(d−2)) = "
            "30527.7367488067 for every input, even a 10-token prompt",
            "vLLM ≥ 0.22 (PR #41277) and transformers scale differently; compare with "
            "`ntkcli compare MODEL --engines vllm,sglang,transformers`",
        ),
        (
            "E05",
            "info",
            "sglang 0.5.23: the cache grows from 8192 to 8448 rows at startup; rows 8192+ use "
            "the unscaled θ 10000",
            "no accepted request reaches them (they are at or past context_len)",
        ),
    ]


def test_e05_needs_growth_and_a_base() -> None:
    grown = result(
        "sglang", "0.5.23", cache_shape=(8448, 128), extra={"cache_rows_before_reserve": 8192}
    )
    assert [f[0] for f in findings(grown)] == ["E05"]
    same = dataclasses.replace(grown, cache_shape=(8192, 128))
    assert findings(same) == []
    assert [f[0] for f in findings(dataclasses.replace(grown, cache_shape=(8193, 128)))] == ["E05"]
    assert findings(dataclasses.replace(grown, cache_shape=None)) == []
    assert findings(dataclasses.replace(grown, base=None)) == []
    assert findings(dataclasses.replace(grown, extra={"cache_rows_before_reserve": 8192.0})) == []
    assert findings(dataclasses.replace(grown, extra={})) == []
    assert findings(dataclasses.replace(grown, engine=EngineId("tei", "head"))) == []


E06_HINT = (
    "longer inputs are only warned about (llama.cpp) or cut (Ollama's num_ctx clamp); the "
    "converter sets the GGUF context_length"
)


def test_e06_st_limit() -> None:
    source = raw({"n_positions": 8192}, st={"max_seq_length": 8192})
    served = result("llamacpp", "0.3.36", max_len=2048, max_len_key="nomic-bert.context_length")
    assert findings(served, source) == [
        (
            "E06",
            "warning",
            "llamacpp 0.3.36: serves 2048 positions (nomic-bert.context_length) while the model's "
            "sentence_bert_config.json max_seq_length is 8192",
            E06_HINT,
        )
    ]
    ollama = dataclasses.replace(served, engine=EngineId("ollama", "0.33.0"))
    assert findings(ollama, source)[0][2].startswith("ollama 0.33.0: serves 2048 positions")
    assert findings(dataclasses.replace(served, engine=EngineId("tei", "head")), source) == []


def test_e06_limit_boundary_and_no_limit() -> None:
    served = result("llamacpp", "0.3.36", max_len=2048, max_len_key="k")
    assert findings(served, raw({"n_positions": 2049}))[0][2].endswith("n_positions is 2049")
    assert findings(served, raw({"n_positions": 2048})) == []
    assert findings(served, raw({"n_positions": 2047})) == []
    assert findings(served, raw({})) == []
    assert findings(dataclasses.replace(served, max_len=None), raw({"n_positions": 8192})) == []


def test_model_limit_order() -> None:
    # ST max_seq_length first, then n_positions, then max_position_embeddings; ints only.
    both = {"n_positions": 4096, "max_position_embeddings": 8192}
    assert engines._model_limit(raw(both)) == (4096, "n_positions")
    assert engines._model_limit(raw({"max_position_embeddings": 8192})) == (
        8192,
        "max_position_embeddings",
    )
    assert engines._model_limit(raw({"n_positions": True, "max_position_embeddings": 512})) == (
        512,
        "max_position_embeddings",
    )
    assert engines._model_limit(raw({"n_positions": 4096.0})) is None
    st = raw(both, st={"max_seq_length": 512})
    assert engines._model_limit(st) == (512, "sentence_bert_config.json max_seq_length")
    other_file = dataclasses.replace(st, st_file="sentence_xlnet_config.json")
    assert engines._model_limit(other_file) == (512, "sentence_xlnet_config.json max_seq_length")
    no_file = dataclasses.replace(st, st_file=None)
    assert engines._model_limit(no_file) == (512, "sentence_bert_config.json max_seq_length")
    assert engines._model_limit(raw(both, st={"max_seq_length": True})) == (4096, "n_positions")
    assert engines._model_limit(raw(both, st={"max_seq_length": "512"})) == (4096, "n_positions")


class FakeEngine:
    def __init__(self, name: str, answer: EngineResult) -> None:
        self.name = name
        self.answer = answer
        self.calls: list[tuple[RawConfig, EngineRequest, str]] = []

    def resolve(self, raw: RawConfig, request: EngineRequest, version: str) -> EngineResult:
        self.calls.append((raw, request, version))
        return self.answer


def test_engine_findings_skips_vllm_and_keeps_order() -> None:
    refused = result("tei", "1.9.3", refusal=EngineRefusal("Error", "bad"))
    sglang = result(
        "sglang", "0.5.23", rope_class="DynamicNTKScalingRotaryEmbedding", scaled_base=1.5
    )
    tei, sg, vllm = (
        FakeEngine("tei", refused),
        FakeEngine("sglang", sglang),
        FakeEngine("vllm", refused),
    )
    request = EngineRequest()
    found = engines.engine_findings(
        RAW,
        request,
        [(vllm, "new"), (tei, "1.9.3"), (sg, "0.5.23")],  # type: ignore[list-item]
    )
    assert [(f.id, f.severity) for f in found] == [("E01", "error"), ("E04", "warning")]
    assert all(isinstance(f, Finding) for f in found)
    assert vllm.calls == []
    assert tei.calls == [(RAW, request, "1.9.3")] and sg.calls == [(RAW, request, "0.5.23")]
    assert engines.engine_findings(RAW, request, []) == []
    # the config reaches the rules: llama.cpp's 2048 against n_positions 8192
    served = result("llamacpp", "0.3.36", max_len=2048, max_len_key="k")
    (e06,) = engines.engine_findings(RAW, request, [(FakeEngine("llamacpp", served), "0.3.36")])  # type: ignore[list-item]
    assert e06.message.endswith("while the model's n_positions is 8192")
