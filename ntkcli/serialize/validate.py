"""`validate --format json`: one entry per input, the inspect contract plus what validate adds."""

from __future__ import annotations

from typing import Any

from ntkcli.analysis.validate import InputResult, Report
from ntkcli.serialize import finding, resolution


def entry(result: InputResult) -> dict[str, Any]:
    base: dict[str, Any] = {"model": result.model, "input": result.given}
    if result.resolution is None:
        error = result.error
        base.update(
            {
                "error": None if error is None else {"message": error.message, "hint": error.hint},
                "findings": [],
                "ignored_findings": 0,
                "max_model_len": None,
            }
        )
        return base
    base.update(resolution(result.resolution))
    base["model"] = result.model
    base["findings"] = [finding(f) for f in result.findings]
    base["ignored_findings"] = result.ignored
    base["error"] = None
    return base


def report(r: Report) -> list[dict[str, Any]]:
    return [entry(result) for result in r.results]
