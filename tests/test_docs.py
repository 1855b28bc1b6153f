"""The README and CI stay true: every command is documented, the README opens with the two
set-up commands, and .ci/run runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

from ntkcli.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    return sorted(c.name or c.callback.__name__ for c in app.registered_commands if c.callback)


def test_readme_opens_with_exactly_two_commands() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block is not None
    assert README.index(first_block.group(0)) < README.index("\n## ")
    lines = [ln for ln in first_block.group(1).splitlines() if ln.strip()]
    assert len(lines) == 2
    assert "ntkcli inspect nomic-ai/nomic-embed-text-v1" in lines[0]
    assert "pytest" in lines[1]


def test_ci_runs_the_readme_test_command() -> None:
    test_command = re.search(r"```bash\n.*?\n(.*?)\n```", README, re.S)
    assert test_command is not None
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.group(1).strip() in ci


def test_every_command_is_documented() -> None:
    assert len(commands()) >= 2
    for name in commands():
        assert f"ntkcli {name}" in README, name
        assert f"## {name}" in README or name == "models", name


def test_every_exit_code_is_documented() -> None:
    from ntkcli import errors

    for code in (
        errors.EXIT_OK,
        errors.EXIT_FINDINGS,
        errors.EXIT_USAGE,
        errors.EXIT_INPUT,
        errors.EXIT_INTERNAL,
    ):
        assert f"| {code} |" in README
