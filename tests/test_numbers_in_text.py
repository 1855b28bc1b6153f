"""Numbers in sentences keep every digit (issue 14, one number formatter): a θ of 1234567.8 is
written 1234567.8 in plot's legend, compare's header and engine notes, never rounded to six
significant digits ("1.23457e+06", what `:g` would print)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import LLAMA2_DYNAMIC, cli

ODD_THETA = {**LLAMA2_DYNAMIC, "rope_theta": 1234567.8}


@pytest.mark.parametrize(
    "args",
    [
        ["plot"],
        ["compare", "--len", "8192"],
        ["inspect", "--engine", "sglang"],
        ["inspect", "--engine", "transformers"],
        ["inspect", "--engine", "llamacpp"],
        ["diff", "--engine", "sglang"],
    ],
    ids=lambda a: " ".join(a),
)
def test_theta_keeps_its_digits(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "config.json").write_text(json.dumps(ODD_THETA))
    command, *rest = args
    run = cli(command, str(tmp_path), *rest, env={"NTKCLI_WIDTH": "200"})
    assert run.exit_code in (0, 1), run.stderr
    text = run.stdout + run.stderr
    assert "1234567.8" in text
    assert "e+06" not in text and "1.23457" not in text
