# ruff: noqa: E501  (the §6 table, one row per line)
"""Every worked number of ENGINES.md §6, through the public CLI (`inspect --engine ... --format
json`), by value. Configs are the ones §6 names, written to a temporary directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cli, cli_json

ROOT = Path(__file__).resolve().parent.parent / "ntkcli" / "snapshots"
# The legacy v1.5 shape (n_positions only): the bundled revision before the transformers-5 rewrite.
V15_LEGACY = "revisions/e5cf08aadaa33385f5990def41f7a23405aec398/config.json"
V15 = json.loads((ROOT / "nomic-ai__nomic-embed-text-v1.5" / V15_LEGACY).read_text())
V2MOE = json.loads((ROOT / "nomic-ai__nomic-embed-text-v2-moe" / "config.json").read_text())
ST8192 = {"max_seq_length": 8192, "do_lower_case": False}
DYN2 = {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000.0}
V5 = {
    "max_position_embeddings": 2048,
    "rope_parameters": {"rope_type": "default", "rope_theta": 1000.0},
}

CONFIGS: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {
    "arctic_m_long": ({**V15, "rotary_scaling_factor": 2.0}, None),
    "nomic_v15_legacy": (V15, ST8192),
    "nomic_v15_legacy_dyn2": ({**V15, "rope_parameters": DYN2}, ST8192),
    "nomic_v15_legacy_rsf2": ({**V15, "rotary_scaling_factor": 2.0}, ST8192),
    "nomic_v15_v5": ({**V15, **V5}, ST8192),
    "nomic_v15_v5_dyn2": ({**V15, **V5, "rope_parameters": DYN2}, ST8192),
    "nomic_v15_v5_rsf2": ({**V15, **V5, "rotary_scaling_factor": 2.0}, ST8192),
    "nomic_v2moe_legacy": (V2MOE, {"max_seq_length": 512, "do_lower_case": False}),
    "llama2_dynamic2": (
        {
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "hidden_size": 4096,
            "num_attention_heads": 32,
            "num_key_value_heads": 32,
            "max_position_embeddings": 4096,
            "rope_theta": 10000.0,
            "rope_scaling": {"type": "dynamic", "factor": 2.0},
            "eos_token_id": 2,
        },
        None,
    ),
    "qwen2_yarn4": (
        {
            "architectures": ["Qwen2ForCausalLM"],
            "model_type": "qwen2",
            "hidden_size": 3584,
            "num_attention_heads": 28,
            "num_key_value_heads": 4,
            "max_position_embeddings": 32768,
            "rope_theta": 1000000.0,
            "rope_scaling": {
                "type": "yarn",
                "factor": 4.0,
                "original_max_position_embeddings": 32768,
            },
        },
        None,
    ),
}

# ENGINES.md §6 values written out (SPEC §6 for the full-precision dynamic bases).
T3108 = 3108.2236667168813
T7453 = 7453.483031811892
SG30527 = 30527.7367488067
A, R, W = "accepted", "rejected", "warned"

# (config, engine, --transformers, max_len, bases at 512/2048/4096/8192, statuses, tokens used)
ROWS: list[tuple[str, str, str | None, int | None, list[Any], list[str], list[int] | None]] = [
    ("arctic_m_long", "sglang", None, 2048, [1000.0] * 4, [A, R, R, R], None),
    ("arctic_m_long", "sentence-transformers", None, 2048, [1000.0] * 4, [A, A, "truncated", "truncated"], [512, 2048, 2048, 2048]),
    ("arctic_m_long", "tei@1.9.3", None, 8192, [1000.0, 1000.0, 7000.0, 7000.0], [A] * 4, None),
    ("arctic_m_long", "tei@head", None, 2048, [1000.0] * 4, [A, A, "truncated", "truncated"], [512, 2048, 2048, 2048]),
    ("arctic_m_long", "llamacpp", None, 2048, [1000.0] * 4, [A, A, W, W], None),
    ("llama2_dynamic2", "sglang", None, 8192, [SG30527] * 4, [A, A, A, R], None),
    ("llama2_dynamic2", "transformers", None, None, [10000.0, 10000.0, 10000.0, SG30527], [A] * 4, None),
    ("llama2_dynamic2", "sentence-transformers", None, 4096, None, None, None),
    ("llama2_dynamic2", "llamacpp", None, 4096, [10000.0] * 4, [A, A, A, W], None),
    ("nomic_v15_legacy", "sglang", None, 2048, [1000.0] * 4, [A, R, R, R], None),
    ("nomic_v15_legacy", "sentence-transformers", None, 8192, [1000.0] * 4, [A] * 4, None),
    ("nomic_v15_legacy", "tei@1.9.3", None, 8192, [1000.0] * 4, [A] * 4, None),
    ("nomic_v15_legacy", "tei@head", None, 8192, [1000.0] * 4, [A] * 4, None),
    ("nomic_v15_legacy", "llamacpp", None, 2048, [1000.0] * 4, [A, A, W, W], None),
    ("nomic_v15_legacy", "llamacpp", "5", 2048, [1000.0] * 4, [A, A, W, W], None),
    ("nomic_v15_legacy_dyn2", "sglang", None, 4096, [1000.0, 1000.0, T3108, T7453], [A, A, R, R], None),
    ("nomic_v15_legacy_dyn2", "transformers", None, None, [1000.0, 1000.0, T3108, T7453], [A] * 4, None),
    ("nomic_v15_legacy_dyn2", "sentence-transformers", None, 8192, [1000.0, 1000.0, T3108, T7453], [A] * 4, None),
    ("nomic_v15_legacy_dyn2", "tei@1.9.3", None, 8192, [1000.0] * 4, [A] * 4, None),
    ("nomic_v15_legacy_dyn2", "tei@head", None, 8192, [1000.0] * 4, [A] * 4, None),
    ("nomic_v15_legacy_dyn2", "llamacpp", None, 2048, [1000.0] * 4, [A, A, W, W], None),
    ("nomic_v15_legacy_rsf2", "sglang", None, 2048, [1000.0] * 4, [A, R, R, R], None),
    ("nomic_v15_legacy_rsf2", "sentence-transformers", None, 8192, [1000.0] * 4, [A] * 4, None),
    ("nomic_v15_legacy_rsf2", "tei@1.9.3", None, 8192, [1000.0, 1000.0, 7000.0, 7000.0], [A] * 4, None),
    ("nomic_v15_legacy_rsf2", "tei@head", None, 8192, [1000.0, 1000.0, 7000.0, 7000.0], [A] * 4, None),
    ("nomic_v15_legacy_rsf2", "llamacpp", None, 2048, [1000.0] * 4, [A, A, W, W], None),
    ("nomic_v15_v5", "sglang", None, 2048, [1000.0] * 4, [A, R, R, R], None),
    ("nomic_v15_v5", "sentence-transformers", None, 8192, [1000.0] * 4, [A] * 4, None),
    ("nomic_v15_v5", "tei@head", None, 8192, [1000.0] * 4, [A] * 4, None),
    ("nomic_v15_v5", "llamacpp", None, 2048, [1000.0] * 4, [A, A, W, W], None),
    ("nomic_v15_v5", "llamacpp", "5", 2048, [1000.0] * 4, [A, A, W, W], None),
    ("nomic_v15_v5_dyn2", "sglang", None, 4096, [1000.0, 1000.0, T3108, T7453], [A, A, R, R], None),
    ("nomic_v15_v5_dyn2", "sentence-transformers", None, 8192, [1000.0, 1000.0, T3108, T7453], [A] * 4, None),
    ("nomic_v15_v5_dyn2", "tei@head", None, 8192, [1000.0] * 4, [A] * 4, None),
    ("nomic_v15_v5_dyn2", "llamacpp", None, 2048, [1000.0] * 4, [A, A, W, W], None),
    ("nomic_v15_v5_rsf2", "sglang", None, 2048, [1000.0] * 4, [A, R, R, R], None),
    ("nomic_v15_v5_rsf2", "sentence-transformers", None, 8192, [1000.0] * 4, [A] * 4, None),
    ("nomic_v15_v5_rsf2", "tei@head", None, 8192, [1000.0, 1000.0, 7000.0, 7000.0], [A] * 4, None),
    ("nomic_v15_v5_rsf2", "llamacpp", None, 2048, [1000.0] * 4, [A, A, W, W], None),
    ("nomic_v2moe_legacy", "sglang", None, 2048, [1000.0] * 4, [A, R, R, R], None),
    ("nomic_v2moe_legacy", "sentence-transformers", None, 512, [1000.0] * 4, [A, "truncated", "truncated", "truncated"], [512, 512, 512, 512]),
    ("nomic_v2moe_legacy", "tei@1.9.3", None, 512, [10000.0] * 4, [A, "truncated", "truncated", "truncated"], [512, 512, 512, 512]),
    ("nomic_v2moe_legacy", "tei@head", None, 512, [10000.0] * 4, [A, "truncated", "truncated", "truncated"], [512, 512, 512, 512]),
    ("nomic_v2moe_legacy", "llamacpp", None, 512, [10000.0] * 4, [A, W, W, W], None),
    ("nomic_v2moe_legacy", "llamacpp", "5", 2048, [1000.0] * 4, [A, A, W, W], None),
    ("qwen2_yarn4", "sentence-transformers", None, 32768, None, [A] * 4, None),
    ("qwen2_yarn4", "tei@1.9.3", None, 16384, [1000000.0] * 4, [A] * 4, None),
    ("qwen2_yarn4", "tei@head", None, 16384, [1000000.0] * 4, [A] * 4, None),
    ("qwen2_yarn4", "llamacpp", None, 32768, [1000000.0] * 4, [A] * 4, None),
]  # fmt: skip


def write(tmp: Path, name: str) -> str:
    config, st = CONFIGS[name]
    folder = tmp / name
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    if st is not None:
        (folder / "sentence_bert_config.json").write_text(json.dumps(st))
    return str(folder)


def run(tmp: Path, name: str, engine: str, transformers: str | None = None) -> Any:
    args = ["inspect", write(tmp, name), "--engine", engine]
    if transformers:
        args += ["--transformers", transformers]
    return cli_json(*args)


@pytest.mark.parametrize(("name", "engine", "tf", "max_len", "bases", "statuses", "used"), ROWS)
def test_worked_numbers(
    tmp_path: Path,
    name: str,
    engine: str,
    tf: str | None,
    max_len: int | None,
    bases: list[Any] | None,
    statuses: list[str] | None,
    used: list[int] | None,
) -> None:
    """ENGINES.md §6, one row."""
    data = run(tmp_path, name, engine, tf)
    assert data["refusal"] is None
    assert data["max_len"] == max_len
    lengths = data["lengths"]
    assert [x["len"] for x in lengths] == [512, 2048, 4096, 8192]
    if bases is not None:
        assert [x["base"] for x in lengths] == bases
    if statuses is not None:
        assert [x["status"] for x in lengths] == statuses
    if used is not None:
        assert [x["tokens_used"] for x in lengths] == used


@pytest.mark.parametrize("name", ["nomic_v15_v5", "nomic_v15_v5_dyn2", "nomic_v15_v5_rsf2"])
def test_tei_193_duplicate_field(tmp_path: Path, name: str) -> None:
    """§6: TEI v1.9.3 cannot parse a transformers-v5 Nomic config."""
    data = run(tmp_path, name, "tei@1.9.3")
    assert "duplicate field `max_position_embeddings`" in data["refusal"]["message"]
    assert all(not x["accepted"] for x in data["lengths"])


def test_tei_llama_rope_scaling_refused(tmp_path: Path) -> None:
    for engine in ("tei@1.9.3", "tei@head"):
        data = run(tmp_path, "llama2_dynamic2", engine)
        assert data["refusal"]["message"] == "Rope scaling is not supported for FlashLlama yet"


def test_sglang_llama2_cache_and_class(tmp_path: Path) -> None:
    """§6: DynamicNTKScalingRotaryEmbedding, cache 8192 → 8448 × 128."""
    data = run(tmp_path, "llama2_dynamic2", "sglang")
    assert data["rope_class"] == "DynamicNTKScalingRotaryEmbedding"
    assert data["cache_shape"] == [8448, 128]
    assert data["scaled_base"] == SG30527


def test_sglang_qwen2_yarn(tmp_path: Path) -> None:
    """§6: context 32768, YaRNScalingRotaryEmbedding, cache 131072 × 128."""
    data = run(tmp_path, "qwen2_yarn4", "sglang")
    assert data["max_len"] == 32768
    assert data["rope_class"] == "YaRNScalingRotaryEmbedding"
    assert data["cache_shape"] == [131072, 128]


def test_transformers_qwen2_yarn_last_frequency(tmp_path: Path) -> None:
    """§6: tf yarn cell 4088994 (effective base of the last frequency; float64 here:
    1e6·4^(128/126) = 4088994.243…)."""
    data = run(tmp_path, "qwen2_yarn4", "transformers")
    assert all(abs(x["base"] - 4088994) < 0.5 for x in data["lengths"])


@pytest.mark.parametrize(
    ("name", "engine", "shape"),
    [
        ("arctic_m_long", "tei@1.9.3", [8192, 64]),
        ("nomic_v2moe_legacy", "tei@head", [2048, 64]),
        ("qwen2_yarn4", "tei@1.9.3", [32768, 64]),
    ],
)
def test_tei_cache_shapes(tmp_path: Path, name: str, engine: str, shape: list[int]) -> None:
    assert run(tmp_path, name, engine)["cache_shape"] == shape


def test_tei_output_says_source_read(tmp_path: Path) -> None:
    data = run(tmp_path, "nomic_v15_legacy", "tei")
    assert "read from the source at tag v1.9.3" in data["evidence"]
    assert "not executed" in data["evidence"]


def test_llamacpp_minimal_nomic_keyerror(tmp_path: Path) -> None:
    """§3(e): a config without `causal` fails with KeyError 'causal'."""
    config = {k: v for k, v in V15.items() if k != "causal"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    data = cli_json("inspect", str(tmp_path), "--engine", "llamacpp")
    assert data["refusal"] == {"error": "KeyError", "message": "'causal'"}


def test_ollama_clamp(tmp_path: Path) -> None:
    """§3(d): num_ctx 8192 on a 2048 GGUF becomes 2048."""
    folder = write(tmp_path, "nomic_v15_legacy")
    data = cli_json("inspect", folder, "--engine", "ollama", "--max-model-len", "8192")
    assert data["max_len"] == 2048
    assert [x["tokens_used"] for x in data["lengths"]] == [512, 2048, 2048, 2048]


def test_unknown_engine_is_usage_error() -> None:
    run_ = cli("inspect", "nomic-ai/nomic-embed-text-v1.5", "--bundled", "--engine", "tei@9")
    assert run_.exit_code == 2
    assert "tei versions: 1.9.3, head" in run_.stderr
