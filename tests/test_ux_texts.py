"""Issue 13 item 3: every user-facing string stands on its own — no SPEC, no "§", no documents
the user does not have, no tracker without an address. Scans every string literal of the package
(outside comments and docstrings), every command's --help, and every rule's texts."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import cli

PACKAGE = Path(__file__).resolve().parents[1] / "ntkcli"
FORBIDDEN = re.compile(
    r"SPEC|§|shared/configs|SOURCES\.md|ENGINES\.md|STYLE\.md|issue tracker|<owner>"
    r"|github\.com/[^/\s]*/ntkcli"
)
COMMANDS = ["inspect", "models", "compare", "diff", "plot", "validate", "rule"]


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def user_strings() -> list[tuple[str, int, str]]:
    """(file, line, text) of every string literal that is not a docstring."""
    out: list[tuple[str, int, str]] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
            ):
                out.append((str(path.relative_to(PACKAGE)), node.lineno, node.value))
    return out


def test_no_string_in_the_package_names_a_private_document() -> None:
    bad = [
        f"{f}:{line}: {text[:70]!r}" for f, line, text in user_strings() if FORBIDDEN.search(text)
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_stands_on_its_own(command: str) -> None:
    run = cli(command, "--help")
    assert run.exit_code == 0
    assert not FORBIDDEN.search(run.stdout), run.stdout


def test_every_rule_text_stands_on_its_own() -> None:
    run = cli("rule", "--all")
    assert run.exit_code == 0
    assert "R01" in run.stdout
    assert not FORBIDDEN.search(run.stdout)


def test_models_notes_stand_on_their_own() -> None:
    run = cli("models", "-f", "json")
    assert run.exit_code == 0
    assert "Byte-exact copy" in run.stdout
    assert not FORBIDDEN.search(run.stdout)
