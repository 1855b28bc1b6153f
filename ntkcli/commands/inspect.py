"""`ntkcli inspect MODEL`: what vLLM resolves for one model."""

from __future__ import annotations

from dataclasses import replace

from ntkcli import checks, console, render, serialize
from ntkcli.commands import options as o
from ntkcli.commands.lengths import parse_lengths
from ntkcli.sources import HubOptions
from ntkcli.vllm.pipeline import resolve


@o.with_source
def inspect(
    model: o.ModelArg,
    max_model_len: o.MaxModelLen = None,
    hf_overrides: o.HfOverrides = None,
    vllm: o.Vllm = "new",
    allow_long_max_model_len: o.AllowLong = False,
    dtype: o.Dtype = "float32",
    trust_remote_code: o.TrustRemoteCode = False,
    transformers: o.Transformers = None,
    *,
    source: HubOptions,
    format: o.Format = "table",
    engine: o.EngineOpt = None,
    lengths: o.EngineLengths = None,
) -> None:
    """Show how vLLM resolves MODEL's RoPE: lengths, rotary class, θ, θ' and cache shape."""
    request = o.with_loading(
        o.vllm_request(vllm, max_model_len, hf_overrides, allow_long_max_model_len, dtype),
        trust_remote_code,
        transformers,
    )
    engine_lengths = None if lengths is None else parse_lengths(lengths, "--lengths").lengths
    if lengths is not None and engine is None:
        engine = "vllm"  # the per-length answer is the engine view's (vLLM's keys stay beside it)
    raw = o.load_model(model, source)
    if engine is not None:
        from ntkcli.commands.engine_view import show_engine  # lazy: keeps start-up light

        name = engine.strip().lower()
        if not (name == "vllm" or name.startswith("vllm@")):
            show_engine(raw, engine, request, format, transformers, engine_lengths)
            return
        if "@" in name:
            request = o.with_loading(
                o.vllm_request(
                    name.partition("@")[2],
                    max_model_len,
                    hf_overrides,
                    allow_long_max_model_len,
                    dtype,
                ),
                trust_remote_code,
                transformers,
            )
    resolution = resolve(raw, request)
    resolution = replace(resolution, findings=tuple(checks.check(resolution)))
    if format == "json" and engine is not None:
        from ntkcli.commands.engine_view import vllm_json  # lazy: keeps start-up light

        console.emit_json(vllm_json(resolution, serialize.resolution(resolution), engine_lengths))
    elif format == "json":
        console.emit_json(serialize.resolution(resolution))
    else:
        console.emit(render.inspect_table(resolution))
