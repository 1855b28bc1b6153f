"""The remote-code trap (issue 14): a repository whose `auto_map` names modules that announce
being imported. Every command reads the config with arguments that reach it (compare needs
--len to load at all; plot is included), with and without --trust-remote-code, in a fresh
process whose PYTHONPATH and working directory make those modules importable. ntkcli must answer
(the documented exit code, no traceback) and never import them (SPEC §2.1.1: "never import or
execute code named by auto_map")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ntkcli
from tests.conftest import cli_subprocess

# The bundled snapshot (its config.json is ntkcli's own copy; shared/configs has only the ST file).
NOMIC_V1 = (
    Path(__file__).resolve().parents[1] / "ntkcli" / "snapshots" / "nomic-ai__nomic-embed-text-v1"
)

# (arguments after MODEL, expected exit code). validate exits 0 when no rule reports an error:
# nomic-embed-text-v1 as published trips none (SPEC §7).
COMMANDS: list[tuple[str, list[str], int]] = [
    ("inspect", [], 0),
    ("inspect", ["--format", "json"], 0),
    ("compare", ["--len", "4096", "--format", "json"], 0),
    ("diff", ["--format", "json"], 0),
    ("validate", [], 0),
    ("plot", ["--format", "json"], 0),
]

TRAP = "import pathlib\npathlib.Path({marker!r}).write_text('imported {name}')\n"


def _trap_repo(root: Path) -> tuple[Path, Path]:
    """A copy of nomic-embed-text-v1 whose auto_map modules write `marker` when imported."""
    model = root / "model"
    model.mkdir()
    marker = root / "IMPORTED"
    config = json.loads((NOMIC_V1 / "config.json").read_text())
    config["auto_map"] = {
        "AutoConfig": "configuration_hf_nomic_bert.NomicBertConfig",
        "AutoModel": "modeling_hf_nomic_bert.NomicBertModel",
        "AutoModelForMaskedLM": "modeling_hf_nomic_bert.NomicBertForPreTraining",
    }
    (model / "config.json").write_text(json.dumps(config))
    (model / "sentence_bert_config.json").write_text(
        (NOMIC_V1 / "sentence_bert_config.json").read_text()
    )
    for name in ("configuration_hf_nomic_bert", "modeling_hf_nomic_bert"):
        (model / f"{name}.py").write_text(TRAP.format(marker=str(marker), name=name))
    return model, marker


@pytest.mark.slow
@pytest.mark.parametrize("trust", [False, True], ids=["native", "trust-remote-code"])
@pytest.mark.parametrize(
    ("command", "extra", "code"), COMMANDS, ids=[" ".join([c, *e]) for c, e, _ in COMMANDS]
)
def test_auto_map_code_never_runs(
    tmp_path: Path, command: str, extra: list[str], code: int, trust: bool
) -> None:
    model, marker = _trap_repo(tmp_path)
    flags = ["--trust-remote-code"] if trust else []
    # The trap first on the path, then the ntkcli under test (the checkout when tests run from one).
    code_under_test = Path(ntkcli.__file__).resolve().parents[1]
    env = {"PYTHONPATH": os.pathsep.join([str(model), str(code_under_test)]), "HF_HUB_OFFLINE": "1"}
    run = cli_subprocess(command, str(model), *extra, *flags, env=env, timeout=180, cwd=model)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.exit_code == code, (run.exit_code, run.stderr)
    if "json" in extra:
        assert json.loads(run.stdout)  # a real result, not an empty answer
    assert not marker.exists(), marker.read_text()


def test_the_trap_is_armed(tmp_path: Path) -> None:
    """Control: with the same environment, importing an auto_map module does write the marker."""
    model, marker = _trap_repo(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", "import configuration_hf_nomic_bert"],
        env={**os.environ, "PYTHONPATH": str(model)},
        cwd=model,
        check=True,
        timeout=60,
    )
    assert proc.returncode == 0
    assert marker.read_text() == "imported configuration_hf_nomic_bert"
