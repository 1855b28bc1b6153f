"""Every example script in examples/ runs, offline, against the installed ntkcli."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import ntkcli_executable

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.sh"))


def test_there_are_examples() -> None:
    assert {p.name for p in SCRIPTS} >= {"inspect.sh"}
    assert (EXAMPLES / "snapshots" / "nomic-ai__nomic-embed-text-v1" / "config.json").is_file()


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_runs(script: Path, tmp_path: Path) -> None:
    exe = ntkcli_executable()
    env = {**os.environ, "NTKCLI": " ".join(exe), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        ["bash", str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip()
    assert "Traceback" not in proc.stderr
