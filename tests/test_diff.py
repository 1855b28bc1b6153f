"""`ntkcli diff` (issue #3) through the public CLI: every SPEC §6 row in bare-parameter mode, the
model mode on SPEC §6's pipeline cases, --lengths, --exit-code, the budget and usage errors.

Expected θ' and shapes are written out from SPEC.md §6. The cache properties (all_finite,
abs_max) are checked against vLLM's cache code written out literally here with torch, so the JSON
is tied to a real tensor, not to ntkcli's own streaming code. The real caches are opt-in
(--real-caches, issue #13 item 9): the closed-form-vs-torch grid below asks for them explicitly;
the default (closed form only, no torch) has its own tests at the end.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import FIXTURES, cli, cli_json, cli_subprocess

V1 = "nomic-ai/nomic-embed-text-v1"
REAL = "--real-caches"
COMPLEX_512 = "(-486.4356532483613-49.46567115590085j)"


def vllm_cache(base: complex | float, rotary_dim: int, rows: int) -> torch.Tensor:
    """vLLM's RotaryEmbedding._compute_inv_freq / _compute_cos_sin_cache + cast, verbatim."""
    inv_freq = 1.0 / (base ** (torch.arange(0, rotary_dim, 2, dtype=torch.float) / rotary_dim))
    t = torch.arange(rows, dtype=torch.float)
    freqs = torch.einsum("i,j -> ij", t, inv_freq)
    cache = torch.cat((freqs.cos(), freqs.sin()), dim=-1)
    return cache.to(torch.float32)


def bare_args(
    *extra: str,
    base: str = "1000",
    factor: str = "2",
    dim: str = "64",
    length: str | None = "8",
    trained: str = "8",
    real: bool = True,
) -> list[str]:
    """`ntkcli diff` with bare parameters (no MODEL); `length=None` leaves --max-position out;
    `real` asks for the real torch caches (--real-caches)."""
    args = ["diff", "--base", base, "--factor", factor, "--rotary-dim", dim]
    if length is not None:
        args += ["--max-position", length]
    return [*args, "--max-trained-positions", trained, *([REAL] if real else []), *extra]


def bare(
    length: int,
    factor: float = 2.0,
    base: float = 1000.0,
    dim: int = 64,
    trained: int = 2048,
    *extra: str,
) -> Any:
    return cli_json(
        *bare_args(
            *extra,
            base=str(base),
            factor=str(factor),
            dim=str(dim),
            length=str(length),
            trained=str(trained),
        )
    )


def parse_base(value: float | str) -> complex | float:
    return complex(value) if isinstance(value, str) and "j" in value else float(value)


def assert_matches_torch(side: dict[str, Any]) -> None:
    """all_finite and abs_max in the JSON are those of vLLM's real cache for that side."""
    rows, dim = side["cache_shape"]
    cache = vllm_cache(parse_base(side["scaled_base"]), dim, rows)
    assert side["all_finite"] is bool(torch.isfinite(cache).all())
    expected = float(cache.abs().amax())
    if math.isfinite(expected):
        assert side["abs_max"] == expected
    else:
        assert side["abs_max"] == repr(expected)  # "nan" / "inf", as serialize.number writes them


# SPEC §6 rows "new, L = …" (θ 1000, d 64, α 2, T 2048): (L, θ', all finite).
NEW_ROWS = [
    (8192, 7453.483031811892, True),
    (4096, 3108.2236667168813, True),
    (3000, 1971.0436456319733, True),
    (2048, 1000.0, True),
    (1536, 488.94426816771636, True),
    (1024, 0.0, False),  # "0.0 → NaN/Inf cache"
]


@pytest.mark.parametrize(("length", "expected", "finite"), NEW_ROWS)
def test_bare_new_rows(length: int, expected: float, finite: bool) -> None:
    d = bare(length)
    new = d["new"]
    assert new["scaled_base"] == expected
    assert new["cache_shape"] == [length, 64]
    assert new["all_finite"] is finite
    assert new["rope_class"] == "DynamicNTKScalingRotaryEmbedding"
    assert new["max_trained_positions"] == 2048
    assert_matches_torch(new)
    # Old, same call: SPEC §6 "old, any L, α = 2" → 3108.2236667168813, ceil(2L) × 64.
    assert d["old"]["scaled_base"] == 3108.2236667168813
    assert d["old"]["cache_shape"] == [2 * length, 64]
    assert d["old"]["max_trained_positions"] is None
    assert_matches_torch(d["old"])


