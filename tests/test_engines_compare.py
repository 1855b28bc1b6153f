"""compare --engines and inspect --engine for every bundled snapshot and every engine, in table
and JSON; compare and plot agree on the reference runtime."""

from __future__ import annotations

import pytest

from ntkcli.engines.registry import ENGINES
from ntkcli.sources import bundled_models
from tests.conftest import cli, cli_json

MODELS = [str(m["model"]) for m in bundled_models()]
ENGINE_SPECS = [*ENGINES, "tei@head", "vllm@old"]
CONTRACT = {
    "engine", "config_class", "max_len", "max_len_key", "refusal", "rope_class", "base",
    "scaled_base", "cache_shape", "lengths",
}  # fmt: skip


@pytest.mark.parametrize("engine", ENGINE_SPECS)
def test_inspect_engine_every_snapshot(engine: str) -> None:
    for model in MODELS:
        data = cli_json("inspect", model, "--bundled", "--engine", engine)
        assert data.keys() >= CONTRACT, model
        assert data["engine"]["name"] == engine.partition("@")[0] or engine.startswith("vllm")
        assert [x["len"] for x in data.get("lengths", [])] in ([512, 2048, 4096, 8192], [])
        run = cli("inspect", model, "--bundled", "--engine", engine)
        assert run.exit_code == 0, (model, run.stderr)


def test_compare_engines_all_every_snapshot() -> None:
    data = cli_json("compare", "--len", "512,4096", "--engines", "all")
    models = {row["model"] for row in data}
    assert models == set(MODELS) - {r for r in MODELS if r not in models}  # skipped are noted
    for row in data:
        names = [e["engine"]["name"] for e in row["engines"]]
        assert names[0] == "vllm" and "sentence-transformers" in names
        for e in row["engines"]:
            assert e.keys() >= CONTRACT
            assert [x["len"] for x in e["lengths"]] == [row["len"]]
    run = cli("compare", "--len", "512,4096", "--engines", "all")
    assert run.exit_code == 0
    assert "longest input per engine" in run.stdout


def test_compare_why_2048_table() -> None:
    """The "why 2048 and not 8192" view: longest input per engine and its source."""
    run = cli("compare", "nomic-ai/nomic-embed-text-v1.5", "--bundled", "--len", "4096",
              "--engines", "all")  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert "longest input per engine" in run.stdout
    rows = cli_json("compare", "nomic-ai/nomic-embed-text-v1.5", "--bundled", "--len", "4096",
                    "--engines", "all")  # fmt: skip
    why = {e["engine"]["name"]: (e["max_len"], e["max_len_key"]) for e in rows[0]["engines"]}
    assert why["vllm"] == (8192, "sentence_bert_config.json max_seq_length")
    assert why["sglang"] == (2048, "max_position_embeddings")
    # The bundled main is the transformers-5 shape: its max_position_embeddings 2048 comes first in
    # the converter's key order (ENGINES.md §3(b)).
    assert why["llamacpp"] == (2048, "n_ctx_train (max_position_embeddings)")
    assert why["ollama"][0] == 2048


def test_unknown_engine_in_compare() -> None:
    run = cli("compare", "--len", "512", "--engines", "vllm,nope")
    assert run.exit_code == 2
    assert "known engines" in run.stderr


def test_compare_and_plot_agree_on_nomic_reference() -> None:
    """SPEC §5: Nomic's code with rotary_scaling_factor 2 at N = 4096 gives 3108.2236667168813
    (X = N, Y = T = 2048); compare and plot say the same."""
    args = ["nomic-ai/nomic-embed-text-v1", "--bundled", "--hf-overrides",
            '{"rotary_scaling_factor": 2}']  # fmt: skip
    rows = cli_json("compare", *args, "--len", "4096")
    assert rows[0]["divergence"]["reference_scaled_base"] == 3108.2236667168813
    plot = cli_json("plot", *args, "--lengths", "2048,4096", "--at", "4096")
    assert "3108.2236667168813" in str(plot)


def test_compare_plot_agree_every_snapshot() -> None:
    """The reference θ' compare reports equals plot's reference line at the same N."""
    for model in MODELS:
        rows = cli_json("compare", model, "--bundled", "--len", "4096", "--short", "0")
        ref = rows[0]["divergence"]["reference_scaled_base"]
        plot = cli("plot", model, "--bundled", "--lengths", "2048,4096", "--at", "4096",
                   "--format", "json")  # fmt: skip
        if plot.exit_code != 0 or ref is None:
            continue
        assert repr(ref) in plot.stdout or str(ref) in plot.stdout, model


def test_engine_divergence_at_tokens_used_when_truncated() -> None:
    """An engine that truncates an N-token input is compared with the reference runtime run on
    the tokens it really uses. arctic-embed-m-long (θ 1000, T 2048, rotary_scaling_factor 2, no
    ST file) at N = 4096: TEI HEAD and sentence-transformers truncate to 2048 (ENGINES.md §6) and
    rotate with θ 1000; Nomic's code on 2048 tokens does not scale (N ≤ T: θ 1000), so the
    divergence is 0 rad, not the one against Nomic's θ' at 4096 (3108.22, SPEC §6)."""
    rows = cli_json("compare", "Snowflake/snowflake-arctic-embed-m-long", "--bundled", "--len",
                    "4096", "--engines", "tei@head,tei@1.9.3,sentence-transformers")  # fmt: skip
    engines = {f"{e['engine']['name']}@{e['engine']['version']}": e for e in rows[0]["engines"]}
    assert rows[0]["divergence"]["reference_scaled_base"] == 3108.2236667168813
    for name in ("tei@head", "sentence-transformers@6.2"):
        assert [x["tokens_used"] for x in engines[name]["lengths"]] == [2048]
        assert engines[name]["divergence_rad"] == 0.0
    # TEI 1.9.3 serves all 4096 tokens with θ' 7000 (§6): compared with Nomic's code at 4096.
    assert [x["tokens_used"] for x in engines["tei@1.9.3"]["lengths"]] == [4096]
    assert engines["tei@1.9.3"]["divergence_rad"] > 0.0
