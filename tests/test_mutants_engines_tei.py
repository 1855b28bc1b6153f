"""TEI (text-embeddings-inference) emulation, rule by rule (issue 14), in process on
TeiEngine.resolve and the module's functions. Expected values are ENGINES.md §2's rules and §6's
worked numbers, written out (section cited per test); f32 results are the IEEE single-precision
values of §2(c)'s formula, as TEI computes it.
"""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.engines.base import (
    ConfigClassInfo,
    EngineId,
    EngineRefusal,
    EngineRequest,
    EngineResult,
    LengthResult,
)
from ntkcli.engines.tei import (
    NO_THETA,
    TeiEngine,
    TeiRaises,
    f32,
    nomic_scaled_base,
    parse_rope_scaling,
    powi32,
)
from ntkcli.model import RawConfig, Source
from tests.test_engines_worked import CONFIGS, V15

EVIDENCE_193 = "TEI rules read from the source at tag v1.9.3 (0667015), not executed"
EVIDENCE_HEAD = "TEI rules read from the source at HEAD 0d124dc, not executed"
RSF2 = {**V15, "rotary_scaling_factor": 2.0}  # §6 arctic_m_long / _rsf2
QWEN2 = CONFIGS["qwen2_yarn4"][0]
LLAMA2 = CONFIGS["llama2_dynamic2"][0]
BERT = {
    "architectures": ["BertModel"],
    "model_type": "bert",
    "max_position_embeddings": 512,
    "hidden_size": 768,
    "num_attention_heads": 12,
    "pad_token_id": 0,
}
MISTRAL = {
    "architectures": ["MistralModel"],
    "model_type": "mistral",
    "max_position_embeddings": 32768,
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "head_dim": 128,
    "rope_theta": 1000000.0,
}
YARN4 = {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}
LLAMA3 = {
    "rope_type": "llama3",
    "factor": 8.0,
    "high_freq_factor": 4.0,
    "low_freq_factor": 1.0,
    "original_max_position_embeddings": 8192,
}
ST_FILE = "sentence_bert_config.json"


def run(
    config: dict[str, Any],
    version: str = "1.9.3",
    st: dict[str, Any] | None = None,
    st_file: str | None = None,
    **request: Any,
) -> EngineResult:
    raw = RawConfig("m", Source("local", "m/config.json"), config, st, st_file)
    return TeiEngine().resolve(raw, EngineRequest(**request), version)


def without(config: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k not in keys}


def message(result: EngineResult) -> str:
    assert result.refusal is not None
    assert result.refusal.error == "Error"
    return result.refusal.message


def bases(result: EngineResult) -> list[Any]:
    return [x.base for x in result.lengths]


# -- f32 arithmetic (§2(c): θ' is computed in f32) -------------------------------------------------
def test_f32_rounds_to_the_nearest_single() -> None:
    assert f32(0.1) == 0.10000000149011612
    assert f32(16777217.0) == 16777216.0  # 2^24 + 1: ties to even
    assert f32(1.0) == 1.0


def test_powi32_multiplies_in_f32() -> None:
    assert powi32(2.0, 10) == 1024.0
    assert powi32(3.0, 0) == 1.0
    assert powi32(1.100000023841858, 3) == 1.3310000896453857  # not 1.1³ = 1.331000000…04
    assert powi32(2.0, -2) == 0.25
    assert powi32(7000.0, -1) == 0.0001428571413271129  # f32(1/7000)


def test_nomic_scaled_base_exponent_truncated_to_one() -> None:
    """§2(c), §6: v1.5 / arctic shape, d 64: e = 64/62 truncated to 1,
    θ' = 1000·(2·8192/2048 − 1) = 7000 (the exact exponent would give 7453.48)."""
    assert nomic_scaled_base(1000.0, 2.0, 8192, 2048, 64) == 7000.0
    # α 4: 1000·(4·4 − 3) = 13000; α 1.1 at θ 10000: 10000·(1.1·4 − 0.1) = 43000 in f32
    assert nomic_scaled_base(1000.0, 4.0, 8192, 2048, 64) == 13000.0
    assert nomic_scaled_base(10000.0, 1.1, 8192, 2048, 64) == 43000.0


