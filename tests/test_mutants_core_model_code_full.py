"""The whole answer of each architecture's model code (ntkcli/vllm/model_code.py), compared
field by field, for mutation testing (issue 14).

Expected values are written out from SPEC-loading §4.4' (what each architecture passes to
get_rope: module, head size, max_position, neox style, the θ default, the layer split) and
SPEC §4.4 (the model config updates of GteNew / Snowflake GTE / Jina). An unknown model_type
is a plain PretrainedConfig with no class defaults, so the model code's own defaults show.
"""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.configs.config_object import ConfigObject
from ntkcli.errors import ConfigError
from ntkcli.model import ModelCode, Note, Refusal
from ntkcli.vllm.model_code import CodeResult, Layer, model_code
from ntkcli.vllm.versions import parse_vllm_version

V21 = parse_vllm_version("0.21.0")
V23 = parse_vllm_version("0.23.0")  # the last release serving QWenLMHeadModel
V24 = parse_vllm_version("0.24.0")
V28 = parse_vllm_version("0.28.0")  # the first release of the 0.33-style model code
V30 = parse_vllm_version("0.30.0")  # the last release whose GPT-NeoX / Phi code was read
V31 = parse_vllm_version("0.31.0")
V33 = parse_vllm_version("0.33.0")  # GPT-NeoX / Phi through the Transformers backend
PLAIN = "not_a_transformers_type"  # no class: no defaults
BACKEND_NOTE = "served by transformers' own RoPE; vLLM get_rope formulas do not apply"


def run(
    values: dict[str, Any], architecture: str | None, version: Any = V33, rope: Any = "config"
) -> CodeResult:
    """The model code over the config object; `rope` is the dict the earlier steps hand it
    (by default the config object's own, standardised at load)."""
    cfg = ConfigObject(values)
    architectures = (architecture,) if architecture else ()
    params = cfg.rope_parameters if rope == "config" else rope
    return model_code(cfg, architectures, params, version)


def plain(**values: Any) -> dict[str, Any]:
    return {"model_type": PLAIN, "hidden_size": 4096, "num_attention_heads": 32, **values}


def length_error(values: dict[str, Any], architecture: str, version: Any = V33) -> str:
    with pytest.raises(ConfigError) as caught:
        run(values, architecture, version)
    return caught.value.message


OUT_OF_RANGE = "must be an integer from 0 to 2147483647, got -1"  # a length may be 0


# -- Llama-like: head_dim else hidden // heads, max_position default 8192 ----------------------


def test_llama_with_head_dim_and_length() -> None:
    rope = {"rope_type": "default", "rope_theta": 10000.0}
    got = run(plain(head_dim=96, max_position_embeddings=4096, rope_parameters=rope), "LlamaModel")
    assert got == CodeResult(
        ModelCode("LlamaModel", "llama.py", 96, 4096, True),
        (Layer(None, rope),),
    )


def test_llama_without_head_dim_or_length_uses_hidden_over_heads_and_8192() -> None:
    got = run(plain(), "MistralForCausalLM")
    assert got.code == ModelCode("MistralForCausalLM", "mistral.py", 128, 8192, True)
    assert got.refusal is None and got.notes == ()


def test_llama_head_dim_zero_is_hidden_over_heads() -> None:
    # `head_dim or hidden // heads`: a 0 head_dim is falsy, as in the model code
    assert run(plain(head_dim=0), "LlamaForCausalLM").code.head_size == 128


def test_llama_lengths_are_named_when_out_of_range() -> None:
    assert length_error(plain(head_dim=-1), "LlamaForCausalLM") == (
        "config.json: 'head_dim' must be an integer from 1 to 2147483647, got -1"
    )
    assert length_error(plain(max_position_embeddings=-1), "Phi3ForCausalLM") == (
        f"config.json: 'max_position_embeddings' {OUT_OF_RANGE}"
    )


def test_generic_architecture_note_and_unchecked() -> None:
    got = run(plain(max_position_embeddings=2048), "FalconForCausalLM")
    assert got.code == ModelCode(
        "FalconForCausalLM",
        "llama.py",
        128,
        2048,
        True,
        checked=False,
        note="ntkcli has no model-code data for FalconForCausalLM; modelled like LlamaForCausalLM",
    )
    none = run(plain(), None)
    assert none.code.architecture is None
    assert none.code.note == "no architectures in config.json; modelled like LlamaForCausalLM"


