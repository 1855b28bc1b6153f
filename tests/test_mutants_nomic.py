"""vLLM's NomicBert config update (SPEC §4.3), function by function (issue 14): the assertions, the
head size, T, the new (≥ 0.22) and old (≤ 0.21) updates; expected values written out from §4.3.
"""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.configs.config_object import ConfigObject
from ntkcli.errors import ConfigError
from ntkcli.model import Note, Refusal
from ntkcli.vllm.nomic import (
    STEP,
    assertion_failures,
    head_size,
    is_nomic,
    nomic_update,
    st_loaded,
    trained_positions,
)
from ntkcli.vllm.versions import parse_vllm_version

NEW, OLD, V32 = parse_vllm_version("new"), parse_vllm_version("old"), parse_vllm_version("0.32")
# nomic-embed-text-v1 shape (SPEC §4.3): the native class reads these as plain attributes.
V1: dict[str, Any] = {
    "model_type": "nomic_bert",
    "activation_function": "swiglu",
    "mlp_fc1_bias": False,
    "mlp_fc2_bias": False,
    "qkv_proj_bias": False,
    "rotary_emb_scale_base": None,
    "rotary_emb_interleaved": False,
    "n_embd": 768,
    "max_trained_positions": 2048,
    "max_position_embeddings": 8192,
}
DYN = {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000.0}
ST = {"max_seq_length": 8192, "do_lower_case": False}


def cfg(**change: Any) -> ConfigObject:
    values = {k: v for k, v in {**V1, **change}.items() if v is not ...}
    return ConfigObject(values)


def test_step_name_and_is_nomic() -> None:
    assert STEP == "NomicBert config update"
    assert is_nomic(cfg(), ())
    assert is_nomic(ConfigObject({"model_type": "bert"}), ("NomicBertModel",))
    assert not is_nomic(ConfigObject({"model_type": "bert"}), ("BertModel",))


def test_assertions_pass_for_v1_and_gelu() -> None:
    assert assertion_failures(cfg()) == ()
    assert assertion_failures(cfg(activation_function="gelu")) == ()
    biases = {"mlp_fc1_bias": True, "mlp_fc2_bias": True, "qkv_proj_bias": True}
    assert assertion_failures(cfg(**biases)) == ()


@pytest.mark.parametrize(
    ("change", "failure"),
    [
        (
            {"activation_function": "relu"},
            "assert config.activation_function in ['swiglu', 'gelu'] (got 'relu')",
        ),
        (
            {"mlp_fc1_bias": True},
            "assert config.mlp_fc1_bias == config.mlp_fc2_bias == config.qkv_proj_bias "
            "(got True, False, False)",
        ),
        (
            {"mlp_fc2_bias": True},
            "assert config.mlp_fc1_bias == config.mlp_fc2_bias == config.qkv_proj_bias "
            "(got False, True, False)",
        ),
        (
            {"qkv_proj_bias": True},
            "assert config.mlp_fc1_bias == config.mlp_fc2_bias == config.qkv_proj_bias "
            "(got False, False, True)",
        ),
        (
            {"rotary_emb_scale_base": 512},
            "assert config.rotary_emb_scale_base is None (got 512)",
        ),
        ({"rotary_emb_interleaved": True}, "assert not config.rotary_emb_interleaved (got true)"),
    ],
)
def test_each_assertion(change: dict[str, Any], failure: str) -> None:
    # SPEC §4.3.1: one line per failing assert, in vLLM's order.
    assert assertion_failures(cfg(**change)) == (failure,)


def test_assertions_in_order_and_class_name() -> None:
    bad = {"activation_function": "x", "rotary_emb_scale_base": 1, "rotary_emb_interleaved": 1}
    assert assertion_failures(cfg(**bad)) == (
        "assert config.activation_function in ['swiglu', 'gelu'] (got 'x')",
        "assert config.rotary_emb_scale_base is None (got 1)",
        "assert not config.rotary_emb_interleaved (got true)",
    )
    other = ConfigObject({**V1, "model_type": "bert"})
    assert assertion_failures(other) == (
        "assert config.__class__.__name__ == 'NomicBertConfig' (the config class is 'BertConfig')",
    )


