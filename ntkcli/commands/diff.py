"""`ntkcli diff`: vLLM before and after PR #41277, for a model or for bare parameters (issue #3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from ntkcli import console
from ntkcli.commands import options as o
from ntkcli.commands.lengths import parse_lengths
from ntkcli.errors import EXIT_FINDINGS, UsageError
from ntkcli.model import DEFAULT_MAX_BYTES
from ntkcli.sources import HubOptions

if TYPE_CHECKING:
    from ntkcli.analysis.diff import DiffResult
    from ntkcli.engines.base import Engine
    from ntkcli.model import RawConfig, Request

BARE = "Bare parameters (no MODEL)"

OptionalModel = Annotated[
    str | None,
    typer.Argument(
        help="Hub id, model directory or config.json. Omit it to give bare parameters instead.",
        show_default=False,
    ),
]
Base = Annotated[
    float | None,
    typer.Option("--base", help="θ, the RoPE base.", show_default=False, rich_help_panel=BARE),
]
Factor = Annotated[
    float | None,
    typer.Option(
        "--factor", help="α, the dynamic-NTK factor.", show_default=False, rich_help_panel=BARE
    ),
]
RotaryDim = Annotated[
    int | None,
    typer.Option(
        "--rotary-dim",
        help="d, the rotated dims (even, ≥ 4).",
        show_default=False,
        rich_help_panel=BARE,
    ),
]
MaxPosition = Annotated[
    int | None,
    typer.Option(
        "--max-position",
        help="L, the length the rotary object is built for (new vLLM: max_model_len).",
        show_default=False,
        rich_help_panel=BARE,
    ),
]
TrainedPositions = Annotated[
    int | None,
    typer.Option(
        "--max-trained-positions",
        help="T, the trained length (new vLLM only).",
        show_default=False,
        rich_help_panel=BARE,
    ),
]
HeadSize = Annotated[
    int | None,
    typer.Option(
        "--head-size",
        help="Head size H ≥ d (default: d).",
        show_default=False,
        rich_help_panel=BARE,
    ),
]
Lengths = Annotated[
    str | None,
    typer.Option(
        "--lengths",
        help="Served lengths, one row each (L, or --max-model-len with MODEL): a list "
        "512,2048, a range 512..8192 (doubling), in vLLM's syntax (8k, 8K).",
        metavar="LENGTHS",
        show_default=False,
    ),
]
RealCaches = Annotated[
    bool,
    typer.Option(
        "--real-caches",
        help="Also build the real torch cos/sin caches, as vLLM does, and compare their values "
        "(all finite, abs max, max |Δcos|/|Δsin|). Slower; needs the torch extra: "
        "pip install 'ntkcli[torch]'. Default: the closed form only (θ', shapes, formulas).",
    ),
]
MaxBytes = Annotated[
    int,
    typer.Option(
        "--max-bytes",
        help="With --real-caches: memory budget for the real torch caches (what vLLM needs to "
        "build them); above it, shapes only.",
    ),
]
ExitCode = Annotated[
    bool,
    typer.Option("--exit-code", help="Exit 1 when old and new differ (like git diff --exit-code)."),
]
DiffEngine = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Also show this engine's answer beside old and new vLLM: NAME[@VERSION] — sglang, "
        "tei, tei@head, llamacpp, ollama, transformers, sentence-transformers, vllm@X. "
        "Needs MODEL.",
        rich_help_panel="vLLM",
        show_default=False,
    ),
]
DiffVllm = Annotated[
    str | None,
    typer.Option(
        "--vllm",
        help="Also show this vLLM release beside old and new: --vllm X is --engine vllm@X.",
        rich_help_panel="vLLM",
        show_default=False,
    ),
]


def _engine_text(engine: str | None, vllm: str | None) -> str | None:
    """--engine, or --vllm X as its shorthand --engine vllm@X."""
    if engine is not None and vllm is not None:
        raise UsageError(
            "give --engine or --vllm, not both",
            hint="--vllm X is --engine vllm@X",
        )
    return f"vllm@{vllm}" if vllm is not None else engine


def _check_mode(
    model: str | None, bare: Mapping[str, object], model_only: Mapping[str, object]
) -> None:
    given = [flag for flag, value in bare.items() if value is not None]
    if model is not None and given:
        raise UsageError(
            f"give MODEL or bare parameters, not both (got {model!r} and {', '.join(given)})",
            hint="ntkcli diff MODEL [--max-model-len N], or ntkcli diff --base θ --factor α "
            "--rotary-dim d --max-position L --max-trained-positions T",
        )
    if model is None and not given:
        raise UsageError(
            "give MODEL or bare parameters",
            hint="ntkcli diff nomic-ai/nomic-embed-text-v1 --bundled, or ntkcli diff --base 1000 "
            "--factor 2 --rotary-dim 64 --max-position 8192 --max-trained-positions 2048",
        )
    if model is None:
        used = [flag for flag, value in model_only.items() if value]
        if used:
            raise UsageError(
                f"{', '.join(used)} need MODEL; bare parameters use --max-position instead",
            )


@o.with_source
def diff(
    model: OptionalModel = None,
    max_model_len: o.MaxModelLen = None,
    hf_overrides: o.HfOverrides = None,
    allow_long_max_model_len: o.AllowLong = False,
    base: Base = None,
    factor: Factor = None,
    rotary_dim: RotaryDim = None,
    max_position: MaxPosition = None,
    max_trained_positions: TrainedPositions = None,
    head_size: HeadSize = None,
    lengths: Lengths = None,
    dtype: o.Dtype = "float32",
    trust_remote_code: o.TrustRemoteCode = False,
    transformers: o.Transformers = None,
    real_caches: RealCaches = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
    exit_code: ExitCode = False,
    engine: DiffEngine = None,
    vllm: DiffVllm = None,
    *,
    source: HubOptions,
    format: o.Format = "table",
) -> None:
    """Old vs new vLLM dynamic NTK (PR #41277): θ', cache shape and formulas (the real torch
    caches: opt-in)."""
    from ntkcli.analysis import diff as analysis  # lazy: keeps start-up light
    from ntkcli.commands import diff_params  # lazy: imports the analysis layer
    from ntkcli.render.diff import diff_table, lengths_table  # lazy: keeps start-up light
    from ntkcli.serialize.diff import diff as diff_json  # lazy: keeps start-up light

    bare_flags = {
        "--base": base,
        "--factor": factor,
        "--rotary-dim": rotary_dim,
        "--max-position": max_position,
        "--max-trained-positions": max_trained_positions,
        "--head-size": head_size,
    }
    engine_text = _engine_text(engine, vllm)
    model_flags = {
        "--max-model-len": max_model_len,
        "--hf-overrides": hf_overrides,
        "--allow-long-max-model-len": allow_long_max_model_len,
    }
    _check_mode(model, bare_flags, model_flags)
    chosen = None
    if engine_text is not None and model is None:
        flag = "--engine" if vllm is None else "--vllm"
        raise UsageError(
            f"{flag} needs MODEL: an engine reads a config",
            hint="ntkcli diff MODEL --engine sglang",
        )
    if engine_text is not None:
        from ntkcli.engines.registry import parse_engine  # lazy: keeps start-up light

        chosen = parse_engine(engine_text, "--vllm" if vllm is not None else "--engine")
    length_list = None if lengths is None else list(parse_lengths(lengths, "--lengths").lengths)
    budget = diff_params.check_max_bytes(max_bytes)
    if real_caches:
        diff_params.require_torch()
    if length_list is not None and (max_model_len is not None or max_position is not None):
        raise UsageError("--lengths replaces --max-model-len / --max-position: give one of them")
    results: analysis.DiffResult | list[analysis.DiffResult]
    if model is None:
        params = diff_params.bare_params(
            base,
            factor,
            rotary_dim,
            max_position if length_list is None else length_list[0],
            max_trained_positions,
            head_size,
            dtype,
        )
        results = (
            analysis.diff_bare(params, budget, real_caches=real_caches)
            if length_list is None
            else analysis.diff_bare_lengths(params, length_list, budget, real_caches=real_caches)
        )
    else:
        request = o.with_loading(
            o.vllm_request("new", max_model_len, hf_overrides, allow_long_max_model_len, dtype),
            trust_remote_code,
            transformers,
        )
        raw = o.load_model(model, source)
        results = (
            analysis.diff_model(raw, request, budget, real_caches=real_caches)
            if length_list is None
            else analysis.diff_model_lengths(
                raw, request, length_list, budget, real_caches=real_caches
            )
        )
        if chosen is not None:
            _emit_with_engine(raw, results, chosen, request, transformers, format)
            _exit(results, exit_code)
            return
    if format == "json":
        console.emit_json(diff_json(results))
    elif isinstance(results, list):
        console.emit(lengths_table(results))
    else:
        console.emit(diff_table(results))
    _exit(results, exit_code)


def _exit(results: DiffResult | list[DiffResult], exit_code: bool) -> None:
    differs = any(r.differs for r in results) if isinstance(results, list) else results.differs
    if exit_code and differs:
        raise typer.Exit(code=EXIT_FINDINGS)


def _emit_with_engine(
    raw: RawConfig,
    results: DiffResult | list[DiffResult],
    chosen: tuple[Engine, str],
    request: Request,
    transformers: str | None,
    format: str,
) -> None:
    """--engine: the diff, then the engine's answer beside old and new vLLM."""
    from ntkcli.analysis import diff as analysis  # lazy: keeps start-up light
    from ntkcli.commands.engine_view import engine_request  # lazy: keeps start-up light
    from ntkcli.render.diff import (  # lazy: keeps start-up light
        diff_table,
        engine_lengths_table,
        engine_side_table,
        lengths_table,
    )
    from ntkcli.serialize.diff import diff_with_engine  # lazy: keeps start-up light

    engine, version = chosen
    ask = engine_request(request, transformers=transformers)
    if isinstance(results, list):
        sides = analysis.diff_engine_lengths(raw, results, engine, version, ask)
    else:
        sides = [analysis.diff_engine(raw, results, engine, version, ask)]
    if format == "json":
        console.emit_json(diff_with_engine(results, sides))
    elif isinstance(results, list):
        console.emit(lengths_table(results))
        console.emit(engine_lengths_table(sides))
    else:
        console.emit(diff_table(results))
        console.emit(engine_side_table(sides[0]))
