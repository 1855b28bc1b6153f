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
    assert old.default_theta is None  # R-T4: transformers 4's class has no rope_parameters
    assert old.defaults["max_position_embeddings"] == 2048
    assert co._native_class_in("4.57.6", "nomic_bert") is None
    assert co._native_class_in("4.57.6", "internlm2") is None
    assert co._native_class_in("4.57.6", "no_such_type") is None
    nomic = co._native_class_in("5.20.2", "nomic_bert")
    assert nomic is not None and nomic.name == "NomicBertConfig"


def test_module_attributes() -> None:
    # SPEC-loading §2'.1 C3.
    assert co.REMOTE_ONLY >= REMOTE_ONLY_5  # type: ignore[attr-defined]
    assert REMOTE_ONLY_5 | {"nomic_bert", "gte"} <= co.NOT_NATIVE_4  # type: ignore[attr-defined]
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


# -- the class facts (SPEC-loading §2'.3, D2) ----------------------------------------------------
def test_a_remote_only_type_has_no_class_data() -> None:
    # SPEC-loading §2'.1 C3: internlm2 is remote only.
    with pytest.raises(LookupError) as caught:
        co._class_data("internlm2")
    assert str(caught.value) == "transformers 5.20.2 has no native class for internlm2"
    assert type(caught.value) is LookupError


def test_class_quirks_kept_as_code() -> None:
    # SPEC-loading §2'.3: Llama/Mistral/NomicBert head_dim = hidden // heads, DeepSeek-V3's is
    # qk_rope_head_dim; §2'.6 E3: Llama validates the architecture; GPT-NeoX reads θ from
    # rotary_emb_base and the partial factor from rotary_pct.
    llama = co._class_data("llama")
    assert (llama.head_dim_from, llama.heads_divide_hidden) == ("hidden", True)
    mistral = co._class_data("mistral")
    assert (mistral.head_dim_from, mistral.heads_divide_hidden) == ("hidden", False)
    assert co._class_data("deepseek_v3").head_dim_from == "qk_rope_head_dim"
    neox = co._class_data("gpt_neox")
    assert (neox.theta_key, neox.partial_key) == ("rotary_emb_base", "rotary_pct")
    assert co._class_data("qwen2").head_dim_from is None


def test_bert_has_no_rope_facts() -> None:
    # SPEC-loading §2'.3: bert has no rope_parameters attribute at all.
    bert = co._class_data("bert")
    assert (bert.default_theta, bert.partial_default, bert.local_theta) == (None, None, None)
    assert bert.nested is False


def test_transformers_4_llama_has_no_rope_parameters() -> None:
    # SPEC-loading §2'.2 R-T4: transformers 4 keeps the JSON dict as is; its classes have no
    # rope_parameters default.
    old = co._class_data("llama", "4.57.6")
    assert old.name == "LlamaConfig"
    assert old.default_theta is None


def test_native_class_in_the_default_table_is_the_cached_class() -> None:
    assert co._native_class_in("5.20.2", "llama") is co.native_class("llama")


def test_primary_rope() -> None:
    # SPEC-loading §2'.5 R-S3n / R-S6: per-layer-type dicts; the first layer type's is primary.
    full = {"rope_type": "default", "rope_theta": 1000000.0}
    sliding = {"rope_type": "default", "rope_theta": 10000.0}
    assert co.primary_rope({"full_attention": full, "sliding_attention": sliding}) == (full, True)
    assert co.primary_rope({"sliding_attention": sliding, "full_attention": full}) == (
        sliding,
        True,
    )
    assert co.primary_rope(full) == (full, False)
    assert co.primary_rope(None) == (None, False)


# -- where a value came from, and the length check -----------------------------------------------
def test_where_and_length_after_a_flat_override() -> None:
    cfg = _load({"model_type": "llama", "max_position_embeddings": 4096})
    over = cfg.update({"max_position_embeddings": "long"}).update({"n_ctx": 5})
    assert over.where("max_position_embeddings") == "hf_overrides"
    assert over.where("n_ctx") == "hf_overrides"
    assert over.where("hidden_size") == "config.json"
    assert cfg.where("max_position_embeddings") == "config.json"
    with pytest.raises(ConfigError) as caught:
        over.length("max_position_embeddings")
    assert caught.value.message == (
        "hf_overrides: 'max_position_embeddings' must be an integer length, got 'long'"
    )
    assert caught.value.hint == (
        "fix 'max_position_embeddings' in the config or override it with --hf-overrides"
    )


