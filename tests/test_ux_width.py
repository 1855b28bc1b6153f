"""Issue 13 item 2: a number or a class name is never broken inside a table cell, at any width
from 60 to 200. Each command's table output at 60/80/100/200 columns must contain, whole, every
number and CamelCase name that the same output shows on an unlimited line."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.conftest import cli

WIDTHS = (60, 80, 100, 200)
TOKEN = re.compile(r"\d+(?:[.,]\d+)+(?:e[+-]?\d+)?|\d{4,}|\b[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+\b")
NOMIC = "nomic-ai/nomic-embed-text-v1"
RUNS = {
    "inspect": ["inspect", NOMIC, "--bundled", "--hf-overrides", '{"rotary_scaling_factor": 2}'],
    "inspect-dynamic": [
        "inspect",
        NOMIC,
        "--bundled",
        "--hf-overrides",
        '{"rope_parameters": {"rope_type": "dynamic", "factor": 2, "rope_theta": 1000}}',
    ],
    "models": ["models"],
    "compare": ["compare", "--len", "4096,8k", NOMIC, "--bundled"],
    "diff": [
        "diff",
        *("--base", "1000", "--factor", "2", "--rotary-dim", "64"),
        *("--max-position", "4096", "--max-trained-positions", "2048"),
    ],
    "diff-lengths": [
        "diff",
        *("--base", "1000", "--factor", "2", "--rotary-dim", "64"),
        *("--max-trained-positions", "2048", "--lengths", "512..8192"),
    ],
    "diff-complex": [
        "diff",
        *("--base", "1000", "--factor", "2", "--rotary-dim", "64"),
        *("--max-trained-positions", "2048", "--lengths", "1k..8k"),
    ],
    "diff-real": [
        "diff",
        *("--base", "1000", "--factor", "2", "--rotary-dim", "64"),
        *("--max-position", "512", "--max-trained-positions", "2048", "--real-caches"),
    ],
    "diff-lengths-real": [
        "diff",
        *("--base", "1000", "--factor", "2", "--rotary-dim", "64"),
        *("--max-trained-positions", "2048", "--lengths", "1k..8k", "--real-caches"),
    ],
    "diff-model": ["diff", NOMIC, "--bundled", "--max-model-len", "4096"],
    "diff-model-lengths": ["diff", NOMIC, "--bundled", "--lengths", "2048,8192"],
    "diff-engine": ["diff", NOMIC, "--bundled", "--engine", "tei"],
    "diff-engine-lengths": [
        *("diff", NOMIC, "--bundled", "--engine", "sglang", "--lengths", "2048,8192"),
    ],
    "plot": ["plot", NOMIC, "--bundled", "--lengths", "512..8192", "--points", "8"],
    "plot-engine": [
        *("plot", "Snowflake/snowflake-arctic-embed-m-long", "--bundled", "--trust-remote-code"),
        *("--lengths", "512,2048,4096,8192", "--engine", "tei,sglang,transformers"),
    ],
    "validate": ["validate", NOMIC, "--bundled"],
    "rule": ["rule", "--all"],
}


def _out(args: list[str], width: int) -> str:
    run = cli(*args, env={"NTKCLI_WIDTH": str(width)})
    assert run.exit_code in (0, 1), run.stderr
    return run.stdout


@pytest.mark.parametrize("name", sorted(RUNS))
def test_no_number_or_name_split_across_lines(name: str) -> None:
    wide = _out(RUNS[name], 2000)
    tokens = Counter(TOKEN.findall(wide))
    assert tokens, "the output shows numbers"
    for width in WIDTHS:
        narrow = _out(RUNS[name], width)
        whole = Counter(TOKEN.findall(narrow))
        broken = sorted(t for t, n in tokens.items() if whole[t] < n)
        assert not broken, f"{name} at {width} columns breaks {broken[:5]}:\n{narrow}"


def test_diff_at_60_columns_is_one_small_table_per_section() -> None:
    """Issue 13: at 60 columns diff reads as sections of `key  value` lines (old vLLM, new vLLM,
    the comparison), not as the wide table's cells stacked under repeated headers."""
    out = _out(RUNS["diff"], 60)
    lines = [ln.rstrip() for ln in out.splitlines()]
    old, new = lines.index("old vLLM (≤ 0.21)"), lines.index("new vLLM (≥ 0.22)")
    assert old < new
    # SPEC §6 (θ 1000, α 2, d 64, T 2048, L 4096): old 3108.2236667168813, new also 3108.22…
    assert re.fullmatch(r"θ' \(scaled base\) +3108\.2236667168813", lines[old + 7]), lines[old + 7]
    assert any(re.fullmatch(r"T \(trained\) +2,048", ln) for ln in lines[new:]), out
    assert not any(ln.strip() in ("rotary class", "θ' (scaled base)") for ln in lines), out
    assert "comparison" in lines


def test_diff_lengths_at_60_columns_is_one_table_per_length() -> None:
    out = _out(RUNS["diff-lengths"], 60)
    lines = [ln.rstrip() for ln in out.splitlines()]
    assert "L 512" in lines and "L 8,192" in lines, out
    # SPEC §6 "new, L = 8192": 7453.483031811892.
    assert any(re.fullmatch(r"new θ' +7453\.483031811892", ln) for ln in lines), out
