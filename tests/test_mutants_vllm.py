"""Tests that kill mutants of the vLLM pipeline (issue 14) which no other test caught.

Each expected value is written out from the spec (section in the comment), never computed by the
code under test. Configs are written to tmp_path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_json
from conftest import write_model as write

LLAMA2: dict[str, Any] = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
}
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
