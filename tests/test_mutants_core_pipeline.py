"""The whole vLLM resolution (ntkcli/vllm/pipeline.py resolve()) in process, for mutation
testing (issue 14): which refusal, step, notes and fields reach the Resolution at each stage of
SPEC §4's order (load → flat overrides → patch_rope_parameters → dict overrides → derived length
→ the user's max_model_len → model config update → model code → get_rope)."""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.model import Note, RawConfig, Refusal, Request, Resolution, Source
from ntkcli.vllm.pipeline import resolve
from ntkcli.vllm.versions import parse_vllm_version
from tests.conftest import NOMIC_NATIVE

LLAMA2: dict[str, Any] = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "max_position_embeddings": 4096,
    "hidden_size": 4096,
    "num_attention_heads": 32,
}
# SPEC §2.3 / §2.4: the keys every published Nomic text config carries.
NOMIC: dict[str, Any] = NOMIC_NATIVE


def run(config: dict[str, Any], vllm: str = "0.33.0", **kw: Any) -> Resolution:
    raw = RawConfig("m", Source("local", "m/config.json"), config)
    return resolve(raw, Request(vllm=parse_vllm_version(vllm), **kw))


def test_accepted_llama() -> None:
    r = run(LLAMA2)
    assert r.refusal is None
    assert (r.max_model_len, r.requested_len) == (4096, 4096)
    assert r.model_type == "llama"
    assert r.architectures == ("LlamaForCausalLM",)
    assert (r.config_class, r.config_origin, r.config_class_known) == (
        "LlamaConfig",
        "native",
        True,
    )
    assert (r.transformers, r.transformers_label) == ("5", "5.20.2")
    # SPEC-loading §2'.5 R-S2: rope_theta is consumed, θ 10000 is in the dict.
    assert r.normalised_rope == {"rope_theta": 10000.0, "rope_type": "default"}
    assert r.rope_parameters == {"rope_theta": 10000.0, "rope_type": "default"}
    assert "rope_theta" not in r.config_values
    assert r.config_values["rope_parameters"] == {"rope_theta": 10000.0, "rope_type": "default"}
    assert r.derived is not None and r.derived.final == 4096.0
    assert r.rotary is not None and r.rotary.built and r.rotary.head_size == 128
    assert r.model_code is not None and r.model_code.head_size == 128
    assert r.model_code.max_position == 4096
    assert r.layer_rotaries == ()
    assert r.nomic is None
    assert r.request.max_model_len is None


def test_a_load_refusal_keeps_the_json_values() -> None:
    # SPEC-loading §2'.1 C2 case 4: a remote-only type without trust_remote_code.
    config = {"model_type": "internlm2", "auto_map": {"AutoConfig": "configuration_internlm2.C"}}
    r = run(config)
    assert r.refusal is not None
    assert (r.refusal.error, r.refusal.step, r.refusal.cause) == (
        "ValueError",
        "load config",
        "load:no_native_class",
    )
    assert r.config_values == config
    assert (r.config_class, r.config_origin, r.config_class_known) == (None, None, True)
    assert (r.max_model_len, r.rotary, r.derived, r.normalised_rope) == (None, None, None, {})
    assert r.requested_len is None
    assert (r.transformers, r.transformers_label) == ("5", "5.20.2")
    assert r.model_type == "internlm2"


def test_a_flat_override_refusal_after_the_load() -> None:
    # SPEC-loading §2'.6 E1: hf_overrides={"max_position_embeddings": None} raises at update.
    r = run(LLAMA2, hf_overrides={"max_position_embeddings": None})
    assert r.refusal == Refusal(
        "StrictDataclassFieldValidationError",
        "Validation error for field 'max_position_embeddings': TypeError: Field "
        "'max_position_embeddings' expected int, got NoneType",
        "load config",
        "load:field_type",
    )
    assert (r.config_class, r.config_origin) == ("LlamaConfig", "native")


def test_an_unknown_remote_class_is_noted() -> None:
    config = {
        "model_type": "internlm2",
        "architectures": ["InternLM2ForCausalLM"],
        "auto_map": {"AutoConfig": "configuration_internlm2.InternLM2Config"},
        "max_position_embeddings": 4096,
        "hidden_size": 4096,
        "num_attention_heads": 32,
    }
    r = run(config, trust_remote_code=True)
    assert (
        Note(
            "load config",
            "remote config class configuration_internlm2.InternLM2Config is unknown to ntkcli: "
            "config.json is read as is, without that class's defaults or aliases (best effort)",
        )
        in r.notes
    )
    assert (r.config_class, r.config_origin, r.config_class_known) == (
        "InternLM2Config",
        "remote",
        False,
    )


