"""Issue 13 item 10: refusals say what vLLM does. A check that raises on purpose (ValueError, an
assert) "refuses"; any other exception (AttributeError, KeyError, …) "crashes". R19, the
catch-all, says the same, and never both "vLLM would refuse" and "vLLM does not validate it".

Cases from SPEC §4.3 (old vLLM's Nomic re-check: without a sentence-transformers file and with
a --max-model-len it crashes with AttributeError; above the derived limit it refuses with
ValueError, §4.2) and §4.1 (a negative rope factor gives a derived length ≤ 0, which vLLM does
not check).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ntkcli.model import refusal_verb
from tests.conftest import cli, write_model

SNAPSHOTS = Path(__file__).resolve().parents[1] / "ntkcli" / "snapshots"
WIDE = {"NTKCLI_WIDTH": "200"}
CRASH = "AttributeError: 'NoneType' object has no attribute 'pop'"  # SPEC §4.3, old vLLM


def nomic_without_st(tmp_path: Path) -> str:
    """nomic-embed-text-v1's config.json alone: no sentence_bert_config.json."""
    config = json.loads((SNAPSHOTS / "nomic-ai__nomic-embed-text-v1" / "config.json").read_text())
    return write_model(tmp_path, config)


def negative_factor(tmp_path: Path) -> str:
    return write_model(
        tmp_path,
        {
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "hidden_size": 4096,
            "num_attention_heads": 32,
            "num_hidden_layers": 2,
            "max_position_embeddings": 4096,
            "rope_theta": 10000.0,
            "rope_scaling": {"rope_type": "linear", "factor": -2.0},
        },
    )


def test_compare_says_old_vllm_crashes(tmp_path: Path) -> None:
    run = cli("compare", nomic_without_st(tmp_path), "--len", "2048", env=WIDE)
    assert run.exit_code == 0, run.stderr
    assert "crashes: AttributeError" in run.stdout
    assert "refused" not in run.stdout


def test_compare_says_old_vllm_refuses(tmp_path: Path) -> None:
    # SPEC §4.2: 4096 > the derived 2048 → ValueError, in both versions without the ST file.
    run = cli("compare", nomic_without_st(tmp_path), "--len", "4096", env=WIDE)
    assert run.exit_code == 0, run.stderr
    assert "refuses: ValueError" in run.stdout
    assert "crashes" not in run.stdout


@pytest.mark.parametrize(
    ("error", "verb"),
    [
        ("ValueError", "refuses"),  # vLLM's own checks (SPEC §4.2, §4.4)
        ("AssertionError", "refuses"),  # the NomicBert update's asserts (SPEC §4.3)
        ("AttributeError", "crashes"),  # SPEC §4.3 old re-check, §2.4.5 native fields
        ("KeyError", "crashes"),  # SPEC §3.1 a dict override spelled with "type"
        ("TypeError", "crashes"),  # SPEC §4.4.2 an unhashable value in get_rope's cache key
        ("ZeroDivisionError", "crashes"),  # SPEC §4.5 d = 2
        ("AttributeError: 'NoneType' object has no attribute 'pop'", "crashes"),
    ],
)
def test_refusal_verb(error: str, verb: str) -> None:
    assert refusal_verb(error) == verb


def test_inspect_and_diff_say_would_crash(tmp_path: Path) -> None:
    model = nomic_without_st(tmp_path)
    run = cli("inspect", model, "--vllm", "old", "--max-model-len", "2048", env=WIDE)
    assert f"vLLM would crash: {CRASH}" in run.stdout
    assert "crashes (AttributeError)" in run.stdout
    assert "would refuse" not in run.stdout
    diff = cli("diff", model, "--max-model-len", "2048", env=WIDE)
    assert f"old vLLM would crash: {CRASH}" in diff.stdout
    assert "crashes (AttributeError)" in diff.stdout


def test_validate_header_says_crashes(tmp_path: Path) -> None:
    model = nomic_without_st(tmp_path)
    run = cli("validate", model, "--vllm", "old", "--max-model-len", "2048", env=WIDE)
    assert "vLLM crashes (AttributeError)" in run.stdout
    assert f"would crash: {CRASH}" in run.stdout  # R17


def test_r19_text_is_consistent() -> None:
    run = cli("rule", "R19", env=WIDE)
    assert run.exit_code == 0
    text = run.stdout
    assert "refuses" in text and "crashes" in text
    assert "does not validate" not in text
    assert "would refuse" not in text


def test_unusable_length_does_not_claim_vllm_refuses(tmp_path: Path) -> None:
    # SPEC §4.1: factor -2 → derived length -8192.0; vLLM has no check for it.
    model = negative_factor(tmp_path)
    run = cli("validate", model, env=WIDE)
    assert run.exit_code == 1
    r19 = [ln for ln in run.stdout.splitlines() if "R19" in ln]
    assert r19, run.stdout
    assert "unusable length" in r19[0]
    assert "would refuse" not in run.stdout
    assert "vLLM does not check it" in run.stdout
    inspect = cli("inspect", model, env=WIDE)
    assert "would refuse" not in inspect.stdout
    assert "unusable length" in inspect.stdout
