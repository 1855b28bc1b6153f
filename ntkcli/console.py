"""The one place that writes to the terminal. Results go to stdout; notes, warnings and errors go
to stderr, so `--format json` output on stdout is always valid JSON on its own."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

OutputFormat = Literal["table", "json"]


def _console(stderr: bool) -> Console:
    # Tests and CI get a stable width; a real terminal keeps its own.
    width = int(os.environ["NTKCLI_WIDTH"]) if os.environ.get("NTKCLI_WIDTH") else None
    return Console(stderr=stderr, width=width, highlight=False, soft_wrap=False)


class Fitted:
    """A table that never breaks a number or a name inside a cell: when its narrowest layout
    (each column as wide as its longest word) does not fit the terminal, each row is stacked
    as `header  value` lines instead, so words wrap between cells, never inside one."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        wide = options.update_width(10**6)  # unclamped: the layout it would like
        spans = [self._span(console, wide, column) for column in self.table.columns]
        # Borders and padding: what the table needs beyond its cells' own widths.
        overhead = Measurement.get(console, wide, self.table).maximum - sum(h for _, h in spans)
        needed = overhead + sum(low for low, _ in spans)
        if needed > options.max_width:
            yield from self._stacked()
            return
        # Rich's own layout may squeeze a column below its longest word when the table is too
        # wide; instead give each column its longest word, then share what is left.
        spare = options.max_width - needed
        slack = sum(high - low for low, high in spans)
        if overhead + sum(high for _, high in spans) > options.max_width and slack > 0:
            for column, (low, high) in zip(self.table.columns, spans, strict=True):
                column.width = low + (spare * (high - low)) // slack
        yield self.table

    @staticmethod
    def _span(console: Console, options: ConsoleOptions, column: Any) -> tuple[int, int]:
        """(longest word, longest line) over a column's header and cells, without padding."""
        cells = [column.header, *column._cells]
        found = [Measurement.get(console, options, c) for c in cells if c != ""]
        high = max((m.maximum for m in found), default=1)
        return (high if column.no_wrap else max((m.minimum for m in found), default=1)), high

    def _stacked(self) -> RenderResult:
        columns = self.table.columns
        rows = max((len(c._cells) for c in columns), default=0)
        headers = [str(c.header) for c in columns]
        if self.table.title:
            title = self.table.title
            yield title if isinstance(title, Text) else Text(str(title), style="bold")
        for index in range(rows):
            block = Table(show_header=False, box=None, pad_edge=False)
            block.add_column(no_wrap=True, style="bold")
            block.add_column(overflow="fold")
            for header, column in zip(headers, columns, strict=True):
                cell = column._cells[index] if index < len(column._cells) else ""
                if isinstance(cell, str | Text) and not str(cell).strip():
                    continue
                block.add_row(header or "", cell)
            yield block
            if self.table.show_header and index < rows - 1:
                yield Text("")


def fit(renderable: RenderableType) -> RenderableType:
    """Every table in `renderable` (nested in groups too) made Fitted."""
    if isinstance(renderable, Table):
        for column in renderable.columns:
            column.overflow = "fold"
        return Fitted(renderable)
    if isinstance(renderable, Group):
        return Group(*(fit(part) for part in renderable.renderables))
    return renderable


def emit(renderable: RenderableType) -> None:
    _console(stderr=False).print(fit(renderable))


def emit_text(text: str) -> None:
    """Plain text on stdout (no markup, wrapped by the terminal)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n")
    sys.stdout.flush()


_quiet = False


def set_quiet(quiet: bool) -> None:
    """`-q/--quiet`: notes are dropped; errors and results are not."""
    global _quiet
    _quiet = quiet


def note(message: str) -> None:
    """A one-line note on stderr (e.g. 'using the bundled snapshot'), unless --quiet."""
    if _quiet:
        return
    _console(stderr=True).print(
        f"[dim]Note:[/dim] {message}", markup=True, highlight=False, soft_wrap=True
    )


def track(items: Sequence[str], description: str, show: bool) -> Iterator[str]:
    """Yield `items`, with a Rich progress bar on stderr when `show` (never on stdout)."""
    err = _console(stderr=True)
    if not show or not err.is_terminal:  # no stray control codes in logs and pipes
        yield from items
        return
    from rich.progress import track as rich_track

    yield from rich_track(items, description=description, console=err, transient=True)


def status(message: str) -> None:
    """A plain summary line on stderr (e.g. validate's '3 inputs: 2 errors, …')."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def error(message: str, hint: str | None) -> None:
    """The one-line error of every failure: `Error: … (hint: …)` on stderr."""
    line = f"Error: {message}" + (f" (hint: {hint})" if hint else "")
    sys.stderr.write(" ".join(line.split()) + "\n")
    sys.stderr.flush()


def silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
