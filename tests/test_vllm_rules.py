"""SPEC §4 rules and §8 version boundaries through the public CLI, plus absurd numbers (never an
internal error, never invalid JSON). Expected values are written out from the spec section cited.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import LLAMA2, NOMIC_NATIVE, cli, cli_json
from conftest import write_model as write


def inspect(model: str, *args: str) -> Any:
    return cli_json("inspect", model, *args)


def test_model_max_length_zero_is_served(tmp_path: Path) -> None:
    # SPEC §4.1.2: model_max_length 0 is present but falsy → the minimum is 0, served as is.
    d = inspect(write(tmp_path, {**LLAMA2, "model_max_length": 0}))
    assert (d["derived"]["key"], d["max_model_len"], d["refusal"]) == ("model_max_length", 0, None)


def test_truthy_model_max_length_wins(tmp_path: Path) -> None:
    # SPEC §4.1.2: a truthy model_max_length wins outright, even above the minimum (4096 · 1.0).
    d = inspect(write(tmp_path, {**LLAMA2, "model_max_length": 8192}))
    assert (d["derived"]["key"], d["max_model_len"]) == ("model_max_length", 8192)


@pytest.mark.parametrize(("vllm", "served"), [("0.31.0", 4096), ("0.32.0", 2048)])
def test_st_rule_boundary(tmp_path: Path, vllm: str, served: int) -> None:
    # SPEC §4.1.6 / §8: up to 0.31.x the ST file needs do_lower_case too; from 0.32.0
    # max_seq_length alone replaces the derived length (4096 → 2048).
    model = write(tmp_path, LLAMA2, {"max_seq_length": 2048})
    assert inspect(model, "--vllm", vllm)["max_model_len"] == served


@pytest.mark.parametrize(("vllm", "served"), [("0.29.0", 32768), ("0.30.0", 4096)])
def test_yarn_rule_boundary(tmp_path: Path, vllm: str, served: int) -> None:
    # SPEC §4.1.5 / §8: up to 0.29.x the derived length is replaced by L₀ 8192, then × 4;
    # from 0.30.0 yarn is excluded: the plain 4096.
    scaling = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 8192}
    model = write(tmp_path, {**LLAMA2, "rope_scaling": scaling})
    d = inspect(model, "--vllm", vllm)
    assert d["max_model_len"] == served
    assert d["cache_shape"] == [32768, 128]  # L₀·α in every version (§4.4.9)


def test_refusal_message_int_without_rope_dict(tmp_path: Path) -> None:
    # SPEC §4.2.2: no rope dict (BERT) → the factor step is skipped → an int in the message.
    config = {
        "model_type": "bert",
        "architectures": ["BertModel"],
        "max_position_embeddings": 512,
    }
    d = inspect(write(tmp_path, config), "--max-model-len", "1024")
    assert "(max_position_embeddings=512 or model_max_length=None" in d["refusal"]["message"]
    assert d["rope_class"] is None and d["model_code"]["note"] == "no RoPE: absolute positions"


def test_dict_override_with_type_only_is_a_keyerror(tmp_path: Path) -> None:
    # SPEC §3.1.3: dict overrides are not normalised; "type" instead of "rope_type" →
    # KeyError: 'rope_type' in the length step.
    override = {"rope_parameters": {"type": "dynamic", "factor": 2.0}}
    d = inspect(write(tmp_path, LLAMA2), "--hf-overrides", json.dumps(override))
    assert (d["refusal"]["error"], d["refusal"]["message"]) == ("KeyError", "'rope_type'")
    assert d["refusal"]["stage"] == "length"


def test_dict_override_without_theta_falls_back_to_10000(tmp_path: Path) -> None:
    # SPEC §4.4.3 (G3): θ = 10000 when the dict has no rope_theta (Llama: no model default).
    model = write(tmp_path, {**LLAMA2, "rope_theta": 500000.0})
    override = {"rope_parameters": {"rope_type": "default"}}
    assert inspect(model, "--hf-overrides", json.dumps(override))["base"] == 10000.0


def test_native_nomic_missing_key_is_an_attribute_error(tmp_path: Path) -> None:
    # SPEC §2.4.5 / §4.3.1: the native class has no mlp_fc1_bias field → AttributeError.
    config = {k: v for k, v in NOMIC_NATIVE.items() if k != "mlp_fc1_bias"}
    d = inspect(write(tmp_path, config))
    assert d["refusal"]["error"] == "AttributeError"
    assert d["refusal"]["message"] == "'NomicBertConfig' object has no attribute 'mlp_fc1_bias'"
    assert d["max_model_len"] is None


def test_native_nomic_defaults(tmp_path: Path) -> None:
    # SPEC §2.4: native class: max_position_embeddings 2048, θ 1000.0 whatever rotary_emb_base
    # says, head = n_embd 768 // 12 (n_head 16 ignored) = 64.
    config = {**NOMIC_NATIVE, "rotary_emb_base": 10000, "n_head": 16, "n_positions": 8192}
    d = inspect(write(tmp_path, config))
    assert (d["base"], d["head_size"], d["max_model_len"]) == (1000.0, 64, 2048)
    assert d["config_class"] == {"name": "NomicBertConfig", "origin": "native", "known": True}
    assert {f["id"] for f in d["findings"]} >= {"R21"}


def test_unknown_remote_nomic_class_fails_the_class_name_assert(tmp_path: Path) -> None:
    # SPEC §4.3.1: every version asserts the class name is NomicBertConfig.
    config = {**NOMIC_NATIVE, "auto_map": {"AutoConfig": "my_config.MyNomicConfig"}}
    for vllm in ("0.21.0", "0.33.0"):
        d = inspect(write(tmp_path, config), "--trust-remote-code", "--vllm", vllm)
        assert d["refusal"]["error"] == "AssertionError"
        assert "'MyNomicConfig'" in d["refusal"]["message"]
        assert d["config_class"]["known"] is False
        assert "R20" in {f["id"] for f in d["findings"]}


@pytest.mark.parametrize(("vllm", "served"), [("0.23.0", True), ("0.24.0", False)])
def test_qwen1_served_up_to_0_23(vllm: str, served: bool) -> None:
    # SPEC §8: QWenLMHeadModel served ≤ 0.23.0, a ValueError later.
    d = inspect("Qwen/Qwen-7B", "--bundled", "--trust-remote-code", "--vllm", vllm)
    assert (d["refusal"] is None) is served


def test_gpt_neox_on_0_31_is_modelled_as_model_code(tmp_path: Path) -> None:
    # SPEC §8: 0.31/0.32 not checked for the Transformers backend → vLLM model code, said so.
    config = {
        "model_type": "gpt_neox",
        "architectures": ["GPTNeoXForCausalLM"],
        "hidden_size": 4096,
        "num_attention_heads": 16,
    }
    d = inspect(write(tmp_path, config), "--vllm", "0.31.0")
    assert d["cache_shape"] == [2048, 64]
    assert any("not checked" in n["message"] for n in d["notes"])


def test_jina_rounds_max_position_up_to_8(tmp_path: Path) -> None:
    # SPEC-loading §4.4': Jina XLM-R rotary: 8194 → 8200 (not enforce_eager).
    config = {
        "model_type": "xlm-roberta",
        "architectures": ["XLMRobertaModel"],
        "position_embedding_type": "rotary",
        "hidden_size": 1024,
        "num_attention_heads": 16,
        "max_position_embeddings": 8194,
        "rotary_emb_base": 10000.0,
        "auto_map": {
            "AutoConfig": "jinaai/xlm-roberta-flash-implementation--"
            "configuration_xlm_roberta.XLMRobertaFlashConfig"
        },
    }
    d = inspect(write(tmp_path, config), "--trust-remote-code")
    assert (d["max_position"], d["cache_shape"]) == (8200, [8200, 64])


def test_gte_new_asserts_gelu(tmp_path: Path) -> None:
    # SPEC-loading §4.4': GteNewModel asserts class NewConfig and hidden_act == "gelu".
    config = {
        "model_type": "new",
        "architectures": ["GteNewModel"],
        "hidden_size": 768,
        "num_attention_heads": 12,
        "max_position_embeddings": 8192,
        "rope_theta": 160000.0,
        "hidden_act": "gelu",
        "auto_map": {"AutoConfig": "Alibaba-NLP/new-impl--configuration.NewConfig"},
    }
    ok = inspect(write(tmp_path, config), "--trust-remote-code")
    assert (ok["rope_class"], ok["cache_shape"], ok["refusal"]) == (
        "RotaryEmbedding",
        [8192, 64],
        None,
    )
    bad = inspect(write(tmp_path, {**config, "hidden_act": "silu"}), "--trust-remote-code")
    assert bad["refusal"]["error"] == "AssertionError"
    assert bad["refusal"]["stage"] == "model_config_update"


def test_transformers_4_dict_without_type(tmp_path: Path) -> None:
    # SPEC §3.3.7 / R-T4: transformers 4 (vLLM ≤ 0.23): a dict without type/rope_type raises.
    model = write(tmp_path, {**LLAMA2, "rope_scaling": {"factor": 2.0}})
    d = inspect(model, "--vllm", "0.21.0", "--transformers", "4")
    assert d["refusal"]["message"] == "rope_parameters should have a 'rope_type' key"
    # transformers 5 fills rope_type default first (§3.3.7).
    assert inspect(model)["refusal"] is None


def test_inspect_table_shows_class_transformers_and_release() -> None:
    run = cli("inspect", "nomic-ai/nomic-embed-text-v1", "--bundled", "--vllm", "0.22.1")
    assert run.exit_code == 0
    assert "NomicBertConfig (native; no --trust-remote-code)" in run.stdout
    assert "0.22.0 (asked: 0.22.1)" in run.stdout
    assert "5 (class data of 5.20.2)" in run.stdout


# -- absurd numbers (issue 15 item 5): a refusal or a one-line input error, valid JSON ---------
ABSURD: dict[str, dict[str, Any]] = {
    "factor 1e308": {**LLAMA2, "rope_scaling": {"rope_type": "dynamic", "factor": 1e308}},
    "linear 1e308": {**LLAMA2, "rope_scaling": {"rope_type": "linear", "factor": 1e308}},
    "yarn 1e308": {**LLAMA2, "rope_scaling": {"rope_type": "yarn", "factor": 1e308}},
    "mpe 2**31-1 × 1e300": {
        **LLAMA2,
        "max_position_embeddings": 2**31 - 1,
        "rope_scaling": {"rope_type": "dynamic", "factor": 1e300},
    },
    "fraction 1e308": {**NOMIC_NATIVE, "rotary_emb_fraction": 1e308},
    "fraction -1e308": {**NOMIC_NATIVE, "rotary_emb_fraction": -1e308},
    "theta 1e308": {
        **LLAMA2,
        "rope_theta": 1e308,
        "rope_scaling": {"type": "dynamic", "factor": 2},
    },
    "theta 5e-324": {**LLAMA2, "rope_theta": 5e-324, "rope_scaling": {"type": "yarn", "factor": 2}},
    "nested dict rope_type": {**LLAMA2, "rope_scaling": {"rope_type": {"a": 1}, "factor": 2.0}},
}


@pytest.mark.parametrize("name", sorted(ABSURD))
@pytest.mark.parametrize("vllm", ["0.21.0", "0.33.0"])
def test_absurd_numbers(tmp_path: Path, name: str, vllm: str) -> None:
    run = cli("inspect", write(tmp_path, ABSURD[name]), "--vllm", vllm, "--format", "json")
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    if run.exit_code == 3:
        assert run.stderr.startswith("Error: ") and "'" in run.stderr  # names the key
        return
    assert run.exit_code == 0, run.stderr
    text = run.stdout
    assert "Infinity" not in text and "NaN" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_absurd_factor_is_vllms_overflow(tmp_path: Path) -> None:
    # int(derived) of 4096 · 1e308 = inf: vLLM's own OverflowError, at the length stage.
    d = inspect(write(tmp_path, ABSURD["factor 1e308"]))
    assert (d["refusal"]["error"], d["refusal"]["message"]) == (
        "OverflowError",
        "cannot convert float infinity to integer",
    )
    assert d["derived"]["final"] == "inf"


def test_nested_dict_rope_type_override_is_unhashable(tmp_path: Path) -> None:
    # SPEC §4.4.2 (G1): a dict value in get_rope's cache key.
    override = {"rope_parameters": {"rope_type": {"a": 1}, "factor": 2.0}}
    d = inspect(write(tmp_path, LLAMA2), "--hf-overrides", json.dumps(override))
    assert (d["refusal"]["error"], d["refusal"]["message"]) == (
        "TypeError",
        "unhashable type: 'dict'",
    )


@pytest.mark.parametrize("vllm", ["0.21.0", "0.33.0"])
def test_dynamic_at_length_zero_is_vllms_zero_division(tmp_path: Path, vllm: str) -> None:
    # max_position_embeddings 0 derives 0 (×α, SPEC §4.1.4); the dynamic class then divides by L
    # (old: α·(L·α)/L) or by T = L (new: α·L/T): Python's ZeroDivisionError inside vLLM, a refusal.
    config = {
        **LLAMA2,
        "max_position_embeddings": 0,
        "rope_scaling": {"type": "dynamic", "factor": 2.0},
    }
    d = inspect(write(tmp_path, config), "--vllm", vllm)
    assert d["refusal"]["error"] == "ZeroDivisionError"
    assert d["refusal"]["message"] == "float division by zero"
    assert d["max_model_len"] is None
    run = cli("diff", write(tmp_path, config))
    assert run.exit_code == 0, run.stderr
    assert "internal error" not in run.stderr