# -- Qwen2 / Qwen3: θ 1e6 filled only when the dict lacks rope_theta ----------------------------


def test_qwen2_fills_theta_and_ignores_head_dim() -> None:
    got = run(plain(head_dim=96, max_position_embeddings=32768), "Qwen2Model")
    assert got == CodeResult(
        ModelCode("Qwen2Model", "qwen2.py", 128, 32768, True, theta_filled=1000000.0),
        (Layer(None, {"rope_theta": 1000000.0}),),
    )


def test_qwen2_keeps_a_given_theta() -> None:
    rope = {"rope_type": "default", "rope_theta": 5000.0}
    got = run(plain(max_position_embeddings=4096, rope_parameters=rope), "Qwen2ForCausalLM")
    assert got.code.theta_filled is None
    assert got.layers == (Layer(None, rope),)


def test_qwen2_nested_dict_gets_no_theta() -> None:
    nested = {"full_attention": {"rope_type": "default", "rope_theta": 10.0}}
    got = run(plain(max_position_embeddings=4096), "Qwen2ForCausalLM", rope=nested)
    assert got.code.theta_filled is None
    assert got.layers == (Layer(None, nested),)
    empty = run(plain(max_position_embeddings=4096), "Qwen2ForCausalLM", rope=None)
    assert empty.layers == (Layer(None, {"rope_theta": 1000000.0}),)


def test_qwen2_needs_max_position_embeddings() -> None:
    assert length_error(plain(max_position_embeddings=-1), "Qwen2ForCausalLM") == (
        f"config.json: 'max_position_embeddings' {OUT_OF_RANGE}"
    )


def test_qwen3_reads_head_dim_and_is_unchecked() -> None:
    got = run(plain(head_dim=96, max_position_embeddings=40960), "Qwen3Model")
    assert got.code == ModelCode(
        "Qwen3Model", "qwen3.py", 96, 40960, True, theta_filled=1000000.0, checked=False
    )
    assert run(plain(max_position_embeddings=8), "Qwen3ForCausalLM").code.head_size == 128
    assert length_error(plain(head_dim=-2, max_position_embeddings=8), "Qwen3ForCausalLM") == (
        "config.json: 'head_dim' must be an integer from 1 to 2147483647, got -2"
    )


# -- Gemma3: one get_rope per layer type -------------------------------------------------------


def gemma(**values: Any) -> dict[str, Any]:
    return plain(head_dim=256, max_position_embeddings=131072, **values)


def test_gemma3_033_indexes_the_dict_by_layer_type() -> None:
    full = {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0}
    local = {"rope_type": "default", "rope_theta": 10000.0}
    nested = {"full_attention": full, "sliding_attention": local}
    got = run(gemma(rope_parameters=nested), "Gemma3ForCausalLM")
    assert got == CodeResult(
        ModelCode("Gemma3ForCausalLM", "gemma3.py", 256, 131072, True),
        (Layer("full_attention", full), Layer("sliding_attention", local)),
    )


def test_gemma3_033_missing_layer_type_is_a_key_error() -> None:
    flat = {"rope_type": "default", "rope_theta": 1000000.0}
    got = run(gemma(rope_parameters=flat), "Gemma3ForConditionalGeneration")
    assert got.layers == ()
    assert got.refusal == Refusal("KeyError", "'full_attention'", "model code", "missing_rope_key")
    assert got.code == ModelCode("Gemma3ForConditionalGeneration", "gemma3.py", 256, 131072, True)


def test_gemma3_033_missing_second_layer_type() -> None:
    nested = {"full_attention": {"rope_type": "default", "rope_theta": 1.0}}
    got = run(gemma(rope_parameters=nested), "Gemma3ForCausalLM")
    assert got.refusal == Refusal(
        "KeyError", "'sliding_attention'", "model code", "missing_rope_key"
    )


def test_gemma3_022_flat_dict_goes_to_global_layers_and_local_base_to_sliding() -> None:
    flat = {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0}
    got = run(gemma(rope_parameters=flat, rope_local_base_freq=20000.0), "Gemma3ForCausalLM", V21)
    assert got.refusal is None
    assert got.layers == (
        Layer("full_attention", flat),
        Layer("sliding_attention", {"rope_type": "default", "rope_theta": 20000.0}),
    )
    default_local = run(gemma(rope_parameters=flat), "Gemma3ForCausalLM", V24)
    assert default_local.layers[1] == Layer(
        "sliding_attention", {"rope_type": "default", "rope_theta": 10000.0}
    )


