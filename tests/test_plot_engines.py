"""`plot --engine NAME[@VERSION]` (issue #12): each engine's θ' per input length beside vLLM's,
from the engines registry — the same answer `inspect --engine` gives — in the JSON and a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import cli, cli_json

from ntkcli.engines.registry import ENGINES

SNOWFLAKE = "Snowflake/snowflake-arctic-embed-m-long"
LENGTHS = "512,2048,4096,8192"
TRUST = "--trust-remote-code"


def plot_engine(name: str) -> dict[str, Any]:
    d: dict[str, Any] = cli_json(
        "plot", TRUST, SNOWFLAKE, "--bundled", "--lengths", LENGTHS, "--engine", name
    )
    return d


@pytest.mark.parametrize("name", [*ENGINES, "tei@head"])
def test_engine_series_is_the_registry_answer(name: str) -> None:
    d = plot_engine(name)
    (key,) = d["engines"]
    assert key.startswith(name.split("@")[0] + "@")
    points = d["engines"][key]["points"]
    assert [p["length"] for p in points] == [512, 2048, 4096, 8192]
    # vLLM's and the reference's series are still there, beside it.
    assert set(d["series"]) == {"vllm_new", "vllm_old", "reference"}
    inspected = cli_json("inspect", TRUST, SNOWFLAKE, "--bundled", "--engine", name)
    by_len = {x["len"]: x for x in inspected["lengths"]}
    for p in points:
        assert p["scaled_base_exact"] == by_len[p["length"]]["base"], (name, p["length"])
        assert p["allowed"] == by_len[p["length"]]["accepted"], (name, p["length"])


def test_engine_values_from_the_engines_rules() -> None:
    # ENGINES.md (TEI 1.9.3, NomicBert with rotary_scaling_factor α 2, T 2048, max 8192): an input
    # over T uses the scaled cache built for 8192 with the exponent's integer part 1:
    # 1000·(2·8192/2048 − 1)^1 = 7000.
    tei = plot_engine("tei")["engines"]["tei@1.9.3"]["points"]
    assert [p["scaled_base"] for p in tei] == [1000.0, 1000.0, 7000.0, 7000.0]
    # transformers 5: rotary_scaling_factor is not read: θ 1000.
    tf = plot_engine("transformers")["engines"]["transformers@5.19.0"]["points"]
    assert {p["scaled_base"] for p in tf} == {1000.0}
    # SGLang serves inputs shorter than context_len. With --trust-remote-code AutoConfig builds
    # Nomic's remote class, whose n_positions 8192 is max_position_embeddings: 8192 is not served.
    sglang = plot_engine("sglang")["engines"]["sglang@0.5.23"]["points"]
    assert [p["allowed"] for p in sglang] == [True, True, True, False]
    # Without it the native NomicBertConfig's max_position_embeddings 2048 is the context.
    native = cli_json("plot", SNOWFLAKE, "--bundled", "--lengths", LENGTHS, "--engine", "sglang")
    points = native["engines"]["sglang@0.5.23"]["points"]
    assert [p["allowed"] for p in points] == [True, False, False, False]


def test_several_engines_and_the_table() -> None:
    d = cli_json("plot", TRUST, SNOWFLAKE, "--bundled", "--engine", "tei,transformers")
    assert list(d["engines"]) == ["tei@1.9.3", "transformers@5.19.0"]
    assert all(len(s["points"]) == len(d["lengths"]) for s in d["engines"].values())
    run = cli("plot", TRUST, SNOWFLAKE, "--bundled", "--lengths", LENGTHS, "--engine", "tei")
    assert run.exit_code == 0, run.stderr
    assert "θ' per input length" in run.stdout and "tei@1.9.3" in run.stdout
    assert "7000.0" in run.stdout
    # The chart draws it too, with its own legend line.
    assert "━━ tei  tei@1.9.3" in run.stdout
    assert "engines: input length N" in run.stdout


def test_without_engine_the_json_has_no_engine_series() -> None:
    d = cli_json("plot", TRUST, SNOWFLAKE, "--bundled", "--lengths", LENGTHS)
    assert d["engines"] == {}


def test_unknown_engine_is_a_usage_error() -> None:
    run = cli("plot", SNOWFLAKE, "--bundled", "--engine", "nope")
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: --engine 'nope': unknown engine")


def test_engine_lines_in_the_file(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "plot.svg"
    run = cli(
        "plot", TRUST, SNOWFLAKE, "--bundled", "--engine", "tei", "--out", str(out), "-f", "json"
    )
    assert run.exit_code == 0, run.stderr
    svg = out.read_text()
    assert "tei@1.9.3: NomicBertModel rotary" in svg