def test_bare_zero_base_is_a_nan_cache() -> None:
    # SPEC §6 "new, L = 1024": θ' = 0.0 → inv_freq [1, inf, …] → NaN in the cache.
    new = bare(1024)["new"]
    assert new["scaled_base"] == 0.0
    assert new["all_finite"] is False
    assert new["abs_max"] == "nan"
    assert new["nan_count"] > 0
    assert new["inner_term"] == 0.0
    assert "NaN" in new["formula"]["explanation"]


def test_bare_complex_base_512() -> None:
    # SPEC §6 "new, L = 512": complex θ', 512 × 64, finite but garbage (|x| up to 1.86e38).
    d = bare(512)
    new = d["new"]
    assert new["scaled_base"] == COMPLEX_512
    assert new["cache_shape"] == [512, 64]
    assert new["all_finite"] is True
    assert 1.85e38 < new["abs_max"] < 1.87e38
    assert new["imaginary_part_dropped"] is True
    assert "complex" in new["formula"]["explanation"]
    assert_matches_torch(new)
    # Old is unaffected: 3108.22…, 1024 rows, all ≤ 1.
    assert d["old"]["abs_max"] <= 1.0
    assert d["old"]["imaginary_part_dropped"] is False


def test_bare_complex_base_longer_cache_overflows() -> None:
    # SPEC §4.5: "values grow like cosh, up to ~1e38, Inf for longer caches" — L = 700 (α 2, T
    # 2048: still below the zero crossing at 1024), 700 rows.
    new = bare(700)["new"]
    assert isinstance(new["scaled_base"], str) and new["scaled_base"].endswith("j)")
    assert new["cache_shape"] == [700, 64]
    assert_matches_torch(new)
    assert new["all_finite"] is False


@pytest.mark.parametrize(
    ("factor", "expected"), [(1.0, 4182.936592889949), (4.0, 14121.375739786728)]
)
def test_bare_other_factors_at_8192(factor: float, expected: float) -> None:
    # SPEC §6 "new, α = 1, L = 8192" and "new, α = 4, L = 8192".
    new = bare(8192, factor)["new"]
    assert new["scaled_base"] == expected
    assert new["cache_shape"] == [8192, 64]
    assert new["all_finite"] is True


def test_bare_old_factor_below_one() -> None:
    # SPEC §6 "old, α = 0.5, L = 2048": 743.0721450571741, 1024 × 64.
    old = bare(2048, 0.5)["old"]
    assert old["scaled_base"] == 743.0721450571741
    assert old["cache_shape"] == [1024, 64]
    assert_matches_torch(old)


def test_bare_llama_style() -> None:
    # SPEC §6 Llama-style (θ 10000, head 128, α 2, max_position_embeddings 4096): old 30527.7…,
    # 8192 × 128; new has T = L = 4096 → θ' = θ = 10000.0, 4096 × 128.
    d = bare(4096, 2.0, 10000.0, 128, 4096, "--head-size", "128")
    assert d["old"]["scaled_base"] == 30527.7367488067
    assert d["old"]["cache_shape"] == [8192, 128]
    assert d["new"]["scaled_base"] == 10000.0
    assert d["new"]["cache_shape"] == [4096, 128]
    assert d["new"]["head_size"] == 128


def test_bare_comparison_fields() -> None:
    d = bare(8192)
    c = d["comparison"]
    assert c["rows_compared"] == 8192  # old has 16384 rows, new 8192
    assert c["tolerance"] == 1e-3
    # Position 0 is cos 1 / sin 0 for any base; position 1 already differs (bases differ).
    assert c["first_position_over_tolerance"] == 1
    old = vllm_cache(parse_base(d["old"]["scaled_base"]), 64, 8192)
    new = vllm_cache(parse_base(d["new"]["scaled_base"]), 64, 8192)
    delta = (old - new).abs()
    assert c["max_abs_delta_cos"] == float(delta[:, :32].amax())
    assert c["max_abs_delta_sin"] == float(delta[:, 32:].amax())
    assert d["differs"] is True
    assert set(d["differences"]) == {"scaled_base", "cache_shape", "cache_values"}


def test_bare_formula_text_has_the_numbers() -> None:
    d = bare(8192)
    old, new = d["old"]["formula"], d["new"]["formula"]
    assert new["substituted"] == "θ' = 1000 · (2·8192/2048 − (2 − 1))^(64/62)"
    assert new["evaluated"].startswith("= 1000 · 7^1.032258064516129")
    assert new["evaluated"].endswith("7453.483031811892")
    assert old["substituted"] == "θ' = 1000 · (2·(8192·2)/8192 − (2 − 1))^(64/62)"
    assert old["rows"] == "rows = ceil(L·α) = ceil(8192·2) = 16384"