def test_gemma3_022_nested_dict_is_indexed_too() -> None:
    local = {"rope_type": "default", "rope_theta": 10000.0}
    nested = {"sliding_attention": local}
    got = run(gemma(layer_types=["sliding_attention"]), "Gemma3ForCausalLM", V21, nested)
    assert got.layers == (Layer("sliding_attention", local),)
    missing = run(gemma(), "Gemma3ForCausalLM", V21, nested)
    assert missing.refusal is not None and missing.refusal.message == "'full_attention'"


def test_gemma3_layer_types_select_the_labels() -> None:
    flat = {"rope_type": "default", "rope_theta": 1.0}
    only_full = run(
        gemma(rope_parameters=flat, layer_types=["full_attention"] * 2), "Gemma3ForCausalLM", V21
    )
    assert [layer.label for layer in only_full.layers] == ["full_attention"]
    # unknown names, an empty list or a non-string entry leave both labels
    for types in (["other"], [], ["full_attention", 3], "full_attention"):
        both = run(gemma(rope_parameters=flat, layer_types=types), "Gemma3ForCausalLM", V21)
        assert [layer.label for layer in both.layers] == ["full_attention", "sliding_attention"]


def test_gemma3_head_size_and_length() -> None:
    flat = {"rope_type": "default", "rope_theta": 1.0}
    no_head = plain(max_position_embeddings=8, rope_parameters=flat)
    assert run(no_head, "Gemma3ForCausalLM", V21).code.head_size == 128
    assert length_error(plain(head_dim=256, max_position_embeddings=-1), "Gemma3ForCausalLM") == (
        f"config.json: 'max_position_embeddings' {OUT_OF_RANGE}"
    )


def test_gemma3_nested_value_that_is_not_a_dict_passes_as_is() -> None:
    nested = {"full_attention": None, "sliding_attention": {"rope_type": "default"}}
    got = run(gemma(rope_parameters=nested), "Gemma3ForCausalLM")
    assert got.layers[0] == Layer("full_attention", None)


# -- GPT-NeoX / Phi: own code through 0.31, the Transformers backend in 0.33 --------------------


def test_gpt_neox_backend_in_033() -> None:
    got = run(plain(), "GPTNeoXForCausalLM", V33)
    assert got == CodeResult(
        ModelCode(
            "GPTNeoXForCausalLM",
            "Transformers backend",
            None,
            None,
            True,
            transformers_backend=True,
            note=BACKEND_NOTE,
        )
    )


@pytest.mark.parametrize(
    ("architecture", "module", "length", "version", "checked"),
    [
        ("GPTNeoXForCausalLM", "gpt_neox.py", 8192, V30, True),
        ("GPTNeoXForCausalLM", "gpt_neox.py", 8192, V31, False),
        ("PhiForCausalLM", "phi.py", 2048, V21, True),
    ],
)
def test_gpt_neox_and_phi_own_code(
    architecture: str, module: str, length: int, version: Any, checked: bool
) -> None:
    got = run(plain(head_dim=7), architecture, version)
    assert got.code == ModelCode(architecture, module, 128, length, True, checked=checked)
    assert got.layers == (Layer(None, None),)


def test_gpt_neox_length_is_named() -> None:
    assert length_error(plain(max_position_embeddings=-1), "PhiForCausalLM", V21) == (
        f"config.json: 'max_position_embeddings' {OUT_OF_RANGE}"
    )


# -- InternLM2, QWen (1), DeepSeek ---------------------------------------------------------------


def test_internlm2() -> None:
    assert run(plain(), "InternLM2ForCausalLM").code == ModelCode(
        "InternLM2ForCausalLM", "internlm2.py", 128, 8192, True, checked=False
    )
    assert length_error(plain(max_position_embeddings=-1), "InternLM2ForCausalLM") == (
        f"config.json: 'max_position_embeddings' {OUT_OF_RANGE}"
    )


def test_qwen1_served_through_023() -> None:
    got = run(plain(max_position_embeddings=8192), "QWenLMHeadModel", V23)
    assert got.code == ModelCode("QWenLMHeadModel", "qwen.py", 128, 8192, True, checked=False)
    assert got.refusal is None
    assert length_error(plain(max_position_embeddings=-1), "QWenLMHeadModel", V23) == (
        f"config.json: 'max_position_embeddings' {OUT_OF_RANGE}"
    )


