"""What the model code passes to get_rope (ntkcli/vllm/model_code.py), called directly, for
mutation testing (issue 14; SPEC-loading §4.4')."""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.configs.config_object import ConfigObject
from ntkcli.errors import ConfigError
from ntkcli.vllm.model_code import hidden_over_heads, model_code
from ntkcli.vllm.versions import parse_vllm_version

NEW = parse_vllm_version("0.33.0")
HINT = "is this a transformer config? set head_dim, or hidden_size and num_attention_heads"


def _code(values: dict[str, Any], architecture: str = "LlamaForCausalLM") -> Any:
    cfg = ConfigObject(values)
    return model_code(cfg, (architecture,), cfg.rope_parameters, NEW)


@pytest.mark.parametrize(
    ("values", "missing"),
    [
        ({"num_attention_heads": 32}, "hidden_size"),
        ({"hidden_size": 4096}, "num_attention_heads"),
        ({}, "hidden_size"),
    ],
)
def test_a_missing_head_key_is_named(values: dict[str, Any], missing: str) -> None:
    with pytest.raises(ConfigError) as caught:
        hidden_over_heads(ConfigObject(values))
    assert (
        caught.value.message == f"config.json: '{missing}' is missing, so the head size is unknown"
    )
    assert caught.value.hint == HINT


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"hidden_size": 1, "num_attention_heads": 1}, 1),
        ({"hidden_size": 100, "num_attention_heads": 3}, 33),
    ],
)
def test_hidden_over_heads_is_a_floor_division(values: dict[str, Any], expected: int) -> None:
    head = hidden_over_heads(ConfigObject(values))
    assert (head, type(head)) == (expected, int)


@pytest.mark.parametrize("name", ["hidden_size", "num_attention_heads"])
def test_hidden_over_heads_needs_positive_lengths(name: str) -> None:
    values = {"hidden_size": 64, "num_attention_heads": 4, name: 0}
    with pytest.raises(ConfigError) as caught:
        hidden_over_heads(ConfigObject(values))
    assert caught.value.message == (
        f"config.json: '{name}' must be an integer from 1 to 2147483647, got 0"
    )


def test_llama_code_defaults_to_8192_positions() -> None:
    # SPEC-loading §4.4': getattr(config, "max_position_embeddings", 8192), head hidden//heads.
    result = _code({"hidden_size": 4096, "num_attention_heads": 32})
    code = result.code
    assert (code.architecture, code.module, code.head_size, code.max_position) == (
        "LlamaForCausalLM",
        "llama.py",
        128,
        8192,
    )
    assert code.is_neox_style is True
    assert code.checked is True
    assert [layer.label for layer in result.layers] == [None]


def test_llama_code_takes_a_truthy_head_dim() -> None:
    # SPEC-loading §4.4': config.head_dim if truthy, else hidden//heads.
    assert _code({"model_type": "llama", "head_dim": 96}).code.head_size == 96
    assert _code({"model_type": "llama", "head_dim": 0}).code.head_size == 128


def test_a_bad_length_is_named() -> None:
    with pytest.raises(ConfigError) as caught:
        _code({"model_type": "llama", "max_position_embeddings": "long"})
    assert caught.value.message == (
        "config.json: 'max_position_embeddings' must be an integer length, got 'long'"
    )


def test_qwen1_code_is_only_read() -> None:
    # SPEC-loading §4.4': QWenLMHeadModel (remote only): its argument choice was only read.
    values = {
        "model_type": "qwen",
        "auto_map": {"AutoConfig": "configuration_qwen.QWenConfig"},
        "hidden_size": 4096,
        "num_attention_heads": 32,
        "seq_length": 8192,
        "max_position_embeddings": 8192,
    }
    cfg = ConfigObject(values, trust_remote_code=True)
    code = model_code(cfg, ("QWenLMHeadModel",), cfg.rope_parameters, NEW).code
    assert (code.module, code.checked) == ("qwen.py", False)


OLD = parse_vllm_version("0.21.0")
V30 = parse_vllm_version("0.30.0")


def _code_in(cfg: ConfigObject, architecture: str, version: Any = NEW) -> Any:
    return model_code(cfg, (architecture,), cfg.rope_parameters, version)


def test_qwen3_head_dim_or_hidden_over_heads() -> None:
    # SPEC-loading §4.4': getattr(config, "head_dim", None) or hidden//heads (default 128);
    # θ 1e6 only if the dict lacks rope_theta; only read, not executed.
    result = _code({"model_type": "qwen3"}, "Qwen3ForCausalLM")
    code = result.code
    assert (code.module, code.head_size, code.max_position, code.checked) == (
        "qwen3.py",
        128,
        32768,
        False,
    )
    assert code.theta_filled is None
    assert _code({"model_type": "qwen3", "head_dim": 0}, "Qwen3ForCausalLM").code.head_size == 128
    assert _code({"model_type": "qwen3", "head_dim": 64}, "Qwen3ForCausalLM").code.head_size == 64
    cfg = ConfigObject({"model_type": "qwen3"})
    filled = model_code(cfg, ("Qwen3ForCausalLM",), {"rope_type": "default"}, NEW)
    assert filled.code.theta_filled == 1000000.0
    assert filled.layers[0].params == {"rope_type": "default", "rope_theta": 1000000.0}