def test_length_default_and_minimum() -> None:
    cfg = _load({"model_type": "llama", "max_position_embeddings": 0})
    assert cfg.length("max_position_embeddings") == 0
    assert cfg.length("n_positions", 512) == 512
    with pytest.raises(LoadRefusal):
        cfg.length("n_positions")
    with pytest.raises(ConfigError) as caught:
        cfg.length("max_position_embeddings", minimum=1)
    assert caught.value.message == (
        "config.json: 'max_position_embeddings' must be an integer from 1 to 2147483647, got 0"
    )


# -- E3: an odd, fully rotated head_dim above 4 (SPEC-loading §2'.6) -----------------------------
def _odd(values: dict[str, Any]) -> str | None:
    try:
        _load(values)
    except LoadRefusal as exc:
        assert (exc.error, exc.cause) == ("StrictDataclassClassValidationError", "odd_head_dim")
        return exc.message
    return None


def _odd_message(head_dim: int, partial: float, layer: str) -> str:
    return (
        "Class validation error for validator 'validate_rope': ValueError: RoPE requires an even "
        f"rotary dimension, but got `head_dim`={head_dim} with `partial_rotary_factor`={partial} "
        f"for `{layer}`."
    )


@pytest.mark.parametrize("head_dim", [3, 4, 6])
def test_small_or_even_head_dims_load(head_dim: int) -> None:
    assert _odd({"model_type": "qwen3", "head_dim": head_dim}) is None


def test_odd_head_dim_5_is_refused() -> None:
    assert _odd({"model_type": "qwen3", "head_dim": 5}) == _odd_message(5, 1.0, "full_attention")


def test_partly_rotated_odd_head_dim_loads() -> None:
    # int(7 × 0.5) = 3 ≠ 7: not fully rotated.
    assert _odd({"model_type": "qwen3", "head_dim": 7, "partial_rotary_factor": 0.5}) is None


def test_rotary_dim_is_int_of_head_dim_times_partial() -> None:
    # int(7 × 1.1) = 7: fully rotated, refused.
    assert _odd({"model_type": "qwen3", "head_dim": 7, "partial_rotary_factor": 1.1}) == (
        _odd_message(7, 1.1, "full_attention")
    )


def test_gemma3_odd_head_dim_names_the_first_layer_type() -> None:
    # R-S6: with no JSON dict the layer dicts are sliding_attention, then full_attention.
    assert _odd({"model_type": "gemma3_text", "head_dim": 7}) == (
        _odd_message(7, 1.0, "sliding_attention")
    )


def test_gemma3_layers_after_a_skipped_one_are_checked() -> None:
    # A non-dict layer entry, or a partly rotated layer, is skipped; the next layer still counts.
    for first in (5, {"rope_type": "default", "partial_rotary_factor": 0.5}):
        values = {
            "model_type": "gemma3_text",
            "head_dim": 7,
            "rope_parameters": {
                "sliding_attention": first,
                "full_attention": {"rope_type": "default"},
            },
        }
        assert _odd(values) == _odd_message(7, 1.0, "full_attention")


def test_gemma3_yarn_layer_takes_l0_from_max_position_embeddings() -> None:
    # SPEC-loading §2'.5 R-S3n: in a nested dict L0 comes from max_position_embeddings; the
    # top-level original_max_position_embeddings is not used.
    cfg = _load(
        {
            "model_type": "gemma3_text",
            "max_position_embeddings": 32768,
            "original_max_position_embeddings": 4096,
            "rope_parameters": {
                "full_attention": {"rope_type": "yarn", "factor": 8.0},
                "sliding_attention": {"rope_type": "default"},
            },
        }
    )
    params = cfg.rope_parameters
    assert params is not None
    assert params["full_attention"]["original_max_position_embeddings"] == 32768


