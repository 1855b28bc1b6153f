"""`validate --engines`: the engine findings (checks/engines.py) added to a validate report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ntkcli import checks
from ntkcli.analysis.validate import Report
from ntkcli.checks.engines import engine_findings
from ntkcli.engines.base import Engine, EngineRequest


def with_engine_findings(
    report: Report, engines: Sequence[tuple[Engine, str]], ignore: frozenset[str]
) -> Report:
    results = []
    for result in report.results:
        r = result.resolution
        if r is None:
            results.append(result)
            continue
        request = EngineRequest(
            max_model_len=r.request.max_model_len,
            hf_overrides=r.request.hf_overrides,
            allow_long_max_model_len=r.request.allow_long_max_model_len,
        )
        found = engine_findings(r.raw, request, engines)
        kept = [f for f in found if f.id not in ignore]
        merged = sorted(
            [*result.findings, *kept], key=lambda f: (checks.SEVERITY_ORDER[f.severity], f.id)
        )
        results.append(
            replace(
                result,
                findings=tuple(merged),
                resolution=replace(r, findings=tuple(merged)),
                ignored=result.ignored + len(found) - len(kept),
            )
        )
    return replace(report, results=tuple(results))
