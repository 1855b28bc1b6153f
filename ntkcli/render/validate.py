"""`validate` output: one block per input (findings with their fix), and the summary line."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ntkcli.analysis.validate import InputResult, Report
from ntkcli.numbers import grouped
from ntkcli.render import SEVERITY_STYLE


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 or word == "info" else "s")


def _header(result: InputResult) -> Text:
    text = Text(result.model, style="bold")
    r = result.resolution
    if r is None:
        return text
    facts = [
        f"max_model_len {grouped(r.max_model_len)}"
        if r.refusal is None
        else (r.refusal.summary if r.refusal.verb == "stops" else f"vLLM {r.refusal.summary}")
    ]
    if r.rotary is not None and r.rotary.cache_shape:
        facts.append("cache " + " × ".join(map(str, r.rotary.cache_shape)))
    text.append("  " + " · ".join(facts), style="dim")
    return text


def _block(result: InputResult) -> RenderableType:
    header = _header(result)
    if result.error is not None:
        return Group(header, Text("  unreadable: " + result.error.message, style="bold red"))
    if not result.findings:
        ok = "  ✓ no findings" + (f" ({result.ignored} ignored)" if result.ignored else "")
        return Group(header, Text(ok, style="green"))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)  # indent
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for f in result.findings:
        grid.add_row(
            " ",
            f.id,
            Text(f.severity, style=SEVERITY_STYLE[f.severity]),
            Text(f.message + "\n") + Text("fix: " + f.hint, style="italic"),
        )
    parts: list[RenderableType] = [header, grid]
    if result.ignored:
        parts.append(Text(f"  ({result.ignored} ignored)", style="dim"))
    return Group(*parts)


def validate_report(report: Report) -> RenderableType:
    return Group(*(_block(r) for r in report.results))


def summary(report: Report) -> str:
    """The stderr summary line, e.g. '3 inputs: 2 errors, 5 warnings, 1 info; 1 unreadable'."""
    line = (
        f"{_plural(len(report.results), 'input')}: {_plural(report.total('error'), 'error')}, "
        f"{_plural(report.total('warning'), 'warning')}, {report.total('info')} info"
    )
    if report.unreadable:
        line += f"; {report.unreadable} unreadable"
    ignored = sum(r.ignored for r in report.results)
    if ignored:
        line += f"; {ignored} ignored"
    if report.strict:
        line += "; strict (warnings fail)"
    return line


def unreadable_line(result: InputResult) -> str:
    """The stderr `Error:` message of an unreadable input, naming the input when it does not."""
    assert result.error is not None
    message = result.error.message
    return message if result.model in message else f"{result.model}: {message}"
