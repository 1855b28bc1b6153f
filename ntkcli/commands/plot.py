"""`ntkcli plot MODEL`: θ' against the served length for vLLM new, vLLM old and the model's own
code, and the per-pair wavelengths at one length (issue #8)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ntkcli import console
from ntkcli.commands import options as o
from ntkcli.commands.lengths import length_parser, parse_plot_lengths
from ntkcli.model import DEFAULT_POINTS, MAX_POINTS
from ntkcli.sources import HubOptions
from ntkcli.vllm.overrides import parse_hf_overrides

if TYPE_CHECKING:
    from ntkcli.engines.base import Engine

Out = Annotated[
    str | None,
    typer.Option(
        "--out",
        "-o",
        help="Write both panels to FILE.png or FILE.svg (needs ntkcli\\[plot], i.e. matplotlib). "
        "Without it, the first panel is drawn in the terminal.",
        show_default=False,
    ),
]
Lengths = Annotated[
    str | None,
    typer.Option(
        "--lengths",
        help="Lengths to plot: a range A..B (log-spaced, plus T, the zero crossing and the "
        "default max_model_len when inside it) or a list 512,1024,8192, in vLLM's syntax "
        "(8k, 8K). Default 256..32768, widened to hold those landmarks.",
        metavar="LENGTHS",
        show_default=False,
    ),
]
Points = Annotated[
    int,
    typer.Option(
        "--points", min=2, max=MAX_POINTS, help="How many log-spaced lengths a range gets."
    ),
]
At = Annotated[
    int | None,
    typer.Option(
        "--at",
        parser=length_parser("--at"),
        metavar="N",
        help="Length of the wavelength panel (default: vLLM new's default max_model_len).",
        show_default=False,
    ),
]


@o.with_source
def plot(
    model: o.ModelArg,
    out: Out = None,
    lengths: Lengths = None,
    points: Points = DEFAULT_POINTS,
    at: At = None,
    hf_overrides: o.HfOverrides = None,
    allow_long_max_model_len: o.AllowLong = False,
    trust_remote_code: o.TrustRemoteCode = False,
    transformers: o.Transformers = None,
    *,
    source: HubOptions,
    format: o.Format = "table",
    engine: o.EngineSeriesOpt = None,
) -> None:
    """Plot θ' against the served length (vLLM new, vLLM old, the model's own code) and the
    wavelengths 2π/inv_freq per dimension pair; in the terminal, or to a PNG/SVG with --out."""
    from ntkcli.render import plot_file  # lazy: keeps start-up light
    from ntkcli.render.plot_terminal import BaseChart  # lazy: keeps start-up light
    from ntkcli.serialize.plot import plot as plot_json  # lazy: keeps start-up light

    if out is not None:
        plot_file.file_format(out)  # a wrong suffix is a usage error before anything is loaded
    from ntkcli.analysis.plot_series import LengthSpec, plot_data  # lazy: light start-up

    asked = parse_plot_lengths(lengths)
    if asked is None:
        spec = LengthSpec()
    elif asked.lone_range is not None:
        spec = LengthSpec(low=asked.lone_range[0], high=asked.lone_range[1])
    else:
        spec = LengthSpec(explicit=asked.lengths)
    overrides = parse_hf_overrides(hf_overrides)
    chosen: tuple[tuple[Engine, str], ...] = ()
    if engine is not None:
        from ntkcli.engines.registry import parse_engines  # lazy: keeps start-up light

        chosen = parse_engines(engine, "--engine")
        o.check_engine_transformers(transformers)
    raw = o.load_model(model, source)
    data = plot_data(
        raw,
        overrides,
        lengths=spec,
        points=points,
        at=at,
        allow_long=allow_long_max_model_len,
        trust_remote_code=trust_remote_code,
        transformers=transformers or "5",
        engines=chosen,
        engine_transformers=transformers,
    )
    if out is not None:
        fmt, size = plot_file.write_plot(data, out)
        if format != "json":
            console.emit(plot_file.written_message(out, fmt, size))
    if format == "json":
        console.emit_json(plot_json(data, out))
    elif out is None:
        console.emit(BaseChart(data))
    if format != "json" and data.engines:
        from ntkcli.render.plot_engines import engines_table  # lazy: keeps start-up light

        console.emit(engines_table(data))
