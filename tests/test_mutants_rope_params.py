"""Unit checks of the normalisation helpers (SPEC §3.1, §3.3, §4.1) whose messages and edge cases
no other test pinned (issue 14)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from ntkcli.errors import ConfigError
from ntkcli.model import VllmVersion
from ntkcli.vllm.max_len import _layers, rope_factor, st_length
from ntkcli.vllm.rope_params import (
    VllmRaises,
    _check_types,
    apply_dict_overrides,
    patch_legacy_rope_type,
)
from ntkcli.vllm.versions import parse_vllm_version

OLD: VllmVersion = parse_vllm_version("0.21.0")
NEW: VllmVersion = parse_vllm_version("0.33.0")


def test_conflicting_types_message() -> None:
    # SPEC §3.3.4: type and rope_type present and different → ValueError, vLLM's words.
    with pytest.raises(VllmRaises) as err:
        patch_legacy_rope_type({"rope_type": "linear", "type": "dynamic"})
    assert err.value.error == "ValueError"
    assert err.value.step == "normalise RoPE"
    assert err.value.message == (
        "Found conflicts between 'rope_type=linear' (modern field) and 'type=dynamic' "
        "(legacy field). You should only specify one of them."
    )


def test_legacy_values() -> None:
    # SPEC §3.3.4: su → longrope; mrope → default, needing mrope_section; rope_type wins over
    # an equal type; type alone is read.
    params: dict[str, Any] = {"type": "su"}
    notes = patch_legacy_rope_type(params)
    assert params["rope_type"] == "longrope"
    assert [(n.step, n.message) for n in notes] == [
        ("normalise RoPE", "legacy rope type 'su' is read as 'longrope'")
    ]
    params = {"rope_type": "mrope"}
    notes = patch_legacy_rope_type(params)
    assert params["rope_type"] == "default"
    assert [(n.step, n.message) for n in notes] == [
        ("normalise RoPE", "legacy rope type 'mrope' is read as 'default'"),
        ("normalise RoPE", "rope type 'mrope' needs 'mrope_section', which is missing"),
    ]
    params = {"rope_type": "mrope", "mrope_section": [16, 24, 24]}
    assert len(patch_legacy_rope_type(params)) == 1
    params = {"rope_type": "su", "type": "su"}
    patch_legacy_rope_type(params)
    assert params["rope_type"] == "longrope"
    params = {"rope_type": "linear"}
    assert patch_legacy_rope_type(params) == [] and params == {"rope_type": "linear"}


@pytest.mark.parametrize("key", ["rope_type", "type"])
def test_non_string_type_is_a_config_error(key: str) -> None:
    with pytest.raises(ConfigError) as err:
        _check_types({key: 5})
    assert str(err.value) == f"rope_parameters: '{key}' must be a string, got 5"
    assert err.value.hint == 'use a rope type name such as "default" or "dynamic"'


def test_dict_overrides() -> None:
    # SPEC §3.1.3: rope_parameters replaced wholesale; §3.3.8: a rope_scaling dict goes through
    # the deprecated alias (rope_type from type, rope_theta from the config).
    params, notes = apply_dict_overrides(None, {"rope_parameters": {"rope_type": "x"}}, 1e4)
    assert params == {"rope_type": "x"}
    assert [(n.step, n.message) for n in notes] == [
        ("hf_overrides", "rope_parameters replaced wholesale (not normalised)")
    ]
    params, notes = apply_dict_overrides(None, {"rope_scaling": {"type": "linear"}}, 1e4)
    assert params == {"type": "linear", "rope_type": "linear", "rope_theta": 1e4}
    assert [n.step for n in notes] == ["hf_overrides"]
    assert notes[0].message.startswith("assumption: a dict rope_scaling override goes through")
    params, _ = apply_dict_overrides(None, {"rope_scaling": {"type": 3}}, None)
    assert params == {"type": 3, "rope_type": "default"}
    params, notes = apply_dict_overrides({"a": 1}, {"other": {"x": 1}}, 1e4)
    assert params == {"a": 1}
    assert [(n.step, n.message) for n in notes] == [
        (
            "hf_overrides",
            "dict override 'other' replaces that attribute; ntkcli does not model its effect",
        )
    ]


def test_rope_factor() -> None:
    assert rope_factor(2, "rope_parameters") == 2.0
    for bad in ("2", True, [2.0], math.nan):
        with pytest.raises(ConfigError) as err:
            rope_factor(bad, "rope_parameters")
        assert str(err.value) == f"rope_parameters: rope 'factor' must be a number, got {bad!r}"
        assert err.value.hint == "set rope_parameters.factor to a number such as 2.0"
    with pytest.raises(ConfigError, match="rope 'factor' must be finite, got -inf"):
        rope_factor(-math.inf, "rope_parameters")


def test_st_length_bounds() -> None:
    # SPEC §4.1.6: a positive int below 2**31 (model.py's bound).
    assert st_length({"max_seq_length": 1}, NEW) == 1
    assert st_length({"max_seq_length": 2**31 - 1}, NEW) == 2**31 - 1
    assert st_length({"max_seq_length": None}, NEW) is None
    assert st_length({"max_seq_length": 512}, OLD) is None  # ≤ 0.31 needs do_lower_case
    for bad in (0, -1, 2**31, True, 1.5, "512"):
        with pytest.raises(ConfigError) as err:
            st_length({"max_seq_length": bad}, NEW)
        assert str(err.value) == (
            "sentence-transformers config: 'max_seq_length' must be a positive integer, "
            f"got {bad!r}"
        )
        assert err.value.hint == "fix max_seq_length in sentence_bert_config.json"


def test_layers_skip_empty_entries() -> None:
    # SPEC §4.1.4: 0.33 skips empty and non-dict entries.
    linear = {"rope_type": "linear", "factor": 2.0}
    assert _layers({"a": {}, "b": linear, "c": None}) == [linear]
    assert _layers(linear) == [linear]