@pytest.mark.parametrize(
    ("architecture", "module", "length"),
    [("GPTNeoXForCausalLM", "gpt_neox.py", 8192), ("PhiForCausalLM", "phi.py", 2048)],
)
def test_backend_or_own_code(architecture: str, module: str, length: int) -> None:
    # SPEC-loading §4.4' / G5: vLLM's own code through 0.30.0 (checked then), the Transformers
    # backend in 0.33; getattr(config, "max_position_embeddings", default).
    cfg = ConfigObject({"hidden_size": 2048, "num_attention_heads": 32})
    own = _code_in(cfg, architecture, V30).code
    assert (own.module, own.head_size, own.max_position, own.checked) == (module, 64, length, True)
    older = _code_in(cfg, architecture, OLD).code
    assert older.checked is True
    backend = _code_in(cfg, architecture, NEW)
    assert backend.layers == ()
    assert (backend.code.module, backend.code.head_size, backend.code.max_position) == (
        "Transformers backend",
        None,
        None,
    )
    assert backend.code.transformers_backend is True
    assert (
        backend.code.note == "served by transformers' own RoPE; vLLM get_rope formulas do not apply"
    )


def test_bert_has_no_rope() -> None:
    result = _code({"model_type": "bert"}, "BertModel")
    assert (result.code.module, result.code.head_size, result.code.max_position) == (
        "absolute positions",
        None,
        None,
    )
    assert result.code.note == "no RoPE: absolute positions"
    assert result.layers == ()


def test_generic_notes() -> None:
    cfg = ConfigObject({"hidden_size": 4096, "num_attention_heads": 32})
    named = model_code(cfg, ("FooForCausalLM",), None, NEW).code
    assert (
        named.note
        == "ntkcli has no model-code data for FooForCausalLM; modelled like LlamaForCausalLM"
    )
    assert (named.module, named.checked, named.max_position) == ("llama.py", False, 8192)
    unnamed = model_code(cfg, (), None, NEW).code
    assert unnamed.note == "no architectures in config.json; modelled like LlamaForCausalLM"
    assert unnamed.architecture is None


GTE = {"model_type": "gte", "hidden_act": "gelu", "max_position_embeddings": 8192}


def test_snowflake_gte() -> None:
    # SPEC-loading §4.4': asserts class GteConfig and hidden_act gelu; partial factor
    # rotary_emb_dim / head_dim (default 1.0).
    result = _code(GTE, "GteModel")
    assert result.refusal is None
    assert (result.code.module, result.code.head_size, result.code.max_position) == (
        "bert_with_rope.py",
        64,
        8192,
    )
    assert result.code.checked is False
    assert result.layers[0].params["partial_rotary_factor"] == 1.0
    half = _code({**GTE, "rotary_emb_dim": 32}, "GteModel")
    assert half.layers[0].params["partial_rotary_factor"] == 0.5


def test_gte_assertions() -> None:
    wrong_act = _code({**GTE, "hidden_act": "relu"}, "GteModel").refusal
    assert wrong_act is not None
    assert (wrong_act.error, wrong_act.message, wrong_act.step, wrong_act.cause) == (
        "AssertionError",
        "assert config.hidden_act == 'gelu' (got 'relu')",
        "model config update",
        "model_assertion",
    )
    wrong_class = _code({**GTE, "model_type": "llama"}, "GteNewModel").refusal
    assert wrong_class is not None
    assert wrong_class.message == (
        "assert config.__class__.__name__ == 'NewConfig' (the config class is 'LlamaConfig')"
    )


def test_jina_xlm_roberta_rounds_up() -> None:
    # SPEC-loading §4.4': rotary XLM-R: max_position_embeddings rounded up to a multiple of 8
    # (8194 → 8200); otherwise no RoPE.
    values = {
        "model_type": "xlm-roberta",
        "auto_map": {
            "AutoConfig": "jinaai/xlm-roberta-flash-implementation--"
            "configuration_xlm_roberta.XLMRobertaFlashConfig"
        },
        "position_embedding_type": "rotary",
        "max_position_embeddings": 8194,
        "hidden_size": 1024,
        "num_attention_heads": 16,
        "rotary_emb_base": 20000.0,
    }
    cfg = ConfigObject(values, trust_remote_code=True)
    result = _code_in(cfg, "XLMRobertaModel")
    assert result.refusal is None
    assert (result.code.max_position, result.code.head_size) == (8200, 64)
    assert result.code.note == "max_position_embeddings 8194 rounded up to 8200 (not enforce_eager)"
    even = _code_in(
        ConfigObject({**values, "max_position_embeddings": 8192}, trust_remote_code=True),
        "XLMRobertaModel",
    )
    assert (even.code.max_position, even.code.note) == (8192, None)
    plain = _code({"model_type": "xlm-roberta"}, "XLMRobertaModel")
    assert plain.code.module == "absolute positions"
