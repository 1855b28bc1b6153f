"""Tables for engine results: one engine in detail (`inspect --engine`), and several engines
side by side (`compare --engines`). Generic over EngineResult: nothing engine-specific here."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ntkcli.engines.base import EngineResult, LengthResult
from ntkcli.model import Base
from ntkcli.render import fmt_base

STATUS_MARK = {
    "accepted": "",
    "truncated": "truncated",
    "rejected": "rejected",
    "warned": "warns",
    "refused": "refused",
}


def base_text(value: Base | str | None) -> str:
    return value if isinstance(value, str) else fmt_base(value)


def engine_name(r: EngineResult) -> str:
    return f"{r.engine.name} {r.engine.version}"


def _length_cell(x: LengthResult) -> Text:
    style = {"accepted": "green", "warned": "yellow", "truncated": "yellow"}.get(x.status, "red")
    text = Text(base_text(x.base) + "\n")
    label = x.status if x.status != "truncated" else f"truncated → {x.tokens_used}"
    text.append(label, style=style)
    return text


def _max_len(r: EngineResult) -> str:
    if r.refusal is not None and r.max_len is None:
        return "—"
    if r.max_len is None:
        return "no limit"
    return f"{r.max_len}"


def engines_table(model: str, results: Sequence[EngineResult]) -> RenderableType:
    """Engines side by side, in two tables: the longest input each serves and where that number
    comes from ("why 2048 and not 8192?"), then the base each uses for an input of N tokens and
    whether the input is served."""
    lengths = [x.len for x in results[0].lengths] if results else []
    why = Table(title=f"{model}: longest input per engine", box=box.SIMPLE_HEAD)
    why.add_column("engine", no_wrap=True)
    why.add_column("longest input", justify="right", no_wrap=True)
    why.add_column("from", overflow="fold", min_width=26)  # sentence_bert_config.json whole
    why.add_column("RoPE", overflow="fold")
    per_len = Table(title=f"{model}: base for an input of N tokens", box=box.SIMPLE_HEAD)
    per_len.add_column("engine", no_wrap=True)
    for n in lengths:
        per_len.add_column(f"N = {n}", justify="right", overflow="fold")
    for r in results:
        if r.refusal is not None and all(x.status == "refused" for x in r.lengths):
            refusal = Text(f"{r.refusal.error}: {r.refusal.message}", style="red")
            why.add_row(engine_name(r), _max_len(r), refusal, "—")
            per_len.add_row(engine_name(r), *("refused" for _ in lengths))
            continue
        why.add_row(
            engine_name(r), _max_len(r), r.max_len_key or "—", f"{r.rope_class or '—'}; {r.scaling}"
        )
        per_len.add_row(engine_name(r), *(_length_cell(x) for x in r.lengths))
    evidence = Text()
    for r in results:
        evidence.append(f"{engine_name(r)}: {r.evidence}\n", style="dim")
    return Group(why, per_len, evidence)


def engine_detail(model: str, r: EngineResult) -> RenderableType:
    """One engine in detail (`inspect --engine`)."""
    table = Table(title=f"{model}: {engine_name(r)}", box=box.SIMPLE_HEAD, show_header=False)
    table.add_column("field", no_wrap=True, style="bold")
    table.add_column("value", overflow="fold")
    rows: list[tuple[str, str]] = [
        ("config class", f"{r.config_class.name} ({r.config_class.origin})"),
        ("longest input", _max_len(r) + (f" ({r.max_len_key})" if r.max_len_key else "")),
        ("refusal", "—" if r.refusal is None else f"{r.refusal.error}: {r.refusal.message}"),
        ("RoPE", r.rope_class or "—"),
        ("θ", fmt_base(r.base)),
        ("θ' at load", base_text(r.scaled_base) if r.scaled_base is not None else "per input"),
        ("cache", "—" if r.cache_shape is None else f"{r.cache_shape[0]} × {r.cache_shape[1]}"),
        ("scaling", r.scaling),
    ]
    for label, value in rows:
        table.add_row(label, value)
    for x in r.lengths:
        status = x.status if x.status != "truncated" else f"truncated to {x.tokens_used}"
        table.add_row(f"N = {x.len}", f"{base_text(x.base)}  {status}")
    notes = Text()
    for note in r.notes:
        notes.append(f"note: {note}\n", style="dim")
    notes.append(r.evidence, style="dim")
    return Group(table, notes)