def test_nomic_scaled_base_integer_exponents() -> None:
    """§2(c): the exponent is powi((d/(d−2)) as i32): d 4 → 2, d 3 → 3, d 1 → −1."""
    assert nomic_scaled_base(10.0, 2.0, 4096, 2048, 4) == 900.0  # (10·(2·2 − 1))²
    assert nomic_scaled_base(1.1, 1.0, 2048, 2048, 3) == 1.3310000896453857  # f32(1.1)³ in f32
    assert nomic_scaled_base(1000.0, 2.0, 8192, 2048, 1) == 0.0001428571413271129  # 1/7000


# -- router ModelConfig (§2(a)) --------------------------------------------------------------------
@pytest.mark.parametrize("version", ["1.9.3", "head"])
@pytest.mark.parametrize("key", ["architectures", "model_type"])
def test_router_requires_architectures_and_model_type(version: str, key: str) -> None:
    result = run(without(QWEN2, key), version)
    assert message(result) == f"Failed to parse `config.json`: missing field `{key}`"


def test_refusal_whole_object() -> None:
    """§2(a): an unknown model_type is an unknown variant of the backend's Config enum; nothing
    is served."""
    config = {**QWEN2, "model_type": "phi3"}
    result = run(config, lengths=(512, 4096))
    assert result == EngineResult(
        engine=EngineId("tei", "1.9.3"),
        config_class=ConfigClassInfo("ModelConfig (phi3)", "own parser"),
        max_len=None,
        max_len_key=None,
        refusal=EngineRefusal("Error", "unknown variant `phi3`"),
        rope_class=None,
        base=None,
        scaled_base=None,
        cache_shape=None,
        lengths=(
            LengthResult(512, None, False, 0, "refused"),
            LengthResult(4096, None, False, 0, "refused"),
        ),
        scaling="none",
        evidence=EVIDENCE_193,
        notes=(),
    )


def test_overrides_edit_config_json() -> None:
    """TEI has no override flag: overrides act as an edited config.json, and a note says so."""
    result = run(QWEN2, hf_overrides={"model_type": "gpt_neox"})
    assert message(result) == "unknown variant `gpt_neox`"
    assert result.config_class.name == "ModelConfig (gpt_neox)"
    (note,) = result.notes
    assert note.startswith("overrides applied to config.json")
    assert note.endswith("as if the file had been edited")
    result = run(QWEN2, hf_overrides={"max_position_embeddings": 4096})
    assert (result.max_len, result.cache_shape) == (4096, (4096, 64))
    assert not any("overrides" in note for note in run(QWEN2).notes)


def test_v193_reads_mpe_or_its_n_positions_alias() -> None:
    """§2(a) v1.9.3: `max_position_embeddings: usize`, alias n_positions."""
    result = run(QWEN2)
    assert result.max_len_key == "max_position_embeddings, capped by --max-batch-tokens 16384"
    qwen = {**without(QWEN2, "max_position_embeddings"), "n_positions": 4096}
    result = run(qwen)
    assert (result.max_len, result.max_len_key, result.cache_shape) == (
        4096,
        "n_positions",
        (4096, 64),
    )


def test_v193_both_keys_is_a_duplicate_field() -> None:
    """§2(a), §6 nomic_v15_v5: both keys → duplicate field `max_position_embeddings`."""
    result = run({**QWEN2, "n_positions": 4096})
    assert message(result) == (
        "Failed to parse `config.json`: duplicate field `max_position_embeddings`"
    )
    # HEAD has no alias: n_positions is just another key
    assert run({**QWEN2, "n_positions": 4096}, "head").refusal is None


def test_v193_neither_key_is_a_missing_field() -> None:
    result = run(without(QWEN2, "max_position_embeddings"))
    assert message(result) == (
        "Failed to parse `config.json`: missing field `max_position_embeddings`"
    )


