"""`compare` tables: per model, one row per length (and per short input), one column per
runtime. Numbers are never cut: θ' is printed in full (repr) and folds onto a second line when a
column is narrow; only labels are abbreviated. Fits 100 columns."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ntkcli.analysis.compare import (
    REFERENCE_LABELS,
    Comparison,
    Divergence,
    ModelComparison,
    RuntimeColumn,
    Runtimes,
)
from ntkcli.model import refusal_verb
from ntkcli.numbers import exact
from ntkcli.render.engine_result import engines_table

RUNTIME_HEADERS = ("vLLM new", "vLLM old", "transformers", "Nomic's code")


def _vllm(c: RuntimeColumn) -> Text:
    text = Text(exact(c.scaled_base) + "\n")
    text.append("—" if c.cache_rows is None else f"{c.cache_rows:,} rows")
    style = "green" if c.status == "allowed" else "bold red"
    status = c.status
    if c.status == "refused" and c.refusal:  # say what happens: a check or a crash
        status = f"{refusal_verb(c.refusal)}: {c.refusal.split(':', 1)[0]}"
    text.append("\n" + status, style=style)
    return text


def _reference(c: RuntimeColumn | None) -> Text:
    if c is None:
        return Text("—", style="dim")
    text = Text(exact(c.scaled_base))
    if c.runtime == "transformers":
        text.append("\n" + ("NTK (N > max pos)" if c.scaled else "θ (N ≤ max pos)"))
        text.append("\nno cache", style="dim")
    else:
        labels = {"dynamic NTK": "θ (N ≤ T)", "plain RoPE": "plain"}
        label = "NTK (N > T)" if c.scaled else labels.get(c.rope, "no rotation")
        text.append("\n" + label)
        if c.cache_rows is not None:
            text.append(f"\n{c.cache_rows:,} rows", style="dim")
    if c.note is not None and c.scaled_base is None:
        text.append(f"\n{c.note}", style="red")
    elif c.note is not None and c.note.startswith("check failed"):
        text.append("\ncheck failed", style="bold red")
    return text


def _divergence(d: Divergence) -> Text:
    if d.relative_base is None or d.max_angle is None:
        return Text(f"n/a: {d.reason}", style="dim")
    same = d.relative_base == 0.0 and d.max_angle == 0.0
    rel = "0" if d.relative_base == 0.0 else f"{d.relative_base:+.6g}"
    text = Text(f"Δθ' {rel}\n", style="green" if same else "bold yellow")
    text.append(f"Δ∠ {d.max_angle:.6g} rad", style="green" if same else "bold yellow")
    return text


def _cells(r: Runtimes, d: Divergence) -> list[RenderableType]:
    return [
        _vllm(r.vllm_new),
        _vllm(r.vllm_old),
        _reference(r.transformers),
        _reference(r.nomic),
        _divergence(d),
    ]


def model_table(m: ModelComparison) -> RenderableType:
    title = Text(m.model, style="bold")
    theta = exact(m.theta)
    dim = "—" if m.rotary_dim is None else str(m.rotary_dim)
    title.append(
        f"  {m.model_type or '—'} · rope {m.rope_type} · θ {theta} · d {dim}"
        f" · ref: {REFERENCE_LABELS[m.reference]}",
        style="not bold",
    )
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        header_style="bold",
        show_lines=True,
    )
    table.add_column("N", justify="right", no_wrap=True)
    for header in RUNTIME_HEADERS:
        table.add_column(header, overflow="fold", ratio=1)
    table.add_column(f"vs {REFERENCE_LABELS[m.reference]}", overflow="fold", ratio=1)
    for row in m.rows:
        table.add_row(str(row.length), *_cells(row.runtimes, row.divergence))
        if row.short is not None:
            table.add_row(
                Text(f"↳{row.short.length}", style="cyan"),
                *_cells(row.short.runtimes, row.short.divergence),
            )
    parts: list[RenderableType] = [title, table]
    if m.notes:
        parts.append(Text("\n".join(f"· {n}" for n in m.notes), style="dim"))
    return Group(*parts)


def legend(c: Comparison) -> Text:
    lines = [
        "Each cell: θ' (full precision), then cache rows and status. N: vLLM runs with "
        "max_model_len = N and the input has N tokens.",
        "Δθ': (θ'_vLLM new − θ'_ref) / θ'_ref.  Δ∠: max |Δangle| in radians over positions < N.",
    ]
    if c.short:
        lines.append(
            f"↳{c.short}: a {c.short}-token input on the same server (rule R05: vLLM new's θ' "
            "depends on max_model_len, not on the input)."
        )
    return Text("\n".join(lines), style="dim")


def _engine_divergence(m: ModelComparison) -> RenderableType:
    """Per engine and length: max |Δangle| from the reference runtime, in radians."""
    table = Table(
        title=f"divergence from {REFERENCE_LABELS[m.reference]} (max |Δangle|, rad)",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("engine", no_wrap=True)
    for row in m.rows:
        table.add_column(f"N = {row.length}", justify="right", overflow="fold")
    for i, result in enumerate(m.engines):
        cells = []
        for row in m.rows:
            at = row.engines[i]
            cells.append(f"{at.max_angle:.3g}" if at.max_angle is not None else at.reason or "—")
        table.add_row(f"{result.engine.name} {result.engine.version}", *cells)
    return table


def compare_tables(c: Comparison) -> RenderableType:
    parts: list[RenderableType] = []
    for m in c.models:
        parts += [model_table(m), Text("")]
        if m.engines:
            parts += [engines_table(m.model, m.engines), _engine_divergence(m), Text("")]
    parts.append(legend(c))
    return Group(*parts)
