"""Validation rules (SPEC §7) → list[Finding]. Pure: reads a Resolution, returns findings.

One module per group of rules (dynamic, lengths, nomic, overrides, geometry, custom_keys,
refusals, loading); each ends with one `register(Rule(...), ...)` call that puts its rules
(plain functions) in `registry.RULES` under stable ids. `check()` is the entry point `inspect`
and `validate` use. R19 is the safety net: every refusal yields at least
one error finding, even one no specific rule describes (refusals.claimed() lists who owns what).
"""

from __future__ import annotations

from ntkcli.checks import (
    custom_keys,
    dynamic,
    geometry,
    lengths,
    loading,
    nomic,
    overrides,
    refusals,
)
from ntkcli.checks.registry import EXTERNAL_RULES, RULES, Issue, Rule, register, rule
from ntkcli.model import Finding, Resolution

__all__ = ["EXTERNAL_RULES", "RULES", "Issue", "Rule", "all_rule_ids", "check", "register", "rule"]

_MODULES = (
    custom_keys,
    dynamic,
    geometry,
    lengths,
    loading,
    nomic,
    overrides,
    refusals,
)  # registration

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def all_rule_ids() -> list[str]:
    return sorted([*RULES, *EXTERNAL_RULES])


def check(resolution: Resolution) -> list[Finding]:
    """Every rule's findings for one resolution, errors first, then by rule id."""
    findings: list[Finding] = []
    for registered in RULES.values():
        findings.extend(registered.run(resolution))
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.id))