@pytest.mark.parametrize("key", ["max_position_embeddings", "n_positions"])
def test_v193_null_is_not_a_usize(key: str) -> None:
    config = {**without(QWEN2, "max_position_embeddings"), key: None}
    assert message(run(config)) == f"invalid type: null, expected usize for `{key}`"


@pytest.mark.parametrize("version", ["1.9.3", "head"])
@pytest.mark.parametrize("bad", [-1, 2.5, True, "512"])
def test_mpe_must_be_a_usize(version: str, bad: Any) -> None:
    text = message(run({**QWEN2, "max_position_embeddings": bad}, version))
    assert text == f"invalid type: {bad!r}, expected usize for `max_position_embeddings`"


def test_mpe_zero_is_a_usize() -> None:
    result = run({**QWEN2, "max_position_embeddings": 0})
    assert (result.refusal, result.max_len, result.max_len_key) == (
        None,
        0,
        "max_position_embeddings",
    )


def test_head_mpe_then_max_trained_positions_then_bail() -> None:
    """§2(a) HEAD (#876): mpe := max_position_embeddings ?? max_trained_positions ?? bail."""
    both = {**QWEN2, "max_position_embeddings": 4096, "max_trained_positions": 2048}
    assert (run(both, "head").max_len, run(both, "head").max_len_key) == (
        4096,
        "max_position_embeddings",
    )
    for mtp_only in (
        {**without(QWEN2, "max_position_embeddings"), "max_trained_positions": 2048},
        {**QWEN2, "max_position_embeddings": None, "max_trained_positions": 2048},
    ):
        result = run(mtp_only, "head")
        assert (result.max_len, result.max_len_key, result.cache_shape) == (
            2048,
            "max_trained_positions",
            (2048, 64),
        )
    result = run({**without(QWEN2, "max_position_embeddings"), "n_positions": 4096}, "head")
    assert message(result) == (
        "At least any of `max_position_embeddings` or `max_trained_positions` must be set "
        "in `config.json`"
    )
    assert result.engine == EngineId("tei", "head")
    assert result.evidence == EVIDENCE_HEAD


# -- backend Config enum (§2(a)) -------------------------------------------------------------------
@pytest.mark.parametrize(
    "model_type",
    [
        "bert", "camembert", "deberta-v2", "distilbert", "gemma3_text", "gte", "new", "mpnet",
        "mistral", "modernbert", "qwen2", "qwen3", "bidirectional_pplx_qwen3", "roberta",
        "xlm-roberta", "llama", "llama_bidirec",
    ],
)  # fmt: skip
def test_supported_model_types(model_type: str) -> None:
    """§2(a): the supported list (nomic_bert: below, it has required fields of its own); the
    RoPE models need a θ (§2(c)), the others ignore it."""
    result = run({**BERT, "model_type": model_type, "rope_theta": 10000.0})
    assert result.refusal is None
    assert result.config_class == ConfigClassInfo(f"ModelConfig ({model_type})", "own parser")


@pytest.mark.parametrize("model_type", ["phi3", "gpt_neox", "nomic", "Bert"])
def test_other_model_types_are_unknown_variants(model_type: str) -> None:
    assert message(run({**BERT, "model_type": model_type})) == f"unknown variant `{model_type}`"


# -- max input length (§2(b)) ----------------------------------------------------------------------
def test_st_max_seq_length_first() -> None:
    """§2(b): base = max_seq_length of the ST file found, else mpe − offset."""
    result = run(QWEN2, st={"max_seq_length": 1024}, st_file="sentence_xlnet_config.json")
    assert (result.max_len, result.max_len_key) == (1024, "sentence_xlnet_config.json")
    result = run(QWEN2, st={"max_seq_length": 1024})
    assert (result.max_len, result.max_len_key) == (1024, ST_FILE)
    for ignored in ({"max_seq_length": True}, {"max_seq_length": None}, {}):
        result = run(BERT, st=ignored, st_file=ST_FILE)
        assert (result.max_len, result.max_len_key) == (512, "max_position_embeddings")


