"""`diff MODEL --engine NAME[@VERSION]` (and `--vllm X`, its shorthand for --engine vllm@X): the
engine's answer beside old and new vLLM, in table and JSON, one test per engine. Expected values
are ENGINES.md §6 and SPEC §6, written out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cli, cli_json
from tests.test_engines_worked import CONFIGS, write

# SPEC §6, Llama-style (θ 10000, head 128, α 2, mpe 4096): old θ' 30527.7367488067, cache
# 8192 × 128; new θ 10000.0, cache 4096 × 128; max_model_len 8192 on both.
SG30527 = 30527.7367488067
# SPEC §6 (θ 1000, d 64, α 2, T 2048): new at L = 4096 / 8192, old at any L.
T3108 = 3108.2236667168813
T7453 = 7453.483031811892
CONTRACT = {
    "engine", "config_class", "max_len", "max_len_key", "refusal", "rope_class", "base",
    "scaled_base", "cache_shape", "lengths",
}  # fmt: skip
A, R, W = "accepted", "rejected", "warned"


def _diff(folder: str, *args: str) -> Any:
    return cli_json("diff", folder, *args)


def _engine(data: Any) -> Any:
    engine = data["engine"]
    assert engine.keys() >= CONTRACT | {"equals_vllm"}
    return engine


def _bases(engine: Any) -> list[Any]:
    return [x["base"] for x in engine["lengths"]]


def _equals(engine: Any) -> list[list[str]]:
    return [x["equals_vllm"] for x in engine["lengths"]]


def test_sglang_is_the_old_constant_formula(tmp_path: Path) -> None:
    """ENGINES §1(c), §6: SGLang 0.5.23 uses θ·(α²−α+1)^e for every input, the formula of vLLM
    ≤ 0.21; context 8192 (mpe·α), so 8192 tokens are rejected; cache 8192 → 8448 × 128."""
    data = _diff(write(tmp_path, "llama2_dynamic2"), "--engine", "sglang")
    assert (data["old"]["scaled_base"], data["new"]["scaled_base"]) == (SG30527, 10000.0)
    engine = _engine(data)
    assert engine["engine"] == {"name": "sglang", "version": "0.5.23"}
    assert (engine["max_len"], engine["max_len_key"]) == (8192, "max_position_embeddings")
    assert engine["cache_shape"] == [8448, 128]
    assert _bases(engine) == [SG30527] * 4
    assert [x["status"] for x in engine["lengths"]] == [A, A, A, R]
    assert _equals(engine) == [["old"]] * 4
    assert engine["equals_vllm"] == "old"


def test_sglang_table_shows_the_sides_and_verdict(tmp_path: Path) -> None:
    run = cli("diff", write(tmp_path, "llama2_dynamic2"), "--engine", "sglang",
              env={"NTKCLI_WIDTH": "120"})  # fmt: skip
    assert run.exit_code == 0, run.stderr
    out = run.stdout
    assert "sglang 0.5.23 beside vLLM old and new" in out
    assert "vLLM old 30527.7367488067; new 10000.0" in out  # θ' at load, SPEC §6
    assert "8,448 × 128" in out and "vLLM old 8,192 × 128; new 4,096 × 128" in out
    assert "old vLLM's (≤ 0.21)" in out
    assert "30527.7367488067 rejected  = old" in out


def test_tei_refuses_llama_rope_scaling(tmp_path: Path) -> None:
    """ENGINES §6: TEI (both) refuses rope scaling on Llama; no input is served."""
    for spec, version in (("tei", "1.9.3"), ("tei@head", "head")):
        engine = _engine(_diff(write(tmp_path, "llama2_dynamic2"), "--engine", spec))
        assert engine["engine"] == {"name": "tei", "version": version}
        assert engine["refusal"]["message"] == "Rope scaling is not supported for FlashLlama yet"
        assert all(not x["accepted"] for x in engine["lengths"])
        assert engine["equals_vllm"] is None


def test_tei_193_nomic_scaled_cache(tmp_path: Path) -> None:
    """ENGINES §6 arctic_m_long: TEI 1.9.3 uses 1000 / 1000 / 7000 / 7000, max input 8192,
    cache 8192 × 64. vLLM builds plain RoPE θ 1000 for it (SPEC §6): equal up to 2048 only."""
    engine = _engine(_diff(write(tmp_path, "arctic_m_long"), "--engine", "tei"))
    assert engine["max_len"] == 8192
    assert engine["cache_shape"] == [8192, 64]
    assert _bases(engine) == [1000.0, 1000.0, 7000.0, 7000.0]
    assert _equals(engine) == [["old", "new"], ["old", "new"], [], []]
    assert engine["equals_vllm"] == "neither"


def test_tei_head_truncates(tmp_path: Path) -> None:
    """ENGINES §6 arctic_m_long, TEI HEAD: max input 2048 (max_trained_positions), inputs
    truncated to 2048 with θ 1000: the plain θ vLLM uses too."""
    engine = _engine(_diff(write(tmp_path, "arctic_m_long"), "--engine", "tei@head"))
    assert (engine["max_len"], engine["max_len_key"]) == (2048, "max_trained_positions")
    assert [x["tokens_used"] for x in engine["lengths"]] == [512, 2048, 2048, 2048]
    assert engine["equals_vllm"] == "old and new"


def test_llamacpp_plain_theta_is_the_new_value(tmp_path: Path) -> None:
    """ENGINES §6 llama2_dynamic2: n_ctx_train 4096, freq_base 10000 with no scaling; 8192 only
    warns. Its θ is new vLLM's θ' at the default length (SPEC §6: 10000.0)."""
    engine = _engine(_diff(write(tmp_path, "llama2_dynamic2"), "--engine", "llamacpp"))
    assert engine["config_class"] == {"name": "LlamaConfig", "origin": "native"}
    assert engine["max_len"] == 4096
    assert _bases(engine) == [10000.0] * 4
    assert [x["status"] for x in engine["lengths"]] == [A, A, A, W]
    assert engine["equals_vllm"] == "new"


def test_ollama_clamps_and_truncates(tmp_path: Path) -> None:
    """ENGINES §3(d): num_ctx 8192 on a GGUF with context_length 4096 is clamped to 4096."""
    folder = write(tmp_path, "llama2_dynamic2")
    engine = _engine(_diff(folder, "--engine", "ollama", "--max-model-len", "8192"))
    assert engine["max_len"] == 4096
    assert [x["tokens_used"] for x in engine["lengths"]] == [512, 2048, 4096, 4096]
    assert engine["equals_vllm"] == "new"


def test_transformers_per_forward_against_both_lines(tmp_path: Path) -> None:
    """ENGINES §6 llama2_dynamic2, tf 5.19: 10000 up to 4096, 30527.7 at 8192 (per forward):
    new vLLM's θ' for short inputs, old vLLM's value at 8192: neither formula throughout."""
    engine = _engine(_diff(write(tmp_path, "llama2_dynamic2"), "--engine", "transformers"))
    assert engine["scaled_base"] is None  # decided per input
    assert _bases(engine) == [10000.0, 10000.0, 10000.0, SG30527]
    assert _equals(engine) == [["new"], ["new"], ["new"], ["old"]]
    assert engine["equals_vllm"] == "neither"


