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
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

OutputFormat = Literal["table", "json"]

# Budget of the terminal width (NTKCLI_WIDTH or the terminal's): the plot draws one cell per
# column, so an absurd width would be absurd work. A non-number is ignored.
MIN_WIDTH, MAX_WIDTH = 20, 1000
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


def emit(renderable: RenderableType) -> None:
    """A result on stdout. A reader that left (`| head`, `| true`) ends the output quietly; the
    command still exits with its own code (validate's findings keep exit 1)."""
    try:
        _console(stderr=False).print(renderable)
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def _json_text(data: Any) -> str:
    # json.dumps escapes C0 controls inside strings but not DEL, C1 or bidi controls; those can
    # only occur inside strings, where \\uXXXX is their valid JSON spelling.
    text = json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False)
    return _CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def emit_json(data: Any) -> None:
    text = _json_text(data) + "\n"
    if sys.stdout is None:  # started with stdout closed (`>&-`): nowhere to write, as Rich does
        return
    _prepare_streams()
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def note(message: str) -> None:
    """A one-line note on stderr (e.g. 'using the bundled snapshot')."""
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