def test_a_normalisation_refusal() -> None:
    # SPEC §3.3.4: conflicting type and rope_type.
    r = run({**LLAMA2, "rope_scaling": {"rope_type": "linear", "type": "dynamic", "factor": 2.0}})
    assert r.refusal is not None
    assert (r.refusal.step, r.refusal.cause) == ("normalise RoPE", "conflicting_rope_types")
    assert (r.normalised_rope, r.rope_parameters, r.derived, r.max_model_len) == (
        {},
        {},
        None,
        None,
    )


def test_a_derive_refusal_keeps_the_rope_dicts() -> None:
    rope = {"rope_type": "linear", "factor": -2.0}
    r = run({**LLAMA2, "rope_scaling": rope})
    assert r.refusal is not None and r.refusal.cause == "unusable_length"
    expected = {"rope_type": "linear", "factor": -2.0, "rope_theta": 10000.0}
    assert (r.normalised_rope, r.rope_parameters) == (expected, expected)
    assert (r.derived, r.max_model_len, r.rotary) == (None, None, None)


def test_an_overflowing_default_length_keeps_the_derived_length() -> None:
    # int(derived) of a factor that overflows the float: OverflowError.
    r = run({**LLAMA2, "rope_scaling": {"rope_type": "linear", "factor": 1e308}})
    assert r.refusal == Refusal(
        "OverflowError",
        "cannot convert float infinity to integer",
        "derive max length",
        "length_overflow",
    )
    assert r.derived is not None and r.derived.final == float("inf")
    assert r.normalised_rope["factor"] == 1e308
    assert r.rope_parameters["factor"] == 1e308
    assert r.max_model_len is None


def test_a_too_long_request_is_refused_but_described() -> None:
    # SPEC §4.2.2: the rotary object is still shown, built=False.
    r = run(LLAMA2, max_model_len=8192)
    assert r.refusal is not None
    assert (r.refusal.error, r.refusal.step, r.refusal.cause) == (
        "ValueError",
        "derive max length",
        "max_model_len_too_long",
    )
    assert r.refusal.message.startswith("User-specified max_model_len (8192) is greater than")
    assert (r.max_model_len, r.requested_len) == (None, 8192)
    assert r.rotary is not None and r.rotary.built is False
    assert r.derived is not None and r.derived.final == 4096.0


def test_allow_long_accepts_with_a_note() -> None:
    r = run(LLAMA2, max_model_len=8192, allow_long_max_model_len=True)
    assert r.refusal is None
    assert (r.max_model_len, r.requested_len) == (8192, 8192)
    assert r.rotary is not None and r.rotary.built
    assert any(n.step == "derive max length" for n in r.notes)


def test_a_shorter_request_is_served() -> None:
    r = run(LLAMA2, max_model_len=1024)
    assert (r.refusal, r.max_model_len, r.requested_len) == (None, 1024, 1024)


def test_gemma3_passes_one_dict_per_layer_type() -> None:
    # SPEC-loading §2'.3: nested {full_attention: 1e6, sliding_attention: 1e4}; one get_rope call
    # per layer type.
    config = {
        "model_type": "gemma3_text",
        "architectures": ["Gemma3ForCausalLM"],
        "max_position_embeddings": 32768,
    }
    r = run(config)
    assert r.refusal is None
    assert set(r.rope_parameters) == {"full_attention", "sliding_attention"}
    assert r.rope_parameters["full_attention"]["rope_theta"] == 1000000.0
    assert r.rope_parameters["sliding_attention"]["rope_theta"] == 10000.0
    assert [label for label, _ in r.layer_rotaries] == ["full_attention", "sliding_attention"]
    assert all(rot.built for _, rot in r.layer_rotaries)
    assert r.rotary is r.layer_rotaries[0][1]
    assert r.max_model_len == 32768


