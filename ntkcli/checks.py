"""Validation rules (SPEC §7) → list[Finding]. Pure: reads a Resolution, returns findings."""

from __future__ import annotations

from ntkcli.model import Finding, Resolution


def check(resolution: Resolution) -> list[Finding]:
    """Every rule's findings for one resolution (the rule catalogue is the validate issue's)."""
    return []
