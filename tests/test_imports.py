"""Start-up stays light: the everyday commands never import torch or transformers (issue #2, #7).

Each case runs ntkcli's real entry point in a fresh interpreter and reports which heavy modules
ended up in sys.modules. Not a timed test: the benchmark script measures time.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "matplotlib", "numpy")

PROBE = """
import json, sys
args, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["ntkcli", *args]
from ntkcli.cli import main
try:
    main()
except SystemExit:
    pass
print("IMPORTED=" + json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def imported(*args: str, modules: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of `modules` a fresh `ntkcli ARGS` process has imported when it ends."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(modules)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("IMPORTED=")]
    assert line, proc.stderr
    result: list[str] = json.loads(line[-1].removeprefix("IMPORTED="))
    return result


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["inspect", "nomic-ai/nomic-embed-text-v1", "--bundled"],
        ["inspect", "nomic-ai/nomic-embed-text-v1", "--bundled", "--format", "json"],
        ["inspect", "internlm/internlm2-chat-7b", "--bundled", "--vllm", "old"],
        ["models"],
        # diff's default is the closed form; --real-caches is the opt-in for torch (issue #13).
        ["diff", "nomic-ai/nomic-embed-text-v1", "--bundled"],
        ["diff", "nomic-ai/nomic-embed-text-v1", "--bundled", "--format", "json"],
        [
            "diff",
            *("--base", "1000", "--factor", "2", "--rotary-dim", "64"),
            *("--max-trained-positions", "2048", "--lengths", "512..8192"),
        ],
        ["models", "--format", "json"],
        ["schema", "inspect"],
        ["schema", "diff"],
        ["schema", "compare"],
    ],
)
def test_light_commands_import_no_heavy_module(args: list[str]) -> None:
    assert imported(*args) == []


def test_diff_real_caches_is_what_imports_torch() -> None:
    assert "torch" in imported("diff", "nomic-ai/nomic-embed-text-v1", "--bundled", "--real-caches")


# The plain vLLM inspect answers without the engine layer or the Hub client: those are what a
# start-up regression pulls in first (measured in bench/ratios.py, not timed here).
INSPECT_PATH_HEAVY = (
    "ntkcli.engines.base",
    "ntkcli.engines.reference",
    "huggingface_hub.file_download",
    "ntkcli.analysis",
)


@pytest.mark.parametrize(
    "model",
    ["nomic-ai/nomic-embed-text-v1", "internlm/internlm2-chat-7b", "Qwen/Qwen-7B"],
)
def test_plain_inspect_skips_the_engine_layer_and_the_hub_client(model: str) -> None:
    assert imported("inspect", model, "--bundled", modules=INSPECT_PATH_HEAVY) == []


def test_a_command_loads_only_its_own_module() -> None:
    """`ntkcli inspect` imports inspect's command module, not compare's, diff's or plot's."""
    others = tuple(
        f"ntkcli.commands.{name}" for name in ("compare", "diff", "plot", "validate", "schema")
    )
    assert imported("inspect", "nomic-ai/nomic-embed-text-v1", "--bundled", modules=others) == []
