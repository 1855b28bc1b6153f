"""Every real config of shared/configs (bundled as snapshots), inspected through the CLI.

Expected values are derived by hand from SPEC.md; each case's comment shows the derivation.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_json

SNAP = Path(__file__).resolve().parents[1] / "ntkcli" / "snapshots"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "configs"


def inspect(model: str, *args: str) -> Any:
    return cli_json("inspect", model, "--bundled", *args)


TRUST = "--trust-remote-code"


def test_arctic_embed_m_long_remote_class() -> None:
    # Remote class (--trust-remote-code, auto_map present; SPEC §2.3): GPT-2 aliases.
    # head = n_embd 768 // n_head 12 = 64; d = 64 · rotary_emb_fraction 1.0 = 64.
    # No ST file: derived = n_positions 8192 (via the max_position_embeddings alias, §2, §4.1).
    # rotary_scaling_factor 2 is never read by vLLM (§3.4) → plain RotaryEmbedding, θ = 1000
    # (the int rotary_emb_base: vLLM's patch puts it in the dict, §3.2).
    new = inspect("Snowflake/snowflake-arctic-embed-m-long", TRUST)
    assert new["config_class"] == {"name": "NomicBertConfig", "origin": "remote", "known": True}
    assert (new["max_model_len"], new["rope_class"], new["base"], new["scaled_base"]) == (
        8192,
        "RotaryEmbedding",
        1000.0,
        1000.0,
    )
    assert new["cache_shape"] == [8192, 64]
    assert new["rope_parameters"] == {
        "max_trained_positions": 2048,
        "rope_theta": 1000,
        "partial_rotary_factor": 1.0,
        "rope_type": "default",
    }
    # Old (§4.3): no overrides, no user length → clamp to T = 2048; cache built for T.
    old = inspect("Snowflake/snowflake-arctic-embed-m-long", TRUST, "--vllm", "old")
    assert (old["max_model_len"], old["cache_shape"]) == (2048, [2048, 64])


def test_arctic_embed_m_long_native_class() -> None:
    # Native class (the default; SPEC §2.4, §6 last bullet): max_position_embeddings is the class
    # default 2048 and n_positions 8192 a plain attribute → derived min(2048, 8192) = 2048;
    # θ 1000.0 = default_theta; head = n_embd 768 // class num_attention_heads 12 = 64.
    new = inspect("Snowflake/snowflake-arctic-embed-m-long")
    assert new["config_class"] == {"name": "NomicBertConfig", "origin": "native", "known": True}
    assert new["trust_remote_code"] is False
    assert (new["derived"]["key"], new["max_model_len"]) == ("max_position_embeddings", 2048)
    assert (new["base"], new["cache_shape"]) == (1000.0, [2048, 64])
    # §4.2: --max-model-len 4096 is refused; the factor step ran (rope dict) → "2048.0".
    refused = inspect("Snowflake/snowflake-arctic-embed-m-long", "--max-model-len", "4096")
    assert refused["max_model_len"] is None
    assert (
        "(max_position_embeddings=2048.0 or model_max_length=None"
        in (refused["refusal"]["message"])
    )
    # Issue #11 / §4.5 new: dynamic factor 2 → derived 4096, L 4096, T 2048 → θ' 3108.22…
    dyn = {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}
    d = inspect("Snowflake/snowflake-arctic-embed-m-long", "--hf-overrides", json.dumps(dyn))
    assert (d["max_model_len"], d["cache_shape"]) == (4096, [4096, 64])
    assert d["scaled_base"] == 3108.2236667168813


def test_internlm2_chat_7b_factor_2() -> None:
    # Remote-only model type (SPEC-loading C3): needs --trust-remote-code.
    # rope_scaling {"factor": 2.0, "type": "dynamic"}, rope_theta 1e6, head 4096 // 32 = 128.
    # §4.1: derived = 32768 · 2 = 65536 (dynamic is always multiplied) → max_model_len 65536.
    # §4.4 new: L = max_position_embeddings 32768, T = L → inner 1 → θ' = θ; rows = L = 32768.
    new = inspect("internlm/internlm2-chat-7b", TRUST)
    assert new["max_model_len"] == 65536
    assert new["rope_class"] == "DynamicNTKScalingRotaryEmbedding"
    assert (new["max_trained_positions"], new["scaled_base"]) == (32768, 1000000.0)
    assert new["cache_shape"] == [32768, 128]
    assert new["rope_parameters"]["type"] == "dynamic"  # legacy key kept (§3.3)
    # §4.5 old: inner = α² − α + 1 = 3 → θ' = 1e6 · 3^(128/126); rows = ceil(32768 · 2).
    old = inspect("internlm/internlm2-chat-7b", TRUST, "--vllm", "old")
    assert old["scaled_base"] == 3052773.67488067
    assert old["cache_shape"] == [65536, 128]


def test_internlm2_without_trust_remote_code_is_refused_at_load() -> None:
    # SPEC §2.2.2 / SPEC-loading C2.4: auto_map, no flag, no native class → transformers refuses.
    d = inspect("internlm/internlm2-chat-7b")
    assert d["max_model_len"] is None
    assert (d["refusal"]["error"], d["refusal"]["stage"]) == ("ValueError", "load")
    assert "model type `internlm2`" in d["refusal"]["message"]
    assert d["config_class"]["name"] is None


@pytest.mark.parametrize(
    ("revision", "rope_class"),
    [
        # initial upload: dynamic with factor 1.0 → inner 1 in both versions, θ' = θ.
        ("d64cff5906b6ecadbaecc70399eb56dbadb009fe", "DynamicNTKScalingRotaryEmbedding"),
        # rope_scaling null → default RoPE.
        ("aa1fc6c639daf067bc9059e2fce604254767d17f", "RotaryEmbedding"),
    ],
)
def test_internlm2_older_revisions(revision: str, rope_class: str) -> None:
    for line in ("new", "old"):
        d = inspect("internlm/internlm2-chat-7b", TRUST, "--revision", revision, "--vllm", line)
        assert d["source"]["revision"] == revision
        assert d["max_model_len"] == 32768  # 32768 · 1.0
        assert (d["rope_class"], d["scaled_base"]) == (rope_class, 1000000.0)
        assert d["cache_shape"] == [32768, 128]


def test_internlm_20b() -> None:
    # Remote class (model_type internlm has no native class); Llama-style, rope_scaling null:
    # RotaryEmbedding θ 10000, head 5120 // 40 = 128, L = 4096.
    for line in ("new", "old"):
        d = inspect("internlm/internlm-20b", TRUST, "--vllm", line)
        assert (d["max_model_len"], d["rope_class"], d["scaled_base"], d["cache_shape"]) == (
            4096,
            "RotaryEmbedding",
            10000.0,
            [4096, 128],
        )
    assert inspect("internlm/internlm-20b")["refusal"]["stage"] == "load"


def test_qwen_7b_custom_dynamic_key() -> None:
    # QWenLMHeadModel is served up to vLLM 0.23.0 (SPEC-loading §4.4'), remote class only.
    # seq_length 8192 < max_position_embeddings 32768 → derived 8192 from seq_length (§4.1).
    # θ from rotary_emb_base 10000, partial from rotary_pct 1.0; use_dynamic_ntk is not read.
    # The model code passes max_position_embeddings 32768 as L → cache 32768 × 128.
    d = inspect("Qwen/Qwen-7B", TRUST, "--vllm", "0.23.0")
    assert d["derived"]["key"] == "seq_length"
    assert (d["max_model_len"], d["rope_class"], d["base"]) == (8192, "RotaryEmbedding", 10000.0)
    assert d["cache_shape"] == [32768, 128]
    assert d["rope_parameters"]["partial_rotary_factor"] == 1.0
    # 0.33.0 no longer serves it: a ValueError from the model registry.
    new = inspect("Qwen/Qwen-7B", TRUST)
    assert (new["max_model_len"], new["refusal"]["error"]) == (None, "ValueError")
    assert "until v0.23.0" in new["refusal"]["message"]


def test_cogito_qwen2_14b() -> None:
    # Qwen2 (native class either way), no scaling: θ 1e6 from the JSON, head 5120 // 40 = 128,
    # L = max_position_embeddings = 131072.
    for args in ((), (TRUST,)):
        d = inspect("deepcogito/cogito-v1-preview-qwen-14B", *args)
        assert d["config_class"] == {"name": "Qwen2Config", "origin": "native", "known": True}
        assert (d["max_model_len"], d["rope_class"], d["scaled_base"], d["cache_shape"]) == (
            131072,
            "RotaryEmbedding",
            1000000.0,
            [131072, 128],
        )


def test_qwen35_v5_rope_parameters() -> None:
    # transformers-5 rope_parameters (default type, mrope_section) → multimodal RoPE class.
    # head_dim 256 given; d = int(256 · 0.25) = 64; θ 1e7; L = 262144.
    for revision in (None, "06f86b0281471930dd2ee830987f0942995f83d2"):
        args = ["--revision", revision] if revision else []
        d = inspect("bryce-hoehn/Qwen3.5-18B-REAP-A3B-Coding", *args)
        assert (d["head_size"], d["rotary_dim"], d["base"]) == (256, 64, 10000000.0)
        assert (d["rope_class"], d["cache_shape"]) == ("MRotaryEmbedding", [262144, 64])
        assert d["max_model_len"] == 262144


@pytest.mark.parametrize("args", [(), (TRUST,)])
def test_nomic_vision_is_refused_not_crashed(args: tuple[str, ...]) -> None:
    # n_positions 0 → derived 0 is served as is (§4.1.2), but rotary_emb_fraction 0 becomes
    # the partial factor 0 in both classes (§3.2.3) → get_rope's ValueError (§4.4.4).
    d = inspect("nomic-ai/nomic-embed-vision-v1.5", *args)
    assert d["max_model_len"] is None
    assert d["refusal"]["error"] == "ValueError"
    assert d["refusal"]["message"] == "partial_rotary_factor=0 must be between 0.0 and 1.0"
    assert d["refusal"]["stage"] == "get_rope"


@pytest.mark.parametrize(
    ("model", "trust", "new_len", "old_len", "theta"),
    [
        # Remote class: n_positions 8192, ST 8192 replaces (equal); old clamps to T 2048.
        ("nomic-ai/nomic-embed-text-v1.5", True, 8192, 2048, 1000.0),
        ("nomic-ai/CodeRankEmbed", True, 8192, 2048, 1000.0),
        # n_positions 2048, ST 512 replaces → 512 in both (512 < T: no clamp); θ rotary_emb_base.
        ("nomic-ai/nomic-embed-text-v2-moe", True, 512, 512, 10000.0),
        # Native class: derived min(mpe default 2048, n_positions 8192) = 2048, then the ST file
        # (max_seq_length + do_lower_case: read by 0.21 and 0.33) replaces it with 8192; old
        # clamps to T 2048. θ = default_theta 1000.0.
        ("nomic-ai/nomic-embed-text-v1.5", False, 8192, 2048, 1000.0),
        ("nomic-ai/CodeRankEmbed", False, 8192, 2048, 1000.0),
        # Native v2-moe: θ 1000.0 whatever rotary_emb_base 10000 says (§2.4.3, measured).
        ("nomic-ai/nomic-embed-text-v2-moe", False, 512, 512, 1000.0),
    ],
)
def test_reconstructed_nomic(
    model: str, trust: bool, new_len: int, old_len: int, theta: float
) -> None:
    args = (TRUST,) if trust else ()
    new = inspect(model, *args)
    old = inspect(model, *args, "--vllm", "old")
    assert new["source"]["snapshot"] == "reconstructed"
    assert new["config_class"]["origin"] == ("remote" if trust else "native")
    assert (new["max_model_len"], new["base"], new["cache_shape"]) == (
        new_len,
        theta,
        [new_len, 64],
    )
    assert (old["max_model_len"], old["cache_shape"]) == (old_len, [2048, 64])


@pytest.mark.parametrize("args", [(), (TRUST,)])
def test_nomic_bert_2048_pretraining_head(args: tuple[str, ...]) -> None:
    # architectures NomicBertForPreTraining, model_type nomic_bert: the update still applies
    # (config class NomicBertConfig); n_positions 2048, no ST file. Remote: T = class default
    # 2048. Native: no max_trained_positions field → T = max_position_embeddings (default 2048).
    d = inspect("nomic-ai/nomic-bert-2048", *args)
    assert (d["max_model_len"], d["cache_shape"]) == (2048, [2048, 64])
    expected = "class default" if args else "max_position_embeddings"
    assert d["nomic"]["max_trained_positions_from"] == expected


def test_snapshots_are_byte_exact() -> None:
    """Real snapshots equal shared/configs byte for byte; every file matches its recorded hash."""
    for entry in sorted(SNAP.iterdir()):
        meta = json.loads((entry / "snapshot.json").read_text())
        assert meta["kind"] in ("real", "reconstructed")
        for rel, digest in meta["sha256"].items():
            assert hashlib.sha256((entry / rel).read_bytes()).hexdigest() == digest
        if SHARED.is_dir():
            base = SHARED if meta["kind"] == "real" else SHARED / "reconstructed"
            for rel in meta["sha256"]:
                original = base / entry.name / rel
                if meta["kind"] == "reconstructed" and "revision_notes" in meta:
                    # nomic-embed-text-v1.5: main is the current (transformers-5) shape,
                    # reconstructed here from public quotes; the older shape, kept as a revision,
                    # is the shared reconstruction.
                    if rel == "config.json":
                        continue
                    if rel.startswith("revisions/"):
                        original = base / entry.name / "config.json"
                if (
                    meta["kind"] == "reconstructed"
                    and rel == "sentence_bert_config.json"
                    and (entry.name == "nomic-ai__nomic-embed-text-v1")
                ):
                    original = SHARED / entry.name / rel  # the 54-byte real file
                assert original.read_bytes() == (entry / rel).read_bytes(), original
