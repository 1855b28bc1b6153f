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


def test_arctic_embed_m_long() -> None:
    # nomic_bert: head = n_embd 768 // n_head 12 = 64; d = 64 · rotary_emb_fraction 1.0 = 64.
    # No ST file: derived = n_positions 8192 (via the max_position_embeddings alias, §2, §4.1).
    # rotary_scaling_factor 2 is never read by vLLM (§3.4) → plain RotaryEmbedding, θ = 1000.
    new = inspect("Snowflake/snowflake-arctic-embed-m-long")
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
    old = inspect("Snowflake/snowflake-arctic-embed-m-long", "--vllm", "old")
    assert (old["max_model_len"], old["cache_shape"]) == (2048, [2048, 64])


def test_internlm2_chat_7b_factor_2() -> None:
    # rope_scaling {"factor": 2.0, "type": "dynamic"}, rope_theta 1e6, head 4096 // 32 = 128.
    # §4.1: derived = 32768 · 2 = 65536 (dynamic is always multiplied) → max_model_len 65536.
    # §4.4 new: L = max_position_embeddings 32768, T = L → inner 1 → θ' = θ; rows = L = 32768.
    new = inspect("internlm/internlm2-chat-7b")
    assert new["max_model_len"] == 65536
    assert new["rope_class"] == "DynamicNTKScalingRotaryEmbedding"
    assert (new["max_trained_positions"], new["scaled_base"]) == (32768, 1000000.0)
    assert new["cache_shape"] == [32768, 128]
    assert new["rope_parameters"]["type"] == "dynamic"  # legacy key kept (§3.3)
    # §4.5 old: inner = α² − α + 1 = 3 → θ' = 1e6 · 3^(128/126); rows = ceil(32768 · 2).
    old = inspect("internlm/internlm2-chat-7b", "--vllm", "old")
    assert old["scaled_base"] == 1000000.0 * 3 ** (128 / 126) == 3052773.67488067
    assert old["cache_shape"] == [65536, 128]


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
        d = inspect("internlm/internlm2-chat-7b", "--revision", revision, "--vllm", line)
        assert d["source"]["revision"] == revision
        assert d["max_model_len"] == 32768  # 32768 · 1.0
        assert (d["rope_class"], d["scaled_base"]) == (rope_class, 1000000.0)
        assert d["cache_shape"] == [32768, 128]


def test_internlm_20b() -> None:
    # Llama-style, rope_scaling null: RotaryEmbedding θ 10000, head 5120 // 40 = 128, L = 4096.
    for line in ("new", "old"):
        d = inspect("internlm/internlm-20b", "--vllm", line)
        assert (d["max_model_len"], d["rope_class"], d["scaled_base"], d["cache_shape"]) == (
            4096,
            "RotaryEmbedding",
            10000.0,
            [4096, 128],
        )


def test_qwen_7b_custom_dynamic_key() -> None:
    # seq_length 8192 < max_position_embeddings 32768 → derived 8192 from seq_length (§4.1).
    # θ from rotary_emb_base 10000, partial from rotary_pct 1.0; use_dynamic_ntk is not read.
    # The model code passes max_position_embeddings 32768 as L → cache 32768 × 128.
    d = inspect("Qwen/Qwen-7B")
    assert d["derived"]["key"] == "seq_length"
    assert (d["max_model_len"], d["rope_class"], d["base"]) == (8192, "RotaryEmbedding", 10000.0)
    assert d["cache_shape"] == [32768, 128]
    assert d["rope_parameters"]["partial_rotary_factor"] == 1.0


def test_cogito_qwen2_14b() -> None:
    # Qwen2, no scaling: θ 1e6, head 5120 // 40 = 128, L = max_model_len = 131072.
    d = inspect("deepcogito/cogito-v1-preview-qwen-14B")
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


def test_nomic_vision_is_refused_not_crashed() -> None:
    # n_positions 0 → derived 0 → no usable length; rotary_emb_fraction 0 would also be refused.
    d = inspect("nomic-ai/nomic-embed-vision-v1.5")
    assert d["max_model_len"] is None
    assert d["refusal"]["error"] == "ValueError"


@pytest.mark.parametrize(
    ("model", "new_len", "old_len", "theta"),
    [
        # n_positions 8192, ST 8192 replaces (equal); old clamps to T 2048.
        ("nomic-ai/nomic-embed-text-v1.5", 8192, 2048, 1000.0),
        ("nomic-ai/CodeRankEmbed", 8192, 2048, 1000.0),
        # n_positions 2048, ST 512 replaces → 512 in both (512 < T: no clamp).
        ("nomic-ai/nomic-embed-text-v2-moe", 512, 512, 10000.0),
    ],
)
def test_reconstructed_nomic(model: str, new_len: int, old_len: int, theta: float) -> None:
    new = inspect(model)
    old = inspect(model, "--vllm", "old")
    assert new["source"]["snapshot"] == "reconstructed"
    assert (new["max_model_len"], new["base"], new["cache_shape"]) == (
        new_len,
        theta,
        [new_len, 64],
    )
    assert (old["max_model_len"], old["cache_shape"]) == (old_len, [2048, 64])


def test_nomic_bert_2048_pretraining_head() -> None:
    # architectures NomicBertForPreTraining, model_type nomic_bert: the update still applies
    # (config class NomicBertConfig); n_positions 2048, no ST file; T = class default 2048.
    d = inspect("nomic-ai/nomic-bert-2048")
    assert (d["max_model_len"], d["cache_shape"]) == (2048, [2048, 64])
    assert d["nomic"]["max_trained_positions_from"] == "Nomic class default"


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
                if (
                    meta["kind"] == "reconstructed"
                    and rel == "sentence_bert_config.json"
                    and (entry.name == "nomic-ai__nomic-embed-text-v1")
                ):
                    original = SHARED / entry.name / rel  # the 54-byte real file
                assert original.read_bytes() == (entry / rel).read_bytes(), original
