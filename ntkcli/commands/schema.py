"""`ntkcli schema COMMAND`: the JSON Schema of COMMAND's `--format json` output."""

from __future__ import annotations

from typing import Annotated

import typer

from ntkcli import console
from ntkcli.errors import UsageError

Command = Annotated[
    str | None,
    typer.Argument(
        help="inspect, compare, diff, plot, validate, models or rule.", show_default=False
    ),
]


def schema(command: Command = None) -> None:
    """Print the JSON Schema (draft 2020-12) of a command's --format json output."""
    from ntkcli.serialize.schema import commands
    from ntkcli.serialize.schema import schema as build

    known = commands()
    name = (command or "").strip().lower()
    if name not in known:
        what = "give a command" if command is None else f"no JSON schema for {command!r}"
        raise UsageError(what, hint=f"commands with JSON output are {', '.join(known)}")
    console.emit_json(build(name))