def test_table_shows_both_sides_and_formulas() -> None:
    run = cli(*bare_args(length="512", trained="2048"))
    assert run.exit_code == 0, run.stderr
    out = run.stdout
    for text in (
        "old vLLM (≤ 0.21)",
        "new vLLM (≥ 0.22)",
        "3108.2236667168813",
        COMPLEX_512,
        "1,024 × 64",
        "512 × 64",
        "1.859551754043404e+38",
        "imaginary part dropped",
        "max |Δcos|",
        "first position |Δ| > 0.001",
        "(2·512/2048 − (2 − 1))^(64/62)",
    ):
        assert text in out, text
    assert "Traceback" not in run.stderr


def test_lengths_json_is_a_list() -> None:
    data = cli_json(*bare_args("--lengths", "512,1024,2048,4096,8192", trained="2048", length=None))
    assert [row["len"] for row in data] == [512, 1024, 2048, 4096, 8192]
    # The old base stays put, the new one moves (SPEC §6).
    assert {row["old"]["scaled_base"] for row in data} == {3108.2236667168813}
    assert [row["new"]["scaled_base"] for row in data] == [
        COMPLEX_512,
        0.0,
        1000.0,
        3108.2236667168813,
        7453.483031811892,
    ]
    assert [row["new"]["cache_shape"][0] for row in data] == [512, 1024, 2048, 4096, 8192]
    assert [row["new"]["all_finite"] for row in data] == [True, False, True, True, True]


def test_lengths_table() -> None:
    run = cli(*bare_args("--lengths", "1536,8192", trained="2048", length=None))
    assert run.exit_code == 0, run.stderr
    assert "488.94426816771636" in run.stdout
    assert "7453.483031811892" in run.stdout
    assert "16,384 × 64" in run.stdout


# --- model mode (SPEC §6 pipeline cases) --------------------------------------------------------


def model(*args: str) -> Any:
    return cli_json("diff", V1, "--bundled", REAL, *args)


def test_model_v1_no_overrides() -> None:
    # SPEC §6: new → 8192, RotaryEmbedding θ 1000, 8192 × 64; old → 2048 (clamped), 2048 × 64.
    d = model()
    assert d["new"]["max_model_len"] == 8192
    assert d["new"]["rope_class"] == "RotaryEmbedding"
    assert d["new"]["scaled_base"] == 1000.0
    assert d["new"]["cache_shape"] == [8192, 64]
    assert d["old"]["max_model_len"] == 2048
    assert d["old"]["cache_shape"] == [2048, 64]
    assert d["old"]["refusal"] is None
    # Same base, different lengths: the rows both have are identical.
    assert d["comparison"]["max_abs_delta_cos"] == 0.0
    assert d["comparison"]["first_position_over_tolerance"] is None
    assert d["comparison"]["rows_compared"] == 2048
    assert set(d["differences"]) == {"max_model_len", "cache_shape"}
    assert_matches_torch(d["new"])


def test_model_v1_old_refuses_4096() -> None:
    # SPEC §6: "`--max-model-len 4096` refused" on old vLLM.
    d = model("--max-model-len", "4096")
    assert d["old"]["refusal"]["error"] == "ValueError"
    assert d["old"]["max_model_len"] is None
    assert d["old"]["all_finite"] is None  # vLLM builds no cache
    assert d["old"]["cache_computed"] is False
    assert d["new"]["max_model_len"] == 4096
    assert d["new"]["all_finite"] is True
    assert d["comparison"] is None
    assert "refusal" in d["differences"]