def test_long_assertion_values_are_cut_at_200() -> None:
    for key in ("activation_function", "mlp_fc1_bias", "rotary_emb_scale_base"):
        (failure,) = assertion_failures(cfg(**{key: "z" * 300}))
        assert len(failure) == 200


def test_head_size_is_n_embd_over_the_class_heads() -> None:
    # SPEC §4.3.2: head_size = n_embd // num_attention_heads (class default 12, not n_head).
    assert head_size(cfg()) == 64
    assert head_size(cfg(n_head=16)) == 64
    assert head_size(cfg(num_attention_heads=16)) == 48
    assert head_size(cfg(n_embd=1)) == 0
    with pytest.raises(ConfigError):
        head_size(cfg(n_embd=0))


def test_trained_positions() -> None:
    # SPEC §4.3.3 (new): max_trained_positions, else max_position_embeddings, else 2048;
    # §4.3.6 (old): max_trained_positions, else 2048.
    assert trained_positions(cfg(), NEW) == (2048, "max_trained_positions")
    assert trained_positions(cfg(), OLD) == (2048, "max_trained_positions")
    no_t = cfg(max_trained_positions=...)
    assert trained_positions(no_t, NEW) == (8192, "max_position_embeddings")
    assert trained_positions(no_t, OLD) == (2048, "fallback 2048")
    assert trained_positions(cfg(max_trained_positions=1), NEW) == (1, "max_trained_positions")
    with pytest.raises(ConfigError) as caught:
        trained_positions(cfg(max_trained_positions=0), NEW)
    assert "'max_trained_positions'" in caught.value.message
    with pytest.raises(ConfigError) as caught:
        trained_positions(cfg(max_trained_positions=..., max_position_embeddings=0), NEW)
    assert "'max_position_embeddings'" in caught.value.message


def test_st_loaded() -> None:
    # SPEC §4.1.6: up to 0.31 the ST file needs do_lower_case too; from 0.32 max_seq_length alone.
    assert not st_loaded(None, NEW)
    assert st_loaded({"max_seq_length": 8192}, V32)
    assert not st_loaded({"max_seq_length": 8192}, OLD)
    assert not st_loaded({"do_lower_case": True}, OLD)
    assert st_loaded(ST, OLD)


def test_new_update() -> None:
    # SPEC §4.3.4–5: {"max_trained_positions": T} | rope parameters; L = max_model_len.
    r = nomic_update(cfg(), NEW, DYN, None, 8192, None, {}, False, False)
    assert (r.update.line, r.update.trained_positions, r.update.trained_from) == (
        "new",
        2048,
        "max_trained_positions",
    )
    assert r.rope_parameters == {"max_trained_positions": 2048, **DYN}
    assert (r.max_position, r.max_model_len, r.refusal, r.notes) == (8192, 8192, None, ())
    assert (r.update.clamped_from, r.update.recheck_limit) == (None, None)
    assert r.update.ignored_max_model_len_override is None


def test_new_update_user_t_wins_and_null_params() -> None:
    r = nomic_update(cfg(), NEW, {**DYN, "max_trained_positions": 4096}, None, 8192, None, {}, 0, 0)
    assert r.rope_parameters["max_trained_positions"] == 4096
    r = nomic_update(cfg(), NEW, None, None, 8192, None, {}, False, False)
    assert r.rope_parameters == {"max_trained_positions": 2048}
    nested = {"full_attention": {"rope_type": "default"}}
    r = nomic_update(cfg(), NEW, nested, None, 8192, None, {}, False, False)
    assert r.rope_parameters == nested