@pytest.mark.parametrize("model_type", ["roberta", "xlm-roberta", "camembert"])
def test_offset_pad_token_id_plus_one(model_type: str) -> None:
    """§2(b): offset = pad_token_id + 1 for roberta, xlm-roberta and camembert: 514 − 2 = 512."""
    config = {**BERT, "model_type": model_type, "max_position_embeddings": 514, "pad_token_id": 1}
    result = run(config)
    assert (result.max_len, result.max_len_key) == (512, "max_position_embeddings − 2")
    result = run(without(config, "pad_token_id"))
    assert (result.max_len, result.max_len_key) == (514, "max_position_embeddings")
    # an ST file wins over mpe − offset
    assert run(config, st={"max_seq_length": 128}).max_len == 128


def test_no_offset_for_other_types() -> None:
    result = run({**BERT, "max_position_embeddings": 514, "pad_token_id": 1})
    assert (result.max_len, result.max_len_key) == (514, "max_position_embeddings")


def test_capped_by_max_batch_tokens() -> None:
    """§2(b): max_input = min(base, --max-batch-tokens 16384)."""
    result = run({**QWEN2, "max_position_embeddings": 16384})
    assert (result.max_len, result.max_len_key) == (16384, "max_position_embeddings")
    result = run({**QWEN2, "max_position_embeddings": 16385})
    assert (result.max_len, result.max_len_key) == (
        16384,
        "max_position_embeddings, capped by --max-batch-tokens 16384",
    )
    result = run(QWEN2, st={"max_seq_length": 32768}, st_file=ST_FILE)
    assert (result.max_len, result.max_len_key) == (
        16384,
        "sentence_bert_config.json, capped by --max-batch-tokens 16384",
    )


def test_user_max_input_length_only_lowers() -> None:
    result = run(QWEN2, max_model_len=1000)
    assert (result.max_len, result.max_len_key) == (1000, "--max-input-length")
    for same_or_more in (16384, 20000):
        result = run(QWEN2, max_model_len=same_or_more)
        assert (result.max_len, result.max_len_key) == (
            16384,
            "max_position_embeddings, capped by --max-batch-tokens 16384",
        )


def test_auto_truncate_note_and_truncation() -> None:
    """§2(b): --auto-truncate (default true) truncates a longer input."""
    result = run(QWEN2, max_model_len=1000, lengths=(1000, 1001, 8192))
    assert result.notes[0].startswith("--auto-truncate (default on)")
    assert result.notes[0].endswith("longer inputs are truncated to 1000 tokens")
    assert result.lengths == (
        LengthResult(1000, 1000000.0, True, 1000, "accepted"),
        LengthResult(1001, 1000000.0, True, 1000, "truncated", "truncated to 1000"),
        LengthResult(8192, 1000000.0, True, 1000, "truncated", "truncated to 1000"),
    )


def test_encoder_without_rope() -> None:
    """bert has learned positions: no RoPE; inputs over 512 are truncated (§2(b)), with the
    same "truncated to" note as every other model."""
    result = run(BERT, lengths=(512, 513))
    assert result == EngineResult(
        engine=EngineId("tei", "1.9.3"),
        config_class=ConfigClassInfo("ModelConfig (bert)", "own parser"),
        max_len=512,
        max_len_key="max_position_embeddings",
        refusal=None,
        rope_class=None,
        base=None,
        scaled_base=None,
        cache_shape=None,
        lengths=(
            LengthResult(512, None, True, 512, "accepted"),
            LengthResult(513, None, True, 512, "truncated", "truncated to 512"),
        ),
        scaling="none",
        evidence=EVIDENCE_193,
        notes=("--auto-truncate (default on): longer inputs are truncated to 512 tokens",),
    )


