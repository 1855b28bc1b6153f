"""--hf-overrides parsing and splitting (ntkcli/vllm/overrides.py) called directly, for mutation
testing (issue 14; SPEC §3.1: flat values are key updates at load, dict values replace the
attribute wholesale later)."""

from __future__ import annotations

import pytest

from ntkcli.errors import UsageError
from ntkcli.vllm.overrides import parse_hf_overrides, split_overrides


@pytest.mark.parametrize("text", [None, "", "   "])
def test_no_overrides(text: str | None) -> None:
    assert parse_hf_overrides(text) == {}


def test_an_object_is_returned_as_parsed() -> None:
    assert parse_hf_overrides(' {"max_position_embeddings": 8192, "rope_parameters": {}} ') == {
        "max_position_embeddings": 8192,
        "rope_parameters": {},
    }


def test_not_json() -> None:
    with pytest.raises(UsageError) as caught:
        parse_hf_overrides("{max_position_embeddings: 1}")
    assert caught.value.message == (
        "--hf-overrides is not valid JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)"
    )
    assert caught.value.hint == (
        "quote it for your shell, e.g. --hf-overrides '{\"rope_parameters\": {...}}'"
    )


@pytest.mark.parametrize(("text", "kind"), [("[1]", "list"), ("3", "int"), ("null", "NoneType")])
def test_not_an_object(text: str, kind: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_hf_overrides(text)
    assert caught.value.message == f"--hf-overrides must be a JSON object, got {kind}"
    assert caught.value.hint == "for example --hf-overrides '{\"max_trained_positions\": 4096}'"


def test_too_deep_for_the_parser() -> None:
    with pytest.raises(UsageError) as caught:
        parse_hf_overrides("[" * 100000 + "]" * 100000)
    assert caught.value.message == "--hf-overrides: nests deeper than 32 levels"
    assert caught.value.hint == "give the overrides a real config would hold"


def test_too_deep_for_the_bound() -> None:
    with pytest.raises(UsageError) as caught:
        parse_hf_overrides('{"a": ' + "[" * 40 + "]" * 40 + "}")
    assert caught.value.message.startswith("--hf-overrides: a.[0].[0]… nests deeper than 32")
    assert caught.value.hint == "give the overrides a real config would hold"


def test_split_flat_and_dict_values() -> None:
    # SPEC §3.1: flat (non-dict) values vs dict values.
    flat, nested = split_overrides(
        {"max_position_embeddings": 8192, "rope_parameters": {"rope_type": "yarn"}, "x": [1]}
    )
    assert flat == {"max_position_embeddings": 8192, "x": [1]}
    assert nested == {"rope_parameters": {"rope_type": "yarn"}}
