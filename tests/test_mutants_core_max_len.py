"""vLLM's derived max length (ntkcli/vllm/max_len.py) called directly, for mutation testing
(issue 14): the key named, the fallback and its notes, the messages of unusable values
(SPEC §4.1–§4.2)."""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.configs.config_object import ConfigObject
from ntkcli.errors import ConfigError
from ntkcli.model import DerivedLength, Note, Refusal
from ntkcli.vllm import max_len
from ntkcli.vllm.versions import parse_vllm_version

NEW = parse_vllm_version("0.33.0")
OLD = parse_vllm_version("0.21.0")
STEP = "derive max length"


def _derive(values: dict[str, Any], user_len: int | None = None, st: Any = None) -> Any:
    cfg = ConfigObject(values)
    return max_len.derive_max_len(cfg, cfg.rope_parameters, st, NEW, user_len)


def test_no_length_key_and_a_user_value_takes_it_as_is() -> None:
    # SPEC §4.1.3: none of the keys: the user's max_model_len as is.
    derived, notes = _derive({}, user_len=1000)
    # Returned unchecked and unscaled: no factor, no sentence-transformers length.
    assert derived == DerivedLength(
        key=None,
        config_value=None,
        factor=1.0,
        factor_applied=False,
        value=1000.0,
        st_length=None,
        st_replaced=False,
        final=1000.0,
        fallback=True,
    )
    assert notes == [Note(STEP, "no length key in the config; the user's 1000 is used")]


def test_no_length_key_falls_back_to_2048_without_a_key() -> None:
    # SPEC §4.1.3: else 2048 with a warning; no key is named.
    derived, notes = _derive({})
    assert (derived.key, derived.config_value, derived.value, derived.fallback) == (
        None,
        None,
        2048.0,
        True,
    )
    assert notes == [
        Note(
            STEP,
            "The model's config.json does not contain any of the following keys to determine the "
            "original maximum length of the model: ['max_position_embeddings', 'n_positions', "
            "'max_seq_len', 'seq_length', 'model_max_length', 'max_target_positions', "
            "'max_sequence_length', 'max_seq_length', 'seq_len']. Assuming the model's maximum "
            "length is 2048.",
        )
    ]


