"""What the model code hands to get_rope, per architecture (SPEC-loading §4.4' per-architecture
table), for the branches that other tests left unchecked (issue 14). Expected values are written
out from that table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_json
from conftest import write_model as write

DEEPSEEK: dict[str, Any] = {
    "model_type": "deepseek_v3",
    "architectures": ["DeepseekV3ForCausalLM"],
    "hidden_size": 7168,
    "num_attention_heads": 128,
    "qk_rope_head_dim": 64,
    "max_position_embeddings": 163840,
    "rope_scaling": {
        "type": "yarn",
        "factor": 40,
        "original_max_position_embeddings": 4096,
        "mscale": 1.0,
        "mscale_all_dim": 1.0,
    },
}
GEMMA3: dict[str, Any] = {
    "model_type": "gemma3_text",
    "architectures": ["Gemma3ForCausalLM"],
    "hidden_size": 2560,
    "num_attention_heads": 8,
    "head_dim": 256,
    "max_position_embeddings": 131072,
    "rope_theta": 1000000.0,
    "rope_local_base_freq": 20000.0,
    "rope_scaling": {"rope_type": "linear", "factor": 8.0},
}


def inspect(model: str, *args: str) -> Any:
    return cli_json("inspect", model, "--format", "json", *args)


def code(d: dict[str, Any]) -> tuple[Any, ...]:
    mc = d["model_code"]
    return (mc["module"], mc["head_size"], mc["max_position"], mc["is_neox_style"])


def _deepseek(tmp_path: Path, vllm: str, **scaling: Any) -> Any:
    cfg = {**DEEPSEEK, "rope_scaling": {**DEEPSEEK["rope_scaling"], **scaling}}
    return inspect(write(tmp_path, cfg), "--vllm", vllm)


@pytest.mark.parametrize("vllm", ["0.21.0", "0.33.0"])
def test_deepseek_mla_geometry_and_default_rewrite(tmp_path: Path, vllm: str) -> None:
    # SPEC-loading §4.4' DeepseekV3: head = qk_rope_head_dim 64, L = mpe 163840, neox False; a
    # non-default type becomes deepseek_yarn (0.33: attention_factor ≠ 1.0; 0.21: apply_yarn_
    # scaling not False).
    d = _deepseek(tmp_path, vllm)
    assert code(d) == ("deepseek_v2.py", 64, 163840, False)
    assert (d["rope_type"], d["rope_class"]) == ("deepseek_yarn", "DeepseekScalingRotaryEmbedding")
    assert "DeepSeek model code rewrites rope_type 'yarn' to 'deepseek_yarn'" in [
        n["message"] for n in d["notes"]
    ]
    # SPEC-loading §6' DeepSeek-V3 row: mscale 1.0; rows L₀·α = 4096·40 = 163840.
    assert d["cache_shape"] == [163840, 64]


def test_deepseek_033_attention_factor_1_is_llama_scaling(tmp_path: Path) -> None:
    # SPEC-loading §4.4': 0.33 gives deepseek_llama_scaling if attention_factor == 1.0.
    d = _deepseek(tmp_path, "0.33.0", attention_factor=1.0)
    assert d["rope_type"] == "deepseek_llama_scaling"
    # 0.21 ignores attention_factor for the rewrite.
    d = _deepseek(tmp_path, "0.21.0", attention_factor=1.0)
    assert d["rope_type"] == "deepseek_yarn"


def test_deepseek_021_apply_yarn_scaling_false_keeps_the_type(tmp_path: Path) -> None:
    # SPEC-loading §4.4': 0.21/0.22 give deepseek_yarn unless apply_yarn_scaling is False.
    d = _deepseek(tmp_path, "0.21.0", apply_yarn_scaling=False)
    assert (d["rope_type"], d["rope_class"]) == ("yarn", "YaRNScalingRotaryEmbedding")
    assert not [n for n in d["notes"] if "rewrites" in n["message"]]  # no rewrite, no note
    # 0.33 does not read apply_yarn_scaling.
    d = _deepseek(tmp_path, "0.33.0", apply_yarn_scaling=False)
    assert d["rope_type"] == "deepseek_yarn"


def test_deepseek_default_type_is_not_rewritten(tmp_path: Path) -> None:
    # SPEC-loading §4.4': only a non-default rope_type is rewritten.
    cfg = {**DEEPSEEK}
    del cfg["rope_scaling"]
    d = inspect(write(tmp_path, cfg), "--vllm", "0.33.0")
    assert (d["rope_type"], d["rope_class"]) == ("default", "RotaryEmbedding")
    assert code(d) == ("deepseek_v2.py", 64, 163840, False)


def _layers(d: dict[str, Any]) -> dict[str, tuple[Any, Any, Any]]:
    return {
        k: (v["rope_type"], v["base"], v["cache_shape"]) for k, v in d["layer_rotaries"].items()
    }


@pytest.mark.parametrize("vllm", ["0.21.0", "0.22.0"])
def test_gemma3_old_code_gives_the_sliding_layers_rope_local_base_freq(
    tmp_path: Path, vllm: str
) -> None:
    # SPEC-loading §4.4' Gemma3, 0.21/0.22 with a dict not keyed by layer type (transformers 4):
    # global layers get the whole dict (linear 8: 131072·8 rows), sliding layers
    # {default, rope_local_base_freq}.
    d = inspect(write(tmp_path, GEMMA3), "--vllm", vllm, "--transformers", "4")
    assert code(d) == ("gemma3.py", 256, 131072, True)
    assert _layers(d) == {
        "full_attention": ("linear", 1000000.0, [1048576, 256]),
        "sliding_attention": ("default", 20000.0, [131072, 256]),
    }


def test_gemma3_033_indexes_the_layer_type(tmp_path: Path) -> None:
    # SPEC-loading §4.4' Gemma3, 0.33: rope_parameters[layer_type], a direct index: a flat dict
    # override (not keyed by layer type) raises KeyError 'full_attention'.
    flat = {"rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0}}
    model = write(tmp_path, GEMMA3)
    d = inspect(model, "--vllm", "0.33.0", "--hf-overrides", json.dumps(flat))
    assert (d["refusal"]["error"], d["refusal"]["message"]) == ("KeyError", "'full_attention'")
    # 0.22 takes the same flat dict whole for the global layers.
    d = inspect(model, "--vllm", "0.22.0", "--hf-overrides", json.dumps(flat))
    assert d["refusal"] is None
    assert _layers(d) == {
        "full_attention": ("default", 1000000.0, [131072, 256]),
        "sliding_attention": ("default", 20000.0, [131072, 256]),
    }


def test_qwen1_is_served_until_0_23_only() -> None:
    # SPEC-loading §4.4' QWenLMHeadModel: hidden//heads = 4096/32 = 128, L = mpe 32768; last
    # served in 0.23.0, 0.33 raises ValueError.
    d = inspect("Qwen/Qwen-7B", "--trust-remote-code", "--vllm", "0.21.0")
    assert code(d) == ("qwen.py", 128, 32768, True)
    assert d["cache_shape"] == [32768, 128]
    d = inspect("Qwen/Qwen-7B", "--trust-remote-code", "--vllm", "0.33.0")
    assert d["refusal"]["error"] == "ValueError"
    assert d["refusal"]["message"].startswith(
        "Model architecture QWenLMHeadModel was supported in vLLM until v0.23.0"
    )
