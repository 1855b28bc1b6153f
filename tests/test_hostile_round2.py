"""Hostile inputs, round two (issue 15): no internal error, no hang, no unbounded memory, on
every command. Each test drives the public CLI; each class of input has its guard at the depth
where it enters (the JSON parser, the console, the per-input loop of validate, the budgets)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, cli, cli_subprocess, ntkcli_executable

SNAP = Path(__file__).resolve().parents[1] / "ntkcli" / "snapshots"
NOMIC: dict[str, Any] = json.loads(
    (SNAP / "nomic-ai__nomic-embed-text-v1" / "config.json").read_text()
)
LLAMA: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "llama-dynamic" / "config.json").read_text()
)
V1 = "nomic-ai/nomic-embed-text-v1"


def write(tmp: Path, config: dict[str, Any] | str, name: str = "model") -> str:
    directory = tmp / name
    directory.mkdir(parents=True, exist_ok=True)
    text = config if isinstance(config, str) else json.dumps(config)
    (directory / "config.json").write_text(text)
    return str(directory)


def changed(base: dict[str, Any], **keys: Any) -> dict[str, Any]:
    config = copy.deepcopy(base)
    config.update(keys)
    return config


def one_error(run: Run, codes: tuple[int, ...] = (2, 3)) -> str:
    assert run.exit_code in codes, (run.exit_code, run.stdout[:300], run.stderr[:300])
    lines = [ln for ln in run.stderr.strip().splitlines() if not ln.startswith("Note: ")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    return lines[0]


def no_crash(run: Run) -> None:
    assert run.exit_code in (0, 1, 2, 3), (run.exit_code, run.stderr[:400])
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr


# -- 1. budgets -----------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["head_dim", "hidden_size"])
@pytest.mark.parametrize("command", ["compare", "plot"])
def test_huge_dimensions_are_within_the_budget(tmp_path: Path, key: str, command: str) -> None:
    config = changed(LLAMA, **{key: 2**24})
    if key == "hidden_size":
        config = changed(config, num_attention_heads=1, head_dim=None)
        config.pop("head_dim")
    model = write(tmp_path, config)
    args = ["compare", "--len", "512", model] if command == "compare" else ["plot", model]
    start = time.monotonic()
    run = cli_subprocess(*args, "--format", "json", timeout=30)
    assert time.monotonic() - start < 15
    no_crash(run)
    assert run.exit_code == 0, run.stderr
    text = run.stdout
    assert "budget" in text  # the budget says so (a divergence reason, a plot note)


def test_compare_caps_explicit_lengths() -> None:
    lengths = ",".join(str(n) for n in range(1, 20_001))
    line = one_error(cli("compare", "--len", lengths, V1, "--bundled"), (2,))
    assert "at most 64" in line


def test_huge_terminal_width_is_clamped() -> None:
    start = time.monotonic()
    run = cli_subprocess("plot", V1, "--bundled", env={"NTKCLI_WIDTH": "1000000"}, timeout=30)
    assert time.monotonic() - start < 15
    assert run.exit_code == 0, run.stderr
    assert max(len(line) for line in run.stdout.splitlines()) <= 1000


# -- 5. overflow to infinity: vLLM's own exception as a refusal, or exit 3 naming the key ----------
OVERFLOWS = {
    "dynamic factor 1e308": changed(LLAMA, rope_scaling={"type": "dynamic", "factor": 1e308}),
    "linear factor 1e308": changed(LLAMA, rope_scaling={"type": "linear", "factor": 1e308}),
    "yarn factor 1e308": changed(LLAMA, rope_scaling={"type": "yarn", "factor": 1e308}),
    "length 2^31-1 x 1e300": changed(
        LLAMA,
        max_position_embeddings=2**31 - 1,
        rope_scaling={"type": "dynamic", "factor": 1e300},
    ),
    "nomic fraction 1e308": changed(NOMIC, rotary_emb_fraction=1e308),
    "nomic fraction -1e308": changed(NOMIC, rotary_emb_fraction=-1e308),
    "theta 1e308": changed(LLAMA, rope_theta=1e308),
    "theta 5e-324": changed(LLAMA, rope_theta=5e-324),
}


@pytest.mark.parametrize("command", ["inspect", "compare", "diff", "validate", "plot"])
@pytest.mark.parametrize("name", sorted(OVERFLOWS))
def test_overflow_is_a_finding_or_an_input_error(tmp_path: Path, name: str, command: str) -> None:
    model = write(tmp_path, OVERFLOWS[name])
    args = ["compare", "--len", "512", model] if command == "compare" else [command, model]
    run = cli(*args, "--format", "json")
    no_crash(run)
    if run.exit_code in (0, 1):
        json.loads(run.stdout)


def test_diff_factor_1e308_is_not_an_internal_error() -> None:
    run = cli(
        "diff",
        *("--base", "10000", "--factor", "1e308", "--rotary-dim", "64"),
        *("--max-position", "4096", "--max-trained-positions", "2048"),
    )
    no_crash(run)


# -- 6. validate keeps going ----------------------------------------------------------------------
def test_validate_reports_every_input_on_its_own(tmp_path: Path) -> None:
    good = write(tmp_path, NOMIC, "good")
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "config.json").symlink_to(loop / "config.json")
    overflow = write(tmp_path, OVERFLOWS["dynamic factor 1e308"], "overflow")
    run = cli("validate", good, str(loop), overflow, "~nonexistentuser/x", good, "-f", "json")
    assert run.exit_code == 3, run.stderr  # unreadable inputs: exit 3, never 4
    assert "internal error: " not in run.stderr
    report = run.json()
    results = report["results"] if isinstance(report, dict) else report
    assert len(results) == 5
    assert "symbolic links" in run.stderr


def test_validate_follow_symlinks_to_root_is_bounded(tmp_path: Path) -> None:
    write(tmp_path, NOMIC, "zoo/good")
    (tmp_path / "zoo" / "root").symlink_to("/")
    start = time.monotonic()
    run = cli_subprocess(
        "validate", str(tmp_path / "zoo"), "--follow-symlinks", "--no-transformers", timeout=120
    )
    assert time.monotonic() - start < 90
    no_crash(run)
    assert run.exit_code in (0, 1, 3)


# -- 7/8. integers past 4300 digits, deep nesting -------------------------------------------------
BIG = "9" * 5000


def test_huge_integer_in_config_names_the_key(tmp_path: Path) -> None:
    text = json.dumps(LLAMA)[:-1] + f', "max_position_embeddings": {BIG}}}'
    line = one_error(cli("inspect", write(tmp_path, text)), (3,))
    assert "max_position_embeddings" in line and "5000 digits" in line


def test_huge_integer_in_overrides_is_a_usage_error() -> None:
    run = cli("inspect", V1, "--bundled", "--hf-overrides", f'{{"n_positions": {BIG}}}')
    line = one_error(run, (2,))
    assert "--hf-overrides" in line and "n_positions" in line


def test_huge_integer_in_vllm_is_a_usage_error() -> None:
    one_error(cli("inspect", V1, "--bundled", "--vllm", f"0.{BIG}.1"), (2,))


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"rope_type": "default"}
    for _ in range(levels):
        value = {"x": value}
    return value


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_deep_nesting_in_config_is_refused_alike(tmp_path: Path, fmt: str) -> None:
    config = changed(LLAMA, rope_parameters={"rope_type": "default", "deep": _deep(500)})
    line = one_error(cli("inspect", write(tmp_path, config), "--format", fmt), (3,))
    assert "32 levels" in line and "rope_parameters" in line


def test_deep_nesting_in_overrides_is_a_usage_error() -> None:
    overrides = json.dumps({"rope_parameters": _deep(500)})
    line = one_error(cli("inspect", V1, "--bundled", "--hf-overrides", overrides, "-f", "json"))
    assert "32 levels" in line


# -- 9/10. markup and terminal escapes ------------------------------------------------------------
HOSTILE_TEXT = {
    "closing tag": "[/red]",
    "markup": "[bold red]BOLD[/bold red]",
    "osc title": "\x1b]0;PWNED\x07",
    "clear screen": "\x1b[2J\x1b[H",
    "csi colour": "\x1b[31mred",
    "c1 csi": "\x9b31m",
    "bidi override": "\u202eevil",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXT))
@pytest.mark.parametrize("command", ["inspect", "compare", "diff", "validate", "plot"])
def test_untrusted_text_is_shown_as_text(tmp_path: Path, name: str, command: str) -> None:
    value = HOSTILE_TEXT[name]
    config = changed(
        LLAMA,
        model_type=value,
        architectures=[value],
        rope_scaling={"type": value, "factor": 2.0, value: 1},
    )
    model = write(tmp_path, config, f"dir{value.replace('/', '')}")
    args = ["compare", "--len", "512", model] if command == "compare" else [command, model]
    run = cli(*args)
    no_crash(run)
    out = run.stdout + run.stderr
    for raw in ("\x1b", "\x9b", "\u202e", "\x07"):
        assert raw not in out, (name, command)
    if name == "markup" and command == "inspect":
        assert "[bold red]BOLD[/bold red]" in out
    if name == "closing tag" and command == "inspect":
        assert "[/red]" in out


def test_json_output_escapes_controls(tmp_path: Path) -> None:
    model = write(tmp_path, changed(LLAMA, model_type="\x9b31m\u202e"))
    run = cli("inspect", model, "-f", "json")
    assert run.exit_code == 0, run.stderr
    assert "\x9b" not in run.stdout and "\u202e" not in run.stdout
    assert run.json()["model_type"] == "\x9b31m\u202e"  # the value itself is intact


# -- 11. diff with a rotary dim of 0 --------------------------------------------------------------
@pytest.mark.parametrize(
    "config",
    [changed(LLAMA, partial_rotary_factor=1e-300), changed(NOMIC, n_embd=1)],
    ids=["partial factor 1e-300", "nomic n_embd 1"],
)
def test_diff_with_rotary_dim_zero(tmp_path: Path, config: dict[str, Any]) -> None:
    run = cli("diff", write(tmp_path, config), "-f", "json")
    no_crash(run)
    assert run.exit_code == 0, run.stderr
    json.loads(run.stdout)


# -- 12. odd arguments and environments -----------------------------------------------------------
def test_superscript_digits_are_not_lengths() -> None:
    one_error(cli("compare", "--len", "²", V1, "--bundled"), (2,))
    one_error(cli("diff", V1, "--bundled", "--lengths", "²"), (2,))
    one_error(cli("plot", V1, "--bundled", "--lengths", "1,²"), (2,))


def test_home_of_nonexistent_user() -> None:
    one_error(cli("inspect", "~nonexistentuser/x"), (3,))


@pytest.mark.parametrize("width", ["abc", "-5", "0", "99999999999999999999"])
def test_odd_width(width: str) -> None:
    run = cli_subprocess("inspect", V1, "--bundled", env={"NTKCLI_WIDTH": width}, timeout=30)
    assert run.exit_code == 0, run.stderr


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_ascii_terminal(fmt: str) -> None:
    run = cli_subprocess(
        "inspect", V1, "--bundled", "-f", fmt, env={"PYTHONIOENCODING": "ascii"}, timeout=30
    )
    assert run.exit_code == 0, run.stderr


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_stdout_closed(fmt: str) -> None:
    proc = subprocess.run(
        [*ntkcli_executable(), "inspect", V1, "--bundled", "-f", fmt],
        stdout=subprocess.DEVNULL if False else None,
        stderr=subprocess.PIPE,
        text=True,
        timeout=30,
        check=False,
        preexec_fn=lambda: os.close(1),
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode in (0, 3), proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


# -- 13. a broken pipe keeps the findings' exit code ----------------------------------------------
def test_validate_into_a_closed_pipe_keeps_exit_1(tmp_path: Path) -> None:
    model = write(tmp_path, changed(NOMIC, rotary_emb_base=-1000))
    # a negative rotary_emb_base is read only by the remote class (SPEC §2.3; native ignores it)
    assert cli("validate", model, "--trust-remote-code").exit_code == 1
    reader = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader.wait()
    assert reader.stdin is not None
    proc = subprocess.run(
        [
            *ntkcli_executable(),
            "validate",
            model,
            "-f",
            "json",
            "--no-transformers",
            "--trust-remote-code",
        ],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        timeout=30,
        check=False,
    )
    reader.stdin.close()
    assert proc.returncode == 1, proc.stderr
    assert "internal error" not in proc.stderr


# -- 14. an absurd --rotary-dim -------------------------------------------------------------------
def test_absurd_rotary_dim_is_a_usage_error_about_the_option() -> None:
    run = cli(
        "diff",
        *("--base", "10000", "--factor", "2", "--rotary-dim", "2147483648"),
        *("--max-position", "4096", "--max-trained-positions", "2048"),
    )
    line = one_error(run, (2,))
    assert "--rotary-dim" in line and "rope_dim" not in line


# -- 15. plot --out onto a FIFO -------------------------------------------------------------------
def test_plot_out_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "x.png"
    os.mkfifo(fifo)
    start = time.monotonic()
    run = cli_subprocess("plot", V1, "--bundled", "--out", str(fifo), timeout=30)
    assert time.monotonic() - start < 15
    assert "exists and is not a regular file" in one_error(run, (3,))


def test_plot_out_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d.svg").mkdir()
    one_error(cli("plot", V1, "--bundled", "--out", str(tmp_path / "d.svg")), (3,))