# -- E3's architecture check, R-S2's partial factor and θ default --------------------------------
@pytest.mark.parametrize(
    ("values", "cause"),
    [
        ({"hidden_size": 4096, "num_attention_heads": 0}, "zero_heads"),
        ({"hidden_size": 4096, "num_attention_heads": 0, "head_dim": 128}, "zero_heads"),
        ({"hidden_size": 4096, "num_attention_heads": 3}, "heads_divide_hidden"),
    ],
)
def test_architecture_refusal_causes(values: dict[str, Any], cause: str) -> None:
    with pytest.raises(LoadRefusal) as caught:
        _load({"model_type": "llama", **values})
    assert caught.value.cause == cause


def test_a_non_integer_hidden_size_is_left_to_later_checks() -> None:
    # validate_architecture only divides integers; a string is left to the model code's checks.
    cfg = _load({"model_type": "llama", "hidden_size": "4096", "num_attention_heads": 32})
    assert cfg.get("hidden_size") == "4096"
    assert not cfg.has("head_dim")


def test_a_json_partial_factor_goes_into_the_dict() -> None:
    # SPEC-loading §2'.5 R-S2: added when the JSON has one.
    cfg = _load({"model_type": "llama", "partial_rotary_factor": 0.5})
    assert cfg.rope_parameters == {
        "rope_theta": 10000.0,
        "partial_rotary_factor": 0.5,
        "rope_type": "default",
    }
    assert _load({"model_type": "llama"}).rope_parameters == {
        "rope_theta": 10000.0,
        "rope_type": "default",
    }


def test_gpt_neox_partial_from_rotary_pct_else_its_default() -> None:
    # SPEC-loading §2'.3: GPT-NeoX: partial from rotary_pct else 0.25, θ from rotary_emb_base.
    cfg = _load({"model_type": "gpt_neox", "rotary_pct": 0.5, "rotary_emb_base": 500})
    params = cfg.rope_parameters
    assert params is not None
    assert (params["partial_rotary_factor"], params["rope_theta"]) == (0.5, 500)
    default = _load({"model_type": "gpt_neox"}).rope_parameters
    assert default is not None
    assert (default["partial_rotary_factor"], default["rope_theta"]) == (0.25, 10000.0)


def test_a_remote_class_without_default_theta_takes_10000() -> None:
    # SPEC-loading §2'.3: the generic PretrainedConfig's default_theta is 10000; the remote Nomic
    # class declares none, so a JSON rope_scaling is standardised with it.
    remote = _load(
        {
            "model_type": "nomic_bert",
            "auto_map": {"AutoConfig": "configuration_hf_nomic_bert.NomicBertConfig"},
            "rope_scaling": {"rope_type": "dynamic", "factor": 2.0},
        },
        trust_remote_code=True,
    )
    assert remote.rope_parameters == {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 10000.0}


# -- class choice (SPEC-loading §2'.1 C2) --------------------------------------------------------
NOMIC_REF = "configuration_hf_nomic_bert.NomicBertConfig"
NO_CLASS = (
    "The checkpoint you are trying to load has model type `{}` but Transformers does not "
    "recognize this architecture. This could be because of an issue with the checkpoint, or "
    "because your version of Transformers is out of date."
)


def test_no_model_type_is_the_generic_class() -> None:
    cfg = _load({})
    assert (cfg.model_type, cfg.class_name, cfg.origin, cfg.known) == (
        "",
        "PretrainedConfig",
        "native",
        True,
    )
    assert cfg.rope_parameters is None and not cfg.has("rope_parameters")
    assert cfg.remote_ref is None
    assert cfg.transformers_major == 5


def test_an_unknown_model_type_is_the_generic_class_marked_unknown() -> None:
    cfg = _load({"model_type": "made_up", "rope_theta": 50000.0})
    assert (cfg.class_name, cfg.origin, cfg.known) == ("PretrainedConfig", "native", False)
    # With a RoPE key the generic class standardises too (R-S1–R-S3).
    assert cfg.rope_parameters == {"rope_theta": 50000.0, "rope_type": "default"}


def test_bad_model_type_hint() -> None:
    with pytest.raises(ConfigError) as caught:
        _load({"model_type": 3})
    assert caught.value.hint == "fix 'model_type' in config.json"


