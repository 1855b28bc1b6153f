"""The config object emulation (ntkcli/configs/config_object.py) value by value, for mutation
testing (issue 14): the cached class builders called directly (their caches are filled once per
process, so a test going through the cache would not see a mutated builder), attribute presence,
the load errors' exact texts (SPEC-loading §2'.6) and the standardisation rules (§2'.5).
"""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.configs import config_object as co
from ntkcli.configs.config_object import ConfigObject, LoadRefusal
from ntkcli.errors import ConfigError

# SPEC-loading §2'.1 C3: the native and the remote-only model types of transformers 5.20.2.
NATIVE_5 = {
    "nomic_bert",
    "llama",
    "qwen2",
    "qwen3",
    "mistral",
    "phi3",
    "gemma3_text",
    "gemma3",
    "gpt_neox",
    "phi",
    "deepseek_v3",
    "gte",
    "xlm-roberta",
    "bert",
}
REMOTE_ONLY_5 = {"internlm2", "qwen", "new"}


def _load(values: dict[str, Any], **kw: Any) -> ConfigObject:
    return ConfigObject(values, **kw)


# -- the builders behind the caches --------------------------------------------------------------
def test_not_native_in_5_holds_the_remote_only_types() -> None:
    # SPEC-loading §2'.1 C3 (C2 case 4).
    remote = co._not_native_in("5.20.2")
    assert isinstance(remote, frozenset)
    assert remote >= REMOTE_ONLY_5
    assert not remote & NATIVE_5


def test_not_native_in_4_also_holds_nomic_bert_and_gte() -> None:
    # ENGINES.md (llama.cpp converter): 4.57.6 has no nomic_bert class; SPEC-loading §2'.1 C3:
    # native gte is new in 5.20.2.
    remote = co._not_native_in("4.57.6")
    assert remote >= REMOTE_ONLY_5 | {"nomic_bert", "gte"}
    assert "llama" not in remote


def test_native_class_builder() -> None:
    # SPEC-loading §2'.3: the class names; internlm2 is remote only, a made-up type has no data.
    llama = co._native_class("llama")
    assert llama is not None and llama.name == "LlamaConfig"
    assert llama.defaults["max_position_embeddings"] == 2048
    bert = co._native_class("bert")
    assert bert is not None and bert.name == "BertConfig"
    assert co._native_class("internlm2") is None
    assert co._native_class("no_such_type") is None


def test_native_class_in_builder() -> None:
    # SPEC-loading §2'.3 (5.20.2) and ENGINES.md (4.57.6 has Llama but no nomic_bert).
    same = co._native_class_in("5.20.2", "llama")
    assert same is not None and same.name == "LlamaConfig"
    old = co._native_class_in("4.57.6", "llama")
    assert old is not None and old.name == "LlamaConfig"
    assert old.defaults["max_position_embeddings"] == 2048
    assert co._native_class_in("4.57.6", "nomic_bert") is None
    assert co._native_class_in("4.57.6", "internlm2") is None
    assert co._native_class_in("4.57.6", "no_such_type") is None
    nomic = co._native_class_in("5.20.2", "nomic_bert")
    assert nomic is not None and nomic.name == "NomicBertConfig"


def test_module_attributes() -> None:
    # SPEC-loading §2'.1 C3.
    assert co.REMOTE_ONLY >= REMOTE_ONLY_5  # type: ignore[attr-defined]
    assert co.NOT_NATIVE_4 >= REMOTE_ONLY_5 | {"nomic_bert", "gte"}  # type: ignore[attr-defined]
    native = co.NATIVE  # type: ignore[attr-defined]
    assert native["phi3"].name == "Phi3Config"
    with pytest.raises(AttributeError, match="has no attribute 'NOPE'"):
        co.NOPE  # type: ignore[attr-defined]  # noqa: B018


# -- attribute presence (getattr / hasattr semantics, SPEC-loading §2'.3, §2'.4) ------------------
def test_has_and_declared() -> None:
    llama = _load({"model_type": "llama", "foo": 1})
    assert llama.has("foo") and llama.in_json("foo") and not llama.declared("foo")
    # A class default: declared, not in the JSON.
    assert llama.has("max_position_embeddings") and llama.declared("max_position_embeddings")
    assert not llama.in_json("max_position_embeddings")
    # head_dim = hidden // heads, computed at load (neither in the JSON nor declared).
    assert llama.has("head_dim") and not llama.declared("head_dim")
    assert not llama.in_json("head_dim")
    # rope_parameters is filled at load for every RoPE class.
    assert llama.has("rope_parameters")
    assert not llama.has("n_positions")
    # BERT has no rope_parameters attribute at all (§2'.3).
    bert = _load({"model_type": "bert"})
    assert not bert.has("rope_parameters")
    assert not bert.has("head_dim")


