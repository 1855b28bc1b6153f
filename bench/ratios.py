"""The start-up ratio goals of issue 13's Performance section, as CPU time (user + system) of fresh
processes, median of N runs (the minimum is printed beside it: the machine may be shared):

    inspect on a local directory                    ≤ 1.25 × a bare Typer app with the same options
    inspect on a Hub id answered by a bundled copy  ≤ 1.5  × the same bare Typer app

    .venv/bin/python bench/ratios.py [--runs 15]

Any Typer app pays for typer, rich and pydantic at start-up: the bare app is that floor.
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


def cpu_seconds(argv: list[str], env: dict[str, str]) -> float:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return usage.ru_utime + usage.ru_stime


def cpu_runs(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """(median, minimum) CPU seconds over `runs` runs, after one warm-up run."""
    cpu_seconds(argv, env)  # warm-up: page cache and bytecode
    times = [cpu_seconds(argv, env) for _ in range(runs)]
    return statistics.median(times), min(times)


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
        bare, bare_min = cpu_runs([sys.executable, str(app), "inspect", str(local)], env, args.runs)
        rows = [
            ("inspect on a local directory", [NTKCLI, "inspect", str(local)], 1.25),
            (
                "inspect on a Hub id (bundled copy)",
                [NTKCLI, "inspect", "nomic-ai/nomic-embed-text-v1", "--offline"],
                1.5,
            ),
        ]
        print(
            f"bare Typer app with inspect's options: {bare:.3f} s CPU (median of {args.runs}), "
            f"{bare_min:.3f} s (min)"
        )
        print("| case | CPU median | ratio (median) | CPU min | ratio (min) | goal | met |")
        print("|---|---|---|---|---|---|---|")
        for name, argv, goal in rows:
            cpu, cpu_min = cpu_runs(argv, env, args.runs)
            ratio = cpu / bare
            met = "yes" if ratio <= goal else "no"
            print(
                f"| {name} | {cpu:.3f} s | {ratio:.2f}× | {cpu_min:.3f} s | "
                f"{cpu_min / bare_min:.2f}× | ≤ {goal}× | {met} |"
            )


if __name__ == "__main__":
    main()