DYN = json.dumps({"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}})


def test_model_v1_dynamic_override() -> None:
    # SPEC §6: new → ST 8192, θ' 7453.48…, 8192 × 64; old → refused at the default 8192.
    d = model("--hf-overrides", DYN)
    assert d["new"]["scaled_base"] == 7453.483031811892
    assert d["new"]["cache_shape"] == [8192, 64]
    assert d["new"]["max_trained_positions"] == 2048
    assert d["old"]["refusal"] is not None
    assert d["old"]["scaled_base"] == 3108.2236667168813


def test_model_v1_dynamic_4096_old_and_new_agree() -> None:
    # SPEC §6: old with max_model_len 4096 → θ' 3108.22…, 4096 × 64; new at L = 4096, T = 2048
    # has inner 3 as well → the same cache: no difference, so --exit-code exits 0.
    d = model("--hf-overrides", DYN, "--max-model-len", "4096")
    for line in ("old", "new"):
        assert d[line]["scaled_base"] == 3108.2236667168813
        assert d[line]["cache_shape"] == [4096, 64]
        assert d[line]["max_model_len"] == 4096
    assert d["differs"] is False
    assert d["comparison"]["max_abs_delta_cos"] == 0.0
    run = cli(
        "diff", V1, "--bundled", REAL, "--hf-overrides", DYN, "--max-model-len", "4096",
        "--exit-code",
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr


def test_model_llama_fixture() -> None:
    # SPEC §6 Llama-style: old 30527.7367488067, 8192 × 128, max_model_len 8192; new 10000.0,
    # 4096 × 128, max_model_len still 8192.
    d = cli_json("diff", str(FIXTURES / "llama-dynamic"), REAL)
    assert d["old"]["scaled_base"] == 30527.7367488067
    assert d["old"]["cache_shape"] == [8192, 128]
    assert d["old"]["max_model_len"] == 8192
    assert d["new"]["scaled_base"] == 10000.0
    assert d["new"]["cache_shape"] == [4096, 128]
    assert d["new"]["max_model_len"] == 8192
    assert d["comparison"]["rows_compared"] == 4096
    assert d["new"]["positions_past_cache_end"] == 4096  # SPEC §6 "(out of range)"
    assert d["old"]["positions_past_cache_end"] == 0
    assert_matches_torch(d["old"])


def test_model_lengths() -> None:
    data = cli_json("diff", V1, "--bundled", REAL, "--hf-overrides", DYN, "--lengths", "1024,4096")
    assert [row["len"] for row in data] == [1024, 4096]
    assert data[0]["new"]["scaled_base"] == 0.0  # SPEC §6 "new, L = 1024"
    assert data[0]["new"]["all_finite"] is False
    assert data[1]["old"]["scaled_base"] == 3108.2236667168813


# --- exit codes, budget, usage -------------------------------------------------------------------


def test_exit_code_flag() -> None:
    args = ["diff", V1, "--bundled"]
    assert cli(*args).exit_code == 0
    assert cli(*args, "--exit-code").exit_code == 1
    same = bare_args("--exit-code", factor="1", length="2048", trained="2048")
    run = cli(*same)
    assert run.exit_code == 0, run.stdout  # α = 1, L = T: old and new are the same cache


def test_budget_reports_shapes_only() -> None:
    d = bare(8192, 2.0, 1000.0, 64, 2048, "--max-bytes", "1000000")
    assert d["memory"]["computed"] is False
    assert d["memory"]["estimated_bytes"] > 1000000
    for line in ("old", "new"):
        assert d[line]["cache_shape"] is not None
        assert d[line]["all_finite"] is None
        assert "budget" in d[line]["cache_note"]
    assert d["comparison"] is None
    assert d["differs"] is True  # θ' and shape still differ


def test_budget_default_allows_the_big_diff() -> None:
    # The issue #7 target shape, 131072 × 128 on both sides, fits the default 1 GiB.
    d = bare(131072, 2.0, 10000.0, 128, 65536)
    assert d["memory"]["computed"] is True
    assert d["new"]["cache_shape"] == [131072, 128]
    assert d["comparison"]["rows_compared"] == 131072


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["diff"], "give MODEL or bare parameters"),
        (["diff", V1, "--bundled", "--base", "1000"], "not both"),
        (["diff", "--base", "1000", "--factor", "2"], "--rotary-dim"),
        (
            bare_args(dim="2"),
            "division by zero",
        ),
        (
            bare_args(dim="63"),
            "even",
        ),
        (
            bare_args(base="0"),
            "--base",
        ),
        (
            bare_args(factor="-1"),
            "--factor",
        ),
        (
            bare_args("--head-size", "32"),
            "--head-size",
        ),
        (
            bare_args("--lengths", "8,16"),
            "--lengths",
        ),
        (
            bare_args("--lengths", "8,x", length=None),
            "--lengths",
        ),
        (["diff", "--base", "1000", "--max-model-len", "4096"], "need MODEL"),
        (["diff", V1, "--bundled", "--max-bytes", "0"], "--max-bytes"),
    ],
)
def test_usage_errors(args: list[str], needle: str) -> None:
    run = cli(*args)
    assert run.exit_code == 2, (run.stdout, run.stderr)
    assert needle in run.stderr
    assert run.stderr.startswith("Error: ")
    assert "Traceback" not in run.stderr


