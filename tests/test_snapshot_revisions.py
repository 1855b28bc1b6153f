"""The two bundled shapes of nomic-embed-text-v1.5: the current published one (main: the
transformers-5 re-standardisation adds max_position_embeddings 2048 and rope_parameters) and the
older one (revision e5cf08a: n_positions 8192 only). Expected values are derived by hand from
SPEC §2.3/§2.4 and §4.1 (vLLM 0.33.0 defaults), as each test's comment says."""

from __future__ import annotations

import pytest

from tests.conftest import cli_json

MODEL = "nomic-ai/nomic-embed-text-v1.5"
OLD = "e5cf08aadaa33385f5990def41f7a23405aec398"


@pytest.mark.parametrize(
    ("revision", "remote", "config_value"),
    [
        # main, native class: the JSON's max_position_embeddings 2048 (n_positions 8192 is a plain
        # attribute, also read, but larger): min = 2048 (SPEC §2.4.2, §4.1.1).
        (None, False, 2048),
        # main, remote class: both keys; max_position_embeddings is the alias of n_positions and
        # wins when both are present (SPEC §2.3.1), so the derived length is 2048.
        (None, True, 2048),
        # older shape, native class: no max_position_embeddings in the JSON, class default 2048
        # (SPEC §2.4.1); min(2048, n_positions 8192) = 2048.
        (OLD, False, 2048),
        # older shape, remote class: max_position_embeddings *is* n_positions = 8192 (SPEC §2.3.1).
        (OLD, True, 8192),
    ],
)
def test_both_shapes_derive_then_take_the_st_length(
    revision: str | None, remote: bool, config_value: int
) -> None:
    args = [MODEL, "--bundled"]
    if revision:
        args += ["--revision", revision[:7]]
    if remote:
        args.append("--trust-remote-code")
    data = cli_json("inspect", *args)
    assert data["config_class"]["origin"] == ("remote" if remote else "native")
    assert data["source"]["revision"] == revision
    assert data["derived"]["key"] == "max_position_embeddings"
    assert data["derived"]["config_value"] == config_value
    # vLLM 0.33: sentence_bert_config.json's max_seq_length 8192 replaces the derived length
    # (SPEC §4.1.6), so every shape serves 8192 with a plain 8192 × 64 cache (T = 2048 from
    # max_trained_positions, §4.3.3; θ 1000).
    assert data["derived"]["final"] == 8192
    assert data["max_model_len"] == 8192
    assert data["cache_shape"] == [8192, 64]
    assert data["nomic"]["max_trained_positions"] == 2048
    assert data["base"] == 1000.0


def test_models_lists_the_older_shape_with_what_it_is() -> None:
    data = cli_json("models")
    entries = data if isinstance(data, list) else data.get("models", data)
    entry = next(e for e in entries if e["model"] == MODEL)
    assert OLD in entry["revisions"]
    assert "before the transformers-5 rewrite" in entry["revision_notes"][OLD]
