"""Inputs a multi-input command could not read (compare), shown as validate shows them: a block
per input in the table, and an `Error:` line on stderr naming the input."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from ntkcli.analysis.compare import Unreadable


def unreadable_blocks(items: Sequence[Unreadable]) -> RenderableType:
    parts: list[RenderableType] = []
    for u in items:
        parts += [
            Text(u.model, style="bold"),
            Text("  unreadable: " + u.message, style="bold red"),
            Text(""),
        ]
    return Group(*parts)


def unreadable_line(u: Unreadable) -> str:
    """The stderr `Error:` message, naming the input when the message does not."""
    return u.message if u.model in u.message else f"{u.model}: {u.message}"
