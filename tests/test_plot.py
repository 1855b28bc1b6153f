"""`ntkcli plot` (issue #8): JSON series against SPEC §6 numbers, PNG/SVG files of the documented
size, the terminal chart, and the error paths. Expected θ' values are written out from SPEC.md."""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import LLAMA2_DYNAMIC, cli, cli_json

from ntkcli.analysis.plot_series import log_lengths
from ntkcli.commands.lengths import parse_plot_lengths
from ntkcli.errors import UsageError
from ntkcli.rope.ntk import base_status as classify

V1 = "nomic-ai/nomic-embed-text-v1"
SNOWFLAKE = "Snowflake/snowflake-arctic-embed-m-long"
PLAIN = "internlm/internlm-20b"  # plain RoPE θ 10000, max_position_embeddings 4096
DYN = json.dumps({"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}})
BRAILLE = range(0x2801, 0x2900)

# SPEC "What changed" (§2.2): the Nomic/InternLM2 expectations here are remote-class results,
# so every run passes --trust-remote-code (the default now builds the native class).
TRUST = "--trust-remote-code"


def by_length(data: Any, key: str) -> dict[int, dict[str, Any]]:
    return {p["length"]: p for p in data["series"][key]["points"]}


def plot_v1(*args: str) -> Any:
    return cli_json("plot", TRUST, V1, "--bundled", "--hf-overrides", DYN, *args)


# -- JSON series --------------------------------------------------------------------------------


def test_nomic_v1_dynamic_series_match_spec() -> None:
    d = plot_v1("--lengths", "512,1024,2048,4096,8192")
    assert d["lengths"] == [512, 1024, 2048, 4096, 8192]
    new = by_length(d, "vllm_new")
    # SPEC §6 "new, L = …" rows (θ 1000, d 64, α 2, T 2048).
    assert new[8192]["scaled_base"] == 7453.483031811892
    assert new[4096]["scaled_base"] == 3108.2236667168813
    assert new[2048]["scaled_base"] == 1000.0
    # L = T·(α−1)/α = 1024: θ' = 0.0 — a gap in the plot, exact value kept.
    assert (new[1024]["scaled_base"], new[1024]["status"]) == (None, "zero")
    assert new[1024]["scaled_base_exact"] == 0.0
    # L = 512: complex base.
    assert (new[512]["scaled_base"], new[512]["status"]) == (None, "complex")
    assert new[512]["scaled_base_exact"] == "(-486.4356532483613-49.46567115590085j)"
    assert all(p["allowed"] for p in new.values())
    # SPEC §6 "old, any L, α = 2": flat; old refuses 8192 (limit 4096, §6 Nomic bullets).
    old = by_length(d, "vllm_old")
    assert {p["scaled_base"] for p in old.values()} == {3108.2236667168813}
    assert old[4096]["allowed"] is True
    assert old[8192]["allowed"] is False
    assert "greater than the derived max_model_len" in old[8192]["refusal"]
    # Nomic's code never reads rope_parameters and v1 has rotary_scaling_factor null: flat θ.
    ref = by_length(d, "reference")
    assert {p["scaled_base"] for p in ref.values()} == {1000.0}
    assert d["zero_crossing"] == 1024.0
    assert d["trained_length"] == 2048
    assert d["default_max_model_len"] == {"new": 8192, "old": None}


def test_refused_lengths_still_show_the_formula() -> None:
    # 16384 > the derived 8192 (ST max_seq_length): vLLM new refuses, the value is still drawn.
    d = plot_v1("--lengths", "8192,16384")
    point = by_length(d, "vllm_new")[16384]
    assert point["allowed"] is False
    assert point["scaled_base"] == 1000.0 * (2.0 * 16384 / 2048 - 1.0) ** (64 / 62)
    allowed = cli_json(
        "plot", TRUST, V1, "--bundled", "--hf-overrides", DYN, "--lengths", "8192,16384",
        "--allow-long-max-model-len",
    )  # fmt: skip
    assert by_length(allowed, "vllm_new")[16384]["allowed"] is True


def test_default_range_holds_the_landmarks() -> None:
    d = plot_v1()
    lengths = d["lengths"]
    assert lengths == sorted(set(lengths))
    assert lengths[0] == 256 and lengths[-1] == 32768
    assert {1024, 2048, 8192} <= set(lengths)  # zero crossing, T, default max_model_len
    assert len(lengths) <= 200 + 5
    assert by_length(d, "vllm_new")[1024]["status"] == "zero"
    statuses = {p["status"] for p in d["series"]["vllm_new"]["points"] if p["length"] < 1024}
    assert statuses == {"complex"}


def test_range_and_points() -> None:
    d = plot_v1("--lengths", "3000..5000", "--points", "5")
    # 5 log-spaced lengths plus the landmark inside the range (none: 1024/2048/8192 are outside).
    assert d["lengths"] == log_lengths(3000, 5000, 5)
    assert by_length(d, "vllm_new")[3000]["scaled_base"] == 1971.0436456319733  # SPEC §6


def test_snowflake_reference_scales_only_above_T() -> None:
    d = cli_json("plot", TRUST, SNOWFLAKE, "--bundled", "--lengths", "1024,2048,2049,4096,8192")
    for key in ("vllm_new", "vllm_old"):  # SPEC §6: plain RoPE θ 1000 in both versions
        assert {p["scaled_base"] for p in d["series"][key]["points"]} == {1000.0}
    ref = by_length(d, "reference")
    assert ref[2048]["scaled_base"] == 1000.0  # not scaled up to N = T (SPEC §5)
    assert ref[2049]["scaled_base"] > 1000.0
    assert ref[4096]["scaled_base"] == 3108.2236667168813
    assert ref[8192]["scaled_base"] == 7453.483031811892
    assert d["zero_crossing"] is None
    assert d["default_max_model_len"] == {"new": 8192, "old": 2048}
    waves = d["wavelengths"]["series"]
    assert d["wavelengths"]["at"] == 8192
    assert waves["reference"]["scaled_base"] == 7453.483031811892


def test_non_dynamic_model_draws_flat_lines() -> None:
    d = cli_json("plot", TRUST, PLAIN, "--bundled")
    for key in ("vllm_new", "vllm_old", "reference"):
        points = d["series"][key]["points"]
        assert {p["scaled_base"] for p in points} == {10000.0}
        assert {p["status"] for p in points} == {"ok"}
    assert d["zero_crossing"] is None
    waves = [w["wavelengths"] for w in d["wavelengths"]["series"].values()]
    assert waves[0] == waves[1] == waves[2]


def test_llama_style_dynamic_uses_transformers_formula(tmp_path: Path) -> None:
    config = LLAMA2_DYNAMIC
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    d = cli_json("plot", TRUST, str(path), "--lengths", "2048,4096,8192")
    # SPEC §6 Llama-style rows: old 30527.7367488067 at any L, new 10000.0 (T = L).
    assert {p["scaled_base"] for p in d["series"]["vllm_old"]["points"]} == {30527.7367488067}
    assert {p["scaled_base"] for p in d["series"]["vllm_new"]["points"]} == {10000.0}
    ref = by_length(d, "reference")
    # transformers: X = max(N, 4096), Y = 4096 → θ at N ≤ 4096, inner 3 at N = 8192.
    assert ref[2048]["scaled_base"] == 10000.0
    assert ref[4096]["scaled_base"] == 10000.0
    assert ref[8192]["scaled_base"] == 30527.7367488067
    assert d["trained_length"] == 4096
    assert any("T = L" in note for note in d["notes"])


def test_wavelengths() -> None:
    d = plot_v1()
    assert d["wavelengths"]["at"] == 8192  # default: vLLM new's default max_model_len
    new = d["wavelengths"]["series"]["vllm_new"]
    assert new["rotary_dim"] == 64 and len(new["wavelengths"]) == 32
    theta = 7453.483031811892
    for i, value in enumerate(new["wavelengths"]):
        assert math.isclose(value, 2 * math.pi * theta ** (i / 32), rel_tol=1e-13)
    assert new["wavelengths"][0] == 2 * math.pi
    low = plot_v1("--at", "512")["wavelengths"]["series"]["vllm_new"]
    assert (low["status"], low["wavelengths"]) == ("complex", None)
    old = plot_v1("--at", "8192")["wavelengths"]["series"]["vllm_old"]
    assert old["allowed"] is False and old["scaled_base"] == 3108.2236667168813


# -- files --------------------------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_png_has_the_documented_size(tmp_path: Path) -> None:
    out = tmp_path / "plot.png"
    run = cli("plot", TRUST, V1, "--bundled", "--hf-overrides", DYN, "--out", str(out))
    assert run.exit_code == 0, run.stderr
    assert png_size(out) == (1400, 800)
    assert out.stat().st_size > 20_000  # two panels of lines, not an empty canvas
    text = " ".join(run.stdout.split())  # a long temporary path wraps the line anywhere
    assert f"Wrote {out}" in text and "1400 × 800 px" in text


def test_svg_has_the_documented_size(tmp_path: Path) -> None:
    out = tmp_path / "plot.svg"
    run = cli("plot", TRUST, SNOWFLAKE, "--bundled", "--out", str(out))
    assert run.exit_code == 0, run.stderr
    text = out.read_text()
    assert 'width="1008pt" height="576pt"' in text
    assert "θ&#39; against served length" in text or "θ' against served length" in text


def test_out_with_json_writes_the_file_and_the_series(tmp_path: Path) -> None:
    out = tmp_path / "plot.png"
    d = cli_json("plot", TRUST, PLAIN, "--bundled", "--out", str(out))
    assert d["out"] == str(out) and png_size(out) == (1400, 800)


def test_out_suffix_must_be_png_or_svg(tmp_path: Path) -> None:
    run = cli("plot", TRUST, V1, "--bundled", "--out", str(tmp_path / "plot.pdf"))
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: --out") and len(run.stderr.splitlines()) == 1


def test_unwritable_out_is_one_line_error(tmp_path: Path) -> None:
    run = cli("plot", TRUST, V1, "--bundled", "--out", str(tmp_path / "missing" / "plot.png"))
    assert run.exit_code == 3
    errors = [line for line in run.stderr.splitlines() if not line.startswith("Note:")]
    assert len(errors) == 1 and errors[0].startswith("Error: cannot write")
    assert "(hint: check that the directory exists and is writable)" in errors[0]


def test_missing_matplotlib_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    run = cli("plot", TRUST, V1, "--bundled", "--out", str(tmp_path / "plot.png"))
    assert run.exit_code == 3
    assert "matplotlib" in run.stderr and "pip install 'ntkcli[plot]'" in run.stderr
    assert not (tmp_path / "plot.png").exists()


def test_terminal_chart_does_not_import_matplotlib() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from ntkcli.cli import app\n"
        "r = CliRunner().invoke(app, ['plot', 'internlm/internlm-20b', '--bundled'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('matplotlib' in sys.modules, 'torch' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.split() == ["False", "False"]


# -- terminal -----------------------------------------------------------------------------------


def test_terminal_chart() -> None:
    run = cli("plot", TRUST, V1, "--bundled", "--hf-overrides", DYN)
    assert run.exit_code == 0, run.stderr
    out = run.stdout
    assert f"θ' against served length — {V1}" in out
    assert "θ' (log)" in out and "length (log): vLLM max_model_len L" in out
    assert "vLLM new (≥ 0.22)" in out and "vLLM old (≤ 0.21)" in out and "Nomic's code" in out
    assert "T ┊ T = 2048" in out and "Z ┊ zero crossing" in out and "D ┊ default" in out
    assert "░" in out  # the NaN/complex band
    assert any(ord(c) in BRAILLE for c in out)
    axis = next(line for line in out.splitlines() if "└" in line)
    assert axis.index("Z") < axis.index("T") < axis.index("D")  # 1024 < 2048 < 8192
    assert all(len(line) <= 100 for line in out.splitlines() if "┤" in line or "│" in line)


def test_terminal_chart_flat_for_non_dynamic_model() -> None:
    run = cli("plot", TRUST, PLAIN, "--bundled")
    assert run.exit_code == 0, run.stderr
    rows = [line for line in run.stdout.splitlines() if any(ord(c) in BRAILLE for c in line)]
    assert len(rows) == 1  # three flat lines at θ = 10000, on one row
    assert "ref" in rows[0] and "░" not in run.stdout


# -- options ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [("--lengths", "abc"), ("--lengths", "5000..100"), ("--lengths", "0,10"),
             ("--lengths", "512"), ("--points", "500")]
)  # fmt: skip
def test_bad_options_are_usage_errors(args: tuple[str, ...]) -> None:
    run = cli("plot", TRUST, V1, "--bundled", *args)
    assert run.exit_code == 2, run.stderr


def test_parse_lengths_and_grid() -> None:
    range_ = parse_plot_lengths("256..32768")
    assert range_ is not None and range_.lone_range == (256, 32768)
    listed = parse_plot_lengths(" 8192, 512,1024,512")
    assert listed is not None and listed.lengths == (512, 1024, 8192)
    assert parse_plot_lengths(None) is None
    with pytest.raises(UsageError):
        parse_plot_lengths("1..1")
    # The one length grammar: 8k is 8000, 8K is 8192, as vLLM's --max-model-len.
    suffixed = parse_plot_lengths("1k..8K")
    assert suffixed is not None and suffixed.lone_range == (1000, 8192)
    grid = log_lengths(256, 32768, 8)
    assert grid == [256, 512, 1024, 2048, 4096, 8192, 16384, 32768]


def test_classify() -> None:
    assert classify(1.5) == "ok"
    assert classify(0.0) == "zero"
    assert classify(complex(-1, 1)) == "complex"
    assert classify(math.nan) == "nan"
    assert classify(math.inf) == "inf"
    assert classify(-2.0) == "negative"
    assert classify(None) == "unavailable"