def test_qwen1_refused_from_024() -> None:
    got = run(plain(max_position_embeddings=8192), "QWenLMHeadModel", V24)
    assert got == CodeResult(
        ModelCode("QWenLMHeadModel", "qwen.py", None, None, True, checked=False),
        (),
        Refusal(
            "ValueError",
            "Model architecture QWenLMHeadModel was supported in vLLM until v0.23.0, and is "
            "not supported anymore. Please use an older version of vLLM if you want to use "
            "this model architecture.",
            "model code",
            "not_served",
        ),
    )


DS = plain(max_position_embeddings=163840, qk_rope_head_dim=64)


def deepseek(version: Any = V33, **rope: Any) -> CodeResult:
    return run(DS, "DeepseekV3ForCausalLM", version, rope)


def test_deepseek_default_rope_is_passed_unchanged() -> None:
    got = deepseek(rope_type="default", rope_theta=10000.0)
    assert got == CodeResult(
        ModelCode("DeepseekV3ForCausalLM", "deepseek_v2.py", 64, 163840, False, checked=False),
        (Layer(None, {"rope_type": "default", "rope_theta": 10000.0}),),
    )


def test_deepseek_without_rope_dict_or_head_dims() -> None:
    got = run(plain(), "DeepseekV3ForCausalLM", rope=None)
    assert (got.code.head_size, got.code.max_position) == (64, 8192)
    assert got.layers == (Layer(None, {}),) and got.notes == ()
    assert length_error(plain(qk_rope_head_dim=0), "DeepseekV3ForCausalLM") == (
        "config.json: 'qk_rope_head_dim' must be an integer from 1 to 2147483647, got 0"
    )
    assert length_error(plain(max_position_embeddings=-1), "DeepseekV3ForCausalLM") == (
        f"config.json: 'max_position_embeddings' {OUT_OF_RANGE}"
    )


YARN = {"rope_type": "yarn", "factor": 40.0, "rope_theta": 10000.0}


def test_deepseek_033_yarn_becomes_deepseek_yarn_with_a_note() -> None:
    got = deepseek(V33, **YARN)
    assert got.layers == (Layer(None, {**YARN, "rope_type": "deepseek_yarn"}),)
    assert got.notes == (
        Note("model code", "DeepSeek model code rewrites rope_type 'yarn' to 'deepseek_yarn'"),
    )


def test_deepseek_033_attention_factor_one_is_llama_scaling() -> None:
    got = deepseek(V28, **YARN, attention_factor=1.0)
    assert got.layers[0].params is not None
    assert got.layers[0].params["rope_type"] == "deepseek_llama_scaling"
    assert got.notes[0].message.endswith("'yarn' to 'deepseek_llama_scaling'")


def test_deepseek_022_yarn_unless_apply_yarn_scaling_is_false() -> None:
    got = deepseek(V21, **YARN)
    assert got.layers[0].params is not None
    assert got.layers[0].params["rope_type"] == "deepseek_yarn"
    # a rope_type already deepseek_yarn is rewritten to itself: no note
    same = deepseek(V21, **{**YARN, "rope_type": "deepseek_yarn"})
    assert same.notes == ()
    kept = deepseek(V21, **YARN, apply_yarn_scaling=False)
    assert kept.layers[0].params is not None
    assert kept.layers[0].params["rope_type"] == "yarn" and kept.notes == ()
    other = deepseek(V21, **YARN, apply_yarn_scaling=0)
    assert other.layers[0].params is not None
    assert other.layers[0].params["rope_type"] == "deepseek_yarn"


# -- GteNew / Snowflake GTE / Jina (bert_with_rope.py) ------------------------------------------


def gte(**values: Any) -> dict[str, Any]:
    return {
        "model_type": PLAIN,
        "hidden_size": 768,
        "num_attention_heads": 12,
        "max_position_embeddings": 8192,
        "hidden_act": "gelu",
        **values,
    }


def test_gte_wrong_class_is_the_assertion() -> None:
    got = run(gte(), "GteNewModel")
    assert got.code == ModelCode("GteNewModel", "bert_with_rope.py", 64, 8192, True, checked=False)
    assert got.layers == (Layer(None, {"partial_rotary_factor": 1.0}),)
    assert got.refusal == Refusal(
        "AssertionError",
        "assert config.__class__.__name__ == 'NewConfig' (the config class is 'PretrainedConfig')",
        "model config update",
        "model_assertion",
    )


