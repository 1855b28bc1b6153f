"""The engines that load through transformers see the config layer's object (the class AutoConfig
builds under the transformers each engine runs), through the public CLI, by value.

Where the config layer changed an answer of the earlier stand-in, the reason is written next to
the test (ENGINES.md and SPEC-loading are the references)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import NEOX as CONFTEST_NEOX
from tests.conftest import cli_json
from tests.test_engines_worked import write

LLAMA_NO_THETA: dict[str, Any] = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "max_position_embeddings": 4096,
    "rope_scaling": {"type": "dynamic", "factor": 2.0},
}
NEOX: dict[str, Any] = {**CONFTEST_NEOX, "rotary_emb_base": 10000}


def _dir(tmp: Path, config: dict[str, Any]) -> str:
    (tmp / "config.json").write_text(json.dumps(config))
    return str(tmp)


def _inspect(folder: str, engine: str, *extra: str) -> Any:
    return cli_json("inspect", folder, "--engine", engine, *extra)


def test_llamacpp_nomic_under_pinned_transformers_reads_raw_json(tmp_path: Path) -> None:
    """ENGINES §3(a): 4.57.6 has no nomic_bert; AutoConfig raises and the converter reads the raw
    config.json (json.load), so the class is not a native transformers class."""
    data = _inspect(write(tmp_path, "nomic_v15_legacy"), "llamacpp")
    assert data["config_class"] == {"name": "raw config.json", "origin": "own parser"}
    assert any("AutoConfig raised ValueError under transformers 4.57.6" in n for n in data["notes"])


def test_llamacpp_nomic_under_transformers_5_is_native_class(tmp_path: Path) -> None:
    """ENGINES §3(a): under 5.x the native NomicBertConfig.to_dict() is read."""
    data = _inspect(write(tmp_path, "nomic_v2moe_legacy"), "llamacpp", "--transformers", "5")
    assert data["config_class"] == {"name": "NomicBertConfig", "origin": "native"}
    # §3(c): v2-moe under 5.x: context 2048, freq_base 1000
    assert (data["max_len"], data["base"]) == (2048, 1000.0)


def test_llamacpp_llama_is_the_native_class_under_4576(tmp_path: Path) -> None:
    """ENGINES §3(a): AutoConfig(...).to_dict() under 4.57.6: LlamaConfig, native."""
    data = _inspect(write(tmp_path, "llama2_dynamic2"), "llamacpp")
    assert data["config_class"] == {"name": "LlamaConfig", "origin": "native"}
    assert any("LlamaConfig.to_dict() under transformers 4.57.6" in n for n in data["notes"])


def test_llamacpp_llama_without_rope_theta_gets_the_class_default(tmp_path: Path) -> None:
    """Changed by the config layer: the stand-in wrote no freq_base for a Llama config without
    rope_theta. The converter reads AutoConfig(...).to_dict() (ENGINES §3(a)), and 4.57.6's
    LlamaConfig carries rope_theta 10000 by default, which TextModel.__init__ copies into
    rope.freq_base (§3(c))."""
    folder = _dir(tmp_path, LLAMA_NO_THETA)
    for tf in ("4", "5"):
        data = _inspect(folder, "llamacpp", "--transformers", tf)
        assert data["base"] == 10000.0
        assert data["rope_class"] == "freq_base 10000, no scaling"
        assert data["max_len"] == 4096


def test_llamacpp_gpt_neox_rotary_pct(tmp_path: Path) -> None:
    """ENGINES §3(e): GPT-NeoX under transformers 5 fails with KeyError 'rotary_pct' (5.x folds
    it into rope_parameters); under the pinned 4.57.6 it converts, and GPTNeoXModel's own
    set_gguf_parameters (conversion/gptneox.py, llama-cpp-python 0.3.36) writes no
    rope.freq_base: no θ in the GGUF."""
    folder = _dir(tmp_path, NEOX)
    data = _inspect(folder, "llamacpp", "--transformers", "5")
    assert data["refusal"] == {"error": "KeyError", "message": "'rotary_pct'"}
    assert data["config_class"] == {"name": "GPTNeoXConfig", "origin": "native"}
    data = _inspect(folder, "llamacpp")
    assert data["refusal"] is None
    assert (data["max_len"], data["base"]) == (2048, None)


def test_ollama_refusal_names_the_class_read(tmp_path: Path) -> None:
    """Ollama converts with the same converter (ENGINES §3(d)): its refusal names the same class."""
    data = _inspect(_dir(tmp_path, NEOX), "ollama", "--transformers", "5")
    assert data["refusal"] == {"error": "KeyError", "message": "'rotary_pct'"}
    assert data["config_class"] == {"name": "GPTNeoXConfig", "origin": "native"}


def test_native_nomic_class_for_transformers_engines(tmp_path: Path) -> None:
    """ENGINES §1(a), §4(a): SGLang, transformers and sentence-transformers see the native
    NomicBertConfig of 5.19 (mpe 2048, θ 1000; n_positions and rotary_emb_base not read)."""
    folder = write(tmp_path, "nomic_v2moe_legacy")
    for engine in ("sglang", "transformers", "sentence-transformers"):
        data = _inspect(folder, engine)
        assert data["config_class"] == {"name": "NomicBertConfig", "origin": "native"}
        assert data["base"] == 1000.0  # §4(a): v2-moe gets θ 1000, not 10000


def test_sglang_context_from_class_default_mpe(tmp_path: Path) -> None:
    """ENGINES §1(b): get_context_length reads getattr(config, ...): a Llama config without
    max_position_embeddings gets LlamaConfig's default 2048, × dynamic factor 2 = 4096."""
    config = {k: v for k, v in LLAMA_NO_THETA.items() if k != "max_position_embeddings"}
    data = _inspect(_dir(tmp_path, config), "sglang")
    assert (data["max_len"], data["max_len_key"]) == (4096, "max_position_embeddings")
    # §1(c): θ' = 10000·(2²−2+1)^(128/126) = 30527.7367488067 (SPEC §6), cache 2048·2 rows grown
    # to align128(4096 + 256) = 4352
    assert data["scaled_base"] == 30527.7367488067
    assert data["cache_shape"] == [4352, 128]


