"""`diff` tables: old vs new vLLM side by side, the cache comparison, and the formulas with their
numbers; or, for `--lengths`, one row per served length. Never computes: formats a DiffResult.

A terminal too narrow for the side-by-side table (about 60 columns) gets one small `key  value`
table per section instead (old vLLM, new vLLM, old vs new; or one per length), never the generic
stacking of a wide table's cells (which reads transposed here)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from ntkcli.analysis.diff import CLOSED_FORM_NOTE, DIFF_TOLERANCE, DiffResult, EngineSide, Side
from ntkcli.console import Fitted, fit
from ntkcli.engines.base import EngineResult, LengthResult
from ntkcli.numbers import byte_size, compact, exact, grouped
from ntkcli.render.engine_result import engine_name

SHORT_CELL = 34  # a cell line up to this long is a value that must not wrap in the wide layout
OLD_HEADER = "old vLLM (≤ 0.21)"
NEW_HEADER = "new vLLM (≥ 0.22)"


def _shape(s: Side) -> str:
    shape = s.cache_shape
    return "— (not modelled)" if shape is None else f"{shape[0]:,} × {shape[1]}"


def _shape_cell(s: Side) -> Text:
    text = Text(_shape(s))
    past = s.positions_past_cache
    if past and s.cache_shape is not None:
        text.append(
            f"\npositions {s.cache_shape[0]:,}…{s.max_model_len - 1 if s.max_model_len else 0:,} "
            "past the end",
            style="bold red",
        )
    return text


def _finite(s: Side) -> Text:
    c = s.cache
    if c is None:
        return Text("—", style="dim")
    if c.all_finite and c.abs_max > 1.0:  # finite, yet no cos or sin is ever above 1
        return Text("yes, but values above 1: not cos/sin, garbage", style="bold red")
    if c.all_finite:
        return Text("yes", style="green")
    return Text(f"no ({c.nan_count:,} NaN, {c.inf_count:,} inf)", style="bold red")


def _abs_max(s: Side) -> Text:
    c = s.cache
    if c is None:
        return Text("—", style="dim")
    text = Text(
        exact(c.abs_max), style="bold red" if c.abs_max > 1.0 or c.abs_max != c.abs_max else ""
    )
    if not c.all_finite and c.finite_abs_max is not None:
        text.append(f" (finite entries: {exact(c.finite_abs_max)})", style="dim")
    if c.imaginary_dropped:
        text.append("\nimaginary part dropped by the cast", style="yellow")
    return text


def _refusal_word(s: Side) -> str:
    """What vLLM does: "refuses" (a raised check) or "crashes" (any other exception)."""
    return "—" if s.refusal is None else s.refusal.verb


def _max_len(s: Side) -> Text:
    if s.refusal is not None:
        return Text(s.refusal.summary, style="bold red")
    return Text(grouped(s.max_model_len), style="bold")


def _rows(r: DiffResult) -> list[tuple[str, RenderableType, RenderableType]]:
    old, new = r.old, r.new
    rows: list[tuple[str, RenderableType, RenderableType]] = []
    if r.mode == "model":
        rows.append(("max_model_len", _max_len(old), _max_len(new)))

    def both(label: str, fn: object) -> None:
        assert callable(fn)
        rows.append((label, fn(old), fn(new)))

    both("rotary class", lambda s: s.rotary.rope_class if s.rotary else "—")
    both("L (max_position)", lambda s: grouped(s.rotary.max_position) if s.rotary else "—")
    both(
        "T (trained)",
        lambda s: (
            grouped(s.rotary.trained_positions)
            if s.rotary and s.rotary.trained_positions
            else "— (no T)"
        ),
    )
    both("θ (base)", lambda s: exact(s.rotary.base) if s.rotary else "—")
    both("α (factor)", lambda s: exact(s.rotary.factor) if s.rotary else "—")
    both("inner term", lambda s: exact(s.rotary.inner) if s.rotary else "—")
    both("θ' (scaled base)", lambda s: Text(exact(s.scaled_base), style="bold"))
    both("cache rows × cols", _shape_cell)
    both("cache dtype", lambda s: s.rotary.dtype if s.rotary else "—")
    if _closed_form_only(r):  # no cache values: one line under the table says how to get them
        return rows
    both("all finite", _finite)
    both("abs max", _abs_max)
    if old.cache_note or new.cache_note:
        both("cache", lambda s: Text(s.cache_note or "computed", style="dim"))
    return rows


def _closed_form_only(r: DiffResult) -> bool:
    """No cache computed on either side because --real-caches was not given."""
    return (
        r.old.cache is None
        and r.new.cache is None
        and CLOSED_FORM_NOTE in (r.old.cache_note, r.new.cache_note)
    )


def _comparison(r: DiffResult) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    d = r.delta
    if d is None and _closed_form_only(r):
        table.add_row("cache values", Text(CLOSED_FORM_NOTE, style="dim"))
    elif d is None:
        table.add_row("cache difference", Text(f"— ({r.delta_note})", style="dim"))
    else:
        table.add_row("rows compared", f"{d.rows_compared:,} (the rows both caches have)")
        table.add_row("max |Δcos|", exact(d.max_abs_dcos))
        table.add_row("max |Δsin|", exact(d.max_abs_dsin))
        table.add_row(
            f"first position |Δ| > {compact(d.tolerance)}",
            "none" if d.first_position is None else f"{d.first_position:,}",
        )
    if r.memory.estimated is not None and _closed_form_only(r):
        table.add_row("memory", f"vLLM needs ~{byte_size(r.memory.estimated)} to build the caches")
    elif r.memory.estimated is not None:
        state = "caches computed" if r.memory.computed else "caches not computed"
        table.add_row(
            "memory",
            f"{state}: vLLM needs ~{byte_size(r.memory.estimated, exact_count=False)} to build "
            f"them (budget {byte_size(r.memory.budget, exact_count=False)})",
        )
    verdict = (
        Text("differ: " + ", ".join(r.differences), style="bold yellow")
        if r.differs
        else Text("identical", style="bold green")
    )
    table.add_row("old vs new", verdict)
    return table


def _formulas(r: DiffResult) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold magenta", no_wrap=True)
    grid.add_column(overflow="fold")
    for s in (r.old, r.new):
        f = s.formula
        if f is None:
            continue
        lines = [f.symbolic, f.substituted, "  " + f.evaluated, f.rows]
        text = Text("\n".join(lines))
        if f.explanation:
            text.append("\n" + f.explanation, style="yellow")
        grid.add_row(f"{s.line}:", text)
    return grid


def _refusals(r: DiffResult) -> list[RenderableType]:
    out: list[RenderableType] = []
    for s in (r.old, r.new):
        if s.refusal is not None:
            out.append(
                Text(
                    s.refusal.sentence(f"{s.line} vLLM"),
                    style="bold red",
                )
            )
    return out


class _Narrow:
    """The side-by-side `wide` layout when `table` fits the width without wrapping a short cell
    (a value, a class name, a header), else the `narrow` one (one small table per section)."""

    def __init__(
        self,
        table: Table,
        wide: Sequence[RenderableType],
        narrow: Sequence[RenderableType],
        lines: int | None = SHORT_CELL,
    ) -> None:
        self.table, self.wide, self.narrow, self.lines = table, wide, narrow, lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        fits = Fitted(self.table).fits(console, options, lines=self.lines)
        yield fit(Group(*(self.wide if fits else self.narrow)))


def _pairs(title: Text | str | None = None) -> Table:
    """A small `key  value` table, headed by its section's name."""
    table = Table(
        title=title, title_justify="left", title_style="bold", show_header=False, box=None,
        pad_edge=False,
    )  # fmt: skip
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("", overflow="fold")
    return table