def test_no_native_class_messages() -> None:
    # C2 case 4, with and without auto_map.
    with pytest.raises(LoadRefusal) as caught:
        _load({"model_type": "internlm2", "auto_map": {"AutoConfig": "configuration_x.X"}})
    assert (caught.value.error, caught.value.cause) == ("ValueError", "no_native_class")
    assert caught.value.message == NO_CLASS.format("internlm2") + (
        " It looks like the config file uses custom code: load it with trust_remote_code=True."
    )
    with pytest.raises(LoadRefusal) as caught:
        _load({"model_type": "internlm2"})
    assert caught.value.message == NO_CLASS.format("internlm2")


def test_a_native_type_with_auto_map_and_no_flag_is_native() -> None:
    # C2 case 3.
    cfg = _load({"model_type": "llama", "auto_map": {"AutoConfig": "configuration_x.X"}})
    assert (cfg.class_name, cfg.origin, cfg.remote_ref) == (
        "LlamaConfig",
        "native",
        "configuration_x.X",
    )


def test_an_unknown_type_with_auto_map_and_no_flag_is_refused() -> None:
    with pytest.raises(LoadRefusal):
        _load({"model_type": "made_up", "auto_map": {"AutoConfig": "configuration_x.X"}})


@pytest.mark.parametrize(
    "auto_map", [None, "configuration_x.X", {"AutoConfig": 3}, {"AutoModel": "m.M"}]
)
def test_auto_map_without_a_config_class_is_ignored(auto_map: Any) -> None:
    cfg = _load({"model_type": "llama", "auto_map": auto_map}, trust_remote_code=True)
    assert (cfg.origin, cfg.remote_ref) == ("native", None)


def test_the_remote_nomic_class_from_another_repository() -> None:
    # C2 case 2: "repo--module.Class" loads the class code from that other repository.
    cfg = _load(
        {
            "model_type": "nomic_bert",
            "auto_map": {"AutoConfig": "nomic-ai/nomic-bert-2048--" + NOMIC_REF},
        },
        trust_remote_code=True,
    )
    assert (cfg.class_name, cfg.origin, cfg.known) == ("NomicBertConfig", "remote", True)
    assert cfg.get("n_positions") == 1024


def test_an_unknown_remote_class_is_named_by_its_last_part() -> None:
    cfg = _load(
        {
            "model_type": "internlm2",
            "auto_map": {"AutoConfig": "org/repo--configuration_a.b.FooConfig"},
        },
        trust_remote_code=True,
    )
    assert (cfg.class_name, cfg.origin, cfg.known) == ("FooConfig", "remote", False)


def test_an_unknown_remote_llama_is_not_validated() -> None:
    # E3 runs on the native class only.
    cfg = _load(
        {
            "model_type": "llama",
            "auto_map": {"AutoConfig": "configuration_x.X"},
            "hidden_size": 4096,
            "num_attention_heads": 3,
            "head_dim": 7,
            "rope_theta": 10000.0,
        },
        trust_remote_code=True,
    )
    assert cfg.origin == "remote"


@pytest.mark.parametrize("order", ["alias first", "canonical first"])
def test_the_remote_alias_wins(order: str) -> None:
    # R-A3: with both keys, max_position_embeddings wins (measured), whatever the JSON order.
    pairs = [("n_positions", 1024), ("max_position_embeddings", 4096)]
    if order == "canonical first":
        pairs.reverse()
    cfg = _load(
        {"model_type": "nomic_bert", "auto_map": {"AutoConfig": NOMIC_REF}, **dict(pairs)},
        trust_remote_code=True,
    )
    assert cfg.get("max_position_embeddings") == 4096
    assert cfg.get("n_positions") == 4096


def test_a_table_version_chooses_the_class_facts() -> None:
    # ENGINES.md: 4.57.6 has no nomic_bert class; Llama's has no rope_parameters default.
    with pytest.raises(LoadRefusal) as caught:
        _load({"model_type": "nomic_bert"}, transformers_major=4, table_version="4.57.6")
    assert caught.value.cause == "no_native_class"
    cfg = _load({"model_type": "llama"}, transformers_major=4, table_version="4.57.6")
    assert (cfg.class_name, cfg.rope_parameters) == ("LlamaConfig", None)
    native = _load({"model_type": "nomic_bert"}, table_version="5.20.2")
    assert native.class_name == "NomicBertConfig"


