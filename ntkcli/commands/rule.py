"""`ntkcli rule R01`: explain one rule (as `ruff rule` does); `--all` lists every rule."""

from __future__ import annotations

from typing import Annotated

import typer

from ntkcli import checks, console
from ntkcli.commands import options as o
from ntkcli.errors import UsageError

RuleId = Annotated[
    str | None, typer.Argument(help="A rule id such as R01 or T01.", show_default=False)
]
All = Annotated[bool, typer.Option("--all", help="List every rule.")]


def rule_text(rule_id: str) -> str:
    """The Markdown-ish text of one rule, shared by `ntkcli rule` and the README."""
    from ntkcli.checks.registry import describe

    severity, title, why = describe(rule_id)
    return f"{rule_id} ({severity}): {title}\n{why}".rstrip()


def rule(rule_id: RuleId = None, all: All = False, format: o.Format = "table") -> None:
    """Explain a validation rule: what it catches and what to do (--all: every rule)."""
    from ntkcli.checks.registry import rule_doc
    from ntkcli.serialize.generic import to_json

    known = checks.all_rule_ids()
    if all:
        ids = known
    elif rule_id is None:
        raise UsageError("give a rule id or --all", hint="e.g. ntkcli rule R01")
    elif rule_id.upper() not in known:
        raise UsageError(f"no rule {rule_id!r}", hint=f"rules are {', '.join(known)}")
    else:
        ids = [rule_id.upper()]
    if format == "json":
        console.emit_json(to_json([rule_doc(i) for i in ids]))
        return
    console.emit_text("\n\n".join(rule_text(i) for i in ids))


def catalogue_markdown() -> str:
    """The README's rule table, generated from the same registry as `ntkcli rule --all`."""
    from ntkcli.checks.registry import describe

    lines = ["| rule | severity | what it catches |", "|---|---|---|"]
    for rule_id in checks.all_rule_ids():
        severity, title, _ = describe(rule_id)
        lines.append(f"| {rule_id} | {severity} | {title.replace('|', '/')} |")
    return "\n".join(lines)