def test_gte_rotary_emb_dim_sets_the_partial_factor() -> None:
    got = run(gte(rotary_emb_dim=32), "GteModel")
    assert got.layers == (Layer(None, {"partial_rotary_factor": 0.5}),)
    assert got.refusal is not None and "'GteConfig'" in got.refusal.message
    assert length_error(gte(rotary_emb_dim=-1), "GteModel") == (
        "config.json: 'rotary_emb_dim' must be an integer from 1 to 2147483647, got -1"
    )
    assert length_error(gte(max_position_embeddings=-1), "GteModel") == (
        f"config.json: 'max_position_embeddings' {OUT_OF_RANGE}"
    )


def test_jina_rounds_the_length_up_to_a_multiple_of_8() -> None:
    got = run(
        gte(position_embedding_type="rotary", max_position_embeddings=8194), "XLMRobertaModel"
    )
    assert got.code == ModelCode(
        "XLMRobertaModel",
        "bert_with_rope.py",
        64,
        8200,
        True,
        checked=False,
        note="max_position_embeddings 8194 rounded up to 8200 (not enforce_eager)",
    )
    exact = run(
        gte(position_embedding_type="rotary", max_position_embeddings=8192), "XLMRobertaModel"
    )
    assert (exact.code.max_position, exact.code.note) == (8192, None)
    one = run(gte(position_embedding_type="rotary", max_position_embeddings=1), "XLMRobertaModel")
    assert one.code.max_position == 8


def test_jina_wrong_class_and_the_gelu_check() -> None:
    got = run(gte(position_embedding_type="rotary", hidden_act="silu"), "XLMRobertaModel")
    # the hidden_act check is not made for XLMRobertaFlashConfig: only the class assertion
    assert got.refusal == Refusal(
        "AssertionError",
        "assert config.__class__.__name__ == 'XLMRobertaFlashConfig' (the config class is "
        "'PretrainedConfig')",
        "model config update",
        "model_assertion",
    )


def test_xlm_roberta_without_rotary_positions_has_no_rope() -> None:
    expected = CodeResult(
        ModelCode(
            "XLMRobertaModel",
            "absolute positions",
            None,
            None,
            True,
            note="no RoPE: absolute positions",
        )
    )
    assert run(gte(), "XLMRobertaModel") == expected
    assert run(gte(), "BertModel") == CodeResult(
        ModelCode("BertModel", "absolute positions", None, None, True, note=expected.code.note)
    )


def test_gemma3_negative_head_dim_is_named() -> None:
    values = plain(head_dim=-4, max_position_embeddings=8)
    assert length_error(values, "Gemma3ForCausalLM") == (
        "config.json: 'head_dim' must be an integer from 0 to 2147483647, got -4"
    )


def test_gemma3_022_flat_dict_with_a_layer_key_is_not_indexed() -> None:
    # a dict is indexed by layer type only when it is nested (every value a dict) AND holds a
    # layer type; otherwise, before 0.28, it goes whole to the global layers
    flat = {"rope_type": "default", "rope_theta": 1.0, "full_attention": 5}
    got = run(gemma(), "Gemma3ForCausalLM", V21, flat)
    assert got.refusal is None
    assert got.layers[0] == Layer("full_attention", flat)
    nested_elsewhere = {"other": {"rope_type": "default", "rope_theta": 1.0}}
    got = run(gemma(), "Gemma3ForCausalLM", V21, nested_elsewhere)
    assert got.refusal is None
    assert got.layers[0] == Layer("full_attention", nested_elsewhere)


def test_gte_new_never_rounds_the_length() -> None:
    # only the rotary XLM-R (Jina) rounds max_position_embeddings up to a multiple of 8
    got = run(gte(max_position_embeddings=8194), "GteNewModel")
    assert (got.code.max_position, got.code.note) == (8194, None)


def test_gte_hidden_act_message_is_cut_at_200_characters() -> None:
    act = "x" * 300
    got = run({"model_type": "gte", "max_position_embeddings": 8192, "hidden_act": act}, "GteModel")
    assert got.refusal is not None
    assert got.refusal.message == ("assert config.hidden_act == 'gelu' (got '" + act)[:200]
    assert len(got.refusal.message) == 200