def diff_table(r: DiffResult) -> RenderableType:
    title = r.model if r.model else "DynamicNTKScalingRotaryEmbedding (bare parameters)"
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=False
    )
    table.add_column("", style="bold", no_wrap=True)
    table.add_column(OLD_HEADER, overflow="fold")
    table.add_column(NEW_HEADER, overflow="fold")
    rows = _rows(r)
    for label, old, new in rows:
        table.add_row(label, old, new)
    tail: list[RenderableType] = [Text(""), _formulas(r), *_refusals(r)]
    sections: list[RenderableType] = [Text(title, style="bold")]
    for index, header in enumerate((OLD_HEADER, NEW_HEADER)):
        section = _pairs(Text(header, style="bold underline"))
        for label, *cells in rows:
            section.add_row(label, cells[index])
        sections += [section, Text("")]
    comparison = _comparison(r)
    comparison.title = Text("comparison", style="bold underline")
    comparison.title_justify = "left"
    return _Narrow(table, [table, _comparison(r), *tail], [*sections, comparison, *tail])


def _side_parts(s: Side, model_mode: bool) -> tuple[Text, Text]:
    """(θ', cache) of one side in a --lengths row."""
    theta = Text()
    if model_mode and s.refusal is not None:
        theta.append(f"{_refusal_word(s)}\n", style="bold red")
    theta.append(exact(s.scaled_base), style="bold")
    cache = Text(_shape(s))
    c = s.cache
    if c is not None and not c.all_finite:
        cache.append(f"\nnot finite (abs max {exact(c.abs_max)})", style="bold red")
    elif c is not None and c.abs_max > 1.0:
        cache.append(f"\nabs max {exact(c.abs_max)}", style="bold red")
    elif c is None and s.cache_note and s.cache_note != CLOSED_FORM_NOTE:
        cache.append("\nnot computed", style="dim")
    return theta, cache


