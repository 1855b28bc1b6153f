"""Start-up and scaling benchmark for ntkcli (issue #7). Not a test: run it, read the table.

    .venv/bin/python bench/run.py [--runs 7] [--markdown]
    .venv/bin/python bench/ratios.py   # the start-up ratio goals (CPU time vs a bare Typer app)

Each case runs as a fresh process, the way a user or a CI job runs it; we report the median and
the spread of wall time and the peak RSS of the child (from os.wait4's rusage). Everything is
offline: bundled snapshots, generated configs in a temporary directory, a local config directory
for the transformers baseline.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAP = ROOT / "ntkcli" / "snapshots"
BIN = Path(sys.executable).parent
NTKCLI = str(BIN / "ntkcli") if (BIN / "ntkcli").exists() else shutil.which("ntkcli") or "ntkcli"
DYNAMIC_V1 = json.dumps(
    {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}
)


@dataclass(frozen=True)
class Case:
    name: str
    argv: list[str]
    target: str  # the target, for the table


@dataclass(frozen=True)
class Result:
    case: Case
    median_s: float
    min_s: float
    max_s: float
    peak_rss_mb: float
    exit_code: int


def generate_configs(directory: Path, count: int) -> None:
    """`count` configs in a zoo-like tree: Nomic and Llama-style shapes with varied RoPE."""
    nomic = json.loads((SNAP / "nomic-ai__nomic-embed-text-v1" / "config.json").read_text())
    llama = json.loads((SNAP / "internlm__internlm2-chat-7b" / "config.json").read_text())
    for i in range(count):
        if i % 2:
            config = copy.deepcopy(nomic)
            config["n_positions"] = 2048 * (1 + i % 4)
            config["rotary_scaling_factor"] = [None, 2.0][i % 2]
        else:
            config = copy.deepcopy(llama)
            config["max_position_embeddings"] = 4096 * (1 + i % 8)
            config["rope_scaling"] = [None, {"type": "dynamic", "factor": 1.0 + i % 4}][i % 4 > 0]
        target = directory / f"org{i % 10}" / f"model-{i:04d}"
        target.mkdir(parents=True)
        (target / "config.json").write_text(json.dumps(config))


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, proc.returncode  # ru_maxrss is in KiB on Linux


def measure(case: Case, runs: int, env: dict[str, str]) -> Result:
    run_once(case.argv, env)  # warm the page cache and bytecode caches
    samples = [run_once(case.argv, env) for _ in range(runs)]
    times = [s[0] for s in samples]
    return Result(
        case,
        statistics.median(times),
        min(times),
        max(times),
        max(s[1] for s in samples),
        samples[-1][2],
    )


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--configs", type=int, default=1000)
    parser.add_argument("--markdown", action="store_true", help="print a README table")
    args = parser.parse_args()

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        zoo = Path(tmp) / "zoo"
        generate_configs(zoo, args.configs)
        baseline_dir = Path(tmp) / "qwen2"
        baseline_dir.mkdir()
        shutil.copy(
            SNAP / "deepcogito__cogito-v1-preview-qwen-14B" / "config.json",
            baseline_dir / "config.json",
        )
        env["HF_HOME"] = str(Path(tmp) / "hf")
        cases = [
            Case(
                "inspect (bundled nomic v1)",
                [NTKCLI, "inspect", "nomic-ai/nomic-embed-text-v1", "--bundled"],
                "≤ 0.25 s, ≤ 60 MB, ≥ 8× faster than the baseline",
            ),
            Case(
                "inspect --format json (local dir)",
                [NTKCLI, "inspect", str(baseline_dir), "--format", "json"],
                "as above",
            ),
            Case(
                "inspect Hub id, offline (cache lookup, then bundled)",
                [NTKCLI, "inspect", "nomic-ai/nomic-embed-text-v1"],
                "≤ 1.5× the bare Typer app",
            ),
            Case(
                "bare Typer app (start-up floor)",
                [
                    sys.executable,
                    "-c",
                    "import typer; app = typer.Typer(); app.command()(lambda: None); "
                    "app(args=[], standalone_mode=False)",
                ],
                "—",
            ),
            Case("compare --len 8192 (all bundled)", [NTKCLI, "compare", "--len", "8192"], "—"),
            Case(
                f"validate ({args.configs} generated configs)",
                [NTKCLI, "validate", str(zoo)],
                "≤ 5 s",
            ),
            Case(
                "diff, real caches 131072 × 128",
                [
                    NTKCLI,
                    "diff",
                    "--base",
                    "10000",
                    "--factor",
                    "2",
                    "--rotary-dim",
                    "128",
                    "--max-position",
                    "65536",
                    "--max-trained-positions",
                    "32768",
                ],
                "≤ 3 s, ≤ 1.5 GB",
            ),
            Case(
                "baseline: transformers AutoConfig",
                [
                    sys.executable,
                    "-c",
                    "from transformers import AutoConfig; "
                    f"AutoConfig.from_pretrained({str(baseline_dir)!r})",
                ],
                "—",
            ),
        ]
        results = [measure(case, args.runs, env) for case in cases]

    baseline = results[-1].median_s
    print(f"Machine: {machine()}; {args.runs} runs per case (plus one warm-up).\n")
    header = "| case | median wall | min–max | peak RSS | vs baseline | target | exit |"
    print(header)
    print("|" + "---|" * 7)
    for r in results:
        ratio = f"{baseline / r.median_s:.1f}× faster" if r is not results[-1] else "1×"
        print(
            f"| {r.case.name} | {r.median_s:.3f} s | {r.min_s:.3f}–{r.max_s:.3f} s | "
            f"{r.peak_rss_mb:.0f} MB | {ratio} | {r.case.target} | {r.exit_code} |"
        )


if __name__ == "__main__":
    main()