@pytest.mark.parametrize("key", ["max_position_embeddings", "model_max_length", "seq_len"])
def test_a_bad_length_names_its_key(key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _derive({"model_type": "llama", key: "long"})
    assert caught.value.message == f"config.json: '{key}' must be an integer length, got 'long'"


def test_a_long_bad_factor_is_cut_to_200_characters() -> None:
    with pytest.raises(ConfigError) as caught:
        max_len.rope_factor(["2" * 300], "rope_parameters")
    head = "rope_parameters: rope 'factor' must be a number, got ['"
    assert caught.value.message == head + "2" * (200 - len(head))


def test_a_long_bad_st_length_is_cut_to_200_characters() -> None:
    with pytest.raises(ConfigError) as caught:
        max_len.st_length({"max_seq_length": "5" * 300, "do_lower_case": False}, NEW)
    head = "sentence-transformers config: 'max_seq_length' must be a positive integer, got '"
    assert caught.value.message == head + "5" * (200 - len(head))


LLAMA2 = {"model_type": "llama", "max_position_embeddings": 4096}


def test_a_null_factor_counts_as_1() -> None:
    # SPEC §4.1.4: an explicit null becomes 1.0, with a warning.
    derived, notes = _derive({**LLAMA2, "rope_scaling": {"rope_type": "linear", "factor": None}})
    assert (derived.factor, derived.factor_applied, derived.value) == (1.0, True, 4096.0)
    assert notes == [Note(STEP, "null scaling factor: vLLM treats it as 1.0")]


def test_a_negative_factor_gives_an_unusable_length() -> None:
    with pytest.raises(max_len.VllmRaises) as caught:
        _derive({**LLAMA2, "rope_scaling": {"rope_type": "linear", "factor": -2}})
    assert caught.value.refusal() == Refusal(
        "ValueError",
        "the derived max_model_len is -8192.0 (rope factor -2.0): not a usable length. vLLM does "
        "not check it, and nothing it builds from a length ≤ 0 works: ntkcli stops here",
        STEP,
        "unusable_length",
    )


def test_a_zero_factor_is_reported_not_refused() -> None:
    # SPEC §4.1.2: a length of 0 is served without raising.
    derived, _ = _derive({**LLAMA2, "rope_scaling": {"rope_type": "linear", "factor": 0}})
    assert (derived.factor, derived.value, derived.final) == (0.0, 0.0, 0.0)


def test_sentence_transformers_length_replaces_the_derived_one() -> None:
    # SPEC §4.1.6: max_seq_length replaces the derived length (0.32+: alone).
    derived, notes = _derive(LLAMA2, st={"max_seq_length": 512})
    assert (derived.value, derived.st_length, derived.st_replaced, derived.final) == (
        4096.0,
        512,
        True,
        512.0,
    )
    assert derived.key == "max_position_embeddings"
    assert derived.config_value == 4096
    assert notes == [
        Note(STEP, "sentence-transformers max_seq_length 512 replaces the derived length 4096")
    ]


def test_an_equal_sentence_transformers_length_has_no_note() -> None:
    derived, notes = _derive(LLAMA2, st={"max_seq_length": 4096})
    assert (derived.st_replaced, derived.final, notes) == (True, 4096.0, [])


def test_gemma3_skips_the_factor() -> None:
    # SPEC §4.1.4: only if model_type does not contain "gemma3".
    values = {
        "model_type": "gemma3_text",
        "max_position_embeddings": 32768,
        "rope_scaling": {"rope_type": "linear", "factor": 8.0},
    }
    derived, _ = _derive(values)
    assert (derived.factor, derived.factor_applied, derived.value) == (1.0, False, 32768.0)
    assert derived.message_value == "32768"


@pytest.mark.parametrize(("version", "value"), [(OLD, 16384.0), (NEW, 4096.0)])
def test_yarn_length_by_version(version: Any, value: float) -> None:
    # SPEC §4.1.5: Llama-2 + yarn 4 without L0 derives 16384 on 0.21 and 4096 on 0.33.
    cfg = ConfigObject({**LLAMA2, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}})
    derived, _ = max_len.derive_max_len(cfg, cfg.rope_parameters, None, version, None)
    assert derived.value == value


def test_model_max_length_wins_outright() -> None:
    # SPEC §4.1.2: a truthy model_max_length wins, even when larger.
    derived, _ = _derive({**LLAMA2, "model_max_length": 8192})
    assert (derived.key, derived.config_value) == ("model_max_length", 8192)


def test_the_smallest_key_is_named() -> None:
    # SPEC §4.1.1: the minimum of the keys present, first key on a tie.
    derived, _ = _derive({**LLAMA2, "seq_length": 2048, "max_seq_len": 2048})
    assert (derived.key, derived.config_value) == ("max_seq_len", 2048)


def test_refusal_message_and_allow_long_note() -> None:
    # SPEC §4.2.2 / §4.2.3.
    cfg = ConfigObject(LLAMA2)
    derived, _ = max_len.derive_max_len(cfg, cfg.rope_parameters, None, NEW, 8192)
    message, notes = max_len.check_user_len(8192, derived, cfg, False)
    head = (
        "User-specified max_model_len (8192) is greater than the derived max_model_len "
        "(max_position_embeddings=4096.0 or model_max_length=None in model's config.json)."
    )
    assert message == head + max_len.REFUSAL_TAIL
    assert notes == []
    assert max_len.REFUSAL_TAIL.startswith(
        " To allow overriding this maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1."
    )
    message, notes = max_len.check_user_len(8192, derived, cfg, True)
    assert message is None
    assert notes == [
        Note(STEP, head + " Make sure the value is correct and within the model context size.")
    ]
    assert max_len.check_user_len(4096, derived, cfg, False) == (None, [])