def test_gemma3_refused_request_marks_every_layer_unbuilt() -> None:
    config = {
        "model_type": "gemma3_text",
        "architectures": ["Gemma3ForCausalLM"],
        "max_position_embeddings": 32768,
    }
    r = run(config, max_model_len=65536)
    assert r.refusal is not None and r.refusal.cause == "max_model_len_too_long"
    assert len(r.layer_rotaries) == 2
    assert not any(rot.built for _, rot in r.layer_rotaries)


def test_native_nomic() -> None:
    # SPEC §4.3: head_size = 768 // 12 (the class's field default); T = max_position_embeddings
    # of the native class (2048); the rotary is built for L = the final max_model_len.
    r = run(NOMIC)
    assert r.refusal is None
    assert r.model_code is not None
    assert (r.model_code.architecture, r.model_code.module, r.model_code.head_size) == (
        "NomicBertModel",
        "bert_with_rope.py",
        64,
    )
    assert r.model_code.is_neox_style is True
    assert r.nomic is not None
    assert r.rotary is not None and r.rotary.head_size == 64 and r.rotary.built
    assert r.max_model_len == 2048


def test_nomic_without_architectures() -> None:
    config = {k: v for k, v in NOMIC.items() if k != "architectures"}
    r = run(config)
    # Without architectures, model_type alone says NomicBert; no architecture is named.
    assert r.model_code is not None
    assert (r.model_code.architecture, r.model_code.module) == (None, "bert_with_rope.py")
    assert r.architectures == ()


def test_nomic_refused_request_keeps_the_update_numbers() -> None:
    r = run(NOMIC, max_model_len=8192)
    # SPEC §4.2: 8192 > the native class's 2048: refused at the length check.
    assert r.refusal is not None
    assert (r.refusal.step, r.refusal.cause) == ("derive max length", "max_model_len_too_long")
    assert r.max_model_len is None
    assert r.rotary is not None and r.rotary.built is False


def test_nomic_missing_attribute_is_a_refusal() -> None:
    # SPEC §4.3.1: the native class raises AttributeError for a missing Nomic key.
    config = {k: v for k, v in NOMIC.items() if k != "activation_function"}
    r = run(config)
    assert r.refusal is not None
    assert r.refusal.error == "AttributeError"
    assert r.refusal.cause == "missing_attribute"
    assert r.max_model_len is None
    # Nothing is built without the update's numbers: no head size, no rotary, no Nomic dict.
    assert r.model_code is not None and r.model_code.head_size is None
    assert r.rotary is None
    assert "max_trained_positions" not in r.rope_parameters


@pytest.mark.parametrize("transformers", ["4", "4.57.6"])
def test_transformers_4_label(transformers: str) -> None:
    r = run(LLAMA2, vllm="0.21.0", transformers=transformers)
    assert (r.transformers, r.transformers_label) == ("4", "4.57.6")


def test_no_model_type_is_reported_as_empty() -> None:
    config = {k: v for k, v in LLAMA2.items() if k != "model_type"}
    assert run(config).model_type == ""


def test_an_unchecked_release_says_so() -> None:
    # SPEC §8: 0.26.x was not checked.
    r = run(LLAMA2, vllm="0.26.0")
    assert r.notes[0] == Note(
        "vLLM", "vLLM 0.26.0 was not checked; each rule is taken from the nearest checked release"
    )


def test_an_unknown_native_type_has_no_remote_note() -> None:
    # Only an unknown *remote* class is noted; an unknown native type is read generically.
    config = {**LLAMA2, "model_type": "made_up", "architectures": ["LlamaForCausalLM"]}
    r = run(config)
    assert (r.config_origin, r.config_class_known) == ("native", False)
    assert not any(n.step == "load config" for n in r.notes)


def run_st(config: dict[str, Any], st: dict[str, Any] | None, **kw: Any) -> Resolution:
    raw = RawConfig("m", Source("local", "m/config.json"), config, st_config=st)
    return resolve(raw, Request(**kw))


