"""Engine answers fixed against the engines' real code (the opt-in tests/test_engines_difftest.py
found each disagreement); here in the default suite, with no download. Every expected value is a
literal, with the real code it follows named in a comment (engine, version, file, function)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ntkcli.engines.base import EngineRequest, EngineResult
from ntkcli.engines.registry import ENGINES
from ntkcli.sources import load_local
from tests.conftest import NEOX_DYNAMIC, cli_json

LLAMA2: dict[str, Any] = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "num_hidden_layers": 32,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
}
NOMIC_V1: dict[str, Any] = {
    "architectures": ["NomicBertModel"],
    "model_type": "nomic_bert",
    "n_positions": 8192,
    "n_embd": 768,
    "n_head": 12,
    "n_layer": 12,
    "rotary_emb_base": 1000,
    "rotary_emb_fraction": 1.0,
    "rotary_emb_interleaved": False,
    "rotary_emb_scale_base": None,
    "causal": False,
    "prenorm": False,
    "qkv_proj_bias": False,
    "mlp_fc1_bias": False,
    "mlp_fc2_bias": False,
    "activation_function": "swiglu",
}


def resolve(tmp_path: Path, config: dict[str, Any], engine: str, **request: Any) -> EngineResult:
    (tmp_path / "config.json").write_text(json.dumps(config))
    implementation = ENGINES[engine]
    return implementation.resolve(
        load_local(str(tmp_path)), EngineRequest(**request), implementation.versions[0]
    )


# -- llama.cpp converter (llama-cpp-python 0.3.36, vendor/llama.cpp) ------------------------
@pytest.mark.parametrize("transformers", ["4", "5"])
@pytest.mark.parametrize(
    "architecture", ["InternLMForCausalLM", "NomicVisionModel", "NomicBertForPreTraining"]
)
def test_llamacpp_refuses_architectures_without_a_converter_class(
    tmp_path: Path, architecture: str, transformers: str
) -> None:
    # conversion/__init__.py get_model_class: NotImplementedError for a name outside
    # TEXT_MODEL_MAP; convert_hf_to_gguf.py main() catches it and logs
    # "Model {model_architecture} is not supported" (then exits 1).
    config = {**LLAMA2, "architectures": [architecture]}
    r = resolve(tmp_path, config, "llamacpp", transformers=transformers)
    assert r.refusal is not None
    assert (r.refusal.error, r.refusal.message) == (
        "NotImplementedError",
        f"Model {architecture} is not supported",
    )
    assert r.max_len is None


def test_llamacpp_refuses_a_config_without_architectures(tmp_path: Path) -> None:
    # conversion/base.py get_model_architecture: no architectures (and no ssm_cfg) is
    # ValueError("Failed to detect model architecture").
    config = {k: v for k, v in LLAMA2.items() if k != "architectures"}
    r = resolve(tmp_path, config, "llamacpp")
    assert r.refusal is not None
    assert (r.refusal.error, r.refusal.message) == (
        "ValueError",
        "Failed to detect model architecture",
    )


def test_llamacpp_text_config_architecture_wins(tmp_path: Path) -> None:
    # conversion/base.py get_model_architecture: text_config["architectures"][0] replaces the
    # top-level one for a text conversion.
    config = {
        **LLAMA2,
        "architectures": ["NoSuchForConditionalGeneration"],
        "text_config": {"architectures": ["LlamaForCausalLM"]},
    }
    r = resolve(tmp_path, config, "llamacpp", transformers="5")
    assert r.refusal is None
    assert r.extra["n_ctx_train"] == 4096


@pytest.mark.parametrize("transformers", ["4", "5"])
def test_llamacpp_nomic_without_max_trained_positions(tmp_path: Path, transformers: str) -> None:
    # conversion/bert.py NomicBertModel.__init__: hparams.get("max_trained_positions", 2048), so
    # n_positions 8192 without the key is the (8192, 2048) pair: n_positions -> 2048.
    r = resolve(tmp_path, NOMIC_V1, "llamacpp", transformers=transformers)
    assert r.refusal is None
    assert r.extra["n_ctx_train"] == 2048


def test_llamacpp_nomic_unrecognised_pair_message(tmp_path: Path) -> None:
    # conversion/bert.py NomicBertModel.__init__: ValueError(f"unrecognized parameters:
    # n_positions={npos}, max_trained_positions={mtp}").
    config = {**NOMIC_V1, "n_positions": 4096, "max_trained_positions": 2048}
    r = resolve(tmp_path, config, "llamacpp")
    assert r.refusal is not None
    assert (r.refusal.error, r.refusal.message) == (
        "ValueError",
        "unrecognized parameters: n_positions=4096, max_trained_positions=2048",
    )


def test_llamacpp_gpt_neox_writes_no_freq_base_under_transformers_4(tmp_path: Path) -> None:
    # conversion/gptneox.py GPTNeoXModel.set_gguf_parameters replaces TextModel's: context_length
    # = max_position_embeddings, no rope.freq_base and no rope scaling (the converter under
    # transformers 4.57.6 gives n_ctx_train 2048, freq_base None, scaling None).
    r = resolve(tmp_path, NEOX_DYNAMIC, "llamacpp", transformers="4")
    assert r.refusal is None
    assert (r.extra["n_ctx_train"], r.base, r.extra["gguf_scaling"]) == (2048, None, None)
    assert r.rope_class == "freq_base default, no scaling"


def test_llamacpp_gpt_neox_keyerror_under_transformers_5(tmp_path: Path) -> None:
    # conversion/gptneox.py GPTNeoXModel.set_gguf_parameters reads hparams["rotary_pct"];
    # transformers 5's GPTNeoXConfig.to_dict() has none (folded into rope_parameters).
    r = resolve(tmp_path, NEOX_DYNAMIC, "llamacpp", transformers="5")
    assert r.refusal is not None
    assert (r.refusal.error, r.refusal.message) == ("KeyError", "'rotary_pct'")


# -- SGLang 0.5.23 --------------------------------------------------------------------------
def test_sglang_partial_factor_is_a_config_attribute(tmp_path: Path) -> None:
    # models/llama.py LlamaAttention.__init__: rotary_dim = int(getattr(config,
    # "partial_rotary_factor", 1) * head_dim); transformers 5's
    # PreTrainedConfig.convert_rope_params_to_dict pops the key into rope_parameters, so a
    # LlamaConfig has no such attribute: rotary_dim = head_dim 128, cache (4352, 128) (the
    # startup reserve, utils/common.py reserve_rope_cache_for_long_sequences: align128(4096 + 256)).
    r = resolve(tmp_path, {**LLAMA2, "partial_rotary_factor": 0.5}, "sglang")
    assert r.refusal is None
    assert r.cache_shape == (4352, 128)


def test_sglang_phi3_keeps_the_partial_factor(tmp_path: Path) -> None:
    # transformers 5 models/phi3/configuration_phi3.py convert_rope_params_to_dict reads
    # partial_rotary_factor with kwargs.get: the attribute stays, so the Llama call site
    # (models/llama.py) gets rotary_dim int(0.75 * 96) = 72.
    config = {
        "architectures": ["Phi3ForCausalLM"],
        "model_type": "phi3",
        "hidden_size": 3072,
        "num_attention_heads": 32,
        "max_position_embeddings": 4096,
        "original_max_position_embeddings": 4096,
        "partial_rotary_factor": 0.75,
        "rope_theta": 10000.0,
    }
    r = resolve(tmp_path, config, "sglang")
    assert r.refusal is None
    assert r.cache_shape == (4352, 72)  # align128(4096 + 256) rows


def test_sglang_mrope_section_builds_mrotary_embedding(tmp_path: Path) -> None:
    # layers/rotary_embedding/factory.py get_rope, the "default" branch: "mrope_section" in the
    # rope dict -> MRotaryEmbedding (BailingMRotaryEmbedding when video_rope).
    config = {**LLAMA2, "rope_parameters": {"rope_type": "default", "mrope_section": [16, 24, 24]}}
    r = resolve(tmp_path, config, "sglang")
    assert (r.rope_class, r.cache_shape) == ("MRotaryEmbedding", (4352, 128))
    video = {"rope_type": "default", "mrope_section": [16, 24, 24], "video_rope": True}
    r = resolve(tmp_path, {**LLAMA2, "rope_parameters": video}, "sglang")
    assert r.rope_class == "BailingMRotaryEmbedding"


def test_sglang_yarn_with_mrope_section(tmp_path: Path) -> None:
    # layers/rotary_embedding/factory.py get_rope, the "yarn" branch: "mrope_section" ->
    # YaRNScalingMRotaryEmbedding.
    rope = {
        "rope_type": "yarn",
        "factor": 4.0,
        "original_max_position_embeddings": 4096,
        "mrope_section": [16, 24, 24],
    }
    r = resolve(tmp_path, {**LLAMA2, "rope_parameters": rope}, "sglang")
    assert r.rope_class == "YaRNScalingMRotaryEmbedding"


def test_sglang_context_length_too_large_message(tmp_path: Path) -> None:
    # configs/model_config.py ModelConfig._derive_context_length: the ValueError text, verbatim.
    r = resolve(tmp_path, LLAMA2, "sglang", max_model_len=16384)
    assert r.refusal is not None
    assert (r.refusal.error, r.refusal.message) == (
        "ValueError",
        "Warning: User-specified context_length (16384) is greater than the derived "
        "context_length (4096). This may lead to incorrect model outputs or CUDA errors. Note "
        "that the derived context_length may differ from max_position_embeddings in the model's "
        "config. To allow overriding this maximum, set the env var "
        "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1",
    )


def test_sglang_context_length_message_through_the_cli(tmp_path: Path) -> None:
    # the same ModelConfig._derive_context_length message in the JSON refusal
    (tmp_path / "config.json").write_text(json.dumps(LLAMA2))
    data = cli_json("inspect", str(tmp_path), "--engine", "sglang", "--max-model-len", "16384")
    message = data["refusal"]["message"]
    assert message.startswith("Warning: User-specified context_length (16384)")
    assert "Note that the derived context_length may differ" in message


# -- the transformers reference -------------------------------------------------------------
def test_reference_survives_an_infinite_rotary_dim(tmp_path: Path) -> None:
    # head_dim 128 · partial_rotary_factor 1e308 is inf: no rotary dim (int(inf) raises
    # OverflowError), and plot still answers instead of an internal error.
    from tests.conftest import cli

    (tmp_path / "config.json").write_text(json.dumps({**LLAMA2, "partial_rotary_factor": 1e308}))
    run = cli("plot", str(tmp_path))
    assert run.exit_code == 0, run.stderr