def test_new_update_ignores_a_flat_max_model_len() -> None:
    r = nomic_update(cfg(), NEW, DYN, None, 8192, None, {"max_model_len": 1024}, True, False)
    assert r.update.ignored_max_model_len_override == 1024
    assert r.max_model_len == 8192
    assert r.notes == (
        Note(STEP, "flat hf_overrides max_model_len=1024 has no effect in vLLM ≥ 0.22"),
    )


def test_new_update_reports_the_first_failed_assertion() -> None:
    r = nomic_update(cfg(activation_function="relu"), NEW, DYN, None, 8192, None, {}, 0, 0)
    failure = "assert config.activation_function in ['swiglu', 'gelu'] (got 'relu')"
    assert r.refusal == Refusal("AssertionError", failure, STEP, "nomic_assertion")
    assert r.update.assertion_failures == (failure,)


def test_missing_attribute_is_an_attribute_error() -> None:
    # SPEC §4.3.1: the native class lacks the key, so reading it raises AttributeError.
    for version in (NEW, OLD):
        r = nomic_update(cfg(activation_function=...), version, DYN, None, 8192, None, {}, 0, 0)
        assert r.refusal == Refusal(
            "AttributeError",
            "'NomicBertConfig' object has no attribute 'activation_function'",
            STEP,
            "missing_attribute",
        )
        assert (r.max_position, r.max_model_len, r.notes) == (8192, None, ())
        assert (r.update.line, r.update.trained_positions) == (version.nomic_update, 2048)
        assert r.update.assertion_failures == ()
        assert r.rope_parameters == DYN


def test_old_update_clamps_to_t() -> None:
    # SPEC §4.3.6–7: L = T; no overrides, no user length: min(derived, T) with the warning.
    r = nomic_update(cfg(), OLD, DYN, None, 8192, None, {}, False, False)
    assert (r.update.line, r.update.clamped_from, r.max_position, r.max_model_len) == (
        "old",
        8192,
        2048,
        2048,
    )
    assert r.notes == (
        Note(
            STEP, "Nomic context extension is disabled. Changing max_model_len from 8192 to 2048."
        ),
    )
    assert (r.refusal, r.rope_parameters) == (None, DYN)
    r = nomic_update(cfg(), OLD, DYN, None, 2048, None, {}, False, False)
    assert (r.update.clamped_from, r.max_model_len, r.notes) == (None, 2048, ())
    r = nomic_update(cfg(), OLD, DYN, None, 1024, None, {}, False, False)
    assert (r.update.clamped_from, r.max_model_len, r.max_position) == (None, 1024, 2048)


def test_old_update_without_st_file_crashes() -> None:
    # SPEC §4.3.8: with overrides or a user length and no ST file: AttributeError ('pop').
    for user, overrides in ((4096, False), (None, True)):
        r = nomic_update(cfg(), OLD, DYN, None, 8192, user, {}, overrides, False)
        assert r.refusal == Refusal(
            "AttributeError", "'NoneType' object has no attribute 'pop'", STEP, "nomic_missing_st"
        )
        assert r.max_model_len is None


def test_old_update_rechecks_with_t() -> None:
    # SPEC §4.3.8: limit re-derived with max_position_embeddings := T and the factor: 2048·2.
    r = nomic_update(cfg(), OLD, DYN, ST, 8192, 4096, {}, False, False)
    assert (r.refusal, r.max_model_len, r.max_position) == (None, 4096, 2048)
    assert r.update.recheck_limit is not None
    limit = r.update.recheck_limit
    assert (limit.key, limit.config_value, limit.factor, limit.final) == (
        "max_position_embeddings",
        2048,
        2.0,
        4096.0,
    )
    r = nomic_update(cfg(), OLD, DYN, ST, 8192, 8192, {}, False, False)
    assert r.refusal is not None
    assert (r.refusal.error, r.refusal.step, r.refusal.cause) == (
        "ValueError",
        STEP,
        "max_model_len_too_long",
    )
    assert r.refusal.message.startswith(
        "User-specified max_model_len (8192) is greater than the derived max_model_len "
        "(max_position_embeddings=4096.0 or model_max_length=None in model's config.json)."
    )
    assert r.max_model_len is None


