"""sentence-transformers 6.2's length rule (ENGINES.md §4(b)) on top of transformers' RoPE, piece
by piece (issue 14): which max_seq_length counts, the fallback to max_position_embeddings, the
notes, the refusal. Expected values written out from ENGINES.md §4(b)."""

from __future__ import annotations

from typing import Any

from ntkcli.engines.base import EngineRefusal, EngineRequest, EngineResult
from ntkcli.engines.sentence_transformers import SentenceTransformersEngine
from ntkcli.model import RawConfig, Source

LLAMA: dict[str, Any] = {  # ENGINES.md §6 llama2_dynamic2 (mpe 4096)
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
}


def _resolve(
    config: dict[str, Any],
    st: dict[str, Any] | None = None,
    st_file: str | None = None,
    request: EngineRequest | None = None,
) -> EngineResult:
    raw = RawConfig("m", Source("local", "m/config.json"), config, st, st_file)
    return SentenceTransformersEngine().resolve(raw, request or EngineRequest(), "6.2")


def test_max_seq_length_from_the_st_file() -> None:
    result = _resolve(LLAMA, {"max_seq_length": 512}, "sentence_bert_config.json")
    assert (result.max_len, result.max_len_key) == (512, "sentence_bert_config.json max_seq_length")
    # inputs are truncated to it
    assert [row.tokens_used for row in result.lengths] == [512, 512, 512, 512]
    # a file name the reader reports is named; none reported: the default file name
    other = _resolve(LLAMA, {"max_seq_length": 512}, "sentence_xlnet_config.json")
    assert other.max_len_key == "sentence_xlnet_config.json max_seq_length"
    unnamed = _resolve(LLAMA, {"max_seq_length": 512})
    assert unnamed.max_len_key == "sentence_bert_config.json max_seq_length"


def test_without_an_integer_max_seq_length_mpe_is_the_bound() -> None:
    # else min(tokenizer.model_max_length, max_position_embeddings): mpe 4096, an upper bound
    for st in (None, {}, {"max_seq_length": True}, {"max_seq_length": "512"}):
        result = _resolve(LLAMA, st, "sentence_bert_config.json" if st is not None else None)
        assert (result.max_len, result.max_len_key) == (4096, "max_position_embeddings")
        (note,) = result.notes
        assert note.startswith("no sentence-transformers max_seq_length")
        assert note.endswith("an upper bound")
    assert [r.tokens_used for r in _resolve(LLAMA).lengths] == [512, 2048, 4096, 4096]


def test_refusal_and_notes() -> None:
    refused = _resolve({"hidden_size": 8})
    assert refused.engine.version == "6.2"
    assert refused.refusal == EngineRefusal(
        "ValueError", "Unrecognized model: config.json has no model_type"
    )
    request = EngineRequest(hf_overrides={"rope_theta": 500000.0})
    edited = _resolve(LLAMA, {"max_seq_length": 512}, "sentence_bert_config.json", request)
    assert edited.base == 500000.0
    (note,) = edited.notes
    assert note.startswith("overrides applied to config.json") and note.endswith("edited")
    # per-layer rope parameters (gemma3_text): the first layer type is described
    gemma = _resolve({"model_type": "gemma3_text"}, {"max_seq_length": 512}, "x.json")
    assert any(note.startswith("per-layer rope parameters") for note in gemma.notes)
