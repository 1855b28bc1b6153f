"""`ntkcli compare [MODEL ...] --len N`: vLLM new/old against the model's own code (issue #4)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Annotated

import typer

from ntkcli import console, sources
from ntkcli.commands import options as o
from ntkcli.commands.lengths import length_parser, parse_lengths
from ntkcli.sources import HubOptions
from ntkcli.vllm.overrides import parse_hf_overrides

Models = Annotated[
    list[str] | None,
    typer.Argument(
        help="Hub ids, model directories or config.json paths (default: every bundled snapshot).",
        show_default=False,
    ),
]
Lengths = Annotated[
    list[str],
    typer.Option(
        "--len",
        "--lengths",
        "-n",
        help="Sequence length N (max_model_len and input length): 8192, 8k, 32K, a list 512,2048 "
        "or a range 512..8192 (doubling); repeatable.",
        metavar="N",
        show_default=False,
    ),
]
Short = Annotated[
    int,
    typer.Option(
        "--short",
        parser=length_parser("--short", allow_zero=True),
        metavar="K",
        help="Also show a K-token input on a server started with max_model_len = N "
        "(dynamic NTK scales by the running length, so short inputs differ); 0: off.",
    ),
]


Engines = Annotated[
    str | None,
    typer.Option(
        "--engines",
        help="Engines side by side: a comma list of NAME[@VERSION] (vllm, sglang, tei, "
        "tei@head, llamacpp, ollama, transformers, sentence-transformers) or 'all'.",
        show_default=False,
    ),
]


@o.with_source
def compare(
    length: Lengths,
    models: Models = None,
    short: Short = 128,
    hf_overrides: o.HfOverrides = None,
    allow_long_max_model_len: o.AllowLong = False,
    trust_remote_code: o.TrustRemoteCode = False,
    transformers: o.Transformers = None,
    *,
    source: HubOptions,
    format: o.Format = "table",
    engines: Engines = None,
) -> None:
    """Compare vLLM new, vLLM old, transformers and Nomic's code for each MODEL at each length.

    With --engines, also each engine side by side: the longest input it serves and where that
    number comes from, its RoPE, and the base it uses for an input of N tokens."""
    from ntkcli.analysis import compare as analysis  # lazy: keeps start-up light
    from ntkcli.render.compare import compare_tables  # lazy: keeps start-up light
    from ntkcli.render.unreadable import unreadable_blocks, unreadable_line  # lazy
    from ntkcli.serialize.compare import comparison  # lazy: keeps start-up light

    lengths = parse_lengths(length, "--len").lengths
    names = models or [str(m["model"]) for m in sources.bundled_models()]
    opts = source if models else replace(source, bundled=True)
    several = analysis.fetches_from_hub(names, opts) > 1
    track = partial(console.track, description="Fetching configs", show=several)
    from ntkcli.engines.registry import parse_engines  # lazy: keeps start-up light

    chosen = parse_engines(engines) if engines else ()
    o.check_engine_transformers(transformers)
    vllm = analysis.VllmOptions(
        parse_hf_overrides(hf_overrides),
        allow_long_max_model_len,
        trust_remote_code=trust_remote_code,
        engines=chosen,
        transformers=transformers,
    )
    result = analysis.compare(
        names, opts, lengths, short, vllm, skip_failures=not models, track=track
    )
    for skipped in result.skipped:
        console.note(f"skipped {skipped.model}: {skipped.reason}")
    for failed in result.unreadable:
        console.error(unreadable_line(failed), failed.hint)
    for model in result.models:
        if models and model.source.note:
            console.note(model.source.note)
    if format == "json":
        console.emit_json(comparison(result))
    else:
        console.emit(compare_tables(result))
        if result.unreadable:
            console.emit(unreadable_blocks(result.unreadable))
    raise typer.Exit(code=result.exit_code)
