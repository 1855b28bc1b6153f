"""The README and CI stay true: every command is documented, the README opens with the two
set-up commands, and .ci/run runs the README's test command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ntkcli.cli import app
from ntkcli.commands.rule import catalogue_markdown
from tests.conftest import cli

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


def console_examples() -> list[tuple[str, str]]:
    """(command line, output) of every ```console block of the README."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", README, re.S):
        first, _, output = block.partition("\n")
        assert first.startswith("$ ntkcli "), first
        found.append((first[2:], output))
    return found


def test_the_readme_has_console_examples() -> None:
    assert len(console_examples()) >= 3


@pytest.mark.parametrize("line", [line for line, _ in console_examples()])
def test_readme_console_example_is_the_real_output(line: str) -> None:
    expected = dict(console_examples())[line]
    run = cli(*shlex.split(line)[1:], env={"NTKCLI_WIDTH": "100"})
    assert run.exit_code in (0, 1), run.stderr
    got = "\n".join(ln.rstrip() for ln in run.stdout.splitlines())
    assert got.strip("\n") == expected.strip("\n")


def test_readme_rule_list_is_the_registry() -> None:
    listed = re.search(r"<!-- rules:begin -->\n(.*?)\n<!-- rules:end -->", README, re.S)
    assert listed is not None
    assert listed.group(1) == catalogue_markdown()


def _anchor(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_readme_links_resolve() -> None:
    anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", README, re.M)}
    for target in re.findall(r"\]\(([^)]+)\)", README):
        if target.startswith(("http://", "https://")):
            continue
        if target.startswith("#"):
            assert target[1:] in anchors, target
        else:
            assert (ROOT / target.split("#")[0]).exists(), target


def test_help_fits_80_columns_without_truncation() -> None:
    """Issue 13 item 6: no cut-off flag names, no `<bool>`, one line per command in the list."""
    for name in [None, *commands()]:
        args = ["--help"] if name is None else [name, "--help"]
        run = cli(*args, env={"COLUMNS": "80"})
        assert run.exit_code == 0
        assert "…" not in run.stdout and "<bool>" not in run.stdout
        body = [ln for ln in run.stdout.splitlines() if not ln.startswith("Usage:")]
        assert not any(ln.rstrip().endswith("...") for ln in body), run.stdout
        assert all(len(line) <= 80 for line in run.stdout.splitlines())
