"""`ntkcli compare` (issue #4): every bundled model × N ∈ {512, 2048, 4096, 8192}, the
transformers column against a direct call of transformers' own function, the Nomic column against
SPEC §5 written out, Snowflake's divergence above 2048, R05 short inputs, torch-free runs, width.
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
from conftest import FIXTURES, cli, cli_json, cli_subprocess
from hub_server import FakeHub, FakeRepo, fake_commit_sha

from ntkcli import sources

LENGTHS = (512, 2048, 4096, 8192)
BUNDLED = [str(m["model"]) for m in sources.bundled_models()]
SNOWFLAKE = "Snowflake/snowflake-arctic-embed-m-long"
V1 = "nomic-ai/nomic-embed-text-v1"
SNAPSHOTS = Path(sources.__file__).parent / "snapshots"
DYNAMIC_OVERRIDE = json.dumps(
    {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}
)

# SPEC "What changed" (§2.2): the Nomic/InternLM2 expectations here are remote-class results,
# so every run passes --trust-remote-code (the default now builds the native class).
TRUST = "--trust-remote-code"


def snapshot_config(model: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (SNAPSHOTS / model.replace("/", "__", 1) / "config.json").read_text()
    )
    return data


def compare_all() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = cli_json("compare", TRUST, "--len", ",".join(map(str, LENGTHS)))
    return rows


# -- the transformers column: a direct call of transformers' function ----------------------------
def direct_transformers(config: dict[str, Any], seq_len: int) -> Any:
    """ROPE_INIT_FUNCTIONS["dynamic"] called here, on a config built from the raw JSON."""
    import transformers
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    rope = dict(config.get("rope_parameters") or config.get("rope_scaling") or {})
    params = {
        "rope_type": "dynamic",
        "factor": rope["factor"],
        "rope_theta": rope.get("rope_theta", config.get("rope_theta")),
    }
    cfg = transformers.PreTrainedConfig(
        hidden_size=config["hidden_size"],
        num_attention_heads=config["num_attention_heads"],
        max_position_embeddings=config["max_position_embeddings"],
        rope_parameters=params,
    )
    inv_freq, _ = ROPE_INIT_FUNCTIONS["dynamic"](cfg, device=None, seq_len=seq_len)
    return inv_freq


def check_transformers_column(config: dict[str, Any], column: dict[str, Any], n: int) -> None:
    import torch

    inv_freq = direct_transformers(config, n)
    d = config["hidden_size"] // config["num_attention_heads"]
    assert column["rotary_dim"] == d == 2 * inv_freq.numel()
    base = column["scaled_base"]
    # The reported θ' reproduces the direct call's float32 inv_freq bit for bit ...
    again = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    assert torch.equal(again, inv_freq)
    # ... and is SPEC §5 written out: X = max(N, max_position_embeddings), Y = that maximum.
    rope = config.get("rope_parameters") or config.get("rope_scaling")
    alpha, y = rope["factor"], config["max_position_embeddings"]
    theta = rope.get("rope_theta", config.get("rope_theta"))
    x = max(n, y)
    assert base == theta * ((alpha * x / y) - (alpha - 1)) ** (d / (d - 2))
    assert column["scaled"] is (n > y)
    assert column["cache_rows"] is None and column["allowed"] is True


# -- the Nomic column: SPEC §5 written out -------------------------------------------------------
def spec_nomic(config: dict[str, Any], n: int) -> float:
    """dynamic iff rotary_scaling_factor truthy; only when N > T; X = N, Y = T, α = that factor."""
    theta = config.get("rotary_emb_base", 10000)
    alpha = config.get("rotary_scaling_factor")
    t = config.get("max_trained_positions", 2048)
    d = int(config["n_embd"] // config["n_head"] * config.get("rotary_emb_fraction", 0.0))
    if alpha and n > t:
        return float(theta * (alpha * n / t - (alpha - 1)) ** (d / (d - 2)))
    return float(theta)


def test_every_bundled_model_at_every_length() -> None:
    rows = compare_all()
    assert {(r["model"], r["len"]) for r in rows} == {(m, n) for m in BUNDLED for n in LENGTHS}
    for r in rows:
        config = snapshot_config(r["model"])
        runtimes = r["runtimes"]
        assert set(runtimes) == {"vllm_new", "vllm_old", "transformers", "nomic"}
        for name in ("vllm_new", "vllm_old"):
            assert {"scaled_base", "allowed", "cache_rows"} <= set(runtimes[name])
            assert isinstance(runtimes[name]["allowed"], bool)
        is_nomic = config.get("model_type") == "nomic_bert"
        assert r["reference"] == ("nomic" if is_nomic else "transformers")
        rope = config.get("rope_scaling") or config.get("rope_parameters") or {}
        dynamic = rope.get("type", rope.get("rope_type")) == "dynamic"
        if dynamic:
            check_transformers_column(config, runtimes["transformers"], r["len"])
        else:
            assert runtimes["transformers"] is None
        if is_nomic:
            nomic = runtimes["nomic"]
            if config.get("rotary_emb_fraction"):
                assert nomic["scaled_base"] == spec_nomic(config, r["len"])
                assert nomic["scaled"] is bool(
                    config.get("rotary_scaling_factor")
                    and r["len"] > config.get("max_trained_positions", 2048)
                )
                assert nomic["cache_rows"] == r["len"]
            else:  # the vision model: no rotary embedding at all
                assert nomic["scaled_base"] is None and "no rotary" in nomic["note"]
        else:
            assert runtimes["nomic"] is None


# SPEC §6 numbers (θ 1000, d 64, α 2, T 2048) are Snowflake's own: rotary_scaling_factor 2.
SNOWFLAKE_NOMIC = {512: 1000.0, 2048: 1000.0, 4096: 3108.2236667168813, 8192: 7453.483031811892}


def test_snowflake_vllm_diverges_from_nomic_code_above_2048() -> None:
    rows = cli_json("compare", TRUST, SNOWFLAKE, "--bundled", "--len", "512,2048,4096,8192")
    assert [r["len"] for r in rows] == [512, 2048, 4096, 8192]
    for r in rows:
        n, new, nomic, div = (
            r["len"],
            r["runtimes"]["vllm_new"],
            r["runtimes"]["nomic"],
            r["divergence"],
        )
        assert new["scaled_base"] == 1000.0 and new["rope"] == "RotaryEmbedding"
        assert new["cache_rows"] == n and new["allowed"] is True
        assert nomic["scaled_base"] == SNOWFLAKE_NOMIC[n]
        assert div["reference"] == "nomic" and div["positions"] == n
        if n <= 2048:
            assert div["relative_base"] == 0.0 and div["max_angle_rad"] == 0.0
            continue
        ref = SNOWFLAKE_NOMIC[n]
        assert div["relative_base"] == (1000.0 - ref) / ref < -0.6
        widest = max(abs(1000.0 ** (-j / 64) - ref ** (-j / 64)) for j in range(0, 64, 2))
        assert div["max_angle_rad"] == pytest.approx((n - 1) * widest, rel=1e-12)
        assert div["max_angle_rad"] > 100


def test_transformers_column_scales_past_max_position_embeddings() -> None:
    # Bundled internlm2 never exceeds its 32768 positions at N ≤ 8192; the Llama-style fixture
    # (max_position_embeddings 4096, α 2) and internlm2 at 65536 do scale.
    path = str(FIXTURES / "llama-dynamic" / "config.json")
    config = json.loads(Path(path).read_text())
    rows = cli_json("compare", TRUST, path, "--len", "2048,8192")
    for r in rows:
        check_transformers_column(config, r["runtimes"]["transformers"], r["len"])
    at_8192 = rows[1]
    # SPEC §6 Llama-style: new vLLM keeps θ = 10000 with 4096 rows, max_model_len 8192 allowed.
    assert at_8192["runtimes"]["vllm_new"]["scaled_base"] == 10000.0
    assert at_8192["runtimes"]["vllm_new"]["cache_rows"] == 4096
    assert "past the cache end" in at_8192["runtimes"]["vllm_new"]["note"]
    assert at_8192["runtimes"]["vllm_old"]["scaled_base"] == 30527.7367488067
    assert at_8192["runtimes"]["transformers"]["scaled"] is True
    assert at_8192["divergence"]["relative_base"] < 0
    internlm = cli_json(
        "compare", TRUST, "internlm/internlm2-chat-7b", "--bundled", "--len", "65536"
    )
    config = snapshot_config("internlm/internlm2-chat-7b")
    check_transformers_column(config, internlm[0]["runtimes"]["transformers"], 65536)
    assert internlm[0]["runtimes"]["transformers"]["scaled_base"] == 3052773.67488067


def test_short_input_r05_base_fixed_by_max_model_len() -> None:
    # vLLM new with the dynamic override: θ' 7453.48 at max_model_len 8192 for EVERY input
    # (SPEC §6 "new, L = 8192"); Nomic's code gives a 128-token input plain θ = 1000.
    rows = cli_json(
        "compare",
        TRUST,
        SNOWFLAKE,
        "--bundled",
        "--len",
        "8192",
        "--hf-overrides",
        DYNAMIC_OVERRIDE,
    )
    (row,) = rows
    assert row["runtimes"]["vllm_new"]["scaled_base"] == 7453.483031811892
    assert row["divergence"]["relative_base"] == 0.0  # N = 8192: matches Nomic's code
    short = row["short"]
    assert short["len"] == 128
    assert short["runtimes"]["vllm_new"]["scaled_base"] == 7453.483031811892
    assert short["runtimes"]["vllm_new"]["allowed"] is True
    assert short["runtimes"]["nomic"]["scaled_base"] == 1000.0
    assert short["divergence"]["positions"] == 128
    assert short["divergence"]["relative_base"] == pytest.approx(6.453483031811892, rel=1e-15)
    assert short["divergence"]["max_angle_rad"] > 1
    plain = cli_json("compare", TRUST, SNOWFLAKE, "--bundled", "--len", "8192", "--short", "64")
    assert plain[0]["short"]["len"] == 64
    assert plain[0]["short"]["divergence"]["relative_base"] == 0.0
    off = cli_json("compare", TRUST, SNOWFLAKE, "--bundled", "--len", "8192", "--short", "0")
    assert off[0]["short"] is None


@pytest.mark.parametrize(
    ("length", "expected", "reason"),
    [(1024, 0.0, "vLLM θ' is 0.0"), (512, "(-486.4356532483613-49.46567115590085j)", "complex")],
)
def test_zero_and_complex_bases_are_reported_not_crashed(
    length: int, expected: Any, reason: str
) -> None:
    # SPEC §6 "new, L = 1024" and "new, L = 512" through v1 + the dynamic override.
    run = cli(
        "compare", TRUST, V1, "--bundled", "--len", str(length),
        "--hf-overrides", DYNAMIC_OVERRIDE, "--format", "json",
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    (row,) = run.json()
    assert row["runtimes"]["vllm_new"]["scaled_base"] == expected
    assert row["divergence"]["relative_base"] is None and row["divergence"]["max_angle_rad"] is None
    assert reason in row["divergence"]["reason"]
    table = cli(
        "compare", TRUST, V1, "--bundled", "--len", str(length), "--hf-overrides", DYNAMIC_OVERRIDE
    )
    assert table.exit_code == 0 and "n/a" in table.stdout


def test_lengths_repeat_and_comma_lists() -> None:
    rows = cli_json(
        "compare", TRUST, V1, "--bundled", "--len", "512", "--len", "2048,512", "-n", "4096"
    )
    assert [r["len"] for r in rows] == [512, 2048, 4096]


@pytest.mark.parametrize("bad", ["0", "abc", "512,,2048", "-5", str(2**31)])
def test_bad_lengths_are_usage_errors(bad: str) -> None:
    run = cli("compare", TRUST, V1, "--bundled", "--len", bad)
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: ") and len(run.stderr.strip().splitlines()) == 1


def test_missing_len_is_a_usage_error() -> None:
    assert cli("compare", TRUST, V1, "--bundled").exit_code == 2


def test_explicit_missing_model_is_an_input_error() -> None:
    run = cli("compare", TRUST, "./no/such/config.json", "--len", "512")
    assert run.exit_code == 3 and run.stderr.startswith("Error: ")


# -- table ---------------------------------------------------------------------------------------
def test_table_fits_100_columns_and_keeps_full_numbers() -> None:
    run = cli("compare", TRUST, "--len", "512,2048,4096,8192")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    for model in BUNDLED:
        assert model in run.stdout
    # Full-precision θ' (SPEC §6), never cut: Nomic's code for Snowflake, old vLLM for internlm2.
    assert "7453.483031811892" in run.stdout
    assert "3108.2236667168813" in run.stdout
    assert "3052773.67488067" in run.stdout
    assert "↳128" in run.stdout


def test_table_complex_base_folds_but_is_whole() -> None:
    run = cli("compare", TRUST, V1, "--bundled", "--len", "512", "--hf-overrides", DYNAMIC_OVERRIDE)
    assert max(len(line) for line in run.stdout.splitlines()) <= 100
    # The complex θ' folds across lines inside its column, but every digit is there.
    assert "(-486.4356532483613" in run.stdout and "-49.46567115590085j" in run.stdout
    assert "garbage θ'" in run.stdout


# -- imports: torch only when a dynamic model needs transformers ---------------------------------
PROBE = (
    "import sys\n"
    "from ntkcli.cli import main\n"
    "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
    "print(json.dumps({'code': code, 'torch': 'torch' in sys.modules, "
    "'transformers': 'transformers' in sys.modules}), file=sys.stderr)\n"
)


def probe(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", "import json\n" + PROBE, "compare", *args, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result: dict[str, Any] = json.loads(proc.stderr.strip().splitlines()[-1])
    json.loads(proc.stdout)  # stdout is JSON alone
    return result


def test_non_dynamic_models_do_not_import_torch() -> None:
    models = [m for m in BUNDLED if "internlm2" not in m]
    result = probe("--len", "8192", "--bundled", *models)
    assert result == {"code": 0, "torch": False, "transformers": False}


def test_dynamic_model_imports_transformers() -> None:
    result = probe("--len", "8192", "--bundled", TRUST, "internlm/internlm2-chat-7b")
    assert result == {"code": 0, "torch": True, "transformers": True}


# -- progress bar: only when several Hub models are fetched, only on stderr ----------------------
def test_progress_bar_for_several_hub_models(tmp_path: Path) -> None:
    config = (SNAPSHOTS / "Snowflake__snowflake-arctic-embed-m-long" / "config.json").read_bytes()
    ntkcli = Path(sys.executable).parent / "ntkcli"
    with FakeHub() as hub:
        for name in ("org/a", "org/b"):
            files = {"config.json": config}
            sha = fake_commit_sha(files)
            hub.add_repo(name, FakeRepo({sha: files}, {"main": sha}))
        env = hub.env(
            tmp_path / "home",
            NTKCLI_WIDTH="100",
            TERM="xterm",
            TTY_COMPATIBLE="1",
            TTY_INTERACTIVE="1",
        )

        def run(*models: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(ntkcli), "compare", *models, "--len", "4096", "--format", "json"],
                env=env, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip

        several = run("org/a", "org/b")
        assert several.returncode == 0, several.stderr
        assert [r["model"] for r in json.loads(several.stdout)] == ["org/a", "org/b"]
        assert "Fetching configs" in several.stderr
        one = run("org/a")
        assert one.returncode == 0 and "Fetching configs" not in one.stderr
        assert json.loads(one.stdout)[0]["runtimes"]["nomic"]["scaled_base"] == (3108.2236667168813)
        bundled = subprocess.run(
            [str(ntkcli), "compare", "--len", "512", "--format", "json"],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert bundled.returncode == 0 and "Fetching configs" not in bundled.stderr


def test_angle_is_exact_for_the_linear_rotation() -> None:
    # The divergence at N equals (N − 1) · max_i |Δinv_freq_i|, independent of how many positions
    # are compared otherwise: doubling N (both > T with equal θ') would change it; here the short
    # input of 128 tokens and the full row share θ' values, so the ratio is (N − 1) / 127.
    rows = cli_json(
        "compare", TRUST, V1, "--bundled", "--len", "8192", "--hf-overrides", DYNAMIC_OVERRIDE
    )
    full, short = rows[0]["divergence"], rows[0]["short"]["divergence"]
    assert full["relative_base"] == short["relative_base"]
    assert math.isclose(full["max_angle_rad"] / short["max_angle_rad"], 8191 / 127, rel_tol=1e-12)


def test_every_bundled_mode_skips_unloadable_models_with_a_reason(tmp_path: Path) -> None:
    from ntkcli.analysis.compare import VllmOptions, compare

    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    result = compare(
        [str(bad), SNOWFLAKE],
        sources.HubOptions(),
        (4096,),
        128,
        VllmOptions(),
        skip_failures=True,
        track=list,
    )
    # Offline with an empty cache, the Hub id falls back to its bundled snapshot.
    assert [m.model for m in result.models] == [SNOWFLAKE]
    assert [s.model for s in result.skipped] == [str(bad)]
    assert "not valid JSON" in result.skipped[0].reason
    # Named inputs: the unreadable one is reported (as validate does), not raised.
    named = compare(
        [str(bad)], sources.HubOptions(), (4096,), 0, VllmOptions(),
        skip_failures=False, track=list,
    )  # fmt: skip
    assert [u.model for u in named.unreadable] == [str(bad)]
    assert named.exit_code == 3


def test_compare_dynamic_model_without_torch(tmp_path: Path) -> None:
    """The plain install has no torch: compare still works on a dynamic model; the transformers
    column says which extra it needs and the divergence uses the closed form."""
    blocker = tmp_path / "blocked" / "torch"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('torch is not installed')\n")
    root = Path(__file__).resolve().parent.parent
    env = {"PYTHONPATH": f"{blocker.parent}{os.pathsep}{root}"}
    run = cli_subprocess(
        "compare", "internlm/internlm2-chat-7b", "--bundled", "--len", "8192", "--format", "json",
        "--trust-remote-code", env=env,
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    row = json.loads(run.stdout)[0]
    assert "ntkcli[reference]" in row["runtimes"]["transformers"]["note"]
    assert row["divergence"]["reference_scaled_base"] is not None