def test_transformers_4_uses_the_4_native_set() -> None:
    # SPEC-loading §2'.1 C3 / ENGINES.md: nomic_bert is not native under 4.57.6.
    with pytest.raises(LoadRefusal):
        _load({"model_type": "nomic_bert"}, transformers_major=4)
    assert _load({"model_type": "nomic_bert"}).class_name == "NomicBertConfig"


# -- load-time values ----------------------------------------------------------------------------
def test_a_null_int_field_of_an_undeclaring_class_loads() -> None:
    cfg = _load({"max_position_embeddings": None})
    assert cfg.get("max_position_embeddings") is None


@pytest.mark.parametrize("name", ["hidden_size", "num_attention_heads"])
def test_other_null_int_fields_are_refused(name: str) -> None:
    with pytest.raises(LoadRefusal) as caught:
        _load({"model_type": "llama", name: None})
    assert caught.value.cause == "field_type"


def test_rope_theta_is_consumed_under_5_kept_under_4() -> None:
    # R-S2 (transformers 5) vs R-T4 (4 keeps the JSON as is).
    five = _load({"model_type": "llama", "rope_theta": 500000.0, "rope_scaling": None})
    assert five.get("rope_theta", None) is None
    assert not five.in_json("rope_scaling")
    assert "rope_scaling" not in five.attributes()
    four = _load({"model_type": "llama", "rope_theta": 500000.0}, transformers_major=4)
    assert four.get("rope_theta") == 500000.0
    assert four.rope_parameters is None


def test_transformers_4_keeps_the_json_dict_as_is() -> None:
    rope = {"type": "linear", "factor": 2.0}
    cfg = _load({"model_type": "llama", "rope_scaling": rope}, transformers_major=4)
    assert cfg.rope_parameters == {"type": "linear", "factor": 2.0}
    assert "rope_scaling" not in cfg.attributes()


def test_head_dim_computed_at_load() -> None:
    # SPEC-loading §2'.3: hidden // heads if null (Llama); DeepSeek-V3: qk_rope_head_dim.
    assert _load({"model_type": "llama", "head_dim": None}).get("head_dim") == 128
    assert (
        _load({"model_type": "llama", "hidden_size": 96, "num_attention_heads": 4}).get("head_dim")
        == 24
    )
    assert _load({"model_type": "llama", "head_dim": 96}).get("head_dim") == 96
    assert _load({"model_type": "mistral", "num_attention_heads": -4}).get("head_dim", None) is None
    assert _load({"model_type": "deepseek_v3", "qk_rope_head_dim": 32}).get("head_dim") == 32
    assert _load({"model_type": "deepseek_v3"}).get("head_dim") == 64
    assert (
        _load({"model_type": "deepseek_v3", "qk_rope_head_dim": True}).get("head_dim", None) is None
    )
    assert _load({"model_type": "qwen2"}).get("head_dim", None) is None
    # Computed once: a later flat override of hidden_size does not change it.
    cfg = _load({"model_type": "llama"}).update({"hidden_size": 8192})
    assert cfg.get("head_dim") == 128
    assert cfg.attributes()["head_dim"] == 128


def test_mistral_zero_heads_is_a_zero_division() -> None:
    with pytest.raises(LoadRefusal) as caught:
        _load({"model_type": "mistral", "num_attention_heads": 0})
    assert (caught.value.error, caught.value.message, caught.value.cause) == (
        "ZeroDivisionError",
        "integer division or modulo by zero",
        "zero_heads",
    )


def test_get_of_a_missing_attribute() -> None:
    # SPEC-loading §2'.3: reading an absent attribute raises AttributeError.
    with pytest.raises(LoadRefusal) as caught:
        _load({"model_type": "llama"}).get("n_positions")
    assert (caught.value.error, caught.value.message, caught.value.cause) == (
        "AttributeError",
        "'LlamaConfig' object has no attribute 'n_positions'",
        "missing_attribute",
    )


