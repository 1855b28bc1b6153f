"""`ntkcli inspect MODEL`: what vLLM resolves for one model."""

from __future__ import annotations

from dataclasses import replace

from ntkcli import checks, console, render, serialize
from ntkcli.commands import options as o
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
    *,
    source: HubOptions,
    format: o.Format = "table",
) -> None:
    """Show how vLLM resolves MODEL's RoPE: lengths, rotary class, θ, θ' and cache shape."""
    request = o.vllm_request(vllm, max_model_len, hf_overrides, allow_long_max_model_len, dtype)
    raw = o.load_model(model, source)
    resolution = resolve(raw, request)
    resolution = replace(resolution, findings=tuple(checks.check(resolution)))
    if format == "json":
        console.emit_json(serialize.resolution(resolution))
    else:
        console.emit(render.inspect_table(resolution))
