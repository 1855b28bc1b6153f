"""`plot --engine`: each chosen engine's θ' per input length, as a table under the chart. On a
long grid, rows where no engine's value changes from the row before are left out (the JSON has
every length)."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ntkcli.analysis.plot_series import BasePoint, PlotData
from ntkcli.numbers import exact

MAX_ROWS = 24  # longer grids (a range) keep only the rows where a value changes


def _cell(p: BasePoint) -> Text:
    """θ' in full, and "not served" when the engine rejects or refuses that input (why: JSON)."""
    text = Text(
        exact(p.base) if p.base is not None else p.status,
        style="" if p.base is not None else "dim",
    )
    if not p.allowed:
        text.append("\nnot served", style="bold red")
    return text


def engines_table(data: PlotData) -> RenderableType:
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("N", justify="right", no_wrap=True)
    for s in data.engines:
        table.add_column(s.label, overflow="fold", ratio=1)
    rows = list(zip(*(s.points for s in data.engines), strict=True))
    previous: tuple[str, ...] | None = None
    for i, points in enumerate(rows):
        cells = [_cell(p) for p in points]
        plain = tuple(c.plain for c in cells)
        if len(rows) <= MAX_ROWS or plain != previous or i == len(rows) - 1:
            table.add_row(str(points[0].length), *cells)
        previous = plain
    notes = Text("\n".join(f"· {s.label}: {s.description}" for s in data.engines), style="dim")
    title = Text("θ' per input length", style="bold")
    if len(rows) > MAX_ROWS:
        title.append("  (rows where no value changes are left out)", style="dim")
    return Group(title, table, notes)
