"""The rule registry: every rule is a Rule(id, severity, title, check-fn), the check-fn a pure
function of a Resolution that yields (message, hint) pairs. Severity belongs to the rule, so one
id never changes severity from one config to the next (ruff's habit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from ntkcli.checks.engines import ENGINE_RULES
from ntkcli.model import Finding, Resolution, Severity


class Issue(NamedTuple):
    """What a check-fn yields: the numbers that triggered it, and the flag/override to change."""

    message: str
    hint: str


CheckFn = Callable[[Resolution], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    check: CheckFn

    def run(self, resolution: Resolution) -> list[Finding]:
        return [
            Finding(self.id, self.severity, issue.message, issue.hint)
            for issue in self.check(resolution)
        ]


RULES: dict[str, Rule] = {}

# Rules that only run on `validate` (they are not functions of a Resolution): the transformers
# cross-check (ntkcli/references/transformers_validate.py). Listed so --ignore and the README
# know them.
EXTERNAL_RULES: Mapping[str, tuple[Severity, str]] = {
    "T01": ("error", "transformers' standardize_rope_params()/validate_rope() raises"),
    "T02": ("warning", "transformers logs a warning while standardising/validating"),
    "T03": ("info", "the transformers cross-check did not run for this config"),
    **ENGINE_RULES,  # validate --engines (checks/engines.py)
}


def rule(rule_id: str, severity: Severity, title: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check-fn under a stable id."""

    def register(fn: CheckFn) -> CheckFn:
        if rule_id in RULES:
            raise RuntimeError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, title, fn)
        return fn

    return register
