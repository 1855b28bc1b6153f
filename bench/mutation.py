"""Mutation testing of one part of the core at a time (mutmut, configured in pyproject.toml).

mutmut reads its settings from pyproject.toml and rewrites every source path it is given, so
a run over one module still generates the mutants of all of them. This driver copies the
repository into a scratch directory outside it, narrows ``[tool.mutmut]`` there to the modules
named (``only_mutate``) and, if given, to the named tests, runs mutmut, and prints the score and
every survivor. Nothing in the repository is touched.

    .venv/bin/python bench/mutation.py ntkcli/engines/tei.py
    .venv/bin/python bench/mutation.py ntkcli/vllm/max_len.py --tests tests/test_mutants_vllm.py
    .venv/bin/python bench/mutation.py ntkcli/engines/tei.py --show    # diffs of the survivors
    .venv/bin/python bench/mutation.py --all                           # every source path

Survivors that cannot be killed (equivalent mutants) are listed in pyproject.toml next to the
mutmut settings; the score of every part is in the README's development section.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

try:  # Python 3.11+; mutmut itself needs tomllib or toml
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import toml as tomllib  # type: ignore[no-redef]

ROOT = pathlib.Path(__file__).resolve().parent.parent
MUTMUT = pathlib.Path(sys.executable).with_name("mutmut")


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _narrowed_pyproject(text: str, only: list[str], tests: list[str] | None) -> str:
    """pyproject.toml with [tool.mutmut] limited to ``only`` (and ``tests``)."""
    start = text.index("[tool.mutmut]")
    following = re.search(r"^\[(?!tool\.mutmut\])", text[start + 1 :], flags=re.M)
    end = start + 1 + following.start() if following else len(text)
    settings = tomllib.loads(text[start:end])["tool"]["mutmut"]
    if only:
        settings["only_mutate"] = only
    if tests:
        settings["pytest_add_cli_args_test_selection"] = tests
    lines = ["[tool.mutmut]"]
    for key, value in settings.items():
        rendered = _toml_list(value) if isinstance(value, list) else json.dumps(value)
        lines.append(f"{key} = {rendered}")
    return text[:start] + "\n".join(lines) + "\n\n" + text[end:]


def _scratch(work: pathlib.Path, only: list[str], tests: list[str] | None) -> None:
    for name in ("ntkcli", "tests"):
        shutil.rmtree(work / name, ignore_errors=True)
        shutil.copytree(
            ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    shutil.rmtree(work / "mutants", ignore_errors=True)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (work / "pyproject.toml").write_text(_narrowed_pyproject(text, only, tests), encoding="utf-8")


def _survivors(work: pathlib.Path, env: dict[str, str]) -> list[str]:
    shown = subprocess.run(
        [str(MUTMUT), "results"], cwd=work, env=env, capture_output=True, text=True, check=False
    )
    return [line.strip() for line in shown.stdout.splitlines() if ": " in line]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="files to mutate, e.g. ntkcli/rope/ntk.py")
    parser.add_argument("--all", action="store_true", help="mutate every configured source path")
    parser.add_argument("--tests", nargs="+", help="test files to run (default: pyproject's list)")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--show", action="store_true", help="print each survivor's diff")
    parser.add_argument(
        "--workdir",
        type=pathlib.Path,
        help="scratch directory (default: a fresh temporary one, removed afterwards)",
    )
    args = parser.parse_args()
    if not args.modules and not args.all:
        parser.error("name the modules to mutate, or --all")
    only = [m if m.endswith((".py", "*")) else m.rstrip("/") + "/*" for m in args.modules]
    for module in args.modules:
        if not (ROOT / module).exists():
            parser.error(f"no such file or directory: {module}")

    keep = args.workdir is not None
    work = args.workdir or pathlib.Path(tempfile.mkdtemp(prefix="ntkcli-mutation-"))
    work.mkdir(parents=True, exist_ok=True)
    _scratch(work, only, args.tests)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(work)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        subprocess.run(
            [str(MUTMUT), "run", "--max-children", str(args.max_children)],
            cwd=work,
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [str(MUTMUT), "export-cicd-stats"],
            cwd=work,
            env=env,
            check=False,
            capture_output=True,
        )
        stats = json.loads((work / "mutants" / "mutmut-cicd-stats.json").read_text())
        survivors = _survivors(work, env)
        for line in survivors:
            print(line)
            if args.show:
                name = line.split(":")[0]
                diff = subprocess.run(
                    [str(MUTMUT), "show", name],
                    cwd=work,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                print(diff.stdout)
        total = int(stats["total"])
        killed = int(stats["killed"])
        score = 100 * killed / total if total else 100.0
        label = " ".join(args.modules) or "every source path"
        print(f"{label}: {killed} of {total} mutants killed ({score:.1f} %); {stats}")
        return 0
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
