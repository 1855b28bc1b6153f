"""validate --engines: engine sharp edges, each finding naming engine and version."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import cli
from tests.test_engines_worked import CONFIGS, write

V15 = "nomic-ai/nomic-embed-text-v1.5"


def ids(stdout: str) -> list[tuple[str, str]]:
    data = json.loads(stdout)
    return [(f["id"], f["message"]) for r in data for f in r["findings"]]


def test_default_is_vllm_only() -> None:
    run = cli("validate", V15, "--bundled", "--format", "json")
    assert not [i for i, _ in ids(run.stdout) if i.startswith("E")]


def test_tei_truncation_and_batch_switch() -> None:
    run = cli("validate", V15, "--bundled", "--engines", "tei@head", "--hf-overrides",
              '{"rotary_scaling_factor": 2}', "--format", "json")  # fmt: skip
    found = ids(run.stdout)
    assert any(i == "E02" and "tei head" in m and "7000" in m for i, m in found)
    assert any(i == "E03" and "tei head" in m for i, m in found)


def test_sglang_constant_formula_and_reserve(tmp_path: Path) -> None:
    assert "llama2_dynamic2" in CONFIGS
    folder = write(tmp_path, "llama2_dynamic2")
    run = cli("validate", folder, "--engines", "sglang", "--format", "json")
    found = ids(run.stdout)
    assert any(i == "E04" and "sglang 0.5.23" in m and "30527.7367488067" in m for i, m in found)
    assert any(i == "E05" and "8192 to 8448" in m for i, m in found)


def test_llamacpp_ollama_clamp() -> None:
    run = cli("validate", V15, "--bundled", "--engines", "llamacpp,ollama", "--format", "json")
    found = ids(run.stdout)
    assert any(i == "E06" and m.startswith("llamacpp 0.3.36: serves 2048") for i, m in found)
    assert any(i == "E06" and m.startswith("ollama 0.33.0: serves 2048") for i, m in found)


def test_load_failure_is_an_error(tmp_path: Path) -> None:
    folder = write(tmp_path, "nomic_v15_v5")
    run = cli("validate", folder, "--engines", "tei", "--format", "json")
    assert run.exit_code == 1
    assert any(
        i == "E01" and "tei 1.9.3" in m and "duplicate field" in m for i, m in ids(run.stdout)
    )
