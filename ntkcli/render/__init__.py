"""Rich renderables built from model objects. Never prints, never computes beyond formatting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ntkcli.model import Finding, Resolution
from ntkcli.numbers import byte_size, compact, exact, grouped

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def fmt_dict(value: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v!r}" for k, v in value.items()) + "}" if value else "{}"


def _vllm_label(release: str, label: str) -> str:
    """The release modelled, and what was asked when that was a name (`0.33.0 (asked: new)`):
    never `new (new)`."""
    return release if label == release else f"{release} (asked: {label})"


def _section(table: Table, title: str, rows: Iterable[tuple[str, str | Text]]) -> None:
    table.add_row(Text(title, style="bold magenta"), "")
    for key, value in rows:
        table.add_row(f"  {key}", value)
    table.add_section()


def _config_class(r: Resolution) -> str:
    if r.config_class is None:
        return "— (not built)"
    trust = "--trust-remote-code" if r.request.trust_remote_code else "no --trust-remote-code"
    known = "" if r.config_class_known else ", unknown to ntkcli"
    return f"{r.config_class} ({r.config_origin}{known}; {trust})"


def inspect_table(r: Resolution) -> RenderableType:
    rot = r.rotary
    table = Table(show_header=False, box=None, pad_edge=False, expand=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    src = r.raw.source
    source_rows: list[tuple[str, str | Text]] = [
        ("model", r.raw.model),
        ("source", src.kind + (f" ({src.snapshot} snapshot)" if src.snapshot else "")),
        ("path", src.path),
        ("revision", src.revision or "—"),
        ("vLLM", _vllm_label(r.request.vllm.release, r.request.vllm.label)),
        ("config class", _config_class(r)),
        ("transformers", f"{r.transformers} (class data of {r.transformers_label})"),
    ]
    _section(table, "Source", source_rows)
    _section(
        table,
        "Architecture",
        [
            ("model_type", r.model_type or "—"),
            ("architectures", ", ".join(r.architectures) or "—"),
            ("head_size", grouped(rot.head_size) if rot else "—"),
            ("rotary_dim", grouped(rot.rotary_dim) if rot else "—"),
        ],
    )
    _section(
        table,
        "RoPE parameters",
        [
            ("normalised", fmt_dict(r.normalised_rope)),
            ("passed to get_rope", fmt_dict(r.rope_parameters)),
        ],
    )
    d = r.derived
    length_rows: list[tuple[str, str | Text]] = []
    if d is not None:
        key = d.key or "none (fallback)"
        derived = f"{compact(d.value)} from {key}"
        if d.factor_applied and d.factor != 1.0:
            derived += f" × factor {compact(d.factor)}"
        length_rows.append(("derived", derived))
        length_rows.append(
            (
                "sentence-transformers",
                "—"
                if d.st_length is None
                else f"{d.st_length} ({r.raw.st_file}) — replaces the derived length",
            )
        )
    if r.nomic is not None:
        length_rows.append(
            ("max_trained_positions (T)", f"{r.nomic.trained_positions} ({r.nomic.trained_from})")
        )
        if r.nomic.clamped_from is not None:
            length_rows.append(
                ("Nomic clamp", f"{r.nomic.clamped_from} → {r.nomic.trained_positions} (old vLLM)")
            )
    length_rows.append(
        (
            "max_model_len",
            Text(grouped(r.max_model_len), style="bold")
            if r.refusal is None
            else Text(r.refusal.summary, style="bold red"),
        )
    )
    _section(table, "Lengths", length_rows)
    if rot is not None:
        built = "" if rot.built else " (not built: vLLM stops first)"
        rotary_rows: list[tuple[str, str | Text]] = [
            ("class", rot.rope_class + built),
            ("L (max_position)", grouped(rot.max_position)),
            ("θ (base)", exact(rot.base)),
        ]
        if rot.dynamic_formula:
            rotary_rows += [
                ("α (factor)", exact(rot.factor)),
                ("T", grouped(rot.trained_positions) if rot.trained_positions else "— (old)"),
                ("inner term", exact(rot.inner)),
            ]
        rotary_rows += [
            ("θ' (scaled base)", Text(exact(rot.scaled_base), style="bold")),
            (
                "cache shape",
                " × ".join(map(str, rot.cache_shape)) if rot.cache_shape else "— (not modelled)",
            ),
            ("cache dtype / bytes", f"{rot.dtype} / {byte_size(rot.cache_bytes)}"),
        ]
        if rot.rows_detail:
            rotary_rows.append(("cache rows", rot.rows_detail))
        if rot.mscale is not None:
            rotary_rows.append(("mscale (cos/sin ×)", exact(rot.mscale)))
        if rot.effective_base is not None:
            rotary_rows.append(("effective base", exact(rot.effective_base)))
        for name, layer in r.layer_rotaries[1:]:
            shape = " × ".join(map(str, layer.cache_shape)) if layer.cache_shape else "—"
            rotary_rows.append(
                (f"{name} layers", f"{layer.rope_class}, θ {exact(layer.base)}, {shape}")
            )
        if rot.note:
            rotary_rows.append(("note", rot.note))
        _section(table, "Rotary embedding", rotary_rows)
    code = r.model_code
    if rot is None and code is not None and code.transformers_backend:
        _section(
            table, "Rotary embedding", [("served by", f"vLLM Transformers backend: {code.note}")]
        )
    parts: list[RenderableType] = [table]
    if r.refusal is not None:
        parts.append(Text(r.refusal.sentence(), style="bold red"))
    if r.notes:
        parts.append(Text("\n".join(f"· {n.step}: {n.message}" for n in r.notes), style="dim"))
    if r.findings:
        parts.append(findings_table(r.findings))
    return Group(*parts)


def findings_table(findings: Iterable[Finding]) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("finding", overflow="fold")
    for f in findings:
        table.add_row(
            f.id,
            Text(f.severity, style=SEVERITY_STYLE[f.severity]),
            Text(f"{f.message}\nfix: {f.hint}"),
        )
    return table


def models_table(models: Iterable[Mapping[str, Any]]) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("model", no_wrap=True)
    table.add_column("kind")
    table.add_column("revision")
    table.add_column("ST file")
    for m in models:
        rev = str(m.get("revision") or "—")[:12]
        extra = m.get("revisions") or []
        if extra:
            rev = f"{rev} (+{len(extra)} other)"
        table.add_row(
            str(m["model"]),
            str(m.get("kind")),
            rev,
            "yes" if m.get("has_sentence_transformers") else "no",
        )
    return table