def test_a_dict_override_without_rope_type_is_a_key_error() -> None:
    # SPEC §4.1.4: vLLM indexes rope_parameters["rope_type"]; a dict override (applied
    # un-normalised, SPEC §3.1) spelled with "type" raises KeyError.
    cfg = ConfigObject(LLAMA2)
    with pytest.raises(max_len.VllmRaises) as caught:
        max_len.derive_max_len(cfg, {"type": "linear", "factor": 2.0}, None, NEW, None)
    assert caught.value.refusal() == Refusal("KeyError", "'rope_type'", STEP, "missing_rope_type")


def test_model_max_length_zero_is_the_minimum() -> None:
    # SPEC §4.1.2: model_max_length 0 is present but falsy: the minimum is 0.
    derived, _ = _derive({**LLAMA2, "model_max_length": 0})
    assert (derived.key, derived.config_value, derived.final) == ("model_max_length", 0, 0.0)


def test_yarn_up_to_0_29_replaces_the_length_by_l0() -> None:
    # SPEC §4.1.5: yarn up to 0.29.x: replaced by the dict's L0, then multiplied (2048 × 4);
    # from 0.30.0 yarn is excluded: neither (8192 unscaled).
    values = {
        "model_type": "llama",
        "max_position_embeddings": 8192,
        "rope_scaling": {
            "rope_type": "yarn",
            "factor": 4.0,
            "original_max_position_embeddings": 2048,
        },
    }
    cfg = ConfigObject(values)
    old, _ = max_len.derive_max_len(cfg, cfg.rope_parameters, None, OLD, None)
    new, _ = max_len.derive_max_len(cfg, cfg.rope_parameters, None, NEW, None)
    assert (old.value, new.value) == (8192.0, 8192.0)
    assert (old.factor, new.factor) == (4.0, 1.0)


def test_only_yarn_takes_l0() -> None:
    # A linear dict carrying an L0 is multiplied from the config length (4096 × 2).
    cfg = ConfigObject(LLAMA2)
    rope = {"rope_type": "linear", "factor": 2.0, "original_max_position_embeddings": 1024}
    derived, _ = max_len.derive_max_len(cfg, rope, None, OLD, None)
    assert derived.value == 8192.0


def test_an_excluded_layer_does_not_stop_the_factor_loop() -> None:
    # SPEC §4.1.4: excluded layers are skipped, the last non-excluded factor wins.
    cfg = ConfigObject(LLAMA2)
    rope = {
        "full_attention": {"rope_type": "longrope", "factor": 8.0},
        "sliding_attention": {"rope_type": "linear", "factor": 2.0},
    }
    derived, _ = max_len.derive_max_len(cfg, rope, None, NEW, None)
    assert (derived.factor, derived.value) == (2.0, 8192.0)


def test_a_bad_yarn_l0_is_named() -> None:
    values = {
        **LLAMA2,
        "rope_scaling": {
            "rope_type": "yarn",
            "factor": 4.0,
            "original_max_position_embeddings": "x",
        },
    }
    cfg = ConfigObject(values)
    with pytest.raises(ConfigError) as caught:
        max_len.derive_max_len(cfg, cfg.rope_parameters, None, OLD, None)
    assert caught.value.message == (
        "config.json: 'original_max_position_embeddings' must be an integer length, got 'x'"
    )


def test_a_bad_factor_names_rope_parameters() -> None:
    with pytest.raises(ConfigError) as caught:
        _derive({**LLAMA2, "rope_scaling": {"rope_type": "linear", "factor": "2"}})
    assert caught.value.message == "rope_parameters: rope 'factor' must be a number, got '2'"