def test_attributes_and_copies() -> None:
    cfg = _load({"model_type": "qwen3", "foo": 1})
    attrs = cfg.attributes()
    assert attrs["head_dim"] == 128 and attrs["foo"] == 1
    assert attrs["max_position_embeddings"] == 32768
    assert attrs["rope_parameters"] == {"rope_theta": 10000.0, "rope_type": "default"}
    other = cfg.with_rope_parameters({"rope_type": "linear", "factor": 2.0})
    assert other.rope_parameters == {"rope_type": "linear", "factor": 2.0}
    assert cfg.rope_parameters == {"rope_theta": 10000.0, "rope_type": "default"}
    assert cfg.with_rope_parameters(None).rope_parameters is None
    assert cfg.with_rope_parameters(None).get("rope_parameters") is None
    changed = cfg.update({"foo": 2})
    assert (changed.get("foo"), cfg.get("foo")) == (2, 1)
    # The copy returned by rope_parameters is not the object's own dict.
    got = cfg.rope_parameters
    assert got is not None
    got["rope_theta"] = 1.0
    assert cfg.get("rope_parameters")["rope_theta"] == 10000.0


# -- R-S1, R-S3, E2 ------------------------------------------------------------------------------
def test_a_non_empty_rope_scaling_wins_over_rope_parameters() -> None:
    both = {"rope_parameters": {"rope_type": "linear", "factor": 2.0}}
    cfg = _load(
        {"model_type": "llama", "rope_scaling": {"rope_type": "linear", "factor": 4.0}, **both}
    )
    assert cfg.rope_parameters is not None and cfg.rope_parameters["factor"] == 4.0
    cfg = _load({"model_type": "llama", "rope_scaling": {}, **both})
    assert cfg.rope_parameters is not None and cfg.rope_parameters["factor"] == 2.0