# -- Nomic (§2(a) NomicConfig, §2(c), §2(d)) -------------------------------------------------------
@pytest.mark.parametrize(
    "field",
    [
        "prenorm", "rotary_emb_fraction", "qkv_proj_bias", "rotary_emb_base",
        "rotary_emb_interleaved", "mlp_fc1_bias", "mlp_fc2_bias", "n_embd", "n_head", "n_inner",
        "n_layer", "activation_function", "vocab_size", "type_vocab_size", "layer_norm_epsilon",
    ],
)  # fmt: skip
def test_nomic_required_fields(field: str) -> None:
    """§2(a), §2(e): NomicConfig's required fields (minimal configs without prenorm fail)."""
    text = message(run(without(V15, field)))
    assert text == f"Failed to parse `config.json`: missing field `{field}`"


def test_nomic_requires_n_positions() -> None:
    # v1.9.3 reads n_positions as the router's mpe; HEAD's router takes max_trained_positions
    text = message(run(without(V15, "n_positions"), "head"))
    assert text == "Failed to parse `config.json`: missing field `n_positions`"


@pytest.mark.parametrize(
    "change",
    [
        {"prenorm": True},
        {"rotary_emb_fraction": 0.5},
        {"rotary_emb_interleaved": True},
        {"type_vocab_size": 0},
        {"type_vocab_size": "2"},
    ],
)
def test_nomic_valid(change: dict[str, Any]) -> None:
    """§2(a): valid() requires !prenorm, fraction 1.0, !interleaved and type_vocab_size > 0."""
    text = message(run({**V15, **change}))
    assert text.startswith("Model is not supported")
    assert "NomicConfig.valid() is false" in text


def test_nomic_valid_smallest_type_vocab_size() -> None:
    assert run({**V15, "type_vocab_size": 1}).refusal is None


def test_nomic_193_arctic_numbers() -> None:
    """§6 arctic_m_long, v1.9.3: max input 8192 (n_positions), T 2048, θ' 7000, cache 8192×64;
    the scaled cache only when the batch's longest input is over T (2049 yes, 2048 no)."""
    result = run(RSF2, lengths=(2048, 2049, 8192))
    assert result.config_class == ConfigClassInfo("NomicConfig", "own parser")
    assert (result.max_len, result.max_len_key, result.refusal) == (8192, "n_positions", None)
    assert (result.rope_class, result.base, result.scaled_base, result.cache_shape) == (
        "NomicBertModel rotary (plain + scaled cache)",
        1000.0,
        None,
        (8192, 64),
    )
    assert bases(result) == [1000.0, 7000.0, 7000.0]
    assert [x.status for x in result.lengths] == ["accepted"] * 3
    assert result.scaling == "per batch (batch max_length > T)"
    assert result.extra == {"trained_positions": 2048, "scaled_cache_base": 7000.0}


def test_nomic_notes_state_the_numbers() -> None:
    """§2(c): the exponent d/(d−2) = 64/62 = 1.0323 is truncated to 1; §2(d): per batch."""
    _, scaled, trained, batch = run(RSF2).notes
    assert scaled.startswith("scaled base 7000 from the integer exponent")
    assert "(d/(d−2) = 1.0323 truncated to 1)" in scaled
    assert scaled.endswith("in f32")
    assert trained == "T = 2048 (max_trained_positions); rope_parameters are not read"
    assert batch.startswith("per batch: the scaled cache serves the whole batch")
    assert "longest input is over 2048 tokens" in batch
    assert batch.endswith("a short input batched with a long one gets θ' too")


def test_nomic_scaled_note_other_dims() -> None:
    """§2(c): d = n_embd/n_head = 4 (e = 2) and 128 (e = 1.0159)."""
    notes = run({**RSF2, "n_embd": 48}).notes
    assert "(d/(d−2) = 2.0000 truncated to 2)" in notes[1]
    assert notes[1].startswith("scaled base 49000000 ")  # 7000²
    notes = run({**RSF2, "n_embd": 1536}).notes
    assert "(d/(d−2) = 1.0159 truncated to 1)" in notes[1]


def test_nomic_head_dim_is_an_integer_division() -> None:
    """§2(c): d = n_embd/n_head in usize: 770/12 = 64, cache 8192 × 64."""
    result = run({**RSF2, "n_embd": 770})
    assert int_shape(result) == (8192, 64)
    assert "(d/(d−2) = 1.0323 truncated to 1)" in result.notes[1]