def test_transformers_lengths_rows_match_new_vllm(tmp_path: Path) -> None:
    """--lengths: an N-token input on transformers (ENGINES §6 nomic_v15_v5_dyn2: 1000 / 3108.22
    / 7453.48 at 2048 / 4096 / 8192) beside vLLM started with max_model_len = N (SPEC §6: new
    1000.0 / 3108.22 / 7453.48; old 3108.22 at any L): the new formula at every row."""
    folder = write(tmp_path, "nomic_v15_v5_dyn2")
    rows = _diff(folder, "--engine", "transformers", "--lengths", "2048,4096,8192")
    assert [r["len"] for r in rows] == [2048, 4096, 8192]
    assert [r["new"]["scaled_base"] for r in rows] == [1000.0, T3108, T7453]
    engines = [_engine(r) for r in rows]
    assert [_bases(e) for e in engines] == [[1000.0], [T3108], [T7453]]
    assert [_equals(e) for e in engines] == [[["new"]], [["old", "new"]], [["new"]]]
    assert [e["equals_vllm"] for e in engines] == ["new", "old and new", "new"]
    run = cli("diff", folder, "--engine", "transformers", "--lengths", "2048,4096,8192")
    assert run.exit_code == 0, run.stderr
    assert "transformers 5.19.0: one input of N tokens" in run.stdout
    assert "new vLLM's (≥ 0.22)" not in run.stdout  # rows disagree on the verdict: none shown


def test_sentence_transformers_truncates_to_mpe(tmp_path: Path) -> None:
    """ENGINES §4(b): no ST file → min(tokenizer, mpe) = 4096 here; 8192 tokens truncated to
    4096, where transformers' dynamic RoPE does not rescale (N ≤ mpe): θ 10000 = new vLLM."""
    engine = _engine(_diff(write(tmp_path, "llama2_dynamic2"), "--engine", "sentence-transformers"))
    assert engine["max_len"] == 4096
    assert [x["tokens_used"] for x in engine["lengths"]] == [512, 2048, 4096, 4096]
    assert _bases(engine) == [10000.0] * 4
    assert engine["equals_vllm"] == "new"


def test_vllm_shorthand(tmp_path: Path) -> None:
    """--vllm 0.21 is --engine vllm@0.21: vLLM 0.21 is the old line (SPEC §6: 30527.7367488067)."""
    folder = write(tmp_path, "llama2_dynamic2")
    short = _engine(_diff(folder, "--vllm", "0.21"))
    long = _engine(_diff(folder, "--engine", "vllm@0.21"))
    assert short == long
    assert short["engine"]["name"] == "vllm"
    assert _bases(short) == [SG30527] * 4
    assert short["equals_vllm"] == "old"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--engine", "tei", "--vllm", "0.21"], "give --engine or --vllm, not both"),
        (["--engine", "nope"], "unknown engine"),
        (["--vllm", "0.1"], "--vllm"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    (tmp_path / "config.json").write_text(json.dumps(CONFIGS["llama2_dynamic2"][0]))
    run = cli("diff", str(tmp_path), *args)
    assert run.exit_code == 2
    assert needle in run.stderr
    assert "Traceback" not in run.stderr


def test_engine_needs_model() -> None:
    bare = ("--base", "1000", "--factor", "2", "--rotary-dim", "64", "--max-position", "4096")
    run = cli("diff", *bare, "--max-trained-positions", "2048", "--engine", "tei")
    assert run.exit_code == 2
    assert "--engine needs MODEL" in run.stderr
