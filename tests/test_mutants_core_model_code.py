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
