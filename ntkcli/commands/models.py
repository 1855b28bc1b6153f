"""`ntkcli models`: the snapshots bundled with ntkcli."""

from __future__ import annotations

from ntkcli import console, render, sources
from ntkcli.commands import options as o


def models(format: o.Format = "table") -> None:
    """List the config snapshots bundled with ntkcli (used offline and with --bundled)."""
    found = sources.bundled_models()
    if format == "json":
        from ntkcli.serialize.generic import to_json

        console.emit_json(to_json([sources.BundledSnapshot(**info) for info in found]))
    else:
        console.emit(render.models_table(found))
