"""`ntkcli validate MODEL|DIR ...`: every rule of SPEC §7 over one or many configs, CI-grade exit
codes (0 clean, 1 error findings — or warnings with --strict —, 3 an input unreadable)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ntkcli import checks, console
from ntkcli.commands import options as o
from ntkcli.sources import HubOptions

Inputs = Annotated[
    list[str],
    typer.Argument(
        help="Hub ids, model directories, config.json files, or directories to search "
        "recursively for config.json (an HF cache, a model zoo).",
        show_default=False,
    ),
]
Strict = Annotated[
    bool,
    typer.Option("--strict", help="Warnings fail the run too (exit 1).", rich_help_panel="Rules"),
]
Ignore = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        help="Rule ids never reported (repeat, or comma-separate): --ignore R05,R10.",
        rich_help_panel="Rules",
        show_default=False,
    ),
]
TransformersCheck = Annotated[
    bool,
    typer.Option(
        "--transformers-check",
        help="Also run transformers' own standardize_rope_params()/validate_rope() on each "
        "config (rules T01–T03: would transformers itself refuse or warn?). Needs "
        "ntkcli[reference]; costs ~2 s of import once. Off by default.",
        rich_help_panel="Rules",
    ),
]
NoTransformers = Annotated[  # the old opt-out, kept so existing scripts still run: now the default
    bool, typer.Option("--no-transformers", hidden=True, help="The default: no cross-check.")
]
Isolated = Annotated[
    bool,
    typer.Option(
        "--isolated",
        help="Ignore ntkcli.toml and pyproject.toml [tool.ntkcli] settings.",
        rich_help_panel="Rules",
    ),
]
FollowSymlinks = Annotated[
    bool,
    typer.Option(
        "--follow-symlinks",
        help="Follow symlinked directories when searching a DIR (each real directory once).",
        rich_help_panel="Source",
    ),
]


@o.with_source
def validate(
    inputs: Inputs,
    max_model_len: o.MaxModelLen = None,
    hf_overrides: o.HfOverrides = None,
    vllm: o.Vllm = "new",
    allow_long_max_model_len: o.AllowLong = False,
    dtype: o.Dtype = "float32",
    trust_remote_code: o.TrustRemoteCode = False,
    transformers: o.Transformers = None,
    strict: Strict = False,
    ignore: Ignore = None,
    transformers_check: TransformersCheck = False,
    no_transformers: NoTransformers = False,
    isolated: Isolated = False,
    follow_symlinks: FollowSymlinks = False,
    *,
    source: HubOptions,
    format: o.Format = "table",
    engines: o.EnginesOpt = None,
) -> None:
    """Check configs for RoPE sharp edges: NaN/complex bases, positions past the
    cache, ignored keys, refusals. Exit 0 clean, 1 errors (--strict: warnings too), 3 unreadable."""
    from ntkcli import settings  # lazy: tomllib and the settings search only for validate
    from ntkcli.analysis.validate import validate as run_validation  # lazy: keeps start-up light
    from ntkcli.render import validate as render_validate  # lazy: keeps start-up light
    from ntkcli.serialize import validate as serialize_validate  # lazy: keeps start-up light

    request = o.with_loading(
        o.vllm_request(vllm, max_model_len, hf_overrides, allow_long_max_model_len, dtype),
        trust_remote_code,
        transformers,
    )
    known = checks.all_rule_ids()
    project = settings.Settings() if isolated else settings.load_settings(Path.cwd(), known)
    ignored = project.ignore | settings.normalise_ids(ignore or [], known, "--ignore")
    report = run_validation(
        inputs,
        request,
        source,
        ignore=ignored,
        strict=strict or project.strict,
        cross_check=transformers_check and not no_transformers,
        follow_symlinks=follow_symlinks,
    )
    if engines:
        from ntkcli.analysis.engine_checks import with_engine_findings  # lazy
        from ntkcli.engines.registry import parse_engines  # lazy: keeps start-up light

        report = with_engine_findings(report, parse_engines(engines), ignored)
    for result in report.results:
        if result.error is not None:
            console.error(render_validate.unreadable_line(result), result.error.hint)
        elif not source.bundled and result.resolution and result.resolution.raw.source.note:
            console.note(result.resolution.raw.source.note)  # e.g. offline → bundled snapshot
    if format == "json":
        console.emit_json(serialize_validate.report(report))
    else:
        console.emit(render_validate.validate_report(report))
    console.status(render_validate.summary(report))
    raise typer.Exit(code=report.exit_code)