def test_declared_through_an_alias() -> None:
    # SPEC-loading §2'.4 R-A3: the remote Nomic class maps max_position_embeddings→n_positions.
    remote = _load(
        {
            "model_type": "nomic_bert",
            "auto_map": {"AutoConfig": "configuration_hf_nomic_bert.NomicBertConfig"},
        },
        trust_remote_code=True,
    )
    assert remote.declared("max_position_embeddings")
    assert remote.get("max_position_embeddings") == 1024  # SPEC §2.3: n_positions 1024
    assert remote.where("max_position_embeddings") == "config.json"


# -- the load errors' texts (SPEC-loading §2'.6) -------------------------------------------------
def test_null_int_field_at_load() -> None:
    # E1 (measured with huggingface_hub 2.4.0).
    with pytest.raises(LoadRefusal) as caught:
        _load({"model_type": "llama", "max_position_embeddings": None})
    assert caught.value.error == "StrictDataclassFieldValidationError"
    assert caught.value.message == (
        "Validation error for field 'max_position_embeddings': TypeError: Field "
        "'max_position_embeddings' expected int, got NoneType"
    )
    assert caught.value.cause == "field_type"
    assert str(caught.value) == (
        "StrictDataclassFieldValidationError: Validation error for field "
        "'max_position_embeddings': TypeError: Field 'max_position_embeddings' expected int, "
        "got NoneType"
    )


def test_null_int_field_as_flat_override() -> None:
    # E1: hf_overrides={"max_position_embeddings": None} raises it too.
    cfg = _load({"model_type": "llama"})
    with pytest.raises(LoadRefusal) as caught:
        cfg.update({"hidden_size": None})
    assert caught.value.message == (
        "Validation error for field 'hidden_size': TypeError: Field 'hidden_size' expected int, "
        "got NoneType"
    )


def test_missing_required_keys_lists_them_sorted() -> None:
    # E2: longrope needs short_factor and long_factor (L0 is filled by R-S3).
    with pytest.raises(LoadRefusal) as caught:
        _load({"model_type": "llama", "rope_scaling": {"rope_type": "longrope"}})
    assert caught.value.error == "KeyError"
    assert caught.value.cause == "missing_rope_keys"
    assert caught.value.message == (
        "\"Missing required keys in `rope_parameters` for 'rope_type'='longrope': "
        "{'long_factor', 'short_factor'}\""
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (12, "12"),
        # A repr of exactly 40 characters is shown whole, a longer one cut to 37 + "...".
        (["a" * 36], "['" + "a" * 36 + "']"),
        (["a" * 37], "['" + "a" * 35 + "..."),
    ],
)
def test_bad_model_type_is_described(value: Any, shown: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load({"model_type": value})
    assert str(caught.value) == f"config.json: 'model_type' must be a string, got {shown}"


# -- Gemma3's conversion (SPEC-loading §2'.5 R-S6) -----------------------------------------------
def test_gemma3_rope_scaling_without_full_attention_is_a_key_error() -> None:
    # R-S6: the legacy rope_scaling is merged into rope_parameters["full_attention"].
    values = {
        "model_type": "gemma3_text",
        "rope_parameters": {"sliding_attention": {"rope_type": "default"}},
        "rope_scaling": {"rope_type": "linear", "factor": 8.0},
    }
    with pytest.raises(LoadRefusal) as caught:
        _load(values)
    assert (caught.value.error, caught.value.message, caught.value.cause) == (
        "KeyError",
        "'full_attention'",
        "gemma3_rope_scaling",
    )


def test_gemma3_layer_dicts_are_copied_not_filled_in_place() -> None:
    # R-S6: the JSON rope_parameters is taken as given and the defaults (θ 1e6 / 1e4,
    # SPEC-loading §2'.3) are filled into the config object's copy; config.json stays as read.
    full = {"rope_type": "linear", "factor": 8.0}
    sliding = {"rope_type": "default"}
    values = {
        "model_type": "gemma3_text",
        "rope_parameters": {"full_attention": full, "sliding_attention": sliding},
    }
    cfg = _load(values)
    assert cfg.rope_parameters == {
        "full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0},
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
    }
    assert full == {"rope_type": "linear", "factor": 8.0}
    assert sliding == {"rope_type": "default"}
