"""The one place that writes to the terminal. Results go to stdout; notes, warnings and errors go
to stderr, so `--format json` output on stdout is always valid JSON on its own."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Literal

from rich.console import Console, RenderableType

OutputFormat = Literal["table", "json"]


def _console(stderr: bool) -> Console:
    # Tests and CI get a stable width; a real terminal keeps its own.
    width = int(os.environ["NTKCLI_WIDTH"]) if os.environ.get("NTKCLI_WIDTH") else None
    return Console(stderr=stderr, width=width, highlight=False, soft_wrap=False)


def emit(renderable: RenderableType) -> None:
    _console(stderr=False).print(renderable)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def note(message: str) -> None:
    """A one-line note on stderr (e.g. 'using the bundled snapshot')."""
    _console(stderr=True).print(
        f"[dim]Note:[/dim] {message}", markup=True, highlight=False, soft_wrap=True
    )


def error(message: str, hint: str | None) -> None:
    """The one-line error of every failure: `Error: … (hint: …)` on stderr."""
    line = f"Error: {message}" + (f" (hint: {hint})" if hint else "")
    sys.stderr.write(" ".join(line.split()) + "\n")
    sys.stderr.flush()