@pytest.mark.parametrize("key", ["rope_scaling", "rope_parameters"])
def test_a_non_dict_rope_entry_is_a_config_error(key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load({"model_type": "llama", key: [1]})
    assert (
        caught.value.message
        == f"config.json: '{key}' must be an object (JSON dict) or null, got [1]"
    )
    assert caught.value.hint == f"fix '{key}' in config.json"


def test_rope_type_from_the_legacy_type_key() -> None:
    # R-S3: rope_type kept, else taken from type (which stays), else "default".
    cfg = _load({"model_type": "llama", "rope_scaling": {"type": "linear", "factor": 2.0}})
    assert cfg.rope_parameters == {
        "type": "linear",
        "factor": 2.0,
        "rope_theta": 10000.0,
        "rope_type": "linear",
    }


@pytest.mark.parametrize(("inner", "expected"), [(None, 2048), (8192, 8192)])
def test_l0_for_yarn_on_llama(inner: int | None, expected: int) -> None:
    # R-S3: the dict's L0 kept, else max_position_embeddings (Llama's default 2048).
    rope: dict[str, Any] = {"rope_type": "yarn", "factor": 4.0}
    if inner is not None:
        rope["original_max_position_embeddings"] = inner
    cfg = _load({"model_type": "llama", "rope_scaling": rope})
    assert cfg.rope_parameters is not None
    assert cfg.rope_parameters["original_max_position_embeddings"] == expected


def test_phi3_top_level_l0_overwrites_the_dict() -> None:
    # R-S3 (measured): Phi-3 with top-level 8192 and inner 4096 ends with 8192.
    rope = {
        "rope_type": "longrope",
        "short_factor": [1.0],
        "long_factor": [2.0],
        "original_max_position_embeddings": 4096,
    }
    cfg = _load(
        {"model_type": "phi3", "original_max_position_embeddings": 8192, "rope_scaling": rope}
    )
    assert cfg.rope_parameters is not None
    assert cfg.rope_parameters["original_max_position_embeddings"] == 8192
    assert cfg.rope_parameters["partial_rotary_factor"] == 1.0


def test_phi3_legacy_su_is_refused_without_l0() -> None:
    # R-S5 (measured): a legacy "type": "su" gets no L0, then is rewritten to longrope.
    with pytest.raises(LoadRefusal) as caught:
        _load(
            {
                "model_type": "phi3",
                "rope_scaling": {"type": "su", "short_factor": [1.0], "long_factor": [1.0]},
            }
        )
    assert caught.value.message == (
        "\"Missing required keys in `rope_parameters` for 'rope_type'='longrope': "
        "{'original_max_position_embeddings'}\""
    )


def test_an_unhashable_rope_type() -> None:
    with pytest.raises(LoadRefusal) as caught:
        _load({"model_type": "llama", "rope_scaling": {"rope_type": {"a": 1}}})
    assert (caught.value.error, caught.value.message, caught.value.cause) == (
        "TypeError",
        "unhashable type: 'dict'",
        "rope_type_unhashable",
    )


def test_an_unknown_rope_type_only_warns() -> None:
    # E2: rope types without a validator only log a warning.
    cfg = _load({"model_type": "llama", "rope_scaling": {"rope_type": "ntk"}})
    assert cfg.rope_parameters == {"rope_type": "ntk", "rope_theta": 10000.0}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (4096.5, "config.json: 'n' must be an integer length, got 4096.5"),
        (float("inf"), "config.json: 'n' must be an integer length, got inf"),
        (True, "config.json: 'n' must be an integer length, got True"),
        (-1, "config.json: 'n' must be an integer from 0 to 2147483647, got -1"),
        (2147483648, "config.json: 'n' must be an integer from 0 to 2147483647, got 2147483648"),
    ],
)
def test_check_length_refusals(value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        co.check_length("n", value)
    assert caught.value.message == message


def test_check_length_accepts() -> None:
    assert co.check_length("n", 4096.0) == 4096
    assert type(co.check_length("n", 4096.0)) is int
    assert co.check_length("n", 2147483647) == 2147483647
    assert co.check_length("n", 0) == 0
    assert co.check_length("n", 1, minimum=1) == 1


def test_a_generic_yarn_dict_without_a_length_gets_a_null_l0() -> None:
    # R-S3: L0 := max_position_embeddings, read with getattr(..., None) on a class without it.
    cfg = _load({"rope_scaling": {"rope_type": "yarn", "factor": 2.0}})
    assert cfg.rope_parameters == {
        "rope_type": "yarn",
        "factor": 2.0,
        "rope_theta": 10000.0,
        "original_max_position_embeddings": None,
    }


def test_a_string_qk_rope_head_dim_gives_no_head_dim() -> None:
    cfg = _load({"model_type": "deepseek_v3", "qk_rope_head_dim": "64"})
    assert cfg.get("head_dim", None) is None


def test_a_flat_override_keeps_the_rope_dict() -> None:
    # SPEC-loading §2'.5 R-S4: config.update is a plain setattr; rope_parameters stays.
    llama = _load({"model_type": "llama"}).update({"max_position_embeddings": 8192})
    assert llama.rope_parameters == {"rope_theta": 10000.0, "rope_type": "default"}
    bert = _load({"model_type": "bert"}).update({"max_position_embeddings": 1024})
    assert bert.rope_parameters is None
    assert bert.get("max_position_embeddings") == 1024


def test_a_length_out_of_range_has_the_hint() -> None:
    with pytest.raises(ConfigError) as caught:
        co.check_length("n", -1)
    assert caught.value.hint == "fix 'n' in the config or override it with --hf-overrides"


def test_an_unknown_remote_class_without_rope_keys_has_no_rope_dict() -> None:
    # Its defaults are unknown: standardised only when config.json has RoPE keys.
    cfg = _load(
        {"model_type": "internlm2", "auto_map": {"AutoConfig": "configuration_x.X"}},
        trust_remote_code=True,
    )
    assert cfg.rope_parameters is None


def test_aliased_keys_are_stored_under_their_target() -> None:
    # R-A1 / R-A3: the remote Nomic class stores max_position_embeddings as n_positions.
    cfg = _load(
        {
            "model_type": "nomic_bert",
            "auto_map": {"AutoConfig": NOMIC_REF},
            "max_position_embeddings": 4096,
        },
        trust_remote_code=True,
    )
    attrs = cfg.attributes()
    assert attrs["n_positions"] == 4096
    assert "max_position_embeddings" not in attrs


def test_the_json_rope_dict_is_consumed() -> None:
    # R-S1: rope_scaling / rope_parameters become the standardised attribute.
    cfg = _load({"model_type": "llama", "rope_parameters": {"rope_type": "linear", "factor": 2.0}})
    assert not cfg.in_json("rope_parameters")
    assert cfg.has("rope_parameters")


def test_computed_head_dim_is_an_int() -> None:
    head = _load({"model_type": "llama"}).get("head_dim")
    assert (head, type(head)) == (128, int)
