"""llama.cpp's HF→GGUF converter and runtime (ENGINES.md §3), function by function (issue 14):
how hparams are read, the architecture, NomicBertModel's rewrite and asserts, the metadata
written, the runtime's answer. Expected values written out from ENGINES.md §3 (and the
converter source the module docstring names: conversion/base.py, bert.py, gptneox.py)."""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.engines import llamacpp
from ntkcli.engines.base import ConfigClassInfo, EngineRefusal, EngineRequest
from ntkcli.model import RawConfig, Source
from tests.test_engines_worked import V15

RAW = ConfigClassInfo("raw config.json", "own parser")
RAW_READ_4 = "AutoConfig raised ValueError under transformers 4.57.6: raw config.json"
LLAMA: dict[str, Any] = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "max_position_embeddings": 4096,
    "rope_theta": 500000.0,
}
NEOX: dict[str, Any] = {
    "architectures": ["GPTNeoXForCausalLM"],
    "model_type": "gpt_neox",
    "max_position_embeddings": 2048,
    "rotary_pct": 0.25,
    "rotary_emb_base": 10000,
}


def _raises(config: dict[str, Any], major: int = 4) -> llamacpp.ConverterRaises:
    with pytest.raises(llamacpp.ConverterRaises) as info:
        llamacpp.convert(config, major)
    return info.value


def _resolve(config: dict[str, Any], request: EngineRequest | None = None) -> Any:
    raw = RawConfig("m", Source("local", "m/config.json"), config)
    return llamacpp.LlamaCppEngine().resolve(raw, request or EngineRequest(), "0.3.36")


# -- load_hparams (§3(a)) ---------------------------------------------------------------------
def test_nomic_is_raw_json_under_the_pinned_transformers() -> None:
    # 4.57.6 has no nomic_bert: AutoConfig raises and the raw config.json is read
    meta = llamacpp.convert(V15, 4)
    assert (meta["config_class"], meta["read"]) == (RAW, RAW_READ_4)
    # raw JSON: rotary_emb_base is the θ key (§3(a) list), n_positions rewritten to 2048 (§3(b))
    assert (meta["freq_base"], meta["theta_key"]) == (1000.0, "rotary_emb_base")
    assert (meta["context_length"], meta["context_key"]) == (2048, "n_positions")


def test_theta_keys_under_4_and_5() -> None:
    # 4.57.6 keeps the top-level rope_theta; 5.x folds it into rope_parameters (§3(a)/(c))
    four = llamacpp.convert(LLAMA, 4)
    assert (four["freq_base"], four["theta_key"]) == (500000.0, "rope_theta")
    assert four["read"] == "LlamaConfig.to_dict() under transformers 4.57.6"
    five = llamacpp.convert(LLAMA, 5)
    assert (five["freq_base"], five["theta_key"]) == (500000.0, "rope_parameters.rope_theta")
    assert five["scaling"] is None
    # 4.x to_dict() carries the class default θ 10000 when the JSON has none
    without = {k: v for k, v in LLAMA.items() if k != "rope_theta"}
    assert llamacpp.convert(without, 4)["freq_base"] == 10000.0


def test_gpt_neox_under_5_has_no_rotary_pct() -> None:
    # §3(e): GPT-NeoX under transformers 5 fails with KeyError 'rotary_pct', with or without it
    for config in (NEOX, {k: v for k, v in NEOX.items() if k != "rotary_pct"}):
        assert _raises(config, 5).refusal == EngineRefusal("KeyError", "'rotary_pct'")


def test_gpt_neox_metadata_under_4() -> None:
    """GPTNeoXModel writes context_length = max_position_embeddings, no freq_base, no scaling."""
    meta = llamacpp.convert({**NEOX, "rope_scaling": {"type": "linear", "factor": 2.0}}, 4)
    assert meta["config_class"] == ConfigClassInfo("GPTNeoXConfig", "native")
    assert meta["read"] == "GPTNeoXConfig.to_dict() under transformers 4.57.6"
    assert (meta["context_length"], meta["context_key"]) == (2048, "max_position_embeddings")
    assert (meta["freq_base"], meta["theta_key"], meta["scaling"]) == (None, None, None)
    assert (meta["rope_type"], meta["model_type"]) == ("linear", "gpt_neox")


