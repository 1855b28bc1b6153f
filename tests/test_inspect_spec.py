"""SPEC §6 worked numbers and Nomic pipeline bullets, through the public CLI (--format json).

Every expected value is written out from SPEC.md §6; the comment on each case says which row.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from conftest import FIXTURES, cli, cli_json

V1 = "nomic-ai/nomic-embed-text-v1"
DYN = {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}


def dynamic(factor: float) -> str:
    return json.dumps(
        {"rope_parameters": {"rope_type": "dynamic", "factor": factor, "rope_theta": 1000}}
    )


def inspect_v1(*args: str) -> Any:
    # SPEC "What changed" / §6: the Nomic examples are remote-class results, so they need
    # --trust-remote-code now (without it, the native NomicBertConfig applies: §2.4).
    return cli_json("inspect", V1, "--bundled", "--trust-remote-code", *args)


# (L, expected θ') — SPEC §6 rows "new, L = …" (θ 1000, d 64, α 2, T 2048).
NEW_ROWS = [
    (8192, 7453.483031811892),
    (4096, 3108.2236667168813),
    (3000, 1971.0436456319733),
    (2048, 1000.0),
    (1536, 488.94426816771636),
    (1024, 0.0),
]


@pytest.mark.parametrize(("length", "expected"), NEW_ROWS)
def test_new_dynamic_rows(length: int, expected: float) -> None:
    d = inspect_v1("--max-model-len", str(length), "--hf-overrides", dynamic(2.0))
    assert d["rope_class"] == "DynamicNTKScalingRotaryEmbedding"
    assert d["scaled_base"] == expected  # exact: same operations as vLLM
    assert d["cache_shape"] == [length, 64]
    assert d["max_trained_positions"] == 2048
    assert d["max_model_len"] == length
    assert d["refusal"] is None


def test_new_complex_base_below_zero_crossing() -> None:
    # SPEC §6 "new, L = 512": (-486.4356532483613-49.46567115590085j), a string in JSON.
    d = inspect_v1("--max-model-len", "512", "--hf-overrides", dynamic(2.0))
    assert d["scaled_base"] == "(-486.4356532483613-49.46567115590085j)"
    assert d["cache_shape"] == [512, 64]


@pytest.mark.parametrize(
    ("factor", "expected"), [(1.0, 4182.936592889949), (4.0, 14121.375739786728)]
)
def test_new_other_factors_at_8192(factor: float, expected: float) -> None:
    # SPEC §6 "new, α = 1, L = 8192" and "new, α = 4, L = 8192".
    d = inspect_v1("--max-model-len", "8192", "--hf-overrides", dynamic(factor))
    assert d["scaled_base"] == expected
    assert d["cache_shape"] == [8192, 64]


def test_old_any_length_is_constant() -> None:
    # SPEC §6 "old, any L, α = 2": 3108.2236667168813, ceil(2L) rows with L = T = 2048.
    d = inspect_v1("--vllm", "old", "--max-model-len", "4096", "--hf-overrides", dynamic(2.0))
    assert d["scaled_base"] == 3108.2236667168813
    assert d["cache_shape"] == [4096, 64]
    assert d["max_model_len"] == 4096
    assert d["max_trained_positions"] is None  # old vLLM's class has no T


def test_old_factor_below_one() -> None:
    # SPEC §6 "old, α = 0.5, L = 2048": 743.0721450571741, 1024 × 64.
    d = inspect_v1("--vllm", "0.21.0", "--max-model-len", "1024", "--hf-overrides", dynamic(0.5))
    assert d["scaled_base"] == 743.0721450571741
    assert d["cache_shape"] == [1024, 64]


def test_llama_style_old_and_new() -> None:
    # SPEC §6 Llama-style rows: θ 10000, head 128, α 2, max_position_embeddings 4096.
    path = str(FIXTURES / "llama-dynamic" / "config.json")
    old = cli_json("inspect", path, "--vllm", "old")
    assert old["scaled_base"] == 30527.7367488067
    assert old["cache_shape"] == [8192, 128]
    assert old["max_model_len"] == 8192
    new = cli_json("inspect", path)
    assert new["scaled_base"] == 10000.0
    assert new["cache_shape"] == [4096, 128]
    assert new["max_model_len"] == 8192  # still allowed: positions 4096… are out of range
    assert new["max_trained_positions"] == 4096  # T = L for non-Nomic models


def test_v1_no_overrides_new_and_old() -> None:
    # SPEC §6 Nomic bullet 1.
    new = inspect_v1()
    assert (new["max_model_len"], new["rope_class"], new["base"], new["cache_shape"]) == (
        8192,
        "RotaryEmbedding",
        1000.0,
        [8192, 64],
    )
    assert new["rope_parameters"]["rope_theta"] == 1000
    old = inspect_v1("--vllm", "old")
    assert old["max_model_len"] == 2048 and old["cache_shape"] == [2048, 64]
    assert any("Changing max_model_len from 8192 to 2048" in n["message"] for n in old["notes"])
    refused = inspect_v1("--vllm", "old", "--max-model-len", "4096")
    assert refused["max_model_len"] is None
    assert refused["refusal"]["error"] == "ValueError"
    assert "max_position_embeddings=2048.0" in refused["refusal"]["message"]


def test_v1_dynamic_override_new_and_old() -> None:
    # SPEC §6 Nomic bullet 2.
    new = inspect_v1("--hf-overrides", json.dumps(DYN))
    assert new["derived"]["value"] == 16384.0
    assert new["derived"]["sentence_transformers_replaced"] is True
    assert new["max_model_len"] == 8192
    assert new["scaled_base"] == 7453.483031811892
    assert new["cache_shape"] == [8192, 64]
    old = inspect_v1("--vllm", "old", "--hf-overrides", json.dumps(DYN))
    assert old["refusal"]["error"] == "ValueError"
    assert "(8192)" in old["refusal"]["message"]
    assert "max_position_embeddings=4096.0" in old["refusal"]["message"]
    old_4096 = inspect_v1(
        "--vllm", "old", "--max-model-len", "4096", "--hf-overrides", json.dumps(DYN)
    )
    assert old_4096["scaled_base"] == 3108.2236667168813
    assert old_4096["cache_shape"] == [4096, 64]


def test_refusal_message_is_vllms() -> None:
    run = cli("inspect", V1, "--bundled", "--max-model-len", "9000", "--format", "json")
    d = json.loads(run.stdout)
    assert d["refusal"]["message"].startswith(
        "User-specified max_model_len (9000) is greater than the derived max_model_len "
        "(max_position_embeddings=8192 or model_max_length=None in model's config.json). "
        "To allow overriding this maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1."
    )
    allowed = cli_json(
        "inspect", V1, "--bundled", "--max-model-len", "9000", "--allow-long-max-model-len"
    )
    assert allowed["refusal"] is None and allowed["max_model_len"] == 9000


def test_zero_base_is_a_number_and_nan_free_json() -> None:
    d = inspect_v1("--max-model-len", "1024", "--hf-overrides", dynamic(2.0))
    assert d["scaled_base"] == 0.0 and not math.isnan(d["scaled_base"])
    assert d["inner_term"] == 0.0
