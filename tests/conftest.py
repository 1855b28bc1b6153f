"""Shared fixtures: hermetic environment (temporary HF cache, offline by default, fixed terminal
width, no colour) and two ways to run the CLI: in-process (fast) and as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ntkcli.cli import app

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "configs"
# The real configs beside the repository (as CI lays it out); else their byte-exact bundled copies.
SHARED = (
    _SHARED if _SHARED.is_dir() else Path(__file__).resolve().parents[1] / "ntkcli" / "snapshots"
)
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# A Llama-2-7B-shaped config (θ 10000, head 128, 4096 positions) that many tests start from;
# LLAMA2_DYNAMIC adds dynamic NTK with α 2 (SPEC §6's dynamic worked numbers).
LLAMA2: dict[str, Any] = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
}
LLAMA2_DYNAMIC: dict[str, Any] = {**LLAMA2, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}}
# GPT-NeoX with a quarter of each head rotated (rotary_pct 0.25), as the engine tests use it.
NEOX: dict[str, Any] = {
    "architectures": ["GPTNeoXForCausalLM"],
    "model_type": "gpt_neox",
    "hidden_size": 2048,
    "num_attention_heads": 16,
    "rotary_pct": 0.25,
    "max_position_embeddings": 2048,
}
NEOX_DYNAMIC: dict[str, Any] = {**NEOX, "rope_scaling": {"type": "dynamic", "factor": 2.0}}
# The NomicBert keys every published Nomic text config carries (SPEC §2.3), without lengths.
NOMIC_NATIVE: dict[str, Any] = {
    "model_type": "nomic_bert",
    "architectures": ["NomicBertModel"],
    "n_embd": 768,
    "activation_function": "swiglu",
    "mlp_fc1_bias": False,
    "mlp_fc2_bias": False,
    "qkv_proj_bias": False,
    "rotary_emb_scale_base": None,
    "rotary_emb_interleaved": False,
    "rotary_emb_fraction": 1.0,
}
TEST_ENV = {
    "NTKCLI_WIDTH": "100",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`difftest` tests download real engine code from PyPI: run only with NTKCLI_DIFFTEST=1."""
    if os.environ.get("NTKCLI_DIFFTEST") == "1":
        return
    skip = pytest.mark.skip(reason="differential test against PyPI packages: set NTKCLI_DIFFTEST=1")
    for item in items:
        if item.get_closest_marker("difftest") is not None:  # not keywords: path names count
            item.add_marker(skip)


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture(autouse=True)
def hermetic(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty HF home and never reaches a real network."""
    home = tmp_path_factory.mktemp("hf_home")
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(home / "hub"))
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    for key in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "VLLM_ALLOW_LONG_MAX_MODEL_LEN"):
        monkeypatch.delenv(key, raising=False)
    return home


def cli(*args: str, env: Mapping[str, str] | None = None) -> Run:
    """Run the CLI in-process (Typer's CliRunner) with stdout and stderr kept apart."""
    result = CliRunner().invoke(app, list(args), env=dict(env or {}), catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def cli_json(*args: str) -> Any:
    run = cli(*args, "--format", "json")
    assert run.exit_code == 0, run.stderr
    return run.json()


def ntkcli_executable() -> list[str]:
    exe = shutil.which("ntkcli", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "ntkcli"]


def cli_subprocess(
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    cwd: str | Path | None = None,
    inherit: bool = True,
) -> Run:
    """Run the installed console script in a fresh process (real imports, real exit codes).
    With inherit=False, `env` is the whole environment (e.g. FakeHub.env's scrubbed one)."""
    full_env = {**os.environ, **(env or {})} if inherit else dict(env or {})
    proc = subprocess.run(
        [*ntkcli_executable(), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def write_model(tmp_path: Path, config: dict[str, Any], st: dict[str, Any] | None = None) -> str:
    """A model directory in tmp_path: config.json, and sentence_bert_config.json when given."""
    model = tmp_path / "model"
    model.mkdir(exist_ok=True)
    (model / "config.json").write_text(json.dumps(config))
    if st is not None:
        (model / "sentence_bert_config.json").write_text(json.dumps(st))
    return str(model)