# -- the architecture (get_model_architecture / get_model_class) --------------------------------
def test_architecture_from_ssm_cfg() -> None:
    # no architectures: the ssm_cfg layer name + ForCausalLM, "Mamba" by default
    assert llamacpp.model_architecture({"ssm_cfg": {"layer": "Mamba2"}}) == "Mamba2ForCausalLM"
    assert llamacpp.model_architecture({"ssm_cfg": {}}) == "MambaForCausalLM"


def test_architectures_must_be_a_non_empty_list() -> None:
    failed = EngineRefusal("ValueError", "Failed to detect model architecture")
    for hparams in ({"architectures": "LlamaForCausalLM"}, {"architectures": []}, {}):
        with pytest.raises(llamacpp.ConverterRaises) as info:
            llamacpp.model_architecture(hparams)
        assert info.value.refusal == failed
    # a text_config whose architectures is not a list leaves the top-level one
    top = {"architectures": ["LlamaForCausalLM"], "text_config": {"architectures": "Qwen2"}}
    assert llamacpp.model_architecture(top) == "LlamaForCausalLM"


def test_refusal_carries_the_config_class_read() -> None:
    exc = _raises({"model_type": "llama"}, 5)
    assert exc.refusal == EngineRefusal("ValueError", "Failed to detect model architecture")
    assert exc.config_class == ConfigClassInfo("LlamaConfig", "native")
    assert _raises({**V15, "architectures": ["Nope"]}).config_class == RAW


# -- NomicBertModel.__init__ (§3(b)) --------------------------------------------------------------
def test_nomic_needs_n_positions() -> None:
    config = {k: v for k, v in V15.items() if k != "n_positions"}
    assert _raises(config).refusal == EngineRefusal("KeyError", "'n_positions'")


def test_nomic_reads_max_trained_positions() -> None:
    # (8192, T 4096) is no known pair: ValueError naming both
    exc = _raises({**V15, "max_trained_positions": 4096})
    assert exc.refusal == EngineRefusal(
        "ValueError", "unrecognized parameters: n_positions=8192, max_trained_positions=4096"
    )


def test_nomic_asserts_scale_base_none() -> None:
    exc = _raises({**V15, "rotary_emb_scale_base": 1.0})
    assert exc.refusal == EngineRefusal("AssertionError", "")


# -- the rope metadata written (§3(c)) -------------------------------------------------------------
def test_rope_scaling_when_no_rope_parameters() -> None:
    # raw JSON (Nomic under 4.57.6): rope_scaling is read when there is no rope_parameters
    def scaling(rope: dict[str, Any]) -> Any:
        return llamacpp.convert({**V15, "rope_scaling": rope}, 4)["scaling"]

    assert scaling({"type": "linear", "factor": 2.0}) == "linear 2"
    assert scaling({"type": "linear"}) == "linear"
    assert scaling({"type": "yarn", "factor": 4.0}) == "yarn 4"
    assert scaling({"type": "yarn"}) == "yarn"
    assert scaling({"type": "longrope"}) == "longrope"
    assert scaling({"type": "su"}) == "longrope"
    assert scaling({"type": "dynamic", "factor": 2.0}) is None


def test_no_theta_writes_no_freq_base() -> None:
    config = {k: v for k, v in V15.items() if k != "rotary_emb_base"}
    meta = llamacpp.convert(config, 4)
    assert (meta["freq_base"], meta["theta_key"]) == (None, None)
    result = _resolve(config)
    assert result.base is None
    assert result.rope_class == "freq_base default, no scaling"
    assert any(
        note.startswith("no θ in the config: no rope.freq_base written") for note in result.notes
    )


# -- the engine's answer -------------------------------------------------------------------------
def test_refused_answer_keeps_version_and_notes() -> None:
    request = EngineRequest(hf_overrides={"architectures": ["Nope"]})
    result = _resolve(V15, request)
    assert result.engine.version == "0.3.36"
    assert result.refusal == EngineRefusal("NotImplementedError", "Model Nope is not supported")
    assert result.config_class == RAW
    assert len(result.notes) == 1
    assert result.notes[0].startswith("overrides applied to config.json")
    assert result.notes[0].endswith("as if the file had been edited")


def test_a_class_without_table_defaults_under_4() -> None:
    # a model type with no class facts: to_dict() is the JSON's keys, nothing added
    config = {**LLAMA, "model_type": "somethingnew"}
    meta = llamacpp.convert(config, 4)
    assert meta["config_class"] == ConfigClassInfo("PretrainedConfig", "native")
    assert (meta["context_length"], meta["freq_base"], meta["theta_key"]) == (
        4096, 500000.0, "rope_theta"
    )  # fmt: skip