def test_remote_only_model_type_needs_trust_remote_code() -> None:
    """SPEC-loading C2.4: AutoConfig without trust_remote_code refuses a model type with no native
    class (Qwen-7B's `qwen`); ENGINES §1(a): SGLang loads through AutoConfig(trust_remote_code=…).
    Changed by the config layer: the stand-in served it as a generic PretrainedConfig."""
    for engine in ("sglang", "transformers", "sentence-transformers"):
        data = cli_json("inspect", "Qwen/Qwen-7B", "--bundled", "--engine", engine)
        assert data["refusal"]["error"] == "ValueError"
        assert "trust_remote_code=True" in data["refusal"]["message"]
        assert all(x["status"] == "refused" for x in data["lengths"])


def test_remote_class_with_trust_remote_code() -> None:
    """With --trust-remote-code the remote QWenConfig is built (SPEC-loading C2); SGLang's context
    is the first of max_sequence_length, seq_length, … (ENGINES §1(b)): seq_length 8192."""
    data = cli_json("inspect", "Qwen/Qwen-7B", "--bundled", "--engine", "sglang",
                    "--trust-remote-code")  # fmt: skip
    assert data["config_class"] == {"name": "QWenConfig", "origin": "remote"}
    assert (data["max_len"], data["max_len_key"]) == (8192, "seq_length")
    assert any("remote config class" in n for n in data["notes"])


def test_llamacpp_never_trusts_remote_code() -> None:
    """ENGINES §3(a): the converter calls AutoConfig(..., trust_remote_code=False) and falls back
    to the raw config.json: --trust-remote-code does not change what it reads."""
    data = cli_json("inspect", "Qwen/Qwen-7B", "--bundled", "--engine", "llamacpp",
                    "--trust-remote-code")  # fmt: skip
    assert data["config_class"] == {"name": "raw config.json", "origin": "own parser"}
