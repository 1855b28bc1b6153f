"""One place for each thing (issue 14): command-line parsing lives in ntkcli/commands; the
analysis layer takes typed values and raises domain errors, never usage errors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ntkcli"
ANALYSIS = sorted((PACKAGE / "analysis").glob("*.py"))


@pytest.mark.parametrize("path", ANALYSIS, ids=[p.name for p in ANALYSIS])
def test_the_analysis_layer_raises_no_usage_errors(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    imported = {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for alias in n.names
    }
    assert "UsageError" not in names | imported, path.name


def test_no_length_parser_outside_the_commands() -> None:
    """One length grammar: `parse_lengths` and friends are defined in commands/lengths.py only."""
    defined = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and "parse_length" in node.name
    }
    assert defined == {"commands/lengths.py"}
