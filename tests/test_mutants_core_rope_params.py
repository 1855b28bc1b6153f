"""vLLM's RoPE normalisation helpers (ntkcli/vllm/rope_params.py) for mutation testing (issue
14): the refusal a conflict becomes, the number check of θ and the partial factor, the cut of a
long bad value, and the note of a dict rope_scaling override (SPEC §3.1–§3.3)."""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.configs.config_object import ConfigObject
from ntkcli.errors import ConfigError
from ntkcli.model import Note, Refusal
from ntkcli.vllm.rope_params import (
    VllmRaises,
    _check_types,
    apply_dict_overrides,
    config_partial_factor,
    config_theta,
    patch_legacy_rope_type,
    patch_rope_parameters,
)


def test_a_conflict_becomes_a_refusal_with_its_cause() -> None:
    # SPEC §3.3.4: type and rope_type differ → vLLM's ValueError, at the normalisation step.
    with pytest.raises(VllmRaises) as caught:
        patch_legacy_rope_type({"rope_type": "yarn", "type": "linear"})
    assert caught.value.cause == "conflicting_rope_types"
    assert caught.value.refusal() == Refusal(
        "ValueError",
        "Found conflicts between 'rope_type=yarn' (modern field) and 'type=linear' (legacy "
        "field). You should only specify one of them.",
        "normalise RoPE",
        "conflicting_rope_types",
    )


@pytest.mark.parametrize("value", ["10000", True, float("inf"), float("nan")])
def test_theta_must_be_a_finite_number(value: Any) -> None:
    # SPEC §3.2.1: θ is read as an attribute; anything but a finite number is unusable.
    with pytest.raises(ConfigError) as caught:
        config_theta({"rope_theta": value})
    assert caught.value.message == f"config: 'rope_theta' must be a finite number, got {value!r}"
    assert caught.value.hint == "fix 'rope_theta' in config.json or override it with --hf-overrides"


def test_theta_and_partial_fall_back_to_the_legacy_keys() -> None:
    # SPEC §3.2.1: rope_theta, else rotary_emb_base; partial_rotary_factor, else rotary_pct, else
    # rotary_emb_fraction; an int stays an int.
    assert config_theta({"rotary_emb_base": 500}) == 500
    assert config_theta({"rope_theta": 1e6, "rotary_emb_base": 500}) == 1e6
    assert config_theta({}) is None
    assert config_partial_factor({"rotary_emb_fraction": 0.5}) == 0.5
    assert config_partial_factor({"rotary_pct": 0.25, "rotary_emb_fraction": 0.5}) == 0.25
    assert config_partial_factor({}) is None


def test_a_long_bad_rope_type_is_cut_to_200_characters() -> None:
    with pytest.raises(ConfigError) as caught:
        _check_types({"rope_type": ["x" * 300]})
    head = "rope_parameters: 'rope_type' must be a string, got ['"
    assert caught.value.message == head + "x" * (200 - len(head))
    assert len(caught.value.message) == 200


def test_dict_rope_scaling_override_note() -> None:
    # SPEC §3.1, §3.3: a dict rope_scaling override is standardised by the deprecated alias.
    params, notes = apply_dict_overrides(
        {"rope_type": "default", "rope_theta": 10000.0},
        {"rope_scaling": {"type": "linear", "factor": 2.0}},
        500000.0,
    )
    assert params == {
        "type": "linear",
        "factor": 2.0,
        "rope_type": "linear",
        "rope_theta": 500000.0,
    }
    assert notes == [
        Note(
            "hf_overrides",
            "assumption: a dict rope_scaling override goes through transformers 5's deprecated "
            "alias, which fills rope_type and rope_theta",
        )
    ]


# -- R-T4: vLLM 0.21–0.23 under transformers 4 (SPEC-loading §2'.2) -----------------------------
def _patched_4(values: dict[str, Any]) -> dict[str, Any] | None:
    cfg = ConfigObject({"model_type": "llama", **values}, transformers_major=4)
    params, _ = patch_rope_parameters(cfg)
    return params


def test_r_t4_theta_and_partial_start_a_default_dict() -> None:
    assert _patched_4({"rope_theta": 500000.0, "partial_rotary_factor": 0.5}) == {
        "rope_type": "default",
        "rope_theta": 500000.0,
        "partial_rotary_factor": 0.5,
    }


def test_r_t4_a_partial_factor_alone_starts_a_dict() -> None:
    assert _patched_4({"partial_rotary_factor": 0.5}) == {
        "rope_type": "default",
        "partial_rotary_factor": 0.5,
    }


def test_r_t4_a_top_level_l0_alone_starts_a_dict() -> None:
    assert _patched_4({"original_max_position_embeddings": 4096}) == {
        "rope_type": "default",
        "original_max_position_embeddings": 4096,
    }