def test_complex_case_emits_torch_warning_once_captured() -> None:
    # A fresh process: torch warns once per process ("Casting complex values to real discards
    # the imaginary part"). ntkcli records it in the JSON instead of letting it leak to stderr.
    run = cli_subprocess(*bare_args("--format", "json", length="512", trained="2048"))
    assert run.exit_code == 0, run.stderr
    new = run.json()["new"]
    assert new["torch_warnings"] == ["Casting complex values to real discards the imaginary part"]
    assert "UserWarning" not in run.stderr


TORCH_PROBE = """
import sys
sys.argv = ["ntkcli", *sys.argv[1:]]
from ntkcli.cli import main
try:
    main()
except SystemExit:
    pass
print("TORCH=" + str("torch" in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("args", "torch_loaded"),
    [
        (["diff", "--help"], False),
        # The default is the closed form: no torch (issue #13 item 9).
        (["diff", V1, "--bundled"], False),
        (bare_args(length="512", trained="2048", real=False), False),
        # Over the budget: shapes only, so torch is never needed.
        (["diff", V1, "--bundled", REAL, "--max-bytes", "1000"], False),
        (["diff", V1, "--bundled", REAL], True),
    ],
)
def test_torch_is_imported_only_when_a_cache_is_computed(
    args: list[str], torch_loaded: bool
) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", TORCH_PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert f"TORCH={torch_loaded}" in proc.stderr, proc.stderr[-2000:]


# --- the default: closed form only (issue #13 item 9) -------------------------------------------


def test_default_is_the_closed_form_without_cache_values() -> None:
    # SPEC §6 "new, L = 512": θ' and the shapes come from the formula; no tensor is built.
    d = cli_json(*bare_args(length="512", trained="2048", real=False))
    for line in ("old", "new"):
        assert d[line]["cache_computed"] is False
        assert d[line]["all_finite"] is None
        assert d[line]["abs_max"] is None
        assert "--real-caches" in d[line]["cache_note"]
    assert d["new"]["scaled_base"] == COMPLEX_512
    assert d["new"]["cache_shape"] == [512, 64]
    assert d["old"]["scaled_base"] == 3108.2236667168813
    assert d["old"]["cache_shape"] == [1024, 64]
    assert d["comparison"] is None
    assert d["memory"]["computed"] is False
    assert set(d["differences"]) == {"scaled_base", "cache_shape"}


def test_default_table_says_how_to_get_the_cache_values() -> None:
    run = cli(*bare_args(length="512", trained="2048", real=False))
    assert run.exit_code == 0, run.stderr
    assert "closed form only (--real-caches builds the real torch caches)" in run.stdout
    assert "all finite" not in run.stdout
    assert "max |Δcos|" not in run.stdout
    assert COMPLEX_512 in run.stdout


def test_default_lengths_table_has_no_delta_columns() -> None:
    run = cli(*bare_args("--lengths", "1536,8192", trained="2048", length=None, real=False))
    assert run.exit_code == 0, run.stderr
    assert "488.94426816771636" in run.stdout  # SPEC §6 "new, L = 1536"
    assert "max |Δcos|" not in run.stdout
    assert "--real-caches" in run.stdout


def test_help_says_what_real_caches_adds_and_needs() -> None:
    run = cli("diff", "--help", env={"NTKCLI_WIDTH": "200"})
    assert run.exit_code == 0
    assert "--real-caches" in run.stdout
    assert "ntkcli[torch]" in run.stdout


def test_real_caches_without_torch_is_one_error_line(tmp_path: Path) -> None:
    """The plain install: --real-caches names the extra in one line (exit 3, as `plot --out`
    without matplotlib); the default still works."""
    blocker = tmp_path / "blocked" / "torch"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('torch is not installed')\n")
    env = {"PYTHONPATH": f"{blocker.parent}{os.pathsep}{Path(__file__).resolve().parents[1]}"}
    run = cli_subprocess(*bare_args(length="512", trained="2048"), env=env)
    assert run.exit_code == 3, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("Error: --real-caches needs torch"), lines[0]
    assert "pip install 'ntkcli[torch]'" in lines[0]
    assert "Traceback" not in run.stderr
    plain = cli_subprocess(*bare_args(length="512", trained="2048", real=False), env=env)
    assert plain.exit_code == 0, plain.stderr
    assert COMPLEX_512 in plain.stdout