def _side_cell(s: Side, model_mode: bool) -> Text:
    theta, cache = _side_parts(s, model_mode)
    return Text("\n").join([theta, cache])


def lengths_table(results: Sequence[DiffResult]) -> RenderableType:
    first = results[0]
    title = first.model if first.model else "DynamicNTKScalingRotaryEmbedding (bare parameters)"
    model_mode = first.mode == "model"
    closed = all(_closed_form_only(r) for r in results)
    name = "max_model_len" if model_mode else "L"
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=False
    )
    table.add_column(name, justify="right", no_wrap=True)
    table.add_column(f"{OLD_HEADER}\nθ' / cache", overflow="fold")
    table.add_column(f"{NEW_HEADER}\nθ' / cache", overflow="fold")
    if not closed:
        table.add_column("max |Δcos|\nmax |Δsin|", overflow="fold")
        table.add_column("first pos\n|Δ| > 1e-3", justify="right")
    sections: list[RenderableType] = [
        Text(title, style="bold"),
        Text("old = vLLM ≤ 0.21, new = vLLM ≥ 0.22", style="dim"),
    ]
    for r in results:
        d = r.delta
        dcos = "—" if d is None else exact(d.max_abs_dcos)
        dsin = "—" if d is None else exact(d.max_abs_dsin)
        first_pos = "—" if d is None or d.first_position is None else f"{d.first_position:,}"
        cells: list[RenderableType] = [
            grouped(r.length),
            _side_cell(r.old, model_mode),
            _side_cell(r.new, model_mode),
        ]
        if not closed:
            cells += [f"{dcos}\n{dsin}", first_pos]
        table.add_row(*cells)
        table.add_section()
        section = _pairs(Text(f"{name} {grouped(r.length)}", style="bold underline"))
        for s in (r.old, r.new):
            theta, cache = _side_parts(s, model_mode)
            section.add_row(f"{s.line} θ'", theta)
            section.add_row(f"{s.line} cache", cache)
        if not closed:
            section.add_row("max |Δcos|", dcos)
            section.add_row("max |Δsin|", dsin)
            section.add_row(f"first pos |Δ| > {compact(DIFF_TOLERANCE)}", first_pos)
        sections += [section, Text("")]
    tail: list[RenderableType] = []
    if closed:
        tail.append(Text(f"cache values: {CLOSED_FORM_NOTE}", style="dim"))
    notes = [
        f"{name} {r.length}: {f.explanation}"
        for r in results
        for f in (r.new.formula,)
        if f and f.explanation
    ]
    symbolic = [f.symbolic for f in (first.old.formula, first.new.formula) if f]
    if symbolic:
        tail.append(
            Text("old: " + symbolic[0] + ("\nnew: " + symbolic[1] if len(symbolic) > 1 else ""))
        )
    if notes:
        tail.append(Text("\n".join(dict.fromkeys(notes)), style="yellow"))
    # Its cells are short lines already: the wide table as long as no word breaks.
    return _Narrow(table, [table, *tail], [*sections, *tail], lines=None)


