"""vLLM's derived max length (ntkcli/vllm/max_len.py) called directly, for mutation testing
(issue 14): the key named, the fallback and its notes, the messages of unusable values
(SPEC §4.1–§4.2)."""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.configs.config_object import ConfigObject
from ntkcli.errors import ConfigError
from ntkcli.model import Note
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
    assert (derived.key, derived.config_value, derived.final, derived.fallback) == (
        None,
        None,
        1000.0,
        True,
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
    assert len(notes) == 1 and notes[0].step == STEP
    assert notes[0].message.endswith("Assuming the model's maximum length is 2048.")


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