def test_nomic_without_scaling_factor() -> None:
    """§2(d): without rotary_scaling_factor every input uses θ; §6 nomic_v15_legacy."""
    result = run(V15, st={"max_seq_length": 8192}, st_file=ST_FILE)
    assert (result.rope_class, result.scaling) == ("NomicBertModel rotary", "none")
    assert bases(result) == [1000.0] * 4
    assert result.extra == {"trained_positions": 2048, "scaled_cache_base": None}
    assert result.notes == (
        "--auto-truncate (default on): longer inputs are truncated to 8192 tokens",
        "T = 2048 (max_trained_positions); rope_parameters are not read",
    )


def test_nomic_zero_scaled_base_is_still_a_scaled_cache() -> None:
    # θ 0 gives θ' 0: the scaled cache exists (rotary_scaling_factor is set)
    result = run({**RSF2, "rotary_emb_base": 0})
    assert result.rope_class == "NomicBertModel rotary (plain + scaled cache)"
    assert bases(result) == [0.0] * 4


def test_nomic_193_t_is_max_trained_positions_default_2048() -> None:
    """§2(a): v1.9.3 T = max_trained_positions (serde default 2048)."""
    result = run({**RSF2, "max_trained_positions": 4096})
    assert result.extra["trained_positions"] == 4096
    assert result.extra["scaled_cache_base"] == 3000.0  # 1000·(2·8192/4096 − 1)
    assert bases(result) == [1000.0, 1000.0, 1000.0, 3000.0]
    assert "T = 4096 (max_trained_positions)" in result.notes[2]
    result = run(without(RSF2, "max_trained_positions"))
    assert result.extra == {"trained_positions": 2048, "scaled_cache_base": 7000.0}
    assert "T = 2048 (max_trained_positions)" in result.notes[2]


def test_nomic_head_t_is_mpe_then_max_trained_positions() -> None:
    """§2(a) HEAD: T = max_position_embeddings ?? max_trained_positions; §6 nomic_v15_v5_rsf2
    (mpe 2048, ST 8192): θ' 7000 above 2048."""
    config = {**RSF2, "max_position_embeddings": 4096}
    result = run(config, "head", st={"max_seq_length": 8192}, st_file=ST_FILE)
    assert result.extra == {"trained_positions": 4096, "scaled_cache_base": 3000.0}
    assert "T = 4096 (max_position_embeddings)" in result.notes[2]
    result = run(RSF2, "head")  # §6 arctic_m_long HEAD: T = max input = 2048
    assert (result.max_len, result.extra["trained_positions"]) == (2048, 2048)
    assert "T = 2048 (max_trained_positions)" in result.notes[2]


def test_nomic_head_truncation_keeps_plain_cache() -> None:
    """§2(e), §6 arctic_m_long HEAD: inputs truncated to 2048 = T never select the scaled
    cache."""
    result = run(RSF2, "head", lengths=(4096,))
    assert result.lengths == (
        LengthResult(4096, 1000.0, True, 2048, "truncated", "truncated to 2048"),
    )


# -- other models: rope_scaling and θ (§2(c)) ------------------------------------------------------
@pytest.mark.parametrize("model_type", ["llama", "llama_bidirec"])
def test_llama_eos_list_fails(model_type: str) -> None:
    """§2(e): Llama configs whose eos_token_id is a list fail to parse as Option<usize>."""
    config = {**without(LLAMA2, "rope_scaling"), "model_type": model_type, "eos_token_id": [1, 2]}
    text = message(run(config))
    assert text == "invalid type: sequence, expected usize for `eos_token_id`"
    assert run({**QWEN2, "eos_token_id": [1, 2]}).refusal is None