def test_r_t4_nothing_to_write_leaves_no_dict() -> None:
    assert _patched_4({}) is None


def test_r_t4_values_overwrite_the_dict() -> None:
    # θ, the partial factor and L0 are written INTO the dict, overwriting what is there.
    assert _patched_4(
        {
            "rope_theta": 500000.0,
            "rotary_pct": 0.25,
            "original_max_position_embeddings": 8192,
            "rope_scaling": {
                "rope_type": "yarn",
                "factor": 4.0,
                "rope_theta": 10000.0,
                "original_max_position_embeddings": 4096,
            },
        }
    ) == {
        "rope_type": "yarn",
        "factor": 4.0,
        "rope_theta": 500000.0,
        "partial_rotary_factor": 0.25,
        "original_max_position_embeddings": 8192,
    }


def test_r_t4_a_nested_dict_is_left_alone() -> None:
    # R-T4 applies only "when the dict is not already nested".
    nested = {
        "full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
    }
    assert _patched_4({"rope_theta": 500000.0, "rope_parameters": nested}) == nested


def test_a_long_bad_theta_is_cut_to_200_characters() -> None:
    with pytest.raises(ConfigError) as caught:
        config_theta({"rope_theta": "9" * 300})
    head = "config: 'rope_theta' must be a finite number, got '"
    assert caught.value.message == head + "9" * (200 - len(head))


def test_r_t4_a_legacy_type_is_copied_to_rope_type() -> None:
    assert _patched_4({"rope_scaling": {"type": "linear", "factor": 2.0}}) == {
        "type": "linear",
        "factor": 2.0,
        "rope_type": "linear",
    }


def test_r_t4_a_dict_without_any_type_is_refused() -> None:
    # R-T4: ValueError("rope_parameters should have a 'rope_type' key").
    with pytest.raises(VllmRaises) as caught:
        _patched_4({"rope_scaling": {"factor": 2.0}})
    assert caught.value.refusal() == Refusal(
        "ValueError",
        "rope_parameters should have a 'rope_type' key",
        "normalise RoPE",
        "missing_rope_type",
    )


# -- transformers 5 (SPEC-loading §2'.5 R-S4, SPEC §3.2) -----------------------------------------
def _patched_5(values: dict[str, Any]) -> tuple[dict[str, Any] | None, list[Note]]:
    return patch_rope_parameters(ConfigObject(values))


def test_r_s4_a_class_without_rope_and_no_theta_stays_without() -> None:
    # SPEC-loading §2'.3: bert has no rope_parameters attribute.
    assert _patched_5({"model_type": "bert"}) == (None, [])


def test_r_s4_a_legacy_theta_starts_a_dict() -> None:
    # SPEC §3.2.1: θ from rotary_emb_base when rope_theta is absent.
    assert _patched_5({"model_type": "bert", "rotary_emb_base": 500}) == (
        {"rope_theta": 500, "rope_type": "default"},
        [],
    )


def test_r_s4_a_legacy_partial_factor_starts_a_dict() -> None:
    assert _patched_5({"model_type": "bert", "rotary_pct": 0.5}) == (
        {"partial_rotary_factor": 0.5, "rope_type": "default"},
        [],
    )


def test_r_s4_native_nomic_keeps_its_theta_and_takes_the_fraction() -> None:
    # SPEC-loading §2'.5 R-S4 (measured): the native Nomic class ignores rotary_emb_base (θ 1000
    # from default_theta); setdefault adds the partial factor from rotary_emb_fraction.
    params, _ = _patched_5(
        {"model_type": "nomic_bert", "rotary_emb_base": 500, "rotary_emb_fraction": 0.5}
    )
    assert params == {"rope_theta": 1000.0, "rope_type": "default", "partial_rotary_factor": 0.5}


def test_r_s4_a_nested_dict_is_not_filled_but_its_layers_are_patched() -> None:
    # R-S3n: nested dicts get no top-level θ; each layer goes through patch_legacy_rope_type
    # (SPEC §3.3.4: mrope → default, needing mrope_section).
    params, notes = _patched_5(
        {
            "model_type": "gemma3_text",
            "rotary_emb_base": 500,
            "rope_parameters": {
                "full_attention": {"rope_type": "mrope", "mrope_section": [1]},
                "sliding_attention": {"rope_type": "default"},
            },
        }
    )
    assert params is not None
    assert set(params) == {"full_attention", "sliding_attention"}
    assert params["full_attention"]["rope_type"] == "default"
    assert notes == [Note("normalise RoPE", "legacy rope type 'mrope' is read as 'default'")]