def test_no_length_key_takes_the_users_length() -> None:
    # SPEC §4.1.3: none of the keys: the user's max_model_len as is.
    config = {"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "num_attention_heads": 32}
    r = run(config, max_model_len=1000)
    assert r.derived is not None
    assert (r.derived.key, r.derived.final) == (None, 1000.0)


def test_a_dict_rope_scaling_override_takes_the_config_theta() -> None:
    # SPEC §3.1/§3.3 (an assumption, noted): the deprecated alias fills rope_theta from the
    # config's θ (transformers 4 keeps rope_theta as an attribute, R-T4).
    r = run(
        {**LLAMA2, "rope_theta": 500000.0},
        vllm="0.21.0",
        transformers="4",
        hf_overrides={"rope_scaling": {"rope_type": "linear", "factor": 2.0}},
    )
    assert r.rope_parameters == {"rope_type": "linear", "factor": 2.0, "rope_theta": 500000.0}


OLD = parse_vllm_version("0.21.0")


def test_old_nomic_with_a_user_length_and_no_st_file_crashes() -> None:
    # SPEC §4.3.8: re-derived with no ST file: AttributeError in vLLM, reported as a refusal.
    r = run_st(NOMIC, None, vllm=OLD, max_model_len=1024)
    assert r.refusal is not None
    assert r.refusal.message == "'NoneType' object has no attribute 'pop'"
    assert r.max_model_len is None


def test_old_nomic_with_any_override_and_no_st_file_crashes() -> None:
    r = run_st(NOMIC, None, vllm=OLD, hf_overrides={"foo": 1})
    assert r.refusal is not None
    assert r.refusal.message == "'NoneType' object has no attribute 'pop'"


def test_old_nomic_without_user_input_is_capped_at_t() -> None:
    # SPEC §4.3.7: max_model_len = min(derived, T), no refusal.
    r = run_st(NOMIC, None, vllm=OLD)
    assert (r.refusal, r.max_model_len) == (None, 2048)


ST = {"max_seq_length": 512, "do_lower_case": False}


def test_old_nomic_with_an_st_file_re_checks() -> None:
    # SPEC §4.3.8: with an ST file the re-check runs: 1024 ≤ T 2048 is accepted.
    r = run_st(NOMIC, ST, vllm=OLD, max_model_len=1024, allow_long_max_model_len=True)
    assert r.refusal is None
    assert r.max_model_len == 1024


def test_old_nomic_re_check_honours_allow_long() -> None:
    # 4096 > the re-derived 2048: refused, unless VLLM_ALLOW_LONG_MAX_MODEL_LEN is set.
    allowed = run_st(NOMIC, ST, vllm=OLD, max_model_len=4096, allow_long_max_model_len=True)
    assert allowed.refusal is None
    # Both checks (against the ST 512, then against the re-derived 2048) only warn.
    warned = [n for n in allowed.notes if n.message.startswith("User-specified max_model_len")]
    assert len(warned) == 2


def test_nomic_without_n_embd_is_refused_at_the_update() -> None:
    # SPEC §4.3.2 / §2.4: the native class has no n_embd field: AttributeError.
    config = {k: v for k, v in NOMIC.items() if k != "n_embd"}
    r = run(config)
    assert r.refusal == Refusal(
        "AttributeError",
        "'NomicBertConfig' object has no attribute 'n_embd'",
        "NomicBert config update",
        "missing_attribute",
    )
    assert r.model_code is not None and r.model_code.head_size is None
    assert r.rotary is None
    # No get_rope call: the normalised dict (SPEC §2.4: θ 1000, fraction 1.0), not the update's.
    assert r.rope_parameters == {
        "rope_theta": 1000.0,
        "rope_type": "default",
        "partial_rotary_factor": 1.0,
    }


def test_nomic_failed_assert_still_describes_the_rotary() -> None:
    # SPEC §4.3.1: activation_function must be swiglu or gelu; the numbers are still shown.
    r = run({**NOMIC, "activation_function": "relu"})
    assert r.refusal is not None
    assert r.model_code is not None and r.model_code.head_size == 64
    assert r.rotary is not None and r.rotary.built is False
    assert r.rope_parameters["max_trained_positions"] == 2048


def test_the_cache_dtype_and_neox_style_reach_get_rope() -> None:
    # SPEC-loading §4.4': DeepSeek-V3's MLA code passes is_neox_style False; the model dtype is
    # the cache's.
    config = {
        "model_type": "deepseek_v3",
        "architectures": ["DeepseekV3ForCausalLM"],
        "max_position_embeddings": 4096,
    }
    r = run(config, dtype="bfloat16")
    assert r.refusal is None
    assert r.rotary is not None
    assert (r.rotary.is_neox_style, r.rotary.dtype) == (False, "bfloat16")
    assert r.rotary.head_size == 64  # qk_rope_head_dim
