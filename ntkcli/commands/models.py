"""`ntkcli models`: the snapshots bundled with ntkcli."""

from __future__ import annotations

from ntkcli import console, render, sources
from ntkcli.commands import options as o


def models(format: o.Format = "table") -> None:
    """List the config snapshots bundled with ntkcli (used offline and with --bundled)."""
    found = sources.bundled_models()
    if format == "json":
        console.emit_json(found)
    else:
        console.emit(render.models_table(found))
