"""Tests that kill mutants of the SGLang engine (ntkcli/engines/sglang.py, issue 14) which no
other test caught.

Every expected value is written out from ENGINES.md §1 (SGLang 0.5.23) or §6 (worked numbers),
section in the comment, never computed by the code under test. Calls are in-process: the engine
over a RawConfig built here, or its helpers over the config layer's object.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ntkcli.configs.config_object import ConfigObject
from ntkcli.engines import sglang
from ntkcli.engines import transformers as tf_engine
from ntkcli.engines.base import EngineRefusal, EngineRequest, EngineResult, LengthResult
from ntkcli.model import RawConfig, Source
from tests.conftest import LLAMA2 as CONFTEST_LLAMA2

LLAMA2: dict[str, Any] = {**CONFTEST_LLAMA2, "num_key_value_heads": 32}
# An unknown model_type is a plain PretrainedConfig: no class default for any key.
PLAIN: dict[str, Any] = {
    "model_type": "not_a_transformers_type",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096,
    "num_attention_heads": 32,
}
NOMIC_V2: dict[str, Any] = {
    "architectures": ["NomicBertModel"],
    "model_type": "nomic_bert",
    "max_position_embeddings": 2048,
    "hidden_size": 768,
    "num_attention_heads": 12,
    "rope_parameters": {"rope_type": "default", "rope_theta": 1000.0},
}
LENGTHS = (512, 2048, 4096, 8192)
LLAMA3_FREQ = {"low_freq_factor": 1.0, "high_freq_factor": 4.0}
SG30527 = 30527.7367488067  # ENGINES.md §6 "Numbers to note": SGLang Llama-2 dynamic


def run(config: dict[str, Any], **request: Any) -> EngineResult:
    raw = RawConfig("m", Source("local", "m/config.json"), config)
    return sglang.SglangEngine().resolve(raw, EngineRequest(**request), "0.5.23")


def tf(config: dict[str, Any]) -> ConfigObject:
    loaded = tf_engine.load_config(config)
    assert isinstance(loaded, ConfigObject), loaded
    return loaded


def statuses(r: EngineResult) -> list[str]:
    return [row.status for row in r.lengths]


# -- _served: tokenizer_manager rejects tokens ≥ context_len (ENGINES.md §1(b)) ---------------
def test_served_the_longest_accepted_input_is_context_len_minus_one() -> None:
    assert sglang._served(4095, 1.5, False, 4096) == LengthResult(4095, 1.5, True, 4095, "accepted")
    rejected = sglang._served(4096, 1.5, False, 4096)
    assert rejected == LengthResult(
        4096, 1.5, False, 0, "rejected", "rejected: 4096 tokens ≥ context_len 4096"
    )
    assert sglang._served(9000, 1.5, False, 4096).note == "rejected: 9000 tokens ≥ context_len 4096"


def test_served_refused_config_refuses_every_input() -> None:
    assert sglang._served(10, 2.0, True, 4096) == LengthResult(10, 2.0, False, 0, "refused")


def test_sglang_raises_carries_the_refusal() -> None:
    exc = sglang.SglangRaises("TypeError", "boom")
    assert str(exc) == "boom"
    assert exc.refusal == EngineRefusal("TypeError", "boom")


# -- get_context_length (ENGINES.md §1(b)) ----------------------------------------------------
def test_context_length_plain_mpe() -> None:
    assert sglang.context_length(tf(LLAMA2)) == (4096, "max_position_embeddings")


@pytest.mark.parametrize(
    ("rope", "expected"),
    [
        ({"rope_type": "dynamic", "factor": 2.0}, 8192),  # factor · mpe
        ({"rope_type": "linear", "factor": 1.5}, 6144),
        # forced to 1 with original_max_position_embeddings
        ({"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 4096}, 4096),
        (
            {
                "rope_type": "llama3",  # forced to 1 for llama3
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 8192,
            },
            4096,
        ),
    ],
)
def test_context_length_factor(rope: dict[str, Any], expected: int) -> None:
    assert sglang.context_length(tf({**LLAMA2, "rope_scaling": rope}))[0] == expected


def test_context_length_llama3_alone_forces_the_factor_to_one() -> None:
    # §1(b): "forced to 1 when the dict has ompe OR rope_type == llama3": a llama3 dict written
    # without ompe still drops its factor 8.
    cfg = tf(
        {
            **PLAIN,
            "max_position_embeddings": 4096,
            "rope_scaling": {"rope_type": "llama3", "factor": 8.0, **LLAMA3_FREQ},
        }
    )
    assert sglang.context_length(cfg) == (4096, "max_position_embeddings")


def test_context_length_ompe_alone_forces_the_factor_to_one() -> None:
    rope = {"rope_type": "dynamic", "factor": 2.0, "original_max_position_embeddings": 4096}
    cfg = tf({**PLAIN, "max_position_embeddings": 4096, "rope_scaling": rope})
    assert sglang.context_length(cfg)[0] == 4096


def test_context_length_truncates_the_product() -> None:
    # §1(b): int(factor·value): 1.5 · 4095 = 6142.5 → 6142
    cfg = tf(
        {
            **LLAMA2,
            "max_position_embeddings": 4095,
            "rope_scaling": {"rope_type": "linear", "factor": 1.5},
        }
    )
    assert sglang.context_length(cfg) == (6142, "max_position_embeddings")


def test_context_length_factor_absent_is_one() -> None:
    # §1(b): factor = rope_scaling["factor"] (default 1)
    cfg = tf({**PLAIN, "max_position_embeddings": 3000, "rope_scaling": {"rope_type": "default"}})
    assert sglang.context_length(cfg) == (3000, "max_position_embeddings")


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        # §1(b): the FIRST non-None of max_sequence_length, seq_length, max_seq_len,
        # model_max_length, max_position_embeddings
        (
            {"max_sequence_length": 100, "seq_length": 200, "max_seq_len": 300},
            (100, "max_sequence_length"),
        ),
        ({"seq_length": 200, "max_seq_len": 300, "model_max_length": 400}, (200, "seq_length")),
        ({"max_seq_len": 300, "model_max_length": 400}, (300, "max_seq_len")),
        ({"model_max_length": 400}, (400, "model_max_length")),
        ({"max_sequence_length": None, "seq_length": 200}, (200, "seq_length")),
        ({}, (4096, "max_position_embeddings")),
    ],
)
def test_context_length_key_order(keys: dict[str, Any], expected: tuple[int, str]) -> None:
    assert sglang.context_length(tf({**PLAIN, "max_position_embeddings": 4096, **keys})) == expected


def test_context_length_without_any_key_is_2048() -> None:
    assert sglang.context_length(tf(PLAIN)) == (2048, "default 2048 (no length key)")


def test_context_length_without_any_key_ignores_the_factor() -> None:
    # §1(b): "or 2048 when none is set" (the factor multiplies only a key's value)
    cfg = tf({**PLAIN, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}})
    assert sglang.context_length(cfg) == (2048, "default 2048 (no length key)")


@pytest.mark.parametrize(("factor", "name"), [(None, "NoneType"), ("2", "str"), ([2], "list")])
def test_context_length_factor_not_a_number(factor: Any, name: str) -> None:
    # §1(e): factor null → TypeError in get_context_length (None * int)
    cfg = tf(
        {
            **PLAIN,
            "max_position_embeddings": 4096,
            "rope_scaling": {"rope_type": "linear", "factor": factor},
        }
    )
    with pytest.raises(sglang.SglangRaises) as info:
        sglang.context_length(cfg)
    assert info.value.refusal == EngineRefusal(
        "TypeError", f"unsupported operand type(s) for *: '{name}' and 'int'"
    )


def test_context_length_value_not_a_number() -> None:
    cfg = tf({**LLAMA2, "max_position_embeddings": "4096"})
    with pytest.raises(sglang.SglangRaises) as info:
        sglang.context_length(cfg)
    assert info.value.refusal.error == "TypeError"
    assert "'str'" in info.value.refusal.message


# -- reserve_rope_cache_for_long_sequences: align128 (ENGINES.md §1(c)) -----------------------
@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, 0), (1, 128), (127, 128), (128, 128), (129, 256), (8448, 8448), (4353, 4480)],
)
def test_align128(n: int, expected: int) -> None:
    assert sglang.align128(n) == expected


# -- the Llama call site: partial_rotary_factor as an attribute (ENGINES.md §1(c)) ------------
def test_top_level_partial() -> None:
    assert sglang.top_level_partial(tf({**LLAMA2, "partial_rotary_factor": 0.5})) == 1
    assert sglang.top_level_partial(tf(LLAMA2)) == 1


def test_top_level_partial_of_phi3_is_its_attribute() -> None:
    phi3 = {
        "architectures": ["Phi3ForCausalLM"],
        "model_type": "phi3",
        "hidden_size": 3072,
        "num_attention_heads": 32,
        "max_position_embeddings": 4096,
    }
    assert sglang.top_level_partial(tf({**phi3, "partial_rotary_factor": 0.5})) == 0.5
    assert sglang.top_level_partial(tf(phi3)) == 1


def test_top_level_partial_of_a_remote_class() -> None:
    remote = {**LLAMA2, "auto_map": {"AutoConfig": "configuration_x.XConfig"}}
    loaded = tf_engine.load_config(
        {**remote, "partial_rotary_factor": 0.25}, trust_remote_code=True
    )
    assert isinstance(loaded, ConfigObject) and loaded.origin == "remote"
    assert sglang.top_level_partial(loaded) == 0.25
    loaded = tf_engine.load_config(remote, trust_remote_code=True)
    assert isinstance(loaded, ConfigObject)
    assert sglang.top_level_partial(loaded) == 1


# -- get_rope (ENGINES.md §1(c)) --------------------------------------------------------------
def test_rope_default_llama2() -> None:
    # §1(c): Llama: θ = rope_theta, L = mpe, d = head_dim = 4096/32 = 128
    assert sglang._rope(tf(LLAMA2)) == ("RotaryEmbedding", 10000.0, 128, 10000.0, 4096)


def test_rope_defaults_without_theta_or_mpe() -> None:
    # §1(c): θ default 10000, L default 8192
    assert sglang._rope(tf(PLAIN)) == ("RotaryEmbedding", 10000.0, 128, 10000.0, 8192)


def test_rope_theta_not_a_number_is_the_default() -> None:
    cfg = tf({**PLAIN, "rope_parameters": {"rope_type": "default", "rope_theta": "big"}})
    assert sglang._rope(cfg)[1] == 10000.0


def test_rope_theta_from_the_dict() -> None:
    cfg = tf({**PLAIN, "rope_parameters": {"rope_type": "default", "rope_theta": 500000}})
    result = sglang._rope(cfg)
    assert result[1] == 500000.0 and isinstance(result[1], float)


def test_rope_without_head_dim_or_hidden_size() -> None:
    with pytest.raises(sglang.SglangRaises) as info:
        sglang._rope(tf({"model_type": "not_a_transformers_type"}))
    assert info.value.refusal == EngineRefusal(
        "AttributeError", "the config has no head_dim or hidden_size"
    )


def test_rope_nested_per_layer_dict() -> None:
    # §1(e): a nested per-layer rope dict on Llama → TypeError: unhashable type: 'dict'
    rope = {
        "full_attention": {"rope_type": "default", "rope_theta": 10000.0},
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
    }
    with pytest.raises(sglang.SglangRaises) as info:
        sglang._rope(tf({**PLAIN, "model_type": "gemma3_text", "rope_parameters": rope}))
    assert info.value.refusal == EngineRefusal("TypeError", "unhashable type: 'dict'")


def test_rope_partial_factor_of_a_remote_class() -> None:
    # d = int(partial_rotary_factor · head_dim): 0.3 · 128 = 38.4 → 38
    config = {**LLAMA2, "auto_map": {"AutoConfig": "c.XConfig"}, "partial_rotary_factor": 0.3}
    loaded = tf_engine.load_config(config, trust_remote_code=True)
    assert isinstance(loaded, ConfigObject)
    assert sglang._rope(loaded)[2] == 38


def test_rope_partial_factor_not_a_number_keeps_head_dim() -> None:
    config = {**LLAMA2, "auto_map": {"AutoConfig": "c.XConfig"}, "partial_rotary_factor": "half"}
    loaded = tf_engine.load_config(config, trust_remote_code=True)
    assert isinstance(loaded, ConfigObject)
    assert sglang._rope(loaded)[2] == 128


@pytest.mark.parametrize(
    ("extra", "name"),
    [
        ({"mrope_section": [16, 24, 24]}, "MRotaryEmbedding"),
        ({"mrope_section": [16, 24, 24], "video_rope": True}, "BailingMRotaryEmbedding"),
        ({"mrope_section": [16, 24, 24], "video_rope": False}, "MRotaryEmbedding"),
        ({"use_fope": True}, "FourierRotaryEmbedding"),
        ({"use_fope": False}, "RotaryEmbedding"),
    ],
)
def test_rope_default_branch_classes(extra: dict[str, Any], name: str) -> None:
    # §1(c): rope_type "default" → RotaryEmbedding (factory.py's default branch)
    cfg = tf({**PLAIN, "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, **extra}})
    assert sglang._rope(cfg) == (name, 10000.0, 128, 10000.0, 8192)


def test_rope_type_none_is_default() -> None:
    cfg = tf({**PLAIN, "rope_parameters": {"rope_type": None, "rope_theta": 10000.0}})
    assert sglang._rope(cfg)[0] == "RotaryEmbedding"


def test_rope_dynamic_llama2() -> None:
    # §1(c) and §6 llama2_dynamic2: θ' = θ·(α²−α+1)^e = 30527.7367488067, cache arange(L·α) rows
    cfg = tf({**LLAMA2, "rope_scaling": {"type": "dynamic", "factor": 2.0}})
    name, theta, dim, scaled, rows = sglang._rope(cfg)
    assert (name, theta, dim, rows) == ("DynamicNTKScalingRotaryEmbedding", 10000.0, 128, 8192)
    assert scaled == pytest.approx(SG30527, rel=1e-12)


def test_rope_dynamic_rows_round_up() -> None:
    # cache arange(L·α): 4095 · 1.5 = 6142.5 → 6143 rows
    cfg = tf(
        {
            **LLAMA2,
            "max_position_embeddings": 4095,
            "rope_scaling": {"type": "dynamic", "factor": 1.5},
        }
    )
    assert sglang._rope(cfg)[4] == 6143


def test_rope_dynamic_with_alpha() -> None:
    # §1(c): dynamic with alpha → DynamicNTKAlphaRotaryEmbedding
    rope = {"rope_type": "dynamic", "alpha": 2.0, "factor": 1.0, "rope_theta": 10000.0}
    cfg = tf({**LLAMA2, "rope_parameters": rope})
    assert sglang._rope(cfg) == (
        "DynamicNTKAlphaRotaryEmbedding",
        10000.0,
        128,
        "alpha: not modelled",
        4096,
    )


@pytest.mark.parametrize(("factor", "name"), [("2", "str"), (None, "NoneType")])
def test_rope_dynamic_factor_not_a_number(factor: Any, name: str) -> None:
    cfg = tf({**PLAIN, "rope_parameters": {"rope_type": "dynamic", "factor": factor}})
    with pytest.raises(sglang.SglangRaises) as info:
        sglang._rope(cfg)
    assert info.value.refusal == EngineRefusal(
        "TypeError", f"unsupported operand type(s) for *: 'int' and '{name}'"
    )


def test_rope_yarn_is_built_for_ompe() -> None:
    # §1(c) and §6 qwen2_yarn4: yarn → YaRNScalingRotaryEmbedding, ompe 32768 · 4 = 131072 rows
    rope = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}
    cfg = tf({**PLAIN, "max_position_embeddings": 32768, "rope_parameters": rope})
    assert sglang._rope(cfg) == (
        "YaRNScalingRotaryEmbedding",
        10000.0,
        128,
        "yarn: no single base",
        131072,
    )


def test_rope_yarn_ompe_defaults_to_mpe_and_truncates() -> None:
    rope = {"rope_type": "yarn", "factor": 1.5}
    cfg = tf({**PLAIN, "max_position_embeddings": 4095, "rope_parameters": rope})
    assert sglang._rope(cfg)[4] == 6142  # int(4095 · 1.5)


def test_rope_yarn_ompe_is_made_an_int_first() -> None:
    rope = {"rope_type": "yarn", "factor": 2.0, "original_max_position_embeddings": 1000.5}
    cfg = tf({**PLAIN, "max_position_embeddings": 4096, "rope_parameters": rope})
    assert sglang._rope(cfg)[4] == 2000  # int(int(1000.5) · 2)


def test_rope_yarn_ompe_not_a_number_is_a_type_error() -> None:
    rope = {"rope_type": "yarn", "factor": 2.0, "original_max_position_embeddings": "4096"}
    cfg = tf({**PLAIN, "max_position_embeddings": 4096, "rope_parameters": rope})
    with pytest.raises(sglang.SglangRaises) as info:
        sglang._rope(cfg)
    assert info.value.refusal == EngineRefusal(
        "TypeError", "unsupported operand type(s) for *: 'str' and 'float'"
    )


def test_rope_yarn_factor_not_a_number_is_one() -> None:
    rope = {"rope_type": "yarn", "factor": None, "original_max_position_embeddings": 1000}
    cfg = tf({**PLAIN, "max_position_embeddings": 4096, "rope_parameters": rope})
    assert sglang._rope(cfg)[4] == 1000


def test_rope_yarn_without_any_length_is_a_type_error() -> None:
    # the plain class has no max_position_embeddings: the dict's ompe is None (None · factor)
    r = run({**PLAIN, "rope_parameters": {"rope_type": "yarn", "factor": 2.0}})
    assert r.refusal == EngineRefusal(
        "TypeError", "unsupported operand type(s) for *: 'NoneType' and 'float'"
    )
    assert (r.max_len, r.max_len_key) == (2048, "default 2048 (no length key)")


@pytest.mark.parametrize(
    ("extra", "name"),
    [
        ({"mrope_section": [16, 24, 24]}, "YaRNScalingMRotaryEmbedding"),
        ({"mrope_section": [16, 24, 24], "video_rope": True}, "BailingMRotaryEmbedding"),
        ({"video_rope": True}, "YaRNScalingRotaryEmbedding"),
    ],
)
def test_rope_yarn_classes(extra: dict[str, Any], name: str) -> None:
    rope = {"rope_type": "yarn", "factor": 2.0, **extra}
    config = {**PLAIN, "max_position_embeddings": 4096, "rope_parameters": rope}
    assert sglang._rope(tf(config))[0] == name


def test_rope_linear_rows() -> None:
    # linear: L·α rows, truncated: 4095 · 1.5 = 6142.5 → 6142; the base stays θ
    cfg = tf(
        {
            **PLAIN,
            "max_position_embeddings": 4095,
            "rope_parameters": {"rope_type": "linear", "factor": 1.5},
        }
    )
    assert sglang._rope(cfg) == ("LinearScalingRotaryEmbedding", 10000.0, 128, 10000.0, 6142)


def test_rope_linear_factor_not_a_number_is_one() -> None:
    cfg = tf(
        {
            **PLAIN,
            "max_position_embeddings": 4096,
            "rope_parameters": {"rope_type": "linear", "factor": "x"},
        }
    )
    assert sglang._rope(cfg)[4] == 4096


# the keys transformers 5.19's validation requires (ENGINES.md §1(e))
OTHER_KEYS: dict[str, dict[str, Any]] = {
    "llama3": LLAMA3_FREQ,
    "longrope": {
        "long_factor": [1.0] * 64,
        "short_factor": [1.0] * 64,
        "original_max_position_embeddings": 4096,
    },
}


@pytest.mark.parametrize(
    ("rope_type", "name"),
    [
        ("llama3", "Llama3RotaryEmbedding"),
        ("longrope", "Phi3LongRoPEScaledRotaryEmbedding"),
        ("deepseek_yarn", "DeepseekScalingRotaryEmbedding"),
        ("proportional", "ProportionalRotaryEmbedding"),
    ],
)
def test_rope_other_handled_types(rope_type: str, name: str) -> None:
    # §1(c): linear, llama3, longrope, deepseek_yarn and proportional are also handled
    rope = {"rope_type": rope_type, "factor": 8.0, **OTHER_KEYS.get(rope_type, {})}
    cfg = tf({**PLAIN, "max_position_embeddings": 4096, "rope_parameters": rope})
    assert sglang._rope(cfg) == (name, 10000.0, 128, f"{rope_type}: no single base", 4096)


@pytest.mark.parametrize("rope_type", ["ntk", "su", "mrope"])
def test_rope_unknown_type(rope_type: str) -> None:
    # §1(c)/(e): ntk, or any other name → ValueError: Unknown RoPE scaling type
    cfg = tf({**PLAIN, "rope_parameters": {"rope_type": rope_type, "factor": 2.0}})
    with pytest.raises(sglang.SglangRaises) as info:
        sglang._rope(cfg)
    assert info.value.refusal == EngineRefusal(
        "ValueError", f"Unknown RoPE scaling type {rope_type}"
    )


# -- --json-model-override-args (ENGINES.md §1(a)) --------------------------------------------
def _raw(config: dict[str, Any]) -> RawConfig:
    return RawConfig("m", Source("local", "m/config.json"), config)


def test_merge_rope_scaling_dict_is_merged() -> None:
    config = {"a": 1, "rope_scaling": {"type": "linear", "factor": 2.0, "rope_theta": 5.0}}
    merged = sglang._merge(_raw(config), {"rope_scaling": {"factor": 4.0}})
    assert merged == {"a": 1, "rope_scaling": {"type": "linear", "factor": 4.0, "rope_theta": 5.0}}
    assert config["rope_scaling"]["factor"] == 2.0  # the raw config is not edited


def test_merge_rope_parameters_dict_is_merged() -> None:
    config = {"rope_parameters": {"rope_type": "default", "rope_theta": 1000.0}}
    merged = sglang._merge(
        _raw(config), {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0}}
    )
    assert merged == {
        "rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000.0}
    }


def test_merge_rope_scaling_aliases_rope_parameters() -> None:
    # §1(a): rope_scaling is v5's alias of rope_parameters: rope_theta survives
    config = {"rope_parameters": {"rope_type": "default", "rope_theta": 1000.0}}
    merged = sglang._merge(_raw(config), {"rope_scaling": {"rope_type": "dynamic", "factor": 2.0}})
    assert merged == {
        "rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000.0}
    }


def test_merge_rope_scaling_without_any_dict() -> None:
    merged = sglang._merge(_raw({"rope_scaling": None}), {"rope_scaling": {"factor": 2.0}})
    assert merged == {"rope_scaling": {"factor": 2.0}}
    merged = sglang._merge(_raw({"rope_parameters": 3}), {"rope_scaling": {"factor": 2.0}})
    assert merged == {"rope_parameters": 3, "rope_scaling": {"factor": 2.0}}
    merged = sglang._merge(_raw({}), {"rope_parameters": {"factor": 2.0}})
    assert merged == {"rope_parameters": {"factor": 2.0}}


def test_merge_other_keys_and_non_dict_values_are_set() -> None:
    config = {"rope_scaling": {"factor": 2.0}, "max_position_embeddings": 4096}
    merged = sglang._merge(_raw(config), {"rope_scaling": None, "max_position_embeddings": 100})
    assert merged == {"rope_scaling": None, "max_position_embeddings": 100}
    merged = sglang._merge(_raw({"x": {"a": 1}}), {"x": {"b": 2}})
    assert merged == {"x": {"b": 2}}  # a dict for another key replaces


# -- resolve ----------------------------------------------------------------------------------
def test_resolve_llama2_reserve() -> None:
    # §1(c) cache growth: align128(4096 + 256) = 4352 rows, the added rows at θ 10000
    r = run(LLAMA2)
    assert (r.engine.name, r.engine.version) == ("sglang", "0.5.23")
    assert (r.config_class.name, r.config_class.origin) == ("LlamaConfig", "native")
    assert (r.max_len, r.max_len_key, r.refusal) == (4096, "max_position_embeddings", None)
    assert (r.rope_class, r.base, r.scaled_base) == ("RotaryEmbedding", 10000.0, 10000.0)
    assert r.cache_shape == (4352, 128)
    assert (r.scaling, r.evidence) == ("fixed at load", sglang.EVIDENCE)
    assert r.extra == {"cache_rows_before_reserve": 4096, "context_len": 4096}
    assert statuses(r) == ["accepted", "accepted", "rejected", "rejected"]
    assert [row.tokens_used for row in r.lengths] == [512, 2048, 0, 0]
    assert len(r.notes) == 2
    assert re.fullmatch(
        r"cache grown at startup from 4096 to 4352 rows \(align128\(context_len \+ 256\)\); "
        r"rows 4096\+ use the unscaled θ 10000",
        r.notes[0],
    )
    assert re.fullmatch(
        r"get_rope arguments from the Llama call site \(models/llama\.py\)", r.notes[1]
    )


def test_resolve_llama2_dynamic_row_of_section_6() -> None:
    # §6 llama2_dynamic2: context_len 8192, cache 8192→8448×128, 30527.7 at 512/2048/4096, R 8192
    r = run({**LLAMA2, "rope_scaling": {"type": "dynamic", "factor": 2.0}})
    assert (r.max_len, r.max_len_key) == (8192, "max_position_embeddings")
    assert r.cache_shape == (8448, 128)
    assert r.extra == {"cache_rows_before_reserve": 8192, "context_len": 8192}
    assert r.scaled_base == pytest.approx(SG30527, rel=1e-12)
    assert [row.base for row in r.lengths] == [pytest.approx(SG30527, rel=1e-12)] * 4
    assert statuses(r) == ["accepted", "accepted", "accepted", "rejected"]
    assert "from 8192 to 8448 rows" in r.notes[0]


def test_resolve_no_reserve_note_when_the_cache_is_larger() -> None:
    # the plain class: context 2048 (no key), L 8192: align128(2048 + 256) = 2304 < 8192
    r = run(PLAIN)
    assert (r.max_len, r.max_len_key) == (2048, "default 2048 (no length key)")
    assert r.cache_shape == (8192, 128)
    assert r.extra == {"cache_rows_before_reserve": 8192, "context_len": 2048}
    assert r.notes == ("get_rope arguments from the Llama call site (models/llama.py)",)


def test_resolve_reserve_equal_to_the_rows_adds_no_note() -> None:
    # L 2304 = align128(2048 + 256): nothing to grow
    r = run({**PLAIN, "max_seq_len": 2048, "max_position_embeddings": 2304})
    assert r.max_len == 2048 and r.cache_shape == (2304, 128)
    assert len(r.notes) == 1


def test_resolve_overrides_note() -> None:
    r = run(LLAMA2, hf_overrides={"max_position_embeddings": 2048})
    assert r.max_len == 2048
    assert re.fullmatch(
        r"overrides applied as --json-model-override-args \(rope dicts merged into the "
        r"config's, other keys set\)",
        r.notes[0],
    )
    assert len(run(LLAMA2).notes) == 2  # no override note without overrides


def test_resolve_override_merges_into_the_rope_dict() -> None:
    # §1(a): {**current, **value}: rope_theta 1000 survives a factor override
    config = {
        **PLAIN,
        "max_position_embeddings": 4096,
        "rope_scaling": {"rope_type": "linear", "factor": 2.0, "rope_theta": 1000.0},
    }
    r = run(config, hf_overrides={"rope_scaling": {"factor": 3.0}})
    assert (r.max_len, r.base, r.rope_class) == (12288, 1000.0, "LinearScalingRotaryEmbedding")


def test_resolve_load_refusal() -> None:
    r = run({"hidden_size": 4096})
    assert r.refusal == EngineRefusal(
        "ValueError", "Unrecognized model: config.json has no model_type"
    )
    assert (r.max_len, r.rope_class, r.scaling, r.evidence) == (None, None, "none", sglang.EVIDENCE)
    assert (r.engine.name, r.engine.version) == ("sglang", "0.5.23")
    assert statuses(r) == ["refused"] * 4


def test_resolve_context_length_refusal_names_the_class() -> None:
    # §1(e): factor null → TypeError in get_context_length
    config = {
        **PLAIN,
        "max_position_embeddings": 4096,
        "rope_scaling": {"rope_type": "linear", "factor": None},
    }
    r = run(config, lengths=(10, 20))
    assert r.refusal == EngineRefusal(
        "TypeError", "unsupported operand type(s) for *: 'NoneType' and 'int'"
    )
    assert r.config_class.name == "PretrainedConfig"
    assert (r.max_len, r.scaling) == (None, "none")
    assert r.lengths == (
        LengthResult(10, None, False, 0, "refused"),
        LengthResult(20, None, False, 0, "refused"),
    )
    assert (r.engine.name, r.engine.version, r.evidence) == ("sglang", "0.5.23", sglang.EVIDENCE)


def test_resolve_user_context_length_lower() -> None:
    # §1(b): a lower --context-length is accepted as is
    r = run(LLAMA2, max_model_len=1000, lengths=(999, 1000))
    assert (r.max_len, r.max_len_key, r.refusal) == (1000, "--context-length", None)
    assert r.cache_shape == (4096, 128)  # align128(1256) = 1280 < 4096
    assert r.extra == {"cache_rows_before_reserve": 4096, "context_len": 1000}
    assert statuses(r) == ["accepted", "rejected"]


def test_resolve_user_context_length_equal_is_not_refused() -> None:
    r = run(LLAMA2, max_model_len=4096)
    assert (r.max_len, r.max_len_key, r.refusal) == (4096, "--context-length", None)


def test_resolve_user_context_length_above_raises() -> None:
    # §1(b): above the derived value → ValueError unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1
    r = run(LLAMA2, max_model_len=4097)
    assert r.refusal is not None and r.refusal.error == "ValueError"
    message = r.refusal.message
    assert "User-specified context_length (4097)" in message
    assert "derived context_length (4096)" in message
    assert message.endswith("SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1")
    assert message.startswith("Warning: ")
    assert (r.max_len, r.max_len_key) == (4097, "--context-length")
    assert statuses(r) == ["refused"] * 4
    assert [row.base for row in r.lengths] == [10000.0] * 4


def test_resolve_user_context_length_above_allowed() -> None:
    r = run(LLAMA2, max_model_len=16384, allow_long_max_model_len=True)
    assert (r.max_len, r.max_len_key, r.refusal) == (16384, "--context-length", None)
    assert r.cache_shape == (16640, 128)  # align128(16384 + 256)
    assert statuses(r) == ["accepted"] * 4


def test_resolve_rope_refusal_keeps_the_context() -> None:
    # §1(e): rope_type ntk → ValueError (from get_rope, after the context length)
    r = run({**LLAMA2, "rope_scaling": {"type": "ntk", "factor": 2.0}}, hf_overrides={"x": 1})
    assert r.refusal == EngineRefusal("ValueError", "Unknown RoPE scaling type ntk")
    assert (r.max_len, r.max_len_key) == (8192, "max_position_embeddings")
    assert (r.rope_class, r.base, r.scaled_base, r.cache_shape) == (None, None, None, None)
    assert (r.scaling, r.evidence) == ("fixed at load", sglang.EVIDENCE)
    assert (r.engine.name, r.config_class.name) == ("sglang", "LlamaConfig")
    assert r.lengths == tuple(LengthResult(n, None, False, 0, "refused") for n in LENGTHS)
    assert len(r.notes) == 1 and "json-model-override-args" in r.notes[0]
    assert r.extra == {}


def test_resolve_the_context_refusal_wins_over_the_rope_refusal() -> None:
    r = run({**LLAMA2, "rope_scaling": {"type": "ntk", "factor": 2.0}}, max_model_len=10**6)
    assert r.refusal is not None and r.refusal.error == "ValueError"
    assert "User-specified context_length (1000000)" in r.refusal.message


def test_resolve_remote_class_note() -> None:
    config = {**LLAMA2, "auto_map": {"AutoConfig": "configuration_x.XConfig"}}
    r = run(config, trust_remote_code=True)
    assert r.config_class.origin == "remote"
    assert any("configuration_x.XConfig" in note for note in r.notes)


# -- the Transformers backend (ENGINES.md §1(c), §6) ------------------------------------------
def test_transformers_backend_nomic_row_of_section_6() -> None:
    # §6 nomic_v15_v5: context_len 2048 (mpe), TF backend, 1000 / 1000 R / 1000 R / 1000 R
    r = run(NOMIC_V2)
    assert (r.max_len, r.max_len_key, r.refusal) == (2048, "max_position_embeddings", None)
    assert r.rope_class == "Transformers backend: NomicBertRotaryEmbedding, default"
    assert (r.base, r.scaled_base, r.cache_shape) == (1000.0, 1000.0, None)
    assert [row.base for row in r.lengths] == [1000.0] * 4
    assert statuses(r) == ["accepted", "rejected", "rejected", "rejected"]
    assert r.scaling == "fixed at load"
    assert r.extra == {"context_len": 2048}
    assert (r.engine.name, r.evidence) == ("sglang", sglang.EVIDENCE)
    assert (r.config_class.name, r.config_class.origin) == ("NomicBertConfig", "native")
    assert len(r.notes) == 1
    note = r.notes[0]
    assert note.startswith("no SGLang model for nomic_bert: served by the Transformers backend")
    assert note.endswith("(TransformersEmbeddingModel) with transformers' own rotary module")


def test_transformers_backend_nomic_dynamic_row_of_section_6() -> None:
    # §6 nomic_v15_v5_dyn2: context_len 4096, 1000 / 1000 / 3108.22 R / 7453.48 R
    rope = {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000.0}
    r = run({**NOMIC_V2, "rope_parameters": rope})
    assert r.max_len == 4096
    assert r.scaled_base is None
    assert r.scaling == "per forward (N > max_position_embeddings)"
    assert r.rope_class == "Transformers backend: NomicBertRotaryEmbedding, dynamic"
    bases = [row.base for row in r.lengths]
    assert bases[:2] == [1000.0, 1000.0]
    assert bases[2] == pytest.approx(3108.2236667168813, rel=1e-9)  # SPEC §6
    assert bases[3] == pytest.approx(7453.483031811892, rel=1e-9)
    assert statuses(r) == ["accepted", "accepted", "rejected", "rejected"]


def test_transformers_backend_gpt_neox() -> None:
    config = {
        "architectures": ["GPTNeoXForCausalLM"],
        "model_type": "gpt_neox",
        "hidden_size": 2048,
        "num_attention_heads": 16,
        "max_position_embeddings": 2048,
    }
    r = run(config)
    assert r.rope_class is not None and r.rope_class.startswith("Transformers backend: GPTNeoX")
    assert r.notes[0].startswith("no SGLang model for gpt_neox:")


def test_transformers_backend_rope_refusal() -> None:
    # the rotary module raises (an unknown rope type): every input refused, no base
    rope = {"rope_type": "ntk", "factor": 2.0, "rope_theta": 1000.0}
    r = run({**NOMIC_V2, "rope_parameters": rope})
    assert r.refusal is not None and r.refusal.error == "KeyError"
    assert r.scaled_base is None
    assert [row.base for row in r.lengths] == [None] * 4
    assert statuses(r) == ["refused"] * 4


def test_transformers_backend_context_refusal_wins() -> None:
    rope = {"rope_type": "ntk", "factor": 2.0, "rope_theta": 1000.0}
    r = run({**NOMIC_V2, "rope_parameters": rope}, max_model_len=10**6)
    assert r.refusal is not None and r.refusal.error == "ValueError"
    r = run(NOMIC_V2, max_model_len=10**6)
    assert r.refusal is not None and r.refusal.error == "ValueError"
    assert [row.base for row in r.lengths] == [1000.0] * 4
    assert statuses(r) == ["refused"] * 4
    assert (r.max_len, r.max_len_key) == (10**6, "--context-length")


def test_dynamic_with_a_rotary_dim_of_two_is_sglangs_zero_division() -> None:
    # DynamicNTKScalingRotaryEmbedding raises the exponent d / (d − 2) of two ints: with
    # hidden 64 over 32 heads (d = 2) that is Python's ZeroDivisionError, so SGLang crashes
    # at load and serves nothing (ENGINES.md §1(c)).
    config = {
        **LLAMA2,
        "hidden_size": 64,
        "rope_scaling": {"rope_type": "dynamic", "factor": 2.0},
    }
    result = run(config)
    assert result.refusal == EngineRefusal("ZeroDivisionError", "division by zero")
    assert statuses(result) == ["refused"] * 4
