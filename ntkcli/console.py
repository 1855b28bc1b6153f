"""The one place that writes to the terminal. Results go to stdout; notes, warnings and errors go
to stderr, so `--format json` output on stdout is always valid JSON on its own.

Everything shown may come from a file, a path or the Hub, so it is text, never markup (the
consoles are built with markup off; renderers style with rich.text.Text), and control characters
(terminal escapes: OSC titles, CSI colours, clear screen, bidi overrides) are shown escaped, on
every path to the terminal: tables, notes, errors and JSON.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

OutputFormat = Literal["table", "json"]

# Budget of the terminal width (NTKCLI_WIDTH or the terminal's): the plot draws one cell per
# column, so an absurd width would be absurd work. A non-number is ignored.
MIN_WIDTH, MAX_WIDTH = 20, 1000
LONG_PATH = 40  # a word with a "/" longer than this is a path, which may fold inside its cell
# C0/C1 control characters (but newline and tab), DEL, and the Unicode bidi/format controls that
# reorder or hide text on a terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def untrusted(text: str) -> str:
    """`text` with every control character shown escaped (\\x1b, \\u202e): safe on a terminal."""
    return _CONTROL.sub(_escape_char, text)


def terminal_width() -> int | None:
    """NTKCLI_WIDTH when it is a number (clamped to the budget), else None (the terminal's)."""
    text = os.environ.get("NTKCLI_WIDTH", "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return None
    return min(MAX_WIDTH, max(MIN_WIDTH, int(text)))


class _SafeConsole(Console):
    """A Console whose every rendered segment has its control characters escaped, whatever
    built it (a str cell, a Text, a Table title). Rich's own control segments (cursor moves of a
    progress bar) are left alone: they are Rich's, not the input's."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or not _CONTROL.search(segment.text):
                yield segment
            else:
                yield Segment(untrusted(segment.text), segment.style, segment.control)


def _prepare_streams() -> None:
    """A terminal or pipe that cannot encode a character gets an escape, never a crash
    (PYTHONIOENCODING=ascii, LANG=C)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            with contextlib.suppress(ValueError, OSError):  # a detached or closed stream
                reconfigure(errors="backslashreplace")


def _console(stderr: bool) -> Console:
    # Tests and CI get a stable width; a real terminal keeps its own (within the budget).
    _prepare_streams()
    width = terminal_width()
    console = _SafeConsole(
        stderr=stderr, width=width, highlight=False, soft_wrap=False, markup=False, emoji=False
    )
    if width is None and console.width > MAX_WIDTH:
        console.width = MAX_WIDTH
    return console


class Fitted:
    """A table that never breaks a number or a name inside a cell: when its narrowest layout
    (each column as wide as its longest word) does not fit the terminal, each row is stacked
    as `header  value` lines instead, so words wrap between cells, never inside one."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def _needs(self, console: Console, options: ConsoleOptions) -> tuple[int, int, Any]:
        """(overhead, narrowest width, column spans): the narrowest layout keeps every word."""
        wide = options.update_width(10**6)  # unclamped: the layout it would like
        spans = [self._span(console, wide, column) for column in self.table.columns]
        # Borders and padding: what the table needs beyond its cells' own widths.
        overhead = Measurement.get(console, wide, self.table).maximum - sum(h for _, h in spans)
        return overhead, overhead + sum(low for low, _ in spans), spans

    def _natural_fit(self, console: Console, options: ConsoleOptions) -> bool:
        """Every cell on its own lines, unwrapped, fits: no word can break (one measuring pass;
        the common case at 100 columns and more)."""
        wide = options.update_width(10**6)
        return Measurement.get(console, wide, self.table).maximum <= options.max_width

    def fits(self, console: Console, options: ConsoleOptions, lines: int | None = None) -> bool:
        """Whether the table fits the width without breaking a word inside a cell; with `lines`,
        also without wrapping any cell line (or header) shorter than `lines` characters."""
        if self._natural_fit(console, options):
            return True
        overhead, needed, spans = self._needs(console, options)
        if lines is not None:
            needed = overhead + sum(max(low, min(high, lines)) for low, high in spans)
        return needed <= options.max_width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self._natural_fit(console, options):
            yield self.table
            return
        overhead, needed, spans = self._needs(console, options)
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
        if column.no_wrap:
            return high, high
        return max(
            (
                Fitted._longest_word(c, m.minimum)
                for c, m in zip([c for c in cells if c != ""], found, strict=True)
            ),
            default=1,
        ), high

    @staticmethod
    def _longest_word(cell: Any, minimum: int) -> int:
        """The longest word that must stay whole. A long path is not one: it may fold at any
        character (a snapshot path inside site-packages is longer than a narrow terminal), while
        numbers, class names and Hub ids stay whole."""
        if not isinstance(cell, str | Text):
            return minimum
        words = [w for w in str(cell).split() if not ("/" in w and len(w) > LONG_PATH)]
        return max((len(w) for w in words), default=1)

    def _stacked(self) -> RenderResult:
        columns = self.table.columns
        rows = max((len(c._cells) for c in columns), default=0)
        headers = [str(c.header) for c in columns]
        if self.table.title:
            title = self.table.title
            yield title if isinstance(title, Text) else Text(str(title), style="bold")
        if not self.table.show_header:  # a `key  value` table: each value under its key
            for index in range(rows):
                cells = [c._cells[index] if index < len(c._cells) else "" for c in columns]
                yield cells[0] if isinstance(cells[0], Text) else Text(str(cells[0]), style="bold")
                for cell in cells[1:]:
                    yield Padding(cell, (0, 0, 0, 2))
            return
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
    """A result on stdout. A reader that left (`| head`, `| true`) ends the output quietly; the
    command still exits with its own code (validate's findings keep exit 1)."""
    try:
        _console(stderr=False).print(fit(renderable))
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def _finite(value: Any) -> Any:
    """inf, NaN and complex numbers have no JSON spelling: they are written as the strings "inf",
    "-inf", "nan" and "(1+2j)" (a negative inner term gives a complex base; an absurd input can
    overflow any number on the way). The one place that does: serializers leave numbers alone."""
    if (isinstance(value, float) and not math.isfinite(value)) or isinstance(value, complex):
        return repr(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_text(data: Any) -> str:
    """`data` as the JSON text `--format json` writes (see _finite)."""
    # json.dumps escapes C0 controls inside strings but not DEL, C1 or bidi controls; those can
    # only occur inside strings, where \\uXXXX is their valid JSON spelling.
    text = json.dumps(_finite(data), indent=2, allow_nan=False, ensure_ascii=False)
    return _CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def emit_text(text: str) -> None:
    """Plain text on stdout (no markup, wrapped by the terminal; control characters escaped)."""
    if sys.stdout is None:
        return
    _prepare_streams()
    try:
        sys.stdout.write(untrusted(text) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def emit_json(data: Any) -> None:
    text = json_text(data) + "\n"
    if sys.stdout is None:  # started with stdout closed (`>&-`): nowhere to write, as Rich does
        return
    _prepare_streams()
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


_quiet = False


def set_quiet(quiet: bool) -> None:
    """`-q/--quiet`: notes are dropped; errors and results are not."""
    global _quiet
    _quiet = quiet


def note(message: str) -> None:
    """A one-line note on stderr (e.g. 'using the bundled snapshot'), unless --quiet. The
    message is text, never markup: it can carry a path or a key from a config."""
    if _quiet:
        return
    line = Text("Note:", style="dim")
    line.append(" " + message)
    _console(stderr=True).print(line, highlight=False, soft_wrap=True)


def track(items: Sequence[str], description: str, show: bool) -> Iterator[str]:
    """Yield `items`, with a Rich progress bar on stderr when `show` (never on stdout)."""
    err = _console(stderr=True)
    if not show or not err.is_terminal:  # no stray control codes in logs and pipes
        yield from items
        return
    from rich.progress import track as rich_track

    yield from rich_track(items, description=description, console=err, transient=True)


def _write_err(line: str) -> None:
    if sys.stderr is None:
        return
    _prepare_streams()
    try:
        sys.stderr.write(untrusted(line) + "\n")
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass  # nobody is reading stderr any more


def status(message: str) -> None:
    """A plain summary line on stderr (e.g. validate's '3 inputs: 2 errors, …')."""
    _write_err(message)


def error(message: str, hint: str | None) -> None:
    """The one-line error of every failure: `Error: … (hint: …)` on stderr."""
    line = f"Error: {message}" + (f" (hint: {hint})" if hint else "")
    # Whitespace (newlines included) folds to one space; other controls are escaped.
    _write_err(" ".join(re.split(r"[ \t\n\r]+", line.strip())))


def silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
