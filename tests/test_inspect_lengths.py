"""`inspect --lengths` (issue 12's JSON contract): the input lengths at which an engine reports
the base it uses, in vLLM's length syntax, for every engine including vLLM itself.

Expected values (ENGINES.md, Llama-2-style dynamic NTK: θ 10000, head 128, α 2, 4096 positions):
SGLang 0.5.23 keeps the constant pre-#41277 base 10000·(2·8192/4096 − 1)^(128/126)
= 30527.7367488067 for every input; transformers rescales per forward only above 4096 tokens,
X = max(N, 4096): N = 8192 gives the same 30527.7367488067, N ≤ 4096 gives θ = 10000.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli, cli_json

LLAMA2_DYNAMIC = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "num_hidden_layers": 32,
    "intermediate_size": 11008,
    "vocab_size": 32000,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
    "rope_scaling": {"type": "dynamic", "factor": 2.0},
}
SGLANG_BASE = 30527.7367488067


@pytest.fixture
def llama2(tmp_path: Path) -> Path:
    (tmp_path / "config.json").write_text(json.dumps(LLAMA2_DYNAMIC))
    return tmp_path


def _bases(data: dict[str, object]) -> dict[int, object]:
    rows = data["lengths"]
    assert isinstance(rows, list)
    return {row["len"]: row["base"] for row in rows}


def test_default_lengths(llama2: Path) -> None:
    data = cli_json("inspect", str(llama2), "--engine", "sglang", "--format", "json")
    assert list(_bases(data)) == [512, 2048, 4096, 8192]
    assert set(_bases(data).values()) == {SGLANG_BASE}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2k,8K", [2000, 8192]),  # vLLM's syntax: k = 1000, K = 1024
        ("512..2048", [512, 1024, 2048]),  # a range doubles from A
        ("8192,512,8192", [8192, 512]),  # in order, duplicates dropped
    ],
)
def test_lengths_grammar(llama2: Path, text: str, expected: list[int]) -> None:
    data = cli_json(
        "inspect", str(llama2), "--engine", "transformers", "--lengths", text, "-f", "json"
    )
    assert list(_bases(data)) == expected


def test_transformers_rescales_only_above_the_trained_length(llama2: Path) -> None:
    data = cli_json(
        "inspect", str(llama2), "--engine", "transformers", "--lengths", "4096,8192", "-f", "json"
    )
    assert _bases(data) == {4096: 10000.0, 8192: SGLANG_BASE}


def test_lengths_without_engine_adds_vllms_contract_keys(llama2: Path) -> None:
    data = cli_json("inspect", str(llama2), "--lengths", "1024", "--format", "json")
    assert data["engine"] == {"name": "vllm", "version": "0.33.0"}
    assert list(_bases(data)) == [1024]
    assert "rope_parameters" in data  # vLLM's own keys stay beside the contract's


@pytest.mark.parametrize("text", ["abc", "0", "8192..512"])
def test_bad_lengths_are_one_line_usage_errors(llama2: Path, text: str) -> None:
    run = cli("inspect", str(llama2), "--engine", "sglang", "--lengths", text)
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1, run.stderr
    assert "--lengths" in run.stderr
