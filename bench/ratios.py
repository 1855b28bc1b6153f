"""The start-up ratio goals of issue 13's Performance section, as CPU time (user + system) of fresh
processes, median of N runs taken in turns (the minimum is printed beside it: the machine may be
shared):

    inspect on a local directory                    ≤ 1.25 × a bare Typer app with the same options
    inspect on a Hub id answered by a bundled copy  ≤ 1.5  × the same bare Typer app

    .venv/bin/python bench/ratios.py [--runs 15]

Any Typer app pays for typer, rich and pydantic at start-up (issue 13): the floor is a Typer app
with inspect's options that prints its answer through Rich, as a Typer app's output does. Typer
0.29 itself imports rich only for help and errors, so the same app without Rich is measured too,
and the ratios against it are printed beside (they are not the goal's definition).
Both run with bytecode caching on, as an installed package does (pip compiles it): a
PYTHONDONTWRITEBYTECODE=1 environment would recompile every ntkcli module on every run and
measure the compiler, not the start-up (the warm-up run writes the caches).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAP = ROOT / "ntkcli" / "snapshots"
BIN = Path(sys.executable).parent
NTKCLI = str(BIN / "ntkcli") if (BIN / "ntkcli").exists() else shutil.which("ntkcli") or "ntkcli"

# A Typer app with inspect's options (same names and types), doing nothing: the floor.
BARE_APP = """
from typing import Annotated
import typer
app = typer.Typer(add_completion=False)
@app.command()
def inspect(
    model: str,
    max_model_len: Annotated[str | None, typer.Option()] = None,
    hf_overrides: Annotated[str | None, typer.Option()] = None,
    vllm: Annotated[str, typer.Option()] = "new",
    allow_long_max_model_len: Annotated[bool, typer.Option()] = False,
    dtype: Annotated[str, typer.Option()] = "float32",
    revision: Annotated[str | None, typer.Option()] = None,
    token: Annotated[str | None, typer.Option()] = None,
    cache_dir: Annotated[str | None, typer.Option()] = None,
    offline: Annotated[bool, typer.Option()] = False,
    refresh: Annotated[bool, typer.Option()] = False,
    bundled: Annotated[bool, typer.Option()] = False,
    timeout: Annotated[float, typer.Option()] = 10.0,
    format: Annotated[str, typer.Option()] = "table",
    quiet: Annotated[bool, typer.Option()] = False,
) -> None:
    pass
@app.command()
def other() -> None:
    pass
app()
"""
# The floor as issue 13 defines it: the same app, printing its one-line answer through Rich.
RICH_APP = BARE_APP.replace(
    "    pass\n@app.command()\ndef other",
    "    from rich.console import Console\n    Console().print(model)\n@app.command()\ndef other",
    1,
)
assert RICH_APP != BARE_APP


def cpu_seconds(argv: list[str], env: dict[str, str]) -> float:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return usage.ru_utime + usage.ru_stime


def cpu_runs(commands: list[list[str]], env: dict[str, str], runs: int) -> list[list[float]]:
    """CPU seconds of `runs` runs of each command, after one warm-up run each. The commands take
    turns (run 1 of each, then run 2 of each, …), so a shared machine's changing load falls on
    all of them alike instead of on whichever was measured during a busy spell."""
    for argv in commands:
        cpu_seconds(argv, env)  # warm-up: page cache and bytecode
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for argv, spent in zip(commands, times, strict=True):
            spent.append(cpu_seconds(argv, env))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_COLOR": "1", "HF_HOME": f"{tmp}/hf"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        local = Path(tmp) / "model"
        local.mkdir()
        shutil.copy(SNAP / "deepcogito__cogito-v1-preview-qwen-14B" / "config.json", local)
        app = Path(tmp) / "bare_app.py"
        app.write_text(BARE_APP)
        rich_app = Path(tmp) / "rich_app.py"
        rich_app.write_text(RICH_APP)
        rows = [
            ("inspect on a local directory", [NTKCLI, "inspect", str(local)], 1.25),
            (
                "inspect on a Hub id (bundled copy)",
                [NTKCLI, "inspect", "nomic-ai/nomic-embed-text-v1", "--offline"],
                1.5,
            ),
        ]
        rich_argv = [sys.executable, str(rich_app), "inspect", str(local)]
        bare_argv = [sys.executable, str(app), "inspect", str(local)]
        rich_times, bare_times, *row_times = cpu_runs(
            [rich_argv, bare_argv, *(argv for _, argv, _ in rows)], env, args.runs
        )
        floor, floor_min = statistics.median(rich_times), min(rich_times)
        bare = statistics.median(bare_times)
        print(
            f"floor: Typer app with inspect's options printing through Rich: {floor:.3f} s CPU "
            f"(median of {args.runs}), {floor_min:.3f} s (min); without Rich: {bare:.3f} s"
        )
        print(
            "| case | CPU median | ratio (median) | CPU min | ratio (min) | goal | met "
            "| ratio without Rich in the floor |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for (name, _, goal), times in zip(rows, row_times, strict=True):
            cpu, cpu_min = statistics.median(times), min(times)
            ratio = cpu / floor
            met = "yes" if ratio <= goal else "no"
            print(
                f"| {name} | {cpu:.3f} s | {ratio:.2f}× | {cpu_min:.3f} s | "
                f"{cpu_min / floor_min:.2f}× | ≤ {goal}× | {met} | {cpu / bare:.2f}× |"
            )


if __name__ == "__main__":
    main()