@pytest.mark.parametrize("model_type", ["llama", "llama_bidirec"])
def test_llama_refuses_rope_scaling(model_type: str) -> None:
    """§2(c), §6 llama2_dynamic2: Llama refuses any parsed rope_scaling."""
    result = run({**LLAMA2, "model_type": model_type})
    assert message(result) == "Rope scaling is not supported for FlashLlama yet"
    # parsed first: a dict matching neither variant is the enum's error
    result = run({**LLAMA2, "model_type": model_type, "rope_scaling": {"type": "dynamic"}})
    assert "untagged enum RopeScaling" in message(result)
    result = run({**LLAMA2, "model_type": model_type, "rope_scaling": None})
    assert (result.refusal, result.scaled_base, result.cache_shape) == (None, 10000.0, (4096, 64))


@pytest.mark.parametrize("model_type", ["gte", "new", "mistral"])
def test_gte_and_mistral_read_rope_scaling_as_ntk(model_type: str) -> None:
    """§2(c): yarn parses as Ntk; inv_freq = (θ·α)^(−2i/d) / α^(2/d) at every length."""
    result = run({**MISTRAL, "model_type": model_type, "rope_scaling": YARN4})
    assert result.refusal is None
    assert (result.rope_class, result.base, result.scaled_base) == (
        "RotaryEmbedding, Ntk",
        1000000.0,
        4000000.0,
    )
    assert bases(result) == [4000000.0] * 4
    assert result.scaling == "fixed at load"
    (ntk,) = [note for note in result.notes if note.startswith("Ntk: ")]
    assert "inv_freq = (θ·α)^(−2i/d) / α^(2/d) at every length" in ntk
    assert ntk.endswith("(θ·α = 4000000)")


def test_gte_llama3_rope_scaling() -> None:
    """§2(c): a full Llama3 dict parses as Llama3 (not Ntk): θ unchanged."""
    result = run({**MISTRAL, "model_type": "gte", "rope_scaling": LLAMA3})
    assert (result.rope_class, result.scaled_base) == ("RotaryEmbedding, Llama3", 1000000.0)
    assert not any(note.startswith("Ntk") for note in result.notes)


def test_gte_bad_rope_scaling_fails() -> None:
    """§2(e): a rope dict without factor matches neither variant."""
    result = run({**MISTRAL, "model_type": "gte", "rope_scaling": {"type": "yarn"}})
    assert message(result) == "data did not match any variant of untagged enum RopeScaling"


@pytest.mark.parametrize("model_type", ["qwen2", "qwen3", "bert"])
def test_no_rope_scaling_field_ignored(model_type: str) -> None:
    """§2(c), §6 qwen2_yarn4: Qwen2/Qwen3 have no rope_scaling field: plain θ, not even parsed."""
    for scaling in (YARN4, {"type": "yarn"}, "yarn"):
        result = run({**QWEN2, "model_type": model_type, "rope_scaling": scaling})
        assert result.refusal is None
        assert f"{model_type}: the config struct has no rope_scaling field: ignored" in (
            result.notes
        )
    result = run({**QWEN2, "model_type": model_type, "rope_scaling": None})
    assert not any("ignored" in note for note in result.notes)


def test_qwen2_plain_rope() -> None:
    """§6 qwen2_yarn4: plain θ 1e6 at every length, cache 32768 × 64 (d/2 in flash)."""
    result = run(QWEN2)
    assert (result.rope_class, result.base, result.scaled_base, result.cache_shape) == (
        "RotaryEmbedding",
        1000000.0,
        1000000.0,
        (32768, 64),
    )
    assert bases(result) == [1000000.0] * 4
    assert [x.status for x in result.lengths] == ["accepted"] * 4


@pytest.mark.parametrize("model_type", ["qwen2", "llama", "llama_bidirec", "mistral"])
def test_cuda_only_note(model_type: str) -> None:
    """§2(c): Qwen2, Llama and Mistral load only on CUDA (flash: cache columns d/2)."""
    result = run({**MISTRAL, "model_type": model_type})
    assert "loads only on CUDA (flash): cache columns d/2" in result.notes
    assert result.cache_shape == (32768, 64)


@pytest.mark.parametrize("model_type", ["qwen3", "gte", "modernbert"])
def test_no_cuda_only_note(model_type: str) -> None:
    """§2(c) names only Qwen2, Llama and Mistral as CUDA-only."""
    result = run({**MISTRAL, "model_type": model_type})
    assert not any("CUDA" in note for note in result.notes)