# --- --engine: another engine beside old and new vLLM ------------------------------------------
VERDICTS = {
    "old": "old vLLM's (≤ 0.21): the same θ' as old vLLM for every input it serves",
    "new": "new vLLM's (≥ 0.22): the same θ' as new vLLM for every input it serves",
    "old and new": "old and new vLLM agree here, and the engine uses the same θ'",
    "neither": "neither: its θ' differs from old or new vLLM's for some input it serves",
}


def _status(x: LengthResult) -> str:
    return f"truncated → {x.tokens_used}" if x.status == "truncated" else x.status


def _equals(lines: Sequence[str]) -> str:
    return "= " + " = ".join(lines) if lines else "≠ old, new"


def _verdict(e: EngineSide) -> str:
    return VERDICTS[e.verdict] if e.verdict else "— (no input served with one base)"


def _cache(r: EngineResult) -> str:
    return "—" if r.cache_shape is None else f"{r.cache_shape[0]:,} × {r.cache_shape[1]}"


def engine_side_table(e: EngineSide) -> RenderableType:
    """The engine's answer with old and new vLLM's beside it, field by field."""
    r, old, new = e.result, e.old, e.new
    table = Table(
        title=f"{engine_name(r)} beside vLLM old and new",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_header=False,
        pad_edge=False,
    )
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")

    def vllm(fn: Callable[[EngineResult], str]) -> str:
        return f"\nvLLM old {fn(old)}; new {fn(new)}"

    def limit(x: EngineResult) -> str:
        return "no limit" if x.max_len is None else f"{x.max_len:,}"

    table.add_row("config class", f"{r.config_class.name} ({r.config_class.origin})")
    key = f" ({r.max_len_key})" if r.max_len_key else ""
    table.add_row("longest input", Text(limit(r) + key, style="bold") + Text(vllm(limit)))
    if r.refusal is not None:
        table.add_row("refusal", Text(f"{r.refusal.error}: {r.refusal.message}", style="bold red"))
    table.add_row("RoPE", r.rope_class or "—")
    table.add_row("θ (base)", exact(r.base))
    at_load = "per input" if r.scaled_base is None else exact(r.scaled_base)
    table.add_row(
        "θ' at load",
        Text(at_load, style="bold") + Text(vllm(lambda x: exact(x.scaled_base))),
    )
    table.add_row("cache rows × cols", _cache(r) + vllm(_cache))
    table.add_row("scaling", r.scaling)
    for x, lines, o_at, n_at in zip(r.lengths, e.equals, old.lengths, new.lengths, strict=True):
        text = Text(f"{exact(x.base)} {_status(x)}", style="bold")
        text.append(f"  {_equals(lines)}", style="cyan")
        text.append(
            f"\nvLLM old {exact(o_at.base)} {_status(o_at)}; new {exact(n_at.base)} {_status(n_at)}"
        )
        table.add_row(f"N = {x.len:,}", text)
    table.add_row("vLLM formula", Text(_verdict(e), style="bold yellow"))
    return Group(table, Text(r.evidence, style="dim"))


def engine_lengths_table(sides: Sequence[EngineSide]) -> RenderableType:
    """--lengths: one input of N tokens on the engine, beside vLLM old and new started with
    max_model_len = N (their θ' are in the table above)."""
    first = sides[0].result
    table = Table(
        title=f"{engine_name(first)}: one input of N tokens",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("N", justify="right", no_wrap=True)
    table.add_column("longest input", justify="right", no_wrap=True)
    table.add_column(f"{engine_name(first)}\nθ' / input", overflow="fold")
    table.add_column("vLLM\nold / new", overflow="fold")
    for e in sides:
        x = e.result.lengths[0]
        limit = "no limit" if e.result.max_len is None else f"{e.result.max_len:,}"
        table.add_row(
            f"{x.len:,}",
            limit,
            f"{exact(x.base)}\n{_status(x)}",
            _equals(e.equals[0]),
        )
    verdicts = {e.verdict for e in sides if e.verdict}
    summary = [VERDICTS[v] for v in VERDICTS if v in verdicts]
    key = first.max_len_key or "—"
    parts: list[RenderableType] = [table, Text(f"longest input from: {key}", style="dim")]
    if len(summary) == 1:
        parts.append(Text("vLLM formula: " + summary[0], style="bold yellow"))
    parts.append(Text(first.evidence, style="dim"))
    return Group(*parts)
