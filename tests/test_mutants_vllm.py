"""Tests that kill mutants of the vLLM pipeline (issue 14) which no other test caught.

Each expected value is written out from the spec (section in the comment), never computed by the
code under test. Configs are written to tmp_path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import LLAMA2, cli_json
from conftest import write_model as write

# A class without any length key: an unknown model_type is a plain PretrainedConfig.
NO_LENGTH_KEYS: dict[str, Any] = {
    "model_type": "not_a_transformers_type",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096,
    "num_attention_heads": 32,
}
NOMIC_V1 = Path("/work/shared/configs/reconstructed/nomic-ai__nomic-embed-text-v1/config.json")


def inspect(model: str, *args: str) -> Any:
    return cli_json("inspect", model, "--format", "json", *args)


def overrides(value: dict[str, Any]) -> tuple[str, str]:
    return ("--hf-overrides", json.dumps(value))


def test_no_length_key_falls_back_to_2048(tmp_path: Path) -> None:
    # SPEC §4.1.3: none of the keys and no user value → 2048, with a warning.
    d = inspect(write(tmp_path, NO_LENGTH_KEYS))
    assert d["derived"]["fallback"] is True
    assert d["derived"]["value"] == 2048.0
    assert d["max_model_len"] == 2048


def test_the_factor_multiplies_the_2048_fallback(tmp_path: Path) -> None:
    # SPEC §4.1.3: "the factor of 4.1.4 also multiplies this 2048": dynamic 2 → 4096.
    cfg = {**NO_LENGTH_KEYS, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}}
    d = inspect(write(tmp_path, cfg))
    assert d["derived"]["value"] == 4096.0
    assert d["max_model_len"] == 4096


@pytest.mark.parametrize("vllm", ["0.21.0", "0.33.0"])
def test_a_raw_su_layer_is_excluded_from_the_factor(tmp_path: Path, vllm: str) -> None:
    # SPEC §4.1.4: `su` is excluded in every version. Only a dict override (never normalised,
    # §3.1.3) brings a raw "su" to the factor loop: Llama-2's 4096 stays 4096, not 4096·4.
    su = {"rope_parameters": {"rope_type": "su", "factor": 4.0, "rope_theta": 10000.0}}
    d = inspect(write(tmp_path, LLAMA2), "--vllm", vllm, *overrides(su))
    assert d["derived"]["value"] == 4096.0


def _nomic(tmp_path: Path, st: dict[str, Any]) -> str:
    return write(tmp_path, json.loads(NOMIC_V1.read_text()), st)


def test_old_vllm_drops_an_st_file_without_do_lower_case(tmp_path: Path) -> None:
    # SPEC §4.1.6 (≤ 0.31 needs both keys) and §4.3.8: on 0.21 with a user max_model_len and no
    # encoder config kept, vLLM crashes with AttributeError 'NoneType' object has no attribute
    # 'pop'.
    model = _nomic(tmp_path, {"max_seq_length": 4096})
    d = inspect(model, "--vllm", "0.21.0", "--trust-remote-code", "--max-model-len", "2048")
    assert d["refusal"]["error"] == "AttributeError"
    assert d["refusal"]["message"] == "'NoneType' object has no attribute 'pop'"


def test_old_vllm_keeps_an_st_file_with_both_keys(tmp_path: Path) -> None:
    # SPEC §4.3.6/§4.3.8: both keys → the re-check runs; 2048 ≤ T = 2048 is accepted, L = T.
    model = _nomic(tmp_path, {"max_seq_length": 4096, "do_lower_case": False})
    d = inspect(model, "--vllm", "0.21.0", "--trust-remote-code", "--max-model-len", "2048")
    assert d["refusal"] is None
    assert (d["max_model_len"], d["cache_shape"]) == (2048, [2048, 64])


def test_transformers_4_takes_rope_theta_before_rotary_emb_base(tmp_path: Path) -> None:
    # SPEC §3.2.1: θ from rope_theta, else rotary_emb_base; under transformers 4 (vLLM ≤ 0.23)
    # vLLM writes it into the dict (§3.1.2), so the base is 500000.0, not 1000.0.
    cfg = {**LLAMA2, "rope_theta": 500000.0, "rotary_emb_base": 1000.0}
    d = inspect(write(tmp_path, cfg), "--vllm", "0.21.0", "--transformers", "4")
    assert d["normalised_rope_parameters"]["rope_theta"] == 500000.0
    assert d["base"] == 500000.0


# -- unit level: max_len and rope_params helpers -------------------------------------------------

SHORT = {"rope_type": "longrope", "short_factor": [1.0], "long_factor": [2.0]}


def _derived(final: float) -> Any:
    from ntkcli.model import DerivedLength

    return DerivedLength("max_position_embeddings", 131072, 1.0, True, final, None, False, final)


def test_longrope_default_reads_nested_layers() -> None:
    # SPEC §4.2.1: with ANY longrope layer (nested dicts too) the default is the config
    # attribute original_max_position_embeddings, not the derived length.
    from ntkcli.configs.config_object import ConfigObject
    from ntkcli.vllm.max_len import default_max_model_len

    cfg = ConfigObject({"model_type": "llama", "original_max_position_embeddings": 4096})
    nested = {"full_attention": SHORT, "sliding_attention": {"rope_type": "default"}}
    assert default_max_model_len(_derived(131072.0), nested, cfg) == 4096
    assert default_max_model_len(_derived(131072.0), SHORT, cfg) == 4096
    assert default_max_model_len(_derived(131072.0), {"rope_type": "default"}, cfg) == 131072


def test_longrope_default_must_be_a_positive_length() -> None:
    from ntkcli.configs.config_object import ConfigObject
    from ntkcli.errors import ConfigError
    from ntkcli.vllm.max_len import default_max_model_len

    cfg = ConfigObject({"model_type": "llama", "original_max_position_embeddings": 0})
    with pytest.raises(ConfigError, match="original_max_position_embeddings"):
        default_max_model_len(_derived(131072.0), SHORT, cfg)


def _st_capped(tmp_path: Path) -> str:
    # model_max_length 8192 wins the derivation (§4.1.2), then the ST file replaces it with 512.
    cfg = {**LLAMA2, "model_max_length": 8192}
    return write(tmp_path, cfg, {"max_seq_length": 512, "do_lower_case": False})


def test_model_max_length_still_admits_a_longer_request(tmp_path: Path) -> None:
    # SPEC §4.2.3: no refusal if the config's model_max_length is ≥ X (here X = 8192 = it).
    d = inspect(_st_capped(tmp_path), "--vllm", "0.33.0", "--max-model-len", "8192")
    assert d["refusal"] is None
    assert d["max_model_len"] == 8192


def test_refusal_and_allow_long_note_name_model_max_length(tmp_path: Path) -> None:
    # SPEC §4.2.2–4.2.3: above model_max_length → refused; with the env switch only a warning.
    model = _st_capped(tmp_path)
    d = inspect(model, "--vllm", "0.33.0", "--max-model-len", "8193")
    assert d["refusal"]["message"].startswith(
        "User-specified max_model_len (8193) is greater than the derived max_model_len "
        "(model_max_length=512 or model_max_length=8192 in model's config.json)."
    )
    d = inspect(model, "--vllm", "0.33.0", "--max-model-len", "8193", "--allow-long-max-model-len")
    assert d["refusal"] is None
    notes = [n for n in d["notes"] if n["message"].startswith("User-specified")]
    assert [n["step"] for n in notes] == ["derive max length"]
    assert notes[0]["message"].endswith(
        "in model's config.json). Make sure the value is correct and within the model context size."
    )


def test_primary_layer_names_the_layer() -> None:
    from ntkcli.vllm.rope_params import primary_layer

    full, sliding = {"rope_type": "linear"}, {"rope_type": "default"}
    assert primary_layer({"sliding_attention": sliding, "full_attention": full}) == (
        "full_attention",
        full,
    )
    assert primary_layer({"a": None, "sliding_attention": sliding}) == (
        "sliding_attention",
        sliding,
    )
    assert primary_layer({"a": None}) == (None, {})
    assert primary_layer(None) == (None, {})


def test_vllm_raises_reads_as_the_exception() -> None:
    from ntkcli.vllm.rope_params import VllmRaises

    err = VllmRaises("ValueError", "boom", "normalise RoPE", "missing_rope_type")
    assert str(err) == "ValueError: boom"
    assert err.refusal().error == "ValueError"


def test_longrope_default_edges() -> None:
    # SPEC §4.2.1: int(getattr(config, "original_max_position_embeddings")): 1 is a length; an
    # infinite derived length (factor 1e308) is vLLM's OverflowError in int().
    from ntkcli.configs.config_object import ConfigObject
    from ntkcli.errors import ConfigError
    from ntkcli.vllm.max_len import default_max_model_len
    from ntkcli.vllm.rope_params import VllmRaises

    one = ConfigObject({"model_type": "llama", "original_max_position_embeddings": 1})
    assert default_max_model_len(_derived(131072.0), SHORT, one) == 1
    bad = ConfigObject({"model_type": "llama", "original_max_position_embeddings": "x"})
    with pytest.raises(ConfigError, match="'original_max_position_embeddings'"):
        default_max_model_len(_derived(131072.0), SHORT, bad)
    plain = ConfigObject({"model_type": "llama"})
    with pytest.raises(VllmRaises) as err:
        default_max_model_len(_derived(float("inf")), {"rope_type": "default"}, plain)
    refusal = err.value.refusal()
    assert (refusal.error, refusal.message) == (
        "OverflowError",
        "cannot convert float infinity to integer",
    )
    assert (err.value.step, err.value.cause) == ("derive max length", "length_overflow")