def test_theta_from_rope_parameters() -> None:
    """§2(c): θ = rope_theta, else rope_parameters.rope_theta."""
    params = {"rope_type": "default", "rope_theta": 500000.0}
    config = {**without(QWEN2, "rope_theta"), "rope_parameters": params}
    assert run(config).base == 500000.0
    assert run({**config, "rope_theta": "1e6"}).base == 500000.0
    assert run({**config, "rope_theta": 1000000.0}).base == 1000000.0
    # §2(c): "else an error" (the models' load bails)
    for no_theta in ({"rope_type": "default"}, [500000.0], None):
        result = run({**config, "rope_parameters": no_theta})
        assert result.refusal == EngineRefusal("Error", NO_THETA)
        assert (result.rope_class, result.base, result.cache_shape) == (None, None, None)


def int_shape(result: EngineResult) -> tuple[int, int] | None:
    """cache_shape, checked to hold ints (the JSON prints 64, not 64.0)."""
    shape = result.cache_shape
    assert shape is None or all(type(x) is int for x in shape)
    return shape


def test_head_dim_else_hidden_over_heads() -> None:
    """d = head_dim, else hidden_size / num_attention_heads; cache columns d/2."""
    assert int_shape(run(MISTRAL)) == (32768, 64)
    assert int_shape(run({**MISTRAL, "head_dim": 130})) == (32768, 65)
    assert run(MISTRAL).cache_shape == (32768, 64)  # head_dim 128, not 4096/32 = 128 by chance
    assert run({**MISTRAL, "head_dim": 64}).cache_shape == (32768, 32)
    assert run(without(MISTRAL, "head_dim")).cache_shape == (32768, 64)
    assert run({**without(MISTRAL, "head_dim"), "hidden_size": 2048}).cache_shape == (32768, 32)
    # learned positions (bert): no head needed, no RoPE
    for no_head in ({"num_attention_heads": None}, {"hidden_size": None}):
        result = run({**BERT, "rope_theta": 10000.0, **no_head})
        assert (result.refusal, result.rope_class, result.cache_shape) == (None, None, None)
        assert result.scaling == "none"


# -- RopeScaling, the untagged enum (§2(c)) --------------------------------------------------------
def test_parse_rope_scaling_variants() -> None:
    assert parse_rope_scaling(None) is None
    assert parse_rope_scaling(LLAMA3) == ("Llama3", 8.0)
    ntk = parse_rope_scaling({"type": "yarn", "factor": 4})
    assert ntk == ("Ntk", 4.0)
    assert ntk is not None and isinstance(ntk[1], float)
    assert parse_rope_scaling({"rope_type": "dynamic", "factor": 2.0, "extra": 1}) == ("Ntk", 2.0)
    assert parse_rope_scaling({**LLAMA3, "rope_type": "anything"}) == ("Llama3", 8.0)


@pytest.mark.parametrize(
    "key", ["high_freq_factor", "low_freq_factor", "original_max_position_embeddings"]
)
def test_parse_rope_scaling_partial_llama3_is_ntk(key: str) -> None:
    assert parse_rope_scaling(without(LLAMA3, key)) == ("Ntk", 8.0)
    assert parse_rope_scaling({**LLAMA3, key: "4"}) == ("Ntk", 8.0)


@pytest.mark.parametrize(
    "value",
    [
        "yarn",
        [1, 2],
        {"type": "yarn"},
        {"factor": 2.0},
        {"type": 3, "factor": 2.0},
        {"type": "yarn", "factor": "2"},
        {"type": "yarn", "factor": True},
        {"rope_type": None, "type": "yarn", "factor": 2.0},
    ],
)
def test_parse_rope_scaling_no_variant(value: Any) -> None:
    with pytest.raises(TeiRaises) as caught:
        parse_rope_scaling(value)
    text = "data did not match any variant of untagged enum RopeScaling"
    assert str(caught.value) == text
    assert caught.value.refusal == EngineRefusal("Error", text)
