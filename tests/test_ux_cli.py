"""Issue 13 items 5, 7 and 10: one error style, vLLM's length syntax everywhere, --quiet, a
"did you mean" for a model id, null requested_max_model_len when nothing was requested."""

from __future__ import annotations

import re

import pytest

from ntkcli.commands.lengths import parse_length, parse_lengths
from ntkcli.errors import UsageError
from tests.conftest import cli, cli_json, cli_subprocess

NOMIC = "nomic-ai/nomic-embed-text-v1"
ONE_LINE = re.compile(r"^Error: .+ \(hint: .+\)\n$")


# vLLM's human_readable_int (vllm/engine/arg_utils.py): k = 10**3, K = 2**10, decimals only with
# a decimal suffix, int(float(number) * multiplier).
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8192", 8192),
        ("8k", 8000),
        ("8K", 8192),
        ("25.6k", 25600),
        ("32K", 32768),
        ("1m", 1_000_000),
        ("1M", 1_048_576),
        ("1.001k", 1000),  # vLLM truncates int(1000.9999999999999) too
    ],
)
def test_one_length(text: str, value: int) -> None:
    assert parse_length(text, "--len") == value


@pytest.mark.parametrize("text", ["abc", "2.5K", "0", "-5", "3000000000", "1.5", ""])
def test_not_a_length(text: str) -> None:
    with pytest.raises(UsageError):
        parse_length(text, "--len")


def test_auto_and_minus_one_mean_vllm_picks() -> None:
    assert parse_length("-1", "--max-model-len", auto=True) is None
    assert parse_length("auto", "--max-model-len", auto=True) is None


def test_lists_and_ranges() -> None:
    assert parse_lengths("512,2k,2048", "--lengths").lengths == (512, 2000, 2048)
    assert parse_lengths("512..4096", "--lengths").lengths == (512, 1024, 2048, 4096)
    assert parse_lengths("1k..3k", "--lengths").lengths == (1000, 2000, 3000)
    assert parse_lengths(["512", "1K,512"], "--len").lengths == (512, 1024)
    assert parse_lengths("256..32768", "--lengths").lone_range == (256, 32768)


def test_every_command_takes_the_same_length_syntax() -> None:
    assert cli_json("inspect", NOMIC, "--bundled", "--max-model-len", "2K")["max_model_len"] == 2048
    compared = cli_json("compare", NOMIC, "--bundled", "--len", "1K", "--short", "0")
    assert {row["len"] for row in compared} == {1024}
    rows = cli_json("diff", NOMIC, "--bundled", "--lengths", "1K..4K")
    assert [row["len"] for row in rows] == [1024, 2048, 4096]


@pytest.mark.parametrize(
    "args",
    [
        ["compare"],
        ["inspect", NOMIC, "--max-model-len", "abc"],
        ["inspect", NOMIC, "--format", "yaml"],
        ["inspect", NOMIC, "--formt", "json"],
        ["inspect", NOMIC, "--timeout", "0"],
        ["plot", NOMIC, "--points", str(10**9)],
        ["inspect"],
        ["diff", "--lengths", "8K..1K", "--base", "1000"],
    ],
)
def test_parse_errors_are_one_line_with_a_hint(args: list[str]) -> None:
    run = cli_subprocess(*args)
    assert run.exit_code == 2
    assert ONE_LINE.match(run.stderr), run.stderr
    assert run.stdout == ""


def test_typo_suggestion_is_kept() -> None:
    run = cli_subprocess("inspect", NOMIC, "--formt", "json")
    assert "did you mean --format?" in run.stderr


def test_quiet_drops_notes_only() -> None:
    loud = cli("inspect", NOMIC, "--offline")
    quiet = cli("inspect", NOMIC, "--offline", "-q")
    assert "Note:" in loud.stderr
    assert quiet.stderr == ""
    assert quiet.stdout == loud.stdout


def test_a_model_id_one_letter_off_gets_a_did_you_mean() -> None:
    run = cli("inspect", "nomic-ai/nomic-embd-text-v1", "--bundled")
    assert run.exit_code == 3
    assert "did you mean nomic-ai/nomic-embed-text-v1?" in run.stderr


def test_requested_max_model_len_is_null_when_nothing_was_requested() -> None:
    data = cli_json("inspect", NOMIC, "--bundled")
    assert data["requested_max_model_len"] is None
    assert data["checked_max_model_len"] == 8192
    asked = cli_json("inspect", NOMIC, "--bundled", "--max-model-len", "4k")
    assert asked["requested_max_model_len"] == 4000


def test_inspect_names_the_vllm_line_once() -> None:
    run = cli("inspect", NOMIC, "--bundled")
    assert "new (new)" not in run.stdout


def test_validate_does_not_import_transformers_by_default() -> None:
    code = (
        "import sys; sys.argv = ['ntkcli', 'validate', 'nomic-ai/nomic-embed-text-v1', "
        "'--bundled']\nfrom ntkcli.cli import main\ntry:\n    main()\nexcept SystemExit:\n"
        "    pass\nassert 'transformers' not in sys.modules and 'torch' not in sys.modules"
    )
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_finite_garbage_is_called_garbage() -> None:
    """new vLLM, θ 1000, α 2, T 2048, L 512: inner −0.5, complex base, |values| ≫ 1."""
    run = cli(
        "diff",
        *("--base", "1000", "--factor", "2", "--rotary-dim", "64"),
        *("--max-position", "512", "--max-trained-positions", "2048"),
    )
    text = " ".join(run.stdout.split())
    if "1.859551754043404e+38" in text:  # torch installed: the real cache was computed
        assert "yes, but values above 1: not cos/sin, garbage" in text
