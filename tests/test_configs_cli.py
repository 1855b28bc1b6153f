"""Class facts from the config layer's tables, through the public CLI.

Expected values are written out from SPEC-loading §2'.3 and §2'.6 (E3) and from the real
AutoConfig of transformers 5.20.2/5.24.0 (tests/test_configs_tables.py compares the emulation
with it for the same shapes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import cli_json

LLAMA2: dict[str, Any] = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "max_position_embeddings": 4096,
}


def write(tmp_path: Path, config: dict[str, Any]) -> str:
    model = tmp_path / "model"
    model.mkdir(exist_ok=True)
    (model / "config.json").write_text(json.dumps(config))
    return str(model)


def test_gpt_neox_theta_and_partial_sources(tmp_path: Path) -> None:
    # SPEC-loading §2'.3: GPTNeoXConfig takes θ from rotary_emb_base and the partial factor from
    # rotary_pct (GPTNeoXConfig.convert_rope_params_to_dict); a top-level rope_theta and a
    # partial_rotary_factor are not read. Head 6144 / 64 = 96 (class defaults).
    config = {
        "model_type": "gpt_neox",
        "architectures": ["GPTNeoXForCausalLM"],
        "rotary_emb_base": 50000,
        "rope_theta": 30000,
        "rotary_pct": 0.5,
        "partial_rotary_factor": 0.75,
    }
    d = cli_json("inspect", write(tmp_path, config), "--vllm", "0.22")
    assert d["config_class"]["name"] == "GPTNeoXConfig"
    assert d["rope_parameters"] == {
        "rope_theta": 50000,
        "partial_rotary_factor": 0.5,
        "rope_type": "default",
    }
    assert (d["model_code"]["head_size"], d["max_model_len"]) == (96, 2048)


def test_odd_head_dim_is_refused_at_load(tmp_path: Path) -> None:
    # SPEC-loading §2'.6 E3: validate_rope refuses a fully rotated odd head_dim above 4; the
    # strict dataclass wraps the ValueError (measured with transformers 5.24.0).
    d = cli_json("inspect", write(tmp_path, {**LLAMA2, "head_dim": 7}))
    assert d["max_model_len"] is None
    assert d["refusal"]["error"] == "StrictDataclassClassValidationError"
    assert "even rotary dimension, but got `head_dim`=7" in d["refusal"]["message"]


def test_zero_heads_is_refused_at_load(tmp_path: Path) -> None:
    # LlamaConfig computes head_dim = hidden_size // num_attention_heads at load.
    d = cli_json("inspect", write(tmp_path, {**LLAMA2, "num_attention_heads": 0}))
    assert d["max_model_len"] is None
    assert d["refusal"]["error"] == "ZeroDivisionError"


def test_deepseek_head_dim_follows_qk_rope_head_dim(tmp_path: Path) -> None:
    # DeepseekV3Config sets head_dim = qk_rope_head_dim (measured: 32 for qk_rope_head_dim 32).
    config = {"model_type": "deepseek_v3", "architectures": ["DeepseekV3ForCausalLM"]}
    d = cli_json("inspect", write(tmp_path, {**config, "qk_rope_head_dim": 32}))
    assert d["config_class"]["name"] == "DeepseekV3Config"
    assert d["model_code"]["head_size"] == 32
