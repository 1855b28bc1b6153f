"""Every example script in examples/ runs, offline, against the ntkcli under test, exits 0 (each
checks its own expected exit codes with `expect`), and prints the numbers it promises.

Expected values are written out from the formulas (issue 13 item 4), not computed by ntkcli:
nomic-embed-text-v1 has θ 1000, d 64, T 2048; with a dynamic override α 2:
  new vLLM at L 512:  inner 2·512/2048 − 1 = −0.5 → θ' = 1000·(−0.5)^(64/62), complex;
  new vLLM at L 1024: inner 2·1024/2048 − 1 = 0 → θ' = 0.0, cache not finite;
  old vLLM clamps the served length to T = 2048.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import ntkcli_executable

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.sh"))
PRINTS = {
    "inspect.sh": [
        "old max_model_len: 2048",
        "theta prime: (-486.4356532483613-49.46567115590085j)",
    ],
    "diff.sh": ["new: 0.0 [1024, 64] all_finite: False"],
    "compare.sh": ["nomic-ai/nomic-embed-text-v1 8192 nomic 0.0 0.0"],
    "validate.sh": ["finding R01 error", "finding R05 warning"],
    "plot.sh": ["θ'"],
    # ENGINES.md worked numbers: TEI 1.9.3 θ' = 1000·(2·4096/2048 − 1) = 7000 (truncated
    # exponent); ST keeps θ 1000 and truncates to max_seq_length 2048; SGLang's constant
    # pre-#41277 base 10000·(2·8192/4096 − 1)^(128/126) = 30527.7367488067 for every input.
    "engines.sh": [
        "tei 1.9.3 4096 base 7000.0 tokens used 4096",
        "sentence-transformers 6.2 4096 base 1000.0 tokens used 2048",
        "sglang max_len 8192 bases 2048: 30527.7367488067, 8192: 30527.7367488067",
        "transformers max_len None bases 2048: 10000.0, 8192: 30527.7367488067",
        "sglang 0.5.23              2048   max_position_embeddings",
    ],
}
STDERR = {
    "validate.sh": ["exit code 3 (as expected)", "exit code 1 (as expected)"],
    "diff.sh": ["exit code 0 (as expected)", "exit code 1 (as expected)"],
    "engines.sh": ["exit code 0 (as expected)", "exit code 1 (as expected)"],
}


def test_there_are_examples() -> None:
    assert {p.name for p in SCRIPTS} == set(PRINTS)
    assert (EXAMPLES / "snapshots" / "nomic-ai__nomic-embed-text-v1" / "config.json").is_file()


def _run(script: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_prints_its_numbers(script: Path, tmp_path: Path) -> None:
    command = ntkcli_executable()
    if len(command) != 1:
        pytest.skip("the examples need an installed ntkcli script")
    exe = command[0]
    env = {**os.environ, "NTKCLI": exe, "HF_HUB_OFFLINE": "1"}
    proc = _run(script, tmp_path, env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    for line in PRINTS[script.name]:
        assert line in proc.stdout, f"{script.name} no longer prints {line!r}"
    for line in STDERR.get(script.name, []):
        assert line in proc.stderr


def test_an_example_fails_loudly_when_ntkcli_is_missing(tmp_path: Path) -> None:
    env = {**os.environ, "NTKCLI": str(tmp_path / "no-such-ntkcli"), "HF_HUB_OFFLINE": "1"}
    proc = _run(EXAMPLES / "inspect.sh", tmp_path, env)
    assert proc.returncode != 0
