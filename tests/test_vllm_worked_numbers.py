"""SPEC-loading §6' worked numbers per vLLM version, through the public CLI (inspect --format json).

Every expected value is written out from the spec table; each test names its row. Configs are
written to tmp_path; "Llama-2 shape" = θ 1e4, hidden 4096 / 32 heads (head 128), mpe 4096.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import LLAMA2, cli, cli_json
from conftest import write_model as write

VERSIONS = ("0.21.0", "0.22.0", "0.33.0")
V1 = "nomic-ai/nomic-embed-text-v1"


def inspect(model: str, *args: str) -> Any:
    return cli_json("inspect", model, *args)


def overrides(value: dict[str, Any]) -> tuple[str, str]:
    return ("--hf-overrides", json.dumps(value))


@pytest.mark.parametrize("vllm", VERSIONS)
def test_ntk_alpha_2(tmp_path: Path, vllm: str) -> None:
    # §6' "Llama-2 shape + dict ntk α 2": effective base 20000.0, inv₀ 0.98923, inv₁ 0.84741,
    # cache 4096×128, max_model_len 8192 (ntk is multiplied in the factor loop, §4.1.4).
    model = write(tmp_path, LLAMA2)
    ntk = {"rope_parameters": {"rope_type": "ntk", "factor": 2.0, "rope_theta": 10000.0}}
    d = inspect(model, "--vllm", vllm, *overrides(ntk))
    assert d["rope_class"] == "NTKScalingRotaryEmbedding"
    assert d["effective_base"] == 20000.0
    assert d["inv_freq_head"][0] == pytest.approx(0.98923, abs=5e-6)
    assert d["inv_freq_head"][1] == pytest.approx(0.84741, abs=5e-6)
    assert (d["cache_shape"], d["max_model_len"]) == ([4096, 128], 8192)


def test_ntk_mixed_b(tmp_path: Path) -> None:
    # §6' "same + ntk α 2, mixed_b 0.5": effective base 10000.0, 4096×128.
    model = write(tmp_path, LLAMA2)
    ntk = {"rope_parameters": {"rope_type": "ntk", "factor": 2.0, "mixed_b": 0.5}}
    for vllm in VERSIONS:
        d = inspect(model, "--vllm", vllm, *overrides(ntk))
        assert (d["effective_base"], d["cache_shape"]) == (10000.0, [4096, 128])


def test_dynamic_alpha_dict_override(tmp_path: Path) -> None:
    # §6' "same + dict dynamic alpha 4": DynamicNTKAlpha θ' 40889.94243248622, 4096×128,
    # max_model_len 4096 (no factor → 1.0).
    model = write(tmp_path, LLAMA2)
    alpha = {"rope_parameters": {"rope_type": "dynamic", "alpha": 4, "rope_theta": 10000.0}}
    for vllm in VERSIONS:
        d = inspect(model, "--vllm", vllm, *overrides(alpha))
        assert d["rope_class"] == "DynamicNTKAlphaRotaryEmbedding"
        assert d["scaled_base"] == 40889.94243248622
        assert (d["cache_shape"], d["max_model_len"]) == ([4096, 128], 4096)


def test_dynamic_alpha_in_config_json_is_a_load_keyerror(tmp_path: Path) -> None:
    # §6' "alpha 4 in config.json (no factor)": KeyError at load (SPEC §3.5.2, E2).
    model = write(tmp_path, {**LLAMA2, "rope_scaling": {"rope_type": "dynamic", "alpha": 4}})
    d = inspect(model)
    assert (d["refusal"]["error"], d["refusal"]["stage"]) == ("KeyError", "load")
    assert "'rope_type'='dynamic': {'factor'}" in d["refusal"]["message"]
    assert d["max_model_len"] is None


def test_nomic_v1_alpha_4(tmp_path: Path) -> None:
    # §6' "Nomic v1 shape + dict alpha 4 (d 64)": θ' 4182.936592889949 = 1000·4^(64/62),
    # rows = max_position (new: the final max_model_len 8192).
    alpha = {"rope_parameters": {"rope_type": "dynamic", "alpha": 4, "rope_theta": 1000}}
    d = inspect(V1, "--bundled", "--trust-remote-code", *overrides(alpha))
    assert d["scaled_base"] == 4182.936592889949
    assert d["cache_shape"] == [d["max_position"], 64] == [8192, 64]


def test_nomic_v1_ntk_with_st_file() -> None:
    # §6' "Nomic v1 shape + dict ntk α 2, ST 8192": 0.21 refused (limit 4096); 0.22 and 0.33
    # NTKScaling, effective base 2000.0, 8192×64.
    ntk = {"rope_parameters": {"rope_type": "ntk", "factor": 2.0, "rope_theta": 1000}}
    old = inspect(V1, "--bundled", "--trust-remote-code", "--vllm", "0.21.0", *overrides(ntk))
    assert old["max_model_len"] is None
    assert "max_position_embeddings=4096.0" in old["refusal"]["message"]
    for vllm in ("0.22.0", "0.33.0"):
        d = inspect(V1, "--bundled", "--trust-remote-code", "--vllm", vllm, *overrides(ntk))
        assert (d["rope_class"], d["effective_base"]) == ("NTKScalingRotaryEmbedding", 2000.0)
        assert d["cache_shape"] == [8192, 64]


def test_linear_4(tmp_path: Path) -> None:
    # §6' "Llama-2 + config linear 4": 16384×128, max_model_len 16384.
    model = write(tmp_path, {**LLAMA2, "rope_scaling": {"rope_type": "linear", "factor": 4.0}})
    for vllm in VERSIONS:
        d = inspect(model, "--vllm", vllm)
        assert d["rope_class"] == "LinearScalingRotaryEmbedding"
        assert (d["cache_shape"], d["max_model_len"]) == ([16384, 128], 16384)


def test_yarn_4_without_original_length(tmp_path: Path) -> None:
    # §6' "Llama-2 + config yarn 4, no L₀": L₀ := 4096 (R-S3); max_model_len 16384 on 0.21/0.22,
    # 4096 on 0.33 (the yarn rule of §4.1.5); YaRN cache 16384×128 and mscale
    # 1.138629436111989 = 0.1·ln 4 + 1 in every version.
    model = write(tmp_path, {**LLAMA2, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}})
    for vllm, served in (("0.21.0", 16384), ("0.22.0", 16384), ("0.33.0", 4096)):
        d = inspect(model, "--vllm", vllm)
        assert d["rope_class"] == "YaRNScalingRotaryEmbedding"
        assert d["max_model_len"] == served
        assert d["cache_shape"] == [16384, 128]
        assert d["mscale"] == 1.138629436111989


def test_llama_without_max_position_embeddings(tmp_path: Path) -> None:
    # §6' "Llama-2, no max_position_embeddings in JSON": derived 2048 (class default), 2048×128.
    config = {k: v for k, v in LLAMA2.items() if k != "max_position_embeddings"}
    d = inspect(write(tmp_path, config))
    assert (d["derived"]["final"], d["max_model_len"], d["cache_shape"]) == (
        2048.0,
        2048,
        [2048, 128],
    )


def test_flat_rope_theta_override_has_no_effect(tmp_path: Path) -> None:
    # §6' "Llama-2 + flat rope_theta 123456": θ stays 10000.0 (R-S4, transformers 5).
    model = write(tmp_path, LLAMA2)
    for vllm in VERSIONS:
        d = inspect(model, "--vllm", vllm, *overrides({"rope_theta": 123456}))
        assert d["base"] == 10000.0


def test_flat_rope_theta_override_under_transformers_4(tmp_path: Path) -> None:
    # SPEC-loading R-T4 (vLLM ≤ 0.23 on transformers 4): θ is written INTO the dict.
    model = write(tmp_path, LLAMA2)
    d = inspect(
        model, "--vllm", "0.22.0", "--transformers", "4", *overrides({"rope_theta": 123456})
    )
    assert (d["base"], d["transformers"]) == (123456.0, "4")


def test_per_layer_nested_dict_on_llama(tmp_path: Path) -> None:
    # §6' "Llama-2 + per-layer nested dict": max_model_len 4096 (flat: rope_type default added),
    # then get_rope TypeError unhashable dict (G1).
    layers = {
        "full_attention": {"rope_type": "default", "rope_theta": 10000.0},
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
    }
    config = {
        **LLAMA2,
        "layer_types": ["full_attention", "sliding_attention"],
        "rope_parameters": layers,
    }
    d = inspect(write(tmp_path, config))
    assert d["derived"]["final"] == 4096.0
    assert (d["refusal"]["error"], d["refusal"]["message"]) == (
        "TypeError",
        "unhashable type: 'dict'",
    )
    assert d["refusal"]["stage"] == "get_rope"
    assert d["max_model_len"] is None


def test_linear_null_factor(tmp_path: Path) -> None:
    # §6' "Llama-2 + config linear, factor null": derived 4096 (null → 1.0), then get_rope
    # TypeError 'NoneType' object is not iterable.
    model = write(tmp_path, {**LLAMA2, "rope_scaling": {"rope_type": "linear", "factor": None}})
    for vllm in VERSIONS:
        d = inspect(model, "--vllm", vllm)
        assert d["derived"]["final"] == 4096.0
        assert d["refusal"]["message"] == "'NoneType' object is not iterable"
        assert d["refusal"]["error"] == "TypeError"


@pytest.mark.parametrize(
    ("vllm", "operands"),
    [("0.21.0", "'int' and 'NoneType'"), ("0.33.0", "'NoneType' and 'int'")],
)
def test_dynamic_null_factor_operand_order(tmp_path: Path, vllm: str, operands: str) -> None:
    # SPEC §4.4.7: the dynamic class's TypeError names the operands in the version's order.
    model = write(tmp_path, {**LLAMA2, "rope_scaling": {"rope_type": "dynamic", "factor": None}})
    d = inspect(model, "--vllm", vllm)
    assert d["refusal"]["message"] == f"unsupported operand type(s) for *: {operands}"


def test_qwen2_ignores_head_dim(tmp_path: Path) -> None:
    # §6' "Qwen2 (hidden 3584, 28 heads, JSON head_dim 64)": head 128, d 128, θ 1e6.
    config = {
        "model_type": "qwen2",
        "architectures": ["Qwen2ForCausalLM"],
        "hidden_size": 3584,
        "num_attention_heads": 28,
        "head_dim": 64,
        "rope_theta": 1000000.0,
    }
    d = inspect(write(tmp_path, config))
    assert (d["head_size"], d["rotary_dim"], d["base"]) == (128, 128, 1000000.0)


def test_qwen2_theta_defaults(tmp_path: Path) -> None:
    # §6' "Qwen2, no rope_theta": θ 10000.0 (default_theta); "Qwen2 + dict {rope_type: default}":
    # θ 1000000.0 (the model code's set_default_rope_theta).
    config = {"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"]}
    model = write(tmp_path, config)
    assert inspect(model)["base"] == 10000.0
    d = inspect(model, *overrides({"rope_parameters": {"rope_type": "default"}}))
    assert d["base"] == 1000000.0
    assert d["model_code"]["rope_theta_filled"] == 1000000.0


def test_mistral_class_default_length(tmp_path: Path) -> None:
    # §6' "Mistral, no max_position_embeddings": derived 131072 (class default).
    config = {"model_type": "mistral", "architectures": ["MistralForCausalLM"]}
    assert inspect(write(tmp_path, config))["derived"]["final"] == 131072.0


PHI3 = {
    "model_type": "phi3",
    "architectures": ["Phi3ForCausalLM"],
    "hidden_size": 3072,
    "num_attention_heads": 32,
    "max_position_embeddings": 131072,
    "original_max_position_embeddings": 4096,
    "rope_theta": 10000.0,
    "rope_scaling": {"type": "longrope", "short_factor": [1.0] * 48, "long_factor": [2.0] * 48},
}


def test_phi3_128k_longrope(tmp_path: Path) -> None:
    # §6' "Phi-3-128k, longrope, max_model_len 8192": cache 135168×96 (L₀ 4096 + L 131072),
    # mscale 1.1902380714238083. SPEC §4.2.1: with no --max-model-len the default is the
    # config attribute original_max_position_embeddings 4096, not 131072.
    model = write(tmp_path, PHI3)
    for vllm in VERSIONS:
        d = inspect(model, "--vllm", vllm, "--max-model-len", "8192")
        assert d["rope_class"] == "Phi3LongRoPEScaledRotaryEmbedding"
        assert d["cache_shape"] == [135168, 96]
        assert d["mscale"] == 1.1902380714238083
        assert d["max_model_len"] == 8192
    assert inspect(model)["max_model_len"] == 4096


def test_phi3_top_level_original_length_wins(tmp_path: Path) -> None:
    # §6' "Phi-3, top-level L₀ 8192, inner 4096": cache 139264×96.
    scaling = {**PHI3["rope_scaling"], "original_max_position_embeddings": 4096}  # type: ignore[dict-item]
    config = {**PHI3, "original_max_position_embeddings": 8192, "rope_scaling": scaling}
    d = inspect(write(tmp_path, config), "--max-model-len", "8192")
    assert d["cache_shape"] == [139264, 96]


def test_phi3_legacy_yarn_conflict(tmp_path: Path) -> None:
    # §6' "Phi-3 with legacy type: yarn": ValueError conflict longrope vs yarn (R-S5).
    # A Phi-3 config whose legacy type says yarn (short/long factors kept, so validation passes).
    scaling = {**PHI3["rope_scaling"], "type": "yarn"}  # type: ignore[dict-item]
    d = inspect(write(tmp_path, {**PHI3, "rope_scaling": scaling}))
    assert d["refusal"]["error"] == "ValueError"
    assert d["refusal"]["message"].startswith(
        "Found conflicts between 'rope_type=longrope' (modern field) and 'type=yarn'"
    )


def test_gemma3_linear_8(tmp_path: Path) -> None:
    # §6' "Gemma3 (legacy linear 8), --max-model-len 131073": refused with the int
    # max_position_embeddings=131072 (no factor step for gemma3); full 1048576×256, sliding
    # 131072×256.
    config = {
        "model_type": "gemma3_text",
        "architectures": ["Gemma3ForCausalLM"],
        "rope_scaling": {"rope_type": "linear", "factor": 8.0},
    }
    d = inspect(write(tmp_path, config), "--max-model-len", "131073")
    assert d["max_model_len"] is None
    assert "(max_position_embeddings=131072 or model_max_length=None" in d["refusal"]["message"]
    layers = d["layer_rotaries"]
    assert layers["full_attention"]["cache_shape"] == [1048576, 256]
    assert layers["sliding_attention"]["cache_shape"] == [131072, 256]


def test_gpt_neox_partial_default_and_transformers_backend(tmp_path: Path) -> None:
    # §6' "GPT-NeoX, no rotary_pct": partial 0.25: head 256, d 64, 2048×64 on 0.21/0.22;
    # 0.33: Transformers backend, no get_rope.
    config = {
        "model_type": "gpt_neox",
        "architectures": ["GPTNeoXForCausalLM"],
        "hidden_size": 4096,
        "num_attention_heads": 16,
        "max_position_embeddings": 2048,
    }
    model = write(tmp_path, config)
    for vllm in ("0.21.0", "0.22.0"):
        d = inspect(model, "--vllm", vllm)
        assert (d["head_size"], d["rotary_dim"], d["cache_shape"]) == (256, 64, [2048, 64])
    new = inspect(model)
    assert new["rope_class"] is None and new["cache_shape"] is None
    assert new["served_by_transformers_backend"] is True
    assert new["model_code"]["note"] == (
        "served by transformers' own RoPE; vLLM get_rope formulas do not apply"
    )


def test_phi2_partial_default(tmp_path: Path) -> None:
    # §6' "Phi-2, no partial_rotary_factor": partial 0.5: head 80, d 40; 0.33 backend.
    config = {
        "model_type": "phi",
        "architectures": ["PhiForCausalLM"],
        "hidden_size": 2560,
        "num_attention_heads": 32,
    }
    model = write(tmp_path, config)
    d = inspect(model, "--vllm", "0.22.0")
    assert (d["head_size"], d["rotary_dim"]) == (80, 40)
    assert inspect(model)["served_by_transformers_backend"] is True


def test_nomic_st_max_seq_length_only(tmp_path: Path) -> None:
    # §6' "Nomic v1 shape, ST {max_seq_length: 4096} only": 2048 on 0.21 (ST ignored, Nomic
    # clamp), 8192 on 0.22 (ST ignored), 4096 on 0.33.
    v1 = json.loads(
        (
            Path(__file__).resolve().parents[1]
            / "ntkcli"
            / "snapshots"
            / "nomic-ai__nomic-embed-text-v1"
            / "config.json"
        ).read_text()
    )
    model = write(tmp_path, v1, {"max_seq_length": 4096})
    for vllm, served in (("0.21.0", 2048), ("0.22.0", 8192), ("0.33.0", 4096)):
        assert inspect(model, "--trust-remote-code", "--vllm", vllm)["max_model_len"] == served


def test_deepseek_v3_mla(tmp_path: Path) -> None:
    # §6' "DeepSeek-V3 MLA rope (head 64, L 163840, deepseek_yarn α 40, L₀ 4096, mscale =
    # mscale_all_dim = 1)": DeepseekScaling, 163840×64, mscale 1.0 (0.21 and 0.33).
    config = {
        "model_type": "deepseek_v3",
        "architectures": ["DeepseekV3ForCausalLM"],
        "max_position_embeddings": 163840,
        "qk_rope_head_dim": 64,
        "rope_scaling": {
            "type": "yarn",
            "factor": 40,
            "original_max_position_embeddings": 4096,
            "mscale": 1.0,
            "mscale_all_dim": 1.0,
            "beta_fast": 32,
            "beta_slow": 1,
        },
    }
    model = write(tmp_path, config)
    for vllm in ("0.21.0", "0.33.0"):
        d = inspect(model, "--vllm", vllm)
        assert d["rope_class"] == "DeepseekScalingRotaryEmbedding"
        assert (d["cache_shape"], d["mscale"]) == ([163840, 64], 1.0)
        assert d["is_neox_style"] is False


def test_llama31_llama3(tmp_path: Path) -> None:
    # §6' "Llama-3.1 llama3 (α 8, L₀ 8192, mpe 131072)": 131072×128, θ 500000.
    config = {
        **LLAMA2,
        "max_position_embeddings": 131072,
        "rope_theta": 500000.0,
        "rope_scaling": {
            "rope_type": "llama3",
            "factor": 8.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192,
        },
    }
    model = write(tmp_path, config)
    for vllm in ("0.21.0", "0.33.0"):
        d = inspect(model, "--vllm", vllm)
        assert d["rope_class"] == "Llama3RotaryEmbedding"
        assert (d["cache_shape"], d["base"]) == ([131072, 128], 500000.0)
        assert d["max_model_len"] == 131072  # llama3 is excluded from the factor loop


def test_spec_6_llama_style_old_and_new(tmp_path: Path) -> None:
    # SPEC §6 "Llama-style: θ 10000, head 128, α 2, mpe 4096": old θ' 30527.7367488067,
    # 8192×128, max_model_len 8192; new θ' 10000.0, 4096×128, max_model_len still 8192.
    model = write(tmp_path, {**LLAMA2, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}})
    old = inspect(model, "--vllm", "old")
    assert (old["scaled_base"], old["cache_shape"], old["max_model_len"]) == (
        30527.7367488067,
        [8192, 128],
        8192,
    )
    new = inspect(model, "--vllm", "new")
    assert (new["scaled_base"], new["cache_shape"], new["max_model_len"]) == (
        10000.0,
        [4096, 128],
        8192,
    )


def test_unknown_release_is_a_usage_error(tmp_path: Path) -> None:
    # SPEC §8: releases are data; unknown ones are named, exit 2.
    model = write(tmp_path, LLAMA2)
    for bad in ("0.99", "0.1", "banana"):
        run = cli("inspect", model, "--vllm", bad)
        assert run.exit_code == 2
        assert "0.21.0" in run.stderr and "0.33.0" in run.stderr


def test_release_labels(tmp_path: Path) -> None:
    model = write(tmp_path, LLAMA2)
    assert inspect(model)["vllm"] == "0.33.0"
    assert inspect(model, "--vllm", "old")["vllm"] == "0.21.0"
    patch = inspect(model, "--vllm", "0.22.1")
    assert (patch["vllm"], patch["vllm_line"]) == ("0.22.0", "new")
    assert any(
        "0.22.1 is modelled with the rules of 0.22.0" in n["message"] for n in patch["notes"]
    )
    unchecked = inspect(model, "--vllm", "0.26.0")
    assert unchecked["vllm_checked"] is False


def test_transformers_4_only_up_to_0_23(tmp_path: Path) -> None:
    # SPEC-loading §2'.2: 0.24.0 and later require transformers 5.
    model = write(tmp_path, LLAMA2)
    assert cli("inspect", model, "--vllm", "0.24.0", "--transformers", "4").exit_code == 2
    assert inspect(model, "--vllm", "0.23.0", "--transformers", "4")["transformers"] == "4"