def test_old_update_requested_length_order() -> None:
    # §4.3.8: the max_model_len hf_override, else the user's, else the previous.
    r = nomic_update(cfg(), OLD, DYN, ST, 8192, 1024, {"max_model_len": 3000}, True, False)
    assert r.max_model_len == 3000
    r = nomic_update(cfg(), OLD, DYN, ST, 3500, None, {"other": 1}, True, False)
    assert r.max_model_len == 3500
    r = nomic_update(cfg(), OLD, DYN, ST, 8192, None, {"other": 1}, True, False)
    assert r.max_model_len is None


def test_old_update_allow_long_only_warns() -> None:
    r = nomic_update(cfg(), OLD, DYN, ST, 8192, 8192, {}, False, True)
    assert (r.refusal, r.max_model_len) == (None, 8192)
    assert len(r.notes) == 1
    assert r.notes[0].message.endswith(
        "Make sure the value is correct and within the model context size."
    )


def test_old_update_keeps_the_assertion_refusal() -> None:
    bad = cfg(rotary_emb_interleaved=True)
    for args in ((None, None, False), (ST, 8192, False), (None, 4096, False)):
        st, user, _ = args
        r = nomic_update(bad, OLD, DYN, st, 8192, user, {}, False, False)
        assert r.refusal is not None
        assert r.refusal.cause == "nomic_assertion"
        assert r.max_model_len is None


REMOTE_MAP = {"AutoConfig": "nomic-ai/nomic-bert-2048--configuration_hf_nomic_bert.NomicBertConfig"}


def remote(**change: Any) -> ConfigObject:
    values = {k: v for k, v in {**V1, **change}.items() if v is not ...}
    return ConfigObject({**values, "auto_map": REMOTE_MAP}, trust_remote_code=True)


def test_remote_class_default_t_and_heads() -> None:
    # The remote NomicBertConfig has max_trained_positions 2048 as a class default.
    assert trained_positions(remote(max_trained_positions=...), NEW) == (2048, "class default")
    assert head_size(cfg(num_attention_heads=1)) == 768
    with pytest.raises(ConfigError) as caught:
        head_size(remote(num_attention_heads=0))
    assert "'num_attention_heads'" in caught.value.message


def test_t_from_a_length_of_one() -> None:
    assert trained_positions(cfg(max_trained_positions=..., max_position_embeddings=1), NEW) == (
        1,
        "max_position_embeddings",
    )


def test_missing_attribute_keeps_t_and_its_source() -> None:
    r = nomic_update(
        cfg(activation_function=..., max_trained_positions=...),
        NEW,
        DYN,
        None,
        8192,
        None,
        {},
        0,
        0,
    )
    assert (r.update.trained_positions, r.update.trained_from) == (8192, "max_position_embeddings")


@pytest.mark.parametrize("version", [NEW, OLD])
def test_flat_max_model_len_override_is_a_length(version: Any) -> None:
    r = nomic_update(cfg(), version, DYN, ST, 2048, None, {"max_model_len": 1}, True, False)
    assert r.max_model_len == (2048 if version is NEW else 1)
    with pytest.raises(ConfigError) as caught:
        nomic_update(cfg(), version, DYN, ST, 2048, None, {"max_model_len": 0}, True, False)
    assert caught.value.message == (
        "config.json: 'max_model_len' must be an integer from 1 to 2147483647, got 0"
    )


def test_old_update_fields() -> None:
    r = nomic_update(cfg(), OLD, DYN, None, 8192, None, {}, False, False)
    assert (r.update.trained_positions, r.update.trained_from) == (2048, "max_trained_positions")
    assert (r.update.recheck_limit, r.update.assertion_failures) == (None, ())
    bad = cfg(rotary_emb_interleaved=True)
    r = nomic_update(bad, OLD, DYN, None, 8192, None, {}, False, False)
    assert r.update.assertion_failures == ("assert not config.rotary_emb_interleaved (got true)",)
